package monitoring

import (
	"encoding/json"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// A drift alert says how many features were tested and how many of them
// drifted: 2 of 3 features drifted and the third had no values, so not
// tested; "100% of features drifted" read as all three. Its text is the
// same in both languages, on the web and in chat; an alert opened before
// the message named the counts keeps its share-only text.
func TestDriftAlertCountsTestedFeatures(t *testing.T) {
	d := monitor.Summarize([]monitor.FeatureDrift{
		{Name: "x", Kind: monitor.Numeric, Test: monitor.TestKS, Drifted: true},
		{Name: "y", Kind: monitor.Numeric, Test: monitor.TestKS, Drifted: true},
		{Name: "colour", Kind: monitor.Categorical, Test: monitor.TestNone},
	}, monitor.Thresholds{Share: 0.5})
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	w := &lodestar.WindowResult{Drift: raw, DriftShare: d.ShareDrifted, DatasetDrift: d.Drift}
	a := alertFor("drift", w, lodestar.MonitorThresholds{Drift: true, DriftShare: 0.5})
	if want := "Dataset drift: 2 of 2 tested features drifted (100%; threshold 50%)."; a.Message != want {
		t.Errorf("message %q, want %q", a.Message, want)
	}

	b, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	for loc, want := range map[string]string{
		"en":    "2 of 2 tested features drifted (100%; threshold 50%).",
		"zh-CN": "已检验的 2 个特征中有 2 个发生漂移（100%；阈值 50%）。",
	} {
		if got := AlertText(b, loc, a); got != want {
			t.Errorf("AlertText %s: %q, want %q", loc, got, want)
		}
	}
	if got, want := b.Message("zh-CN", a.Message), "数据集漂移：已检验的 2 个特征中有 2 个发生漂移（100%；阈值 50%）。"; got != want {
		t.Errorf("the message in Chinese: %q, want %q", got, want)
	}
	old := &lodestar.Alert{Kind: "drift", Value: 0.6, Threshold: 0.5, Message: "Dataset drift: 60% of features drifted (threshold 50%)."}
	if got, want := AlertText(b, "en", old), "60% of features drifted (threshold 50%)."; got != want {
		t.Errorf("AlertText of an older alert: %q, want %q", got, want)
	}
}
