package app_test

import (
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestIterationShowsTaskAwaitingMetrics checks that a retraining task
// whose new version went live without the metrics it closes with reads as
// awaiting them, in either language, rather than closed with a blank
// "after".
func TestIterationShowsTaskAwaitingMetrics(t *testing.T) {
	f := start(t, fixtureOpts{})
	m, _, _ := f.teamVersion("Churn", "churn", "Churn")
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	mon, err := f.app.Store.CreateMonitor(sys(), lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "M", Window: "hour", Numeric: []string{"x"},
		Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("x\n1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.app.Store.SaveEvaluation(sys(), mon.ID, t0.Add(time.Hour), &lodestar.Evaluation{
		Windows: []*lodestar.WindowResult{{Start: t0, End: t0.Add(time.Hour), Events: 10, Labelled: 10, Metrics: map[string]float64{"accuracy": 0.6}, Drift: []byte(`{"columns":[]}`)}},
		Tasks:   []*lodestar.RetrainingTask{{Reason: "decay", Before: map[string]float64{"events": 10, "drift_share": 0, "accuracy": 0.6}, OpenedAt: t0.Add(time.Hour)}}}); err != nil {
		t.Fatal(err)
	}
	rc, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "3.0-rc"})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
		if _, err := f.app.Store.SetModelVersionStatus(sys(), rc.ID, st, "shadow test passed"); err != nil {
			t.Fatal(err)
		}
	}
	u := f.user(lodestar.RoleAITeam, "ai@example.com")
	c, _, _ := f.signIn(u, time.Hour)
	for lang, want := range map[string][]string{
		"en":    {"awaiting metrics", "Awaiting the metrics of 3.0-rc, now live"},
		"zh-CN": {"等待指标", "等待已上线的 3.0-rc 提供指标"},
	} {
		if err := f.app.Store.SetLocale(sys(), u.ID, lang); err != nil {
			t.Fatal(err)
		}
		page := f.get(c, "/iteration")
		for _, w := range want {
			if !strings.Contains(page.body, w) {
				t.Errorf("%s: the iteration page does not say %q", lang, w)
			}
		}
	}
}
