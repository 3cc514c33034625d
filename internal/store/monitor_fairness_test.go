package store_test

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestMonitorFairness: fairness thresholds are checked field by field
// (nothing saved when one is wrong), kept with the monitor's settings,
// and a window's fairness per group is stored and read back.
func TestMonitorFairness(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Credit"})
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "risk", Name: "Risk"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
			t.Fatal(err)
		}
		mk := func(task string, groups []string, th lodestar.MonitorThresholds) lodestar.Monitor {
			return lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "Fair", Task: task, Window: "day", Numeric: []string{"x"},
				Groups: groups, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: th}
		}
		before := f.counts()
		for _, c := range []struct {
			in     lodestar.Monitor
			fields []string
		}{
			{mk("binary", nil, lodestar.MonitorThresholds{Fairness: true}), []string{"thresholds.fairness"}},
			{mk("regression", []string{"age_group"}, lodestar.MonitorThresholds{Fairness: true}), []string{"thresholds.fairness"}},
			{mk("binary", []string{"age_group"}, lodestar.MonitorThresholds{Fairness: true, FairnessMinImpactRatio: 1.2,
				FairnessMaxEqualOpportunity: -0.1, FairnessMinGroup: -1, FairnessFavourable: "good"}),
				[]string{"thresholds.fairness_favourable", "thresholds.fairness_max_equal_opportunity", "thresholds.fairness_min_group", "thresholds.fairness_min_impact_ratio"}},
		} {
			_, err := f.s.CreateMonitor(f.ctx, c.in, []byte("x\n1\n"))
			wantError(t, err, lodestar.EInvalid, c.fields...)
		}
		f.wantUnchanged(before)

		th := lodestar.MonitorThresholds{Fairness: true, FairnessMinImpactRatio: 0.75, FairnessMaxEqualOpportunity: 0.1,
			FairnessMinGroup: 50, FairnessFavourable: "negative"}
		mon, err := f.s.CreateMonitor(f.ctx, mk("", []string{"age_group"}, th), []byte("x\n1\n"))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := f.s.FindMonitorByID(f.ctx, mon.ID); err != nil || got.Thresholds != th {
			t.Errorf("thresholds read back: %+v, %v; want %+v", got.Thresholds, err, th)
		}
		ratio, sel := 0.62, 0.31
		t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		fair := []lodestar.WindowFairness{{Attribute: "age_group", MinGroupSize: 50, Favourable: "negative", Reference: "30 and over",
			MinImpactRatio: &ratio, Groups: []lodestar.GroupFairness{{Group: "under 30", Events: 60, Labelled: 0, Decides: true,
				SelectionRate: &sel, ImpactRatio: &ratio}}}}
		w := &lodestar.WindowResult{Start: t0, End: t0.Add(24 * time.Hour), Events: 60, Metrics: map[string]float64{"min_impact_ratio": ratio},
			Breaches: []string{"fairness"}, Fairness: fair}
		plain := &lodestar.WindowResult{Start: t0.Add(24 * time.Hour), End: t0.Add(48 * time.Hour), Events: 5, Metrics: map[string]float64{}, Breaches: []string{}}
		if err := f.s.SaveEvaluation(f.ctx, mon.ID, t0.Add(48*time.Hour), &lodestar.Evaluation{Windows: []*lodestar.WindowResult{w, plain},
			Opened: []*lodestar.Alert{{Kind: "fairness", Value: ratio, Threshold: 0.75, Message: "skew", OpenedAt: t0}}}); err != nil {
			t.Fatal(err)
		}
		ws, _, err := f.s.PageWindows(f.ctx, mon.ID, time.Time{}, 10)
		if err != nil || len(ws) != 2 {
			t.Fatalf("windows: %d, %v", len(ws), err)
		}
		g := ws[0].Fairness
		if len(g) != 1 || g[0].Reference != "30 and over" || *g[0].MinImpactRatio != ratio || g[0].EqualOpportunityDifference != nil ||
			len(g[0].Groups) != 1 || *g[0].Groups[0].ImpactRatio != ratio || g[0].Groups[0].TPR != nil || !g[0].Groups[0].Decides {
			t.Errorf("fairness read back: %+v", g)
		}
		if ws[1].Fairness != nil {
			t.Errorf("a window without fairness read back %+v", ws[1].Fairness)
		}
		if as, _ := f.s.ListAlerts(f.ctx, m.ID, true); len(as) != 1 || as[0].Kind != "fairness" {
			t.Errorf("alerts: %+v", as)
		}
	})
}
