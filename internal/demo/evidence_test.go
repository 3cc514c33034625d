package demo_test

import (
	"encoding/json"
	"math"
	"slices"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
	"github.com/lodestar-hq/lodestar/internal/evidence"
)

// TestDemoBankEvidence checks the bank story's evidence comes out of the
// engines as the story says: good customers under 30 are flagged
// high-risk at least twice as often as older good customers, the
// four-fifths rule fails, and the explanation shows credit history on top.
func TestDemoBankEvidence(t *testing.T) {
	ctx, st := loadDemo(t)
	sw, err := st.FindSwitch(ctx, "credit-risk")
	if err != nil {
		t.Fatal(err)
	}
	vs, err := st.ListModelVersions(ctx, sw.ModelID)
	if err != nil || len(vs) != 1 {
		t.Fatalf("credit-risk versions: got %d, %v; want 1", len(vs), err)
	}
	audits, err := st.ListFairnessAudits(ctx, vs[0].ID)
	if err != nil || len(audits) != 2 {
		t.Fatalf("credit-risk audits: got %d, %v; want 2", len(audits), err)
	}
	byTitle := map[string]*fairness.Report{}
	for _, a := range audits {
		var rep fairness.Report
		if err := json.Unmarshal(a.Result, &rep); err != nil {
			t.Fatal(err)
		}
		byTitle[a.Title[:10]] = &rep
		if a.Rows != 4000 || a.CreatedByName != "risk@demo.lodestar" || !slices.Contains(a.Flags, lodestar.FlagFourFifthsFailed) {
			t.Errorf("audit %q: got %d rows by %s, flags %v; want 4000 rows by the risk officer, four-fifths failed", a.Title, a.Rows, a.CreatedByName, a.Flags)
		}
	}
	group := func(rep *fairness.Report, name string) fairness.GroupMetrics {
		for _, g := range rep.Groups {
			if g.Group == name {
				return g
			}
		}
		t.Fatalf("no group %q in %v", name, rep.Groups)
		return fairness.GroupMetrics{}
	}
	flags := byTitle["High-risk "]
	if flags == nil {
		t.Fatalf("no high-risk flag audit among %v", audits)
	}
	young, older := group(flags, "under 30"), group(flags, "30 and over")
	t.Logf("good customers flagged high-risk: under 30 %.3f, 30 and over %.3f", young.FPR.Value, older.FPR.Value)
	if !(young.FPR.Value >= 2*older.FPR.Value) {
		t.Errorf("FPR (good customers flagged high-risk): under 30 %.3f, 30 and over %.3f; want the young at least twice", young.FPR.Value, older.FPR.Value)
	}
	if young.FPR.CI == nil || !(young.FPR.CI.Lo > older.FPR.CI.Hi) {
		t.Errorf("FPR intervals: got %+v and %+v, want them apart", young.FPR.CI, older.FPR.CI)
	}
	if flags.FourFifthsRuleMet || !(flags.EqualizedOddsDifference.Value >= lodestar.EqualizedOddsGapLimit) {
		t.Errorf("flag audit: four-fifths met %v, equalized odds %.3f; want failed and a large gap", flags.FourFifthsRuleMet, flags.EqualizedOddsDifference.Value)
	}
	// Being flagged is the adverse outcome: the four-fifths rule compares
	// the rates of not being flagged, and the group it finds harmed is the
	// one flagged most, under 30, against 30 and over.
	if flags.Favourable != "negative" || flags.Reference != "30 and over" || !young.AdverseImpact || older.AdverseImpact ||
		!(young.ImpactRatio.Value < fairness.FourFifths) {
		t.Errorf("flag audit: favourable %q, reference %q, under 30 adverse %v (impact %.3f), 30 and over adverse %v; "+
			"want negative, 30 and over, true (< 0.8), false", flags.Favourable, flags.Reference, young.AdverseImpact,
			young.ImpactRatio.Value, older.AdverseImpact)
	}
	if want := (1 - young.SelectionRate.Value) / (1 - older.SelectionRate.Value); math.Abs(young.ImpactRatio.Value-want) > 1e-12 {
		t.Errorf("flag audit: under 30 impact ratio %v, want (1 − %v)/(1 − %v) = %v", young.ImpactRatio.Value,
			young.SelectionRate.Value, older.SelectionRate.Value, want)
	}
	checkCreditMonitor(t, ctx, st, sw, flags)
	approvals := byTitle["Approvals "]
	if approvals == nil {
		t.Fatalf("no approvals audit")
	}
	for _, a := range audits {
		if a.Params.GroupColumn != "age_group" {
			t.Errorf("audit %q: group column %q, want age_group (a name, not a position)", a.Title, a.Params.GroupColumn)
		}
	}
	if y := group(approvals, "under 30"); !y.AdverseImpact || !(y.ImpactRatio.Value < fairness.FourFifths) || approvals.Reference != "30 and over" {
		t.Errorf("approvals: under 30 impact ratio %.3f against %q; want below 0.8 against 30 and over", y.ImpactRatio.Value, approvals.Reference)
	}

	exps, err := st.ListExplanations(ctx, vs[0].ID)
	if err != nil || len(exps) != 1 {
		t.Fatalf("credit-risk explanations: got %d, %v; want 1", len(exps), err)
	}
	var res evidence.ExplanationResult
	if err := json.Unmarshal(exps[0].Result, &res); err != nil {
		t.Fatal(err)
	}
	t.Logf("importance: %v", res.Importance)
	if exps[0].Rows != 300 || len(res.Rows) != 5 || res.Importance[0].Feature != "credit_history_years" || res.MaxAdditivityError > 1e-9 {
		t.Errorf("explanation: got %d rows, %d shown, top feature %v, additivity %g; want 300, 5, credit_history_years, 0",
			exps[0].Rows, len(res.Rows), res.Importance[0], res.MaxAdditivityError)
	}
}
