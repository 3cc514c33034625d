package fairness

import (
	"encoding/json"
	"math"
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
