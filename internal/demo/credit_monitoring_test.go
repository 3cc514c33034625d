package demo_test

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// checkCreditMonitor: the credit scorer's daily monitor, grouped by age,
// shows in its windows the skew the fairness audit found — under 30's
// impact ratio (not being flagged) near the audit's and below 0.8 against
// 30 and over, good customers under 30 flagged about as often as in the
// audit — and its fairness alert opened before the switch was flipped.
func checkCreditMonitor(t *testing.T, ctx context.Context, st *store.Store, sw *lodestar.Switch, audit *fairness.Report) {
	t.Helper()
	mons, err := st.ListMonitors(ctx, sw.ModelID)
	if err != nil || len(mons) != 1 {
		t.Fatalf("credit-risk monitors: %d, %v; want 1", len(mons), err)
	}
	mon := mons[0]
	if !slices.Equal(mon.Groups, []string{"age_group"}) || !mon.Thresholds.Fairness || mon.Thresholds.FairnessFavourable != "negative" {
		t.Errorf("credit monitor: groups %v, thresholds %+v", mon.Groups, mon.Thresholds)
	}
	ws, err := st.ListWindows(ctx, mon.ID, 500)
	if err != nil || len(ws) != 28 {
		t.Fatalf("credit windows: %d, %v; want 28 (four weeks)", len(ws), err)
	}
	var audYoung, audOlder fairness.GroupMetrics
	for _, g := range audit.Groups {
		switch g.Group {
		case "under 30":
			audYoung = g
		case "30 and over":
			audOlder = g
		}
	}
	var young, older fairness.Counts
	sumIR, breaches := 0.0, 0
	for _, w := range ws {
		if len(w.Fairness) != 1 || w.Fairness[0].Reference != "30 and over" || w.Fairness[0].MinImpactRatio == nil {
			t.Fatalf("window %s: fairness %+v; want age_group against 30 and over", w.Start, w.Fairness)
		}
		sumIR += *w.Fairness[0].MinImpactRatio
		if slices.Contains(w.Breaches, "fairness") {
			breaches++
		}
		for _, g := range w.Fairness[0].Groups {
			c := fairness.Counts{TP: g.TP, FP: g.FP, TN: g.TN, FN: g.FN}
			if g.Group == "under 30" {
				young = young.Plus(c)
			} else {
				older = older.Plus(c)
			}
		}
	}
	meanIR := sumIR / float64(len(ws))
	youngFPR := float64(young.FP) / float64(young.FP+young.TN)
	olderFPR := float64(older.FP) / float64(older.FP+older.TN)
	t.Logf("monitor: mean impact ratio %.3f (audit %.3f), %d of %d windows breach; FPR under 30 %.3f (audit %.3f), 30 and over %.3f (audit %.3f)",
		meanIR, audYoung.ImpactRatio.Value, breaches, len(ws), youngFPR, audYoung.FPR.Value, olderFPR, audOlder.FPR.Value)
	if !(meanIR < fairness.FourFifths) || math.Abs(meanIR-audYoung.ImpactRatio.Value) > 0.05 || breaches < len(ws)*2/3 {
		t.Errorf("mean impact ratio %.3f (audit %.3f), %d of %d windows breaching; want near the audit, below 0.8, most breaching",
			meanIR, audYoung.ImpactRatio.Value, breaches, len(ws))
	}
	if math.Abs(youngFPR-audYoung.FPR.Value) > 0.04 || math.Abs(olderFPR-audOlder.FPR.Value) > 0.03 {
		t.Errorf("FPR under 30 %.3f, 30 and over %.3f; want near the audit's %.3f and %.3f", youngFPR, olderFPR, audYoung.FPR.Value, audOlder.FPR.Value)
	}
	alerts, err := st.ListAlerts(ctx, sw.ModelID, false)
	if err != nil {
		t.Fatal(err)
	}
	var fair []*lodestar.Alert
	for _, a := range alerts {
		if a.Kind == "fairness" {
			fair = append(fair, a)
		}
	}
	if len(fair) == 0 || !fair[len(fair)-1].OpenedAt.Before(sw.ChangedAt) || fair[len(fair)-1].OpenedAt.Before(ws[0].Start) {
		t.Fatalf("fairness alerts %+v; want one opened within the watched weeks, before the switch (%s)", fair, sw.ChangedAt)
	}
	if a := fair[0]; a.Status != lodestar.AlertOpen || !(a.Value < 0.8) || a.Threshold != 0.8 {
		t.Errorf("latest fairness alert: %+v; want open, below 0.8", a)
	}
	// The risk officer took it on when she switched the model off: open
	// (the model is not retrained) but not neglected.
	if a := fair[0]; a.AckedBy != "risk@demo.lodestar" || a.AckNote == "" || a.AckedAt.Before(sw.ChangedAt) || a.AckedAt.After(sw.ChangedAt.Add(time.Hour)) {
		t.Errorf("fairness alert: acknowledged %s by %q (%q); want by the risk officer when she switched the model off (%s)", a.AckedAt, a.AckedBy, a.AckNote, sw.ChangedAt)
	}
	t.Logf("fairness alert opened %s, switch flipped %s", fair[0].OpenedAt.Format(time.DateOnly), sw.ChangedAt.Format(time.DateOnly))
}
