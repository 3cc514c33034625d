package web

import (
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// TestTaskTextSaysWhatOpenedIt: a retraining task's "Why" is its stored
// reason in the page's language — a task drift opened reads as drift, not
// as "sustained decay" with the accuracy it still had (the demo's
// recommender read "Sustained decay: accuracy 0.822, 67% of features
// drifted" for a task opened by drift in 7 windows and accuracy in 1) —
// then the share of features that drifted in its last window.
func TestTaskTextSaysWhatOpenedIt(t *testing.T) {
	b := i18n.MustLoad()
	en := &Page{ID: &httpx.Identity{Locale: "en"}, bundle: b}
	zh := &Page{ID: &httpx.Identity{Locale: "zh-CN"}, bundle: b}
	for _, c := range []struct {
		name   string
		task   lodestar.RetrainingTask
		en, zh string
	}{
		{"opened by drift, accuracy still high",
			lodestar.RetrainingTask{Reason: "Accuracy or drift breached in each of 7 windows in a row, to 2026-08-29T00:00:00Z: accuracy in 1, drift in 7.",
				Before: map[string]float64{"accuracy": 0.822, "drift_share": 2.0 / 3}},
			"Accuracy or drift breached in each of 7 windows in a row, to 29 Aug 2026 00:00 UTC: accuracy in 1, drift in 7. In the last of them, 67% of features drifted.",
			"截至 2026年8月29日 00:00 UTC，连续 7 个窗口每个都超出准确率或漂移阈值：准确率超限 1 个，漂移超限 7 个。其中最后一个窗口有 67% 的特征漂移。"},
		{"drift alone",
			lodestar.RetrainingTask{Reason: "Drift breached in each of 7 windows in a row, to 2026-08-29T00:00:00Z.",
				Before: map[string]float64{"accuracy": 0.9, "drift_share": 0.5}},
			"Drift breached in each of 7 windows in a row, to 29 Aug 2026 00:00 UTC. In the last of them, 50% of features drifted.",
			"截至 2026年8月29日 00:00 UTC，连续 7 个窗口漂移均超出阈值。其中最后一个窗口有 50% 的特征漂移。"},
		{"accuracy alone, no drift",
			lodestar.RetrainingTask{Reason: "Accuracy breached in each of 3 windows in a row, to 2026-08-29T00:00:00Z.",
				Before: map[string]float64{"accuracy": 0.61, "drift_share": 0}},
			"Accuracy breached in each of 3 windows in a row, to 29 Aug 2026 00:00 UTC.",
			"截至 2026年8月29日 00:00 UTC，连续 3 个窗口准确率均低于阈值。"},
		// Tasks opened before the reasons above (stored as such, read
		// after an upgrade): the old sentence named the last window's
		// breaches as if every window of the streak had breached them.
		{"old reason, both in the last window",
			lodestar.RetrainingTask{Reason: "accuracy and drift breached for 7 windows in a row (to 2026-08-29T00:00:00Z).",
				Before: map[string]float64{"accuracy": 0.7, "drift_share": 2.0 / 3}},
			"Accuracy or drift breached in each of 7 windows in a row, to 29 Aug 2026 00:00 UTC; both in the last. In the last of them, 67% of features drifted.",
			"截至 2026年8月29日 00:00 UTC，连续 7 个窗口每个都超出准确率或漂移阈值，最后一个窗口两者均超出。其中最后一个窗口有 67% 的特征漂移。"},
		{"old reason, accuracy in the last window",
			lodestar.RetrainingTask{Reason: "accuracy breached for 3 windows in a row (to 2026-08-29T00:00:00Z).",
				Before: map[string]float64{"accuracy": 0.61}},
			"Accuracy or drift breached in each of 3 windows in a row, to 29 Aug 2026 00:00 UTC; accuracy in the last.",
			"截至 2026年8月29日 00:00 UTC，连续 3 个窗口每个都超出准确率或漂移阈值，最后一个窗口超出准确率阈值。"},
		{"old reason, drift in the last window",
			lodestar.RetrainingTask{Reason: "drift breached for 4 windows in a row (to 2026-08-29T00:00:00Z).",
				Before: map[string]float64{"drift_share": 0.5}},
			"Accuracy or drift breached in each of 4 windows in a row, to 29 Aug 2026 00:00 UTC; drift in the last. In the last of them, 50% of features drifted.",
			"截至 2026年8月29日 00:00 UTC，连续 4 个窗口每个都超出准确率或漂移阈值，最后一个窗口超出漂移阈值。其中最后一个窗口有 50% 的特征漂移。"},
		{"no reason recorded",
			lodestar.RetrainingTask{Before: map[string]float64{"accuracy": 0.822, "drift_share": 2.0 / 3}},
			"At opening: accuracy 0.822, 67% of features drifted.",
			"开启时：准确率 0.822，67% 的特征漂移。"},
		{"no reason, no accuracy",
			lodestar.RetrainingTask{Before: map[string]float64{"drift_share": 0.25}},
			"At opening: 25% of features drifted.",
			"开启时：25% 的特征漂移。"},
	} {
		if got := en.TaskText(&c.task); got != c.en {
			t.Errorf("%s in English:\n got %q\nwant %q", c.name, got, c.en)
		}
		if got := zh.TaskText(&c.task); got != c.zh {
			t.Errorf("%s in Chinese:\n got %q\nwant %q", c.name, got, c.zh)
		}
		for _, s := range []string{en.TaskText(&c.task), zh.TaskText(&c.task)} {
			if strings.Contains(s, "decay") || strings.Contains(s, "退化") {
				t.Errorf("%s: %q reads as decay", c.name, s)
			}
		}
	}
}
