package fairness

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestAnalyzeHandWorked(t *testing.T) {
	// Group a: 10 rows, 4 selected; group b: 10 rows, 2 selected.
	groups := []GroupCounts{
		{"a", Counts{TP: 3, FP: 1, TN: 5, FN: 1}},
		{"b", Counts{TP: 1, FP: 1, TN: 6, FN: 2}},
	}
	r, err := AnalyzeCounts(groups, Options{})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"a selection rate", r.Groups[0].SelectionRate.Value, 0.4},
		{"b selection rate", r.Groups[1].SelectionRate.Value, 0.2},
		{"a TPR", r.Groups[0].TPR.Value, 0.75},
		{"b TPR", r.Groups[1].TPR.Value, 1.0 / 3},
		{"a FPR", r.Groups[0].FPR.Value, 1.0 / 6},
		{"b FPR", r.Groups[1].FPR.Value, 1.0 / 7},
		{"b PPV", r.Groups[1].PPV.Value, 0.5},
		{"b impact ratio", r.Groups[1].ImpactRatio.Value, 0.5},
		{"DP difference", r.DemographicParityDifference.Value, 0.2},
		{"DP ratio", r.DemographicParityRatio.Value, 0.5},
		{"equal opportunity", r.EqualOpportunityDifference.Value, 0.75 - 1.0/3},
		{"equalized odds", r.EqualizedOddsDifference.Value, 0.75 - 1.0/3},
		{"overall accuracy", r.Overall.Accuracy.Value, 15.0 / 20},
		{"min impact", r.MinImpactRatio.Value, 0.5},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-15 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if r.Reference != "a" || r.ReferenceRule != "highest selection rate" {
		t.Errorf("reference %q (%s), want a (highest selection rate)", r.Reference, r.ReferenceRule)
	}
	if r.FourFifthsRuleMet || !r.Groups[1].AdverseImpact || r.Groups[0].AdverseImpact {
		t.Errorf("four-fifths: met=%v, adverse a=%v b=%v; want false, false, true",
			r.FourFifthsRuleMet, r.Groups[0].AdverseImpact, r.Groups[1].AdverseImpact)
	}
	if r.Bootstrap != nil || r.DemographicParityDifference.CI != nil {
		t.Error("intervals without a bootstrap")
	}
}

