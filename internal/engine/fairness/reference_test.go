package fairness

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// referenceFile is the shape of testdata/reference.json, written by
// testdata/make_reference.py with sklearn.metrics and numpy.
type referenceFile struct {
	Cases []struct {
		Name          string   `json:"name"`
		Favourable    string   `json:"favourable"`
		Data          string   `json:"data"`
		Threshold     *float64 `json:"threshold"`
		Ties          int      `json:"ties_at_threshold"`
		Reference     string   `json:"reference"`
		ReferenceRule string   `json:"reference_rule"`
		Groups        []refGroup
		Overall       refGroup
		DPD           *float64 `json:"demographic_parity_difference"`
		DPR           *float64 `json:"demographic_parity_ratio"`
		EOD           *float64 `json:"equalized_odds_difference"`
		EOpD          *float64 `json:"equal_opportunity_difference"`
		MinImpact     *float64 `json:"min_impact_ratio"`
	} `json:"cases"`
}

type refGroup struct {
	Group          string `json:"group"`
	N              int64  `json:"n"`
	TP, FP, TN, FN int64
	BaseRate       *float64 `json:"base_rate"`
	SelectionRate  *float64 `json:"selection_rate"`
	TPR            *float64 `json:"tpr"`
	FPR            *float64 `json:"fpr"`
	FNR            *float64 `json:"fnr"`
	PPV            *float64 `json:"ppv"`
	Accuracy       *float64 `json:"accuracy"`
	ImpactRatio    *float64 `json:"impact_ratio"`
}

// TestReference checks every figure against sklearn/numpy: counts exactly,
// rates and disparities to 1e-12, undefined (null) exactly where sklearn's
// denominators are zero; with the positive and with the negative
// prediction as the favourable outcome.
func TestReference(t *testing.T) {
	var ref referenceFile
	readJSON(t, filepath.Join("testdata", "reference.json"), &ref)
	if len(ref.Cases) == 0 {
		t.Fatal("no cases in reference.json")
	}
	for _, c := range ref.Cases {
		t.Run(c.Name, func(t *testing.T) {
			acc := accumulateCSV(t, filepath.Join("testdata", c.Data), c.Threshold)
			fav, err := ParseFavourable(c.Favourable)
			if err != nil {
				t.Fatal(err)
			}
			opt := Options{Favourable: fav}
			if c.ReferenceRule == "given" {
				opt.Reference = c.Reference
			}
			r, err := Analyze(acc, opt)
			if err != nil {
				t.Fatal(err)
			}
			if r.Reference != c.Reference || r.ReferenceRule != c.ReferenceRule || r.Favourable != c.Favourable {
				t.Errorf("reference = %q (%s), favourable %q; want %q (%s), favourable %q",
					r.Reference, r.ReferenceRule, r.Favourable, c.Reference, c.ReferenceRule, c.Favourable)
			}
			if len(r.Groups) != len(c.Groups) {
				t.Fatalf("got %d groups, want %d", len(r.Groups), len(c.Groups))
			}
			for i, want := range c.Groups {
				checkGroup(t, r.Groups[i], want, true)
			}
			checkGroup(t, r.Overall, c.Overall, false)
			near(t, "demographic parity difference", r.DemographicParityDifference.Value, c.DPD)
			near(t, "demographic parity ratio", r.DemographicParityRatio.Value, c.DPR)
			near(t, "equalized odds difference", r.EqualizedOddsDifference.Value, c.EOD)
			near(t, "equal opportunity difference", r.EqualOpportunityDifference.Value, c.EOpD)
			near(t, "min impact ratio", r.MinImpactRatio.Value, c.MinImpact)
		})
	}
}

func checkGroup(t *testing.T, got GroupMetrics, want refGroup, impact bool) {
	t.Helper()
	wc := Counts{TP: want.TP, FP: want.FP, TN: want.TN, FN: want.FN}
	if got.Group != want.Group || got.Counts != wc || got.N != want.N {
		t.Errorf("group %q n=%d %+v, want %q n=%d %+v", got.Group, got.N, got.Counts, want.Group, want.N, wc)
	}
	p := "group " + strconv.Quote(want.Group) + " "
	near(t, p+"base rate", got.BaseRate.Value, want.BaseRate)
	near(t, p+"selection rate", got.SelectionRate.Value, want.SelectionRate)
	near(t, p+"TPR", got.TPR.Value, want.TPR)
	near(t, p+"FPR", got.FPR.Value, want.FPR)
	near(t, p+"FNR", got.FNR.Value, want.FNR)
	near(t, p+"PPV", got.PPV.Value, want.PPV)
	near(t, p+"accuracy", got.Accuracy.Value, want.Accuracy)
	if impact {
		near(t, p+"impact ratio", got.ImpactRatio.Value, want.ImpactRatio)
		if w := want.ImpactRatio != nil && *want.ImpactRatio < FourFifths; got.AdverseImpact != w {
			t.Errorf("%sadverse impact = %v, want %v", p, got.AdverseImpact, w)
		}
	}
}

// near compares to 1e-12; a nil want means undefined, which must be NaN.
func near(t *testing.T, what string, got float64, want *float64) {
	t.Helper()
	switch {
	case want == nil:
		if !math.IsNaN(got) {
			t.Errorf("%s = %v, want undefined (NaN)", what, got)
		}
	case !(math.Abs(got-*want) <= 1e-12):
		t.Errorf("%s = %.17g, want %.17g", what, got, *want)
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// accumulateCSV reads group,label,score (with threshold) or
// group,label,prediction. The test files are plain UTF-8 CSV, so
// encoding/csv suffices here; the CLI's reader handles real-world files.
func accumulateCSV(t *testing.T, path string, threshold *float64) *Accumulator {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var acc Accumulator
	for i, rec := range recs[1:] {
		label := rec[1] == "1"
		if threshold != nil {
			s, err := strconv.ParseFloat(rec[2], 64)
			if err != nil {
				t.Fatalf("line %d: %v", i+2, err)
			}
			acc.AddScore(rec[0], label, s, *threshold)
		} else {
			acc.Add(rec[0], label, rec[2] == "1")
		}
	}
	return &acc
}
