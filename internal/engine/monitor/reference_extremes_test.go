package monitor

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// referenceExtremes is testdata/reference_extremes.json, written by
// make_reference.py.
type referenceExtremes struct {
	// Regression windows with huge, tiny and beyond-the-largest-float
	// errors: MAE, RMSE and each group's MAE, exact.
	Regression []struct {
		Name      string
		YTrue     []float64 `json:"y_true"`
		YPred     []float64 `json:"y_pred"`
		Group     []string
		MAE, RMSE float64
		GroupMAE  map[string]float64 `json:"group_mae"`
	}
	// Samples of one to a few values, with ties: scipy's KS test
	// (methods auto and asymp), Wasserstein distance and PSI.
	KSTiny []struct {
		Name            string
		Ref, Cur        []float64
		KS              float64  `json:"ks"`
		KSP             float64  `json:"ks_p"`
		KSAsymp         float64  `json:"ks_asymp"`
		KSPAsymp        *float64 `json:"ks_p_asymp"` // null: undefined (one value against one)
		PSI10           float64  `json:"psi10"`
		WassersteinNorm float64  `json:"wasserstein_norm"`
	} `json:"ks_tiny"`
}

func loadReferenceExtremes(t *testing.T) *referenceExtremes {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference_extremes.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref referenceExtremes
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Regression) == 0 || len(ref.KSTiny) == 0 {
		t.Fatal("testdata/reference_extremes.json lacks its cases: run make_reference.py")
	}
	return &ref
}

// TestReferenceRegressionExtremes: a regression window's MAE and RMSE,
// and each group's MAE, when the errors are huge (1e200, 1e160: their
// squares overflowed, and the RMSE read +Inf, which a monitor leaves out
// of its stored figures as undefined), tiny (1e-200: their squares
// underflowed, and the RMSE read 0, a perfect model), beyond the largest
// float (2.4e308: the error itself overflowed, and the MAE read +Inf) or
// of every size at once; against the exact figures, to 1e-12, from one
// window and from two merged.
func TestReferenceRegressionExtremes(t *testing.T) {
	l := mustLayout(t, Schema{Task: TaskRegression, Groups: []string{"g"}}, nil)
	for _, c := range loadReferenceExtremes(t).Regression {
		evs := make([]Event, len(c.YPred))
		for i, p := range c.YPred {
			evs[i] = l.Schema.NewEvent()
			evs[i].Value, evs[i].Label, evs[i].Groups[0] = p, c.YTrue[i], c.Group[i]
		}
		for how, w := range windowsOf(t, l, evs) {
			t.Run(c.Name+"/"+how, func(t *testing.T) {
				m := w.Metrics()
				checkRel(t, "MAE", m.MAE, c.MAE, 1e-12, 0)
				checkRel(t, "RMSE", m.RMSE, c.RMSE, 1e-12, 0)
				fs, err := w.Fairness(FairnessOptions{MinGroupSize: 1})
				if err != nil {
					t.Fatal(err)
				}
				if len(fs) != 1 || len(fs[0].Groups) != len(c.GroupMAE) {
					t.Fatalf("fairness: %+v, want the groups of %v", fs, c.GroupMAE)
				}
				lo, hi := math.Inf(1), math.Inf(-1)
				for _, g := range fs[0].Groups {
					checkRel(t, "MAE of group "+g.Group, g.MAE, c.GroupMAE[g.Group], 1e-12, 0)
					lo, hi = min(lo, c.GroupMAE[g.Group]), max(hi, c.GroupMAE[g.Group])
				}
				if len(c.GroupMAE) >= 2 {
					checkRel(t, "MAE gap", fs[0].MAEGap, hi-lo, 1e-12, 1e-12*hi)
				}
			})
		}
	}
}

// TestReferenceKSTiny: the KS test, the Wasserstein distance over the
// reference's deviation and the PSI on samples of one to a few values,
// with ties, against scipy: the statistic to 1e-12, the p-values of
// methods auto (exact at these sizes) and asymp to tolPValue (asymp has
// none for one value against one: scipy's NaN), from every value and
// from the distinct values' counts.
func TestReferenceKSTiny(t *testing.T) {
	for _, c := range loadReferenceExtremes(t).KSTiny {
		t.Run(c.Name, func(t *testing.T) {
			ref, cur := sorted(c.Ref), sorted(c.Cur)
			ks := KSTwoSample(ref, cur)
			checkRel(t, "KS", ks.Statistic, c.KS, 0, 1e-12)
			checkRel(t, "KS p (auto)", ks.PValue, c.KSP, tolPValue, 1e-300)
			if ks.Method != KSExact {
				t.Errorf("method %s, want exact", ks.Method)
			}
			wantAsymp := math.NaN()
			if c.KSPAsymp != nil {
				wantAsymp = *c.KSPAsymp
			}
			checkRel(t, "KS p (asymp)", KSPValueAsymp(c.KSAsymp, int64(len(ref)), int64(len(cur))), wantAsymp, tolPValue, 1e-300)
			counts := func(x []float64) map[float64]uint64 {
				m := map[float64]uint64{}
				for _, v := range x {
					m[v]++
				}
				return m
			}
			th := Thresholds{NumericTest: TestKS}
			for how, f := range map[string]FeatureDrift{
				"exact":    NumericExact(ref, cur, th),
				"distinct": NumericDistinct(DistinctFromMap(counts(ref)), DistinctFromMap(counts(cur)), th),
			} {
				checkRel(t, how+" KS", f.KS, c.KS, 0, 1e-12)
				checkRel(t, how+" KS p", f.KSPValue, c.KSP, tolPValue, 1e-300)
				checkRel(t, how+" Wasserstein/std", f.Wasserstein, c.WassersteinNorm, 1e-9, 1e-12)
				checkRel(t, how+" PSI", f.PSI, c.PSI10, 1e-9, 1e-12)
				if drifted := c.KSP < 0.05; f.Drifted != drifted {
					t.Errorf("%s: drifted %v, want %v (p %g)", how, f.Drifted, drifted, c.KSP)
				}
			}
		})
	}
}
