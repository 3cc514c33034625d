package fairness

import (
	"math"
	"strings"
	"testing"
)

// AnalyzeSelections gives the label-free figures of AnalyzeCounts on the
// same predictions, whatever the labels, and leaves the others undefined.
func TestAnalyzeSelectionsMatchesCounts(t *testing.T) {
	labelled := []GroupCounts{
		{"a", Counts{TP: 3, FP: 1, TN: 5, FN: 1}},
		{"b", Counts{TP: 1, FP: 1, TN: 6, FN: 2}},
		{"c", Counts{TP: 0, FP: 7, TN: 3, FN: 5}},
	}
	sel := make([]Selection, len(labelled))
	for i, g := range labelled {
		sel[i] = Selection{Group: g.Group, N: g.N(), Selected: g.TP + g.FP}
	}
	for _, fav := range []Favourable{FavourablePositive, FavourableNegative} {
		want, err := AnalyzeCounts(labelled, Options{Favourable: fav})
		if err != nil {
			t.Fatal(err)
		}
		got, err := AnalyzeSelections(sel, Options{Favourable: fav})
		if err != nil {
			t.Fatal(err)
		}
		if got.Reference != want.Reference || got.ReferenceRule != want.ReferenceRule || got.FourFifthsRuleMet != want.FourFifthsRuleMet {
			t.Errorf("%v: reference %q (%s), four-fifths %v; want %q (%s), %v", fav, got.Reference, got.ReferenceRule,
				got.FourFifthsRuleMet, want.Reference, want.ReferenceRule, want.FourFifthsRuleMet)
		}
		for i := range want.Groups {
			g, w := got.Groups[i], want.Groups[i]
			if g.N != w.N || g.SelectionRate.Value != w.SelectionRate.Value || g.ImpactRatio.Value != w.ImpactRatio.Value || g.AdverseImpact != w.AdverseImpact {
				t.Errorf("%v %s: n %d, selection %v, impact %v (%v); want %d, %v, %v (%v)", fav, g.Group, g.N, g.SelectionRate.Value,
					g.ImpactRatio.Value, g.AdverseImpact, w.N, w.SelectionRate.Value, w.ImpactRatio.Value, w.AdverseImpact)
			}
			if !math.IsNaN(g.TPR.Value) || !math.IsNaN(g.FPR.Value) || !math.IsNaN(g.BaseRate.Value) || !math.IsNaN(g.Accuracy.Value) || g.Counts != (Counts{}) {
				t.Errorf("%v %s: label figures %+v, want undefined", fav, g.Group, g)
			}
		}
		if got.MinImpactRatio.Value != want.MinImpactRatio.Value || got.DemographicParityDifference.Value != want.DemographicParityDifference.Value ||
			got.DemographicParityRatio.Value != want.DemographicParityRatio.Value {
			t.Errorf("%v: min impact %v, DP %v / %v; want %v, %v / %v", fav, got.MinImpactRatio.Value, got.DemographicParityDifference.Value,
				got.DemographicParityRatio.Value, want.MinImpactRatio.Value, want.DemographicParityDifference.Value, want.DemographicParityRatio.Value)
		}
		if !math.IsNaN(got.EqualOpportunityDifference.Value) || !math.IsNaN(got.EqualizedOddsDifference.Value) {
			t.Errorf("%v: equal opportunity %v, equalized odds %v; want undefined without labels", fav,
				got.EqualOpportunityDifference.Value, got.EqualizedOddsDifference.Value)
		}
	}
}

func TestAnalyzeSelectionsRefuses(t *testing.T) {
	for _, c := range []struct {
		in   []Selection
		want string
	}{
		{[]Selection{{"a", 3, 4}}, "4 selected of 3"},
		{[]Selection{{"a", 3, -1}}, "-1 selected"},
		{[]Selection{{"a", 0, 0}}, "no rows"},
		{nil, "no rows"},
		{[]Selection{{"a", 3, 1}, {"a", 2, 1}}, "twice"},
	} {
		if _, err := AnalyzeSelections(c.in, Options{}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: got %v, want an error with %q", c.in, err, c.want)
		}
	}
}