func TestAnalyzeUndefinedRates(t *testing.T) {
	// Group "none" has no positive labels and no selections: TPR, FNR and
	// PPV are undefined, so are the TPR-based differences; the reference
	// selects no one, so impact ratios are undefined and the rule is not met.
	groups := []GroupCounts{
		{"none", Counts{TN: 4}},
		{"some", Counts{TP: 1, TN: 1}},
	}
	r, err := AnalyzeCounts(groups, Options{Reference: "none"})
	if err != nil {
		t.Fatal(err)
	}
	for name, v := range map[string]float64{
		"TPR": r.Groups[0].TPR.Value, "FNR": r.Groups[0].FNR.Value, "PPV": r.Groups[0].PPV.Value,
		"equal opportunity": r.EqualOpportunityDifference.Value, "equalized odds": r.EqualizedOddsDifference.Value,
		"impact ratio": r.Groups[1].ImpactRatio.Value, "min impact": r.MinImpactRatio.Value,
	} {
		if !math.IsNaN(v) {
			t.Errorf("%s = %v, want NaN", name, v)
		}
	}
	if r.FourFifthsRuleMet || r.Groups[1].AdverseImpact {
		t.Error("an undefined impact ratio must neither meet the rule nor be flagged")
	}
	if got := r.Groups[0].FPR.Value; got != 0 {
		t.Errorf("FPR = %v, want 0", got)
	}
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"tpr":{"value":null}`) {
		t.Errorf("undefined TPR not null in JSON: %s", b)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(back.Groups[0].TPR.Value) || back.Groups[1].TP != 1 {
		t.Errorf("JSON round trip lost values: %+v", back.Groups)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	ok := GroupCounts{"a", Counts{TP: 1}}
	tests := []struct {
		name   string
		groups []GroupCounts
		opt    Options
		want   string
	}{
		{"no rows", nil, Options{}, "no rows"},
		{"empty group", []GroupCounts{ok, {"b", Counts{}}}, Options{}, `group "b" has no rows`},
		{"duplicate", []GroupCounts{ok, ok}, Options{}, "appears twice"},
		{"negative", []GroupCounts{{"a", Counts{TP: 2, FN: -1}}}, Options{}, "negative"},
		{"unknown reference", []GroupCounts{ok}, Options{Reference: "x"}, `reference group "x" not in the data`},
		{"bad level", []GroupCounts{ok}, Options{Level: 1.5}, "confidence level"},
		{"negative bootstrap", []GroupCounts{ok}, Options{Bootstrap: -1}, "replicates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := AnalyzeCounts(tt.groups, tt.opt)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestAnalyzeFavourableNegative audits a model whose positive prediction
// is adverse (flagged high-risk), as the demo's credit model is. Read with
// the positive prediction as favourable, the older group, flagged least,
// "fails" the four-fifths rule; with the negative prediction favourable,
// the younger group — flagged most — does. Expected values are computed
// here from the counts: favourable rate = (TN+FN)/n.
func TestAnalyzeFavourableNegative(t *testing.T) {
	older := Counts{TP: 30, FP: 10, TN: 110, FN: 50}  // 40 of 200 flagged
	younger := Counts{TP: 40, FP: 29, TN: 61, FN: 20} // 69 of 150 flagged
	groups := []GroupCounts{{"30 and over", older}, {"under 30", younger}}
	favOlder, favYounger := float64(older.TN+older.FN)/200, float64(younger.TN+younger.FN)/150

	pos, err := AnalyzeCounts(groups, Options{})
	if err != nil {
		t.Fatal(err)
	}
	neg, err := AnalyzeCounts(groups, Options{Favourable: FavourableNegative})
	if err != nil {
		t.Fatal(err)
	}
	// The positive reading (the default) is unchanged.
	if pos.Favourable != "positive" || pos.Reference != "under 30" || pos.ReferenceRule != "highest selection rate" ||
		!pos.Groups[0].AdverseImpact || pos.Groups[1].AdverseImpact {
		t.Errorf("positive: favourable %q, reference %q (%s), adverse %v/%v", pos.Favourable, pos.Reference, pos.ReferenceRule,
			pos.Groups[0].AdverseImpact, pos.Groups[1].AdverseImpact)
	}
	if neg.Favourable != "negative" || neg.Reference != "30 and over" || neg.ReferenceRule != "highest favourable rate" {
		t.Errorf("negative: favourable %q, reference %q (%s)", neg.Favourable, neg.Reference, neg.ReferenceRule)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"older impact", neg.Groups[0].ImpactRatio.Value, 1},
		{"younger impact", neg.Groups[1].ImpactRatio.Value, favYounger / favOlder},
		{"min impact", neg.MinImpactRatio.Value, favYounger / favOlder},
	} {
		if math.Abs(c.got-c.want) > 1e-15 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if neg.FourFifthsRuleMet || neg.Groups[0].AdverseImpact || !neg.Groups[1].AdverseImpact {
		t.Errorf("negative: met=%v, adverse older=%v younger=%v; want false, false, true",
			neg.FourFifthsRuleMet, neg.Groups[0].AdverseImpact, neg.Groups[1].AdverseImpact)
	}
	// Every figure but the impact ratios keeps its definition: demographic
	// parity is on selection rates, TPR/FPR/… are the same.
	same := func(a, b *Report) {
		t.Helper()
		for i := range a.Groups {
			for k, f := range []Estimate{a.Groups[i].SelectionRate, a.Groups[i].TPR, a.Groups[i].FPR, a.Groups[i].PPV} {
				if g := []Estimate{b.Groups[i].SelectionRate, b.Groups[i].TPR, b.Groups[i].FPR, b.Groups[i].PPV}[k]; !sameEstimate(f, g) {
					t.Errorf("group %d figure %d: %+v vs %+v", i, k, f, g)
				}
			}
		}
		for k, e := range []Estimate{a.DemographicParityDifference, a.DemographicParityRatio, a.EqualizedOddsDifference, a.EqualOpportunityDifference} {
			if g := []Estimate{b.DemographicParityDifference, b.DemographicParityRatio, b.EqualizedOddsDifference, b.EqualOpportunityDifference}[k]; !sameEstimate(e, g) {
				t.Errorf("disparity %d: %+v vs %+v", k, e, g)
			}
		}
	}
	same(pos, neg)
	if d := neg.DemographicParityDifference.Value - (69.0/150 - 40.0/200); math.Abs(d) > 1e-15 {
		t.Errorf("DP difference off by %v", d)
	}

	// A given reference is kept; the ratio is still on favourable rates.
	given, err := AnalyzeCounts(groups, Options{Favourable: FavourableNegative, Reference: "under 30"})
	if err != nil {
		t.Fatal(err)
	}
	if given.ReferenceRule != "given" || math.Abs(given.Groups[0].ImpactRatio.Value-favOlder/favYounger) > 1e-15 {
		t.Errorf("given reference: %s, older impact %v, want %v", given.ReferenceRule, given.Groups[0].ImpactRatio.Value, favOlder/favYounger)
	}

	// With bootstrap intervals: the same replicates (same seed) give the
	// same intervals for every figure but the impact ratios, whose
	// intervals are the percentiles of (1 − sel_g)/(1 − sel_ref) computed
	// from each replicate's own selection rates.
	opt := Options{Bootstrap: 400, Seed: 17, Level: 0.9, Favourable: FavourableNegative}
	posB, err := AnalyzeCounts(groups, Options{Bootstrap: 400, Seed: 17, Level: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	negB, err := AnalyzeCounts(groups, opt)
	if err != nil {
		t.Fatal(err)
	}
	same(posB, negB)
	counts := []Counts{older, younger}
	samples := bootstrapSamples(counts, 0, opt)
	b := opt.Bootstrap
	for g := range counts {
		sel := samples[(g*perGroup+iSel)*b : (g*perGroup+iSel+1)*b]
		refSel := samples[iSel*b : (iSel+1)*b]
		imp := samples[(g*perGroup+iImpact)*b : (g*perGroup+iImpact+1)*b]
		var want []float64
		for k := range b {
			w := (1 - sel[k]) / (1 - refSel[k])
			if math.Abs(imp[k]-w) > 1e-12 {
				t.Fatalf("group %d replicate %d: impact %v, want (1−%v)/(1−%v) = %v", g, k, imp[k], sel[k], refSel[k], w)
			}
			want = append(want, w)
		}
		slices.Sort(want)
		ci := negB.Groups[g].ImpactRatio.CI
		if lo, hi := percentile(want, 0.05), percentile(want, 0.95); math.Abs(ci.Lo-lo) > 1e-12 || math.Abs(ci.Hi-hi) > 1e-12 {
			t.Errorf("group %d impact interval [%v, %v], want [%v, %v]", g, ci.Lo, ci.Hi, lo, hi)
		}
	}
	if ci := negB.Groups[1].ImpactRatio.CI; !(ci.Lo <= negB.Groups[1].ImpactRatio.Value && negB.Groups[1].ImpactRatio.Value <= ci.Hi) {
		t.Errorf("younger impact interval %+v does not cover %v", ci, negB.Groups[1].ImpactRatio.Value)
	}
}

func sameEstimate(a, b Estimate) bool {
	eq := func(x, y float64) bool { return x == y || math.IsNaN(x) && math.IsNaN(y) }
	if !eq(a.Value, b.Value) || (a.CI == nil) != (b.CI == nil) {
		return false
	}
	return a.CI == nil || eq(a.CI.Lo, b.CI.Lo) && eq(a.CI.Hi, b.CI.Hi) && a.CI.Undefined == b.CI.Undefined
}

// TestEvaluateAllocatesNothing: the bootstrap calls evaluate once per
// replicate, with either favourable outcome.
func TestEvaluateAllocatesNothing(t *testing.T) {
	counts := []Counts{{TP: 3, FP: 1, TN: 5, FN: 1}, {TP: 1, FP: 1, TN: 6, FN: 2}, {}}
	out := make([]float64, statLen(len(counts)))
	for _, fav := range []Favourable{FavourablePositive, FavourableNegative} {
		if n := testing.AllocsPerRun(100, func() { evaluate(counts, 1, fav, out) }); n != 0 {
			t.Errorf("%v: %v allocations per call", fav, n)
		}
	}
}

func TestParseFavourable(t *testing.T) {
	for s, want := range map[string]Favourable{"": FavourablePositive, "positive": FavourablePositive, "negative": FavourableNegative} {
		if got, err := ParseFavourable(s); err != nil || got != want {
			t.Errorf("ParseFavourable(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseFavourable("Negative"); err == nil {
		t.Error("ParseFavourable accepted Negative")
	}
	if _, err := AnalyzeCounts([]GroupCounts{{"a", Counts{TP: 1}}}, Options{Favourable: 2}); err == nil {
		t.Error("AnalyzeCounts accepted Favourable(2)")
	}
}
