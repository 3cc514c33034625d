package monitor

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
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
	// Quantiles of samples spanning the whole float range, exact.
	Quantile []struct {
		Name     string
		X, Q     []float64
		Quantile []float64
	}
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
	if len(ref.Regression) == 0 || len(ref.KSTiny) == 0 || len(ref.Quantile) == 0 {
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

// TestReferenceQuantileExtremes: the quantiles a numeric feature's bins
// are cut at, for samples spanning the whole float range, against the
// exact ones, to 1e-15. Neighbouring values more than the largest float
// apart made b − a overflow, and the quantiles read ±Inf or NaN (as
// numpy's do), which a monitor's bins refused.
func TestReferenceQuantileExtremes(t *testing.T) {
	for _, c := range loadReferenceExtremes(t).Quantile {
		x := sorted(c.X)
		for i, q := range c.Q {
			checkRel(t, fmt.Sprintf("%s: quantile %g", c.Name, q), Quantile(x, q), c.Quantile[i], 1e-15, 0)
		}
		if _, err := NewBins(QuantileEdges(x, DefaultFineBins), QuantileEdges(x, DefaultPSIBins)); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}

// TestFencedBinsLowestFloat: a reference whose numeric feature holds the
// lowest float, −1.7976931348623157e308 (a sentinel some pipelines write
// for "missing"), has bins like any other. The fence below the
// reference's range was the float below its minimum, which does not
// exist there (−Inf), and Profiler.Layout refused the reference ("does
// not hold its sample"): a monitor over it could never be evaluated. No
// value is below the lowest float, so none is counted below the range.
func TestFencedBinsLowestFloat(t *testing.T) {
	lowest := -math.MaxFloat64
	s := Schema{Task: TaskRegression, Numeric: []string{"x"}}
	for _, refVals := range [][]float64{
		{lowest, 1, 2, 3, 4, 5, 6, 7},
		{lowest, math.MaxFloat64, 0, 1, 2, 3, 4, 5, 6},
		{lowest, lowest, lowest, 3, 4, 5, 6, 7, 8, 9, 10},
	} {
		var refEvs []Event
		for _, x := range refVals {
			ev := s.NewEvent()
			ev.Num[0], ev.Value = x, 0
			refEvs = append(refEvs, ev)
		}
		p, err := NewProfiler(s, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range refEvs {
			if err := p.Add(&refEvs[i]); err != nil {
				t.Fatal(err)
			}
		}
		l, err := p.Layout(0, 0)
		if err != nil {
			t.Fatalf("reference %v: %v", refVals, err)
		}
		ref := fill(t, l, refEvs)
		var evs []Event
		for _, x := range []float64{lowest, lowest, 3, 3.5, 4.5, 5.5, 2.5, 1e309 / 1e10, 100} {
			ev := s.NewEvent()
			ev.Num[0], ev.Value = x, 0
			evs = append(evs, ev)
		}
		w := fill(t, l, evs)
		q, err := w.Quality(ref, 1)
		if err != nil {
			t.Fatal(err)
		}
		hi := slices.Max(refVals)
		wantAbove := uint64(0)
		for _, ev := range evs {
			if ev.Num[0] > hi {
				wantAbove++
			}
		}
		if q[0].Below != 0 || q[0].Above != wantAbove || q[0].RefMin != lowest || q[0].RefMax != hi {
			t.Errorf("reference %v: below %d, above %d (want 0, %d), range [%g, %g]", refVals, q[0].Below, q[0].Above, wantAbove, q[0].RefMin, q[0].RefMax)
		}
		d, err := w.Drift(ref, Thresholds{})
		if err != nil {
			t.Fatal(err)
		}
		if f := d.Features[0]; !f.Testable() || f.RefN != int64(len(refVals)) || f.CurN != int64(len(evs)) {
			t.Errorf("reference %v: drift %+v", refVals, f)
		}
	}
}
