package monitoring

import (
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// decayWindows makes daily windows from a pattern: A breaches accuracy,
// D drift, X both, G neither (accuracy judged and good).
func decayWindows(t0 time.Time, pattern string) []*lodestar.WindowResult {
	var out []*lodestar.WindowResult
	for i, c := range pattern {
		w := &lodestar.WindowResult{Start: t0.AddDate(0, 0, i), End: t0.AddDate(0, 0, i+1), Events: 100,
			Metrics: map[string]float64{"accuracy": 0.9}, Breaches: []string{}}
		switch c {
		case 'A':
			w.Metrics["accuracy"], w.Breaches = 0.6, []string{"accuracy"}
		case 'D':
			w.Breaches = []string{"drift"}
		case 'X':
			w.Metrics["accuracy"], w.Breaches = 0.6, []string{"accuracy", "drift"}
		}
		out = append(out, w)
	}
	return out
}

// TestRetrainReasonCountsEachKind: a retraining task's reason says what
// the streak's windows breached — each breached accuracy or drift, so many
// accuracy and so many drift — not the last window's kinds as if every
// window had breached them (the demo's recsys task read "accuracy and
// drift breached for 7 windows in a row" where only two windows of seven
// breached both).
func TestRetrainReasonCountsEachKind(t *testing.T) {
	t0 := time.Date(2026, 8, 22, 0, 0, 0, 0, time.UTC)
	m := &lodestar.Monitor{Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.72, Drift: true}, RetrainAfter: 7}
	for _, c := range []struct {
		name, recent, pattern, want string
	}{
		// The demo's week: 22 Aug accuracy only, 23 drift only, 24 and
		// 28 both; the last window breaching both said nothing of the rest.
		{"mixed", "", "ADXAAAX", "Accuracy or drift breached in each of 7 windows in a row, to 2026-08-29T00:00:00Z: accuracy in 6, drift in 3."},
		{"accuracy only", "", "AAAAAAA", "Accuracy breached in each of 7 windows in a row, to 2026-08-29T00:00:00Z."},
		{"drift only", "", "DDDDDDD", "Drift breached in each of 7 windows in a row, to 2026-08-29T00:00:00Z."},
		// A good window ends the streak and its counts: the drift before it is not counted.
		{"after a good window", "", "DDGAAAAAAA", "Accuracy breached in each of 7 windows in a row, to 2026-09-01T00:00:00Z."},
		// The streak and its counts run on from the stored windows.
		{"across runs", "DD", "AAAAX", "Accuracy or drift breached in each of 7 windows in a row, to 2026-08-29T00:00:00Z: accuracy in 5, drift in 3."},
	} {
		all := decayWindows(t0, c.recent+c.pattern)
		ev := Decide(m, nil, all[:len(c.recent)], false, all[len(c.recent):])
		if len(ev.Tasks) != 1 {
			t.Errorf("%s: got %d tasks, want 1", c.name, len(ev.Tasks))
			continue
		}
		if got := ev.Tasks[0].Reason; got != c.want {
			t.Errorf("%s: reason %q, want %q", c.name, got, c.want)
		}
	}
}

// TestRetrainReasonWordedInChinese: the reason a task stores is worded in
// each language where people read it (a chat webhook's second line).
func TestRetrainReasonWordedInChinese(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	end := time.Date(2026, 8, 29, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		kinds map[string]int
		want  string
	}{
		{map[string]int{"accuracy": 5, "drift": 4}, "截至 2026年8月29日 00:00 UTC，连续 7 个窗口每个都超出准确率或漂移阈值：准确率超限 5 个，漂移超限 4 个。"},
		{map[string]int{"accuracy": 7}, "截至 2026年8月29日 00:00 UTC，连续 7 个窗口准确率均低于阈值。"},
		{map[string]int{"drift": 7}, "截至 2026年8月29日 00:00 UTC，连续 7 个窗口漂移均超出阈值。"},
	} {
		reason := retrainReason(7, c.kinds, end)
		if got := b.Message("zh-CN", reason); got != c.want {
			t.Errorf("%q in Chinese: %q, want %q", reason, got, c.want)
		}
		// The time as the pages write it, in each language.
		en := strings.Replace(reason, "2026-08-29T00:00:00Z", "29 Aug 2026 00:00 UTC", 1)
		if got := b.Message("en", reason); got != en {
			t.Errorf("%q in English: %q, want %q", reason, got, en)
		}
		payload := `{"event":"retraining.opened","model":"recsys","task":{"version":"3.1","reason":"` + reason + `"}}`
		text, err := chatText(b, []byte(payload))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(text, "Lodestar · recsys 3.1: retraining task opened. "+en) || !strings.Contains(text, "已创建再训练任务。"+c.want) {
			t.Errorf("chat text %q lacks the reason in both languages", text)
		}
	}
}
