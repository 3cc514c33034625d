package monitor

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// The further cases of testdata/reference.json (make_reference.py): binary
// windows at the edges of sklearn's definitions, multiclass macro
// averages, latency quantiles of skewed and tiny samples, and numeric
// columns with few distinct values tested as categorical.
type referenceEdges struct {
	Binary []binaryCase
	// Unlabelled events (label null), continuous scores, one class with
	// scores of exactly 0 and 1.
	BinaryMore []binaryCase `json:"binary_more"`
	Multiclass multiclassCase
	// One true class only; every prediction right.
	MulticlassMore []multiclassCase `json:"multiclass_more"`
	// Regression windows with unlabelled events (y_true null).
	Regression []struct {
		Name      string
		YTrue     []*float64 `json:"y_true"`
		YPred     []float64  `json:"y_pred"`
		MAE, RMSE float64
	}
	Latency []struct {
		Name  string
		MS    []float64
		Lower map[string]float64
	}
	FewValues []struct {
		Name     string
		Ref, Cur []float64
		Chi2     float64 `json:"chi2"`
		Chi2P    float64 `json:"chi2_p"`
		Dof      int
		JS       float64 `json:"js"`
		PSI      float64 `json:"psi"`
		Test     string
		Drifted  bool
	} `json:"few_values"`
	FewValuesUnion struct {
		Name     string
		Ref, Cur []float64
		KS       float64 `json:"ks"`
		KSP      float64 `json:"ks_p"`
	} `json:"few_values_union"`
	WindowKS []struct {
		Name     string
		Ref, Cur []float64
		KS       float64 `json:"ks"`
		KSP      float64 `json:"ks_p"`
		KSPAsymp float64 `json:"ks_p_asymp"`
	} `json:"window_ks"`
}

// binaryCase is a binary window and sklearn's figures: over the labelled
// events (label not null), and the positive rate and mean score over all.
type binaryCase struct {
	Name                  string
	Label                 []*float64 // null: unlabelled
	Score                 []float64
	Accuracy              float64
	Precision, Recall, F1 *float64 // null: undefined
	ROCAUC                *float64 `json:"roc_auc"`
	LogLoss               float64  `json:"log_loss"`
	PositiveRate          float64  `json:"positive_rate"`
	MeanScore             float64  `json:"mean_score"`
}

type multiclassCase struct {
	Name                        string
	Classes                     int
	Label, Pred                 []int
	Accuracy, Precision, Recall float64
	F1                          float64
}

func loadReferenceEdges(t *testing.T) *referenceEdges {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref referenceEdges
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Binary) == 0 || len(ref.BinaryMore) == 0 || len(ref.Latency) == 0 || len(ref.FewValues) == 0 ||
		ref.Multiclass.Classes == 0 || len(ref.MulticlassMore) == 0 || len(ref.Regression) == 0 {
		t.Fatal("testdata/reference.json lacks the edge cases: run make_reference.py")
	}
	return &ref
}

// want is sklearn's figure, or NaN where sklearn's denominator is 0 (null).
func want(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

// TestReferenceBinaryEdges: accuracy, precision, recall, F1, ROC AUC and
// log loss of windows at the edges against sklearn, to 1e-12 (the ROC
// AUC within its stated error bound, which is 0 unless a score bin holds
// two distinct scores), and the positive rate and mean score against
// numpy, to 1e-12; from one window and from two merged. Unlabelled events
// count in the positive rate and mean score only. One class only: no ROC
// AUC (sklearn raises; NaN here, left out of a monitor's stored figures),
// and scores of exactly 0 and 1 clipped to [ε, 1−ε] in the log loss, ε
// the float64 machine epsilon (sklearn 1.2's eps="auto").
func TestReferenceBinaryEdges(t *testing.T) {
	ref := loadReferenceEdges(t)
	l := mustLayout(t, Schema{Task: TaskBinary}, nil)
	for _, c := range append(slices.Clone(ref.Binary), ref.BinaryMore...) {
		evs := make([]Event, len(c.Label))
		for i, y := range c.Label {
			evs[i] = l.Schema.NewEvent()
			evs[i].Score = c.Score[i]
			if y != nil {
				evs[i].Label = *y
			}
		}
		for how, w := range windowsOf(t, l, evs) {
			t.Run(c.Name+"/"+how, func(t *testing.T) {
				m := w.Metrics()
				checkRel(t, "accuracy", m.Accuracy, c.Accuracy, 1e-12, 1e-12)
				checkRel(t, "precision", m.Precision, want(c.Precision), 1e-12, 1e-12)
				checkRel(t, "recall", m.Recall, want(c.Recall), 1e-12, 1e-12)
				checkRel(t, "F1", m.F1, want(c.F1), 1e-12, 1e-12)
				// Exact unless a score bin holds two distinct scores (0 and
				// 1e-17 in "clipped", continuous scores in "continuous"):
				// then within AUCErrorBound.
				if c.ROCAUC == nil {
					checkRel(t, "ROC AUC", m.AUC, math.NaN(), 0, 0)
				} else if !(math.Abs(m.AUC-*c.ROCAUC) <= m.AUCErrorBound+1e-12) {
					t.Errorf("ROC AUC = %.17g, want %.17g within %g", m.AUC, *c.ROCAUC, m.AUCErrorBound)
				}
				checkRel(t, "log loss", m.LogLoss, c.LogLoss, 1e-12, 1e-12)
				checkRel(t, "positive rate", m.PositiveRate, c.PositiveRate, 1e-12, 1e-12)
				checkRel(t, "mean score", m.MeanScore, c.MeanScore, 1e-12, 1e-12)
			})
		}
	}
}

// TestReferenceMulticlass: accuracy and macro precision, recall and F1
// against sklearn (average="macro", zero_division=0, over the classes
// true or predicted), to 1e-12, from one window and from two merged.
func TestReferenceMulticlass(t *testing.T) {
	ref := loadReferenceEdges(t)
	for _, c := range append([]multiclassCase{ref.Multiclass}, ref.MulticlassMore...) {
		classes := make([]string, c.Classes)
		for i := range classes {
			classes[i] = "c" + strconv.Itoa(i)
		}
		l := mustLayout(t, Schema{Task: TaskMulticlass, Classes: classes}, nil)
		evs := make([]Event, len(c.Label))
		for i, y := range c.Label {
			evs[i] = l.Schema.NewEvent()
			evs[i].Class, evs[i].Label = c.Pred[i], float64(y)
		}
		for how, w := range windowsOf(t, l, evs) {
			t.Run(c.Name+"/"+how, func(t *testing.T) {
				m := w.Metrics()
				checkRel(t, "accuracy", m.Accuracy, c.Accuracy, 1e-12, 1e-12)
				checkRel(t, "macro precision", m.Precision, c.Precision, 1e-12, 1e-12)
				checkRel(t, "macro recall", m.Recall, c.Recall, 1e-12, 1e-12)
				checkRel(t, "macro F1", m.F1, c.F1, 1e-12, 1e-12)
			})
		}
	}
}

// TestReferenceRegressionEdges: MAE and RMSE over the labelled events of
// windows that also hold unlabelled ones, against sklearn, to 1e-12 (the
// sums of squared and absolute errors of a few hundred 4-decimal values
// lose nowhere near that), from one window and from two merged.
func TestReferenceRegressionEdges(t *testing.T) {
	l := mustLayout(t, Schema{Task: TaskRegression}, nil)
	for _, c := range loadReferenceEdges(t).Regression {
		evs := make([]Event, len(c.YPred))
		for i, p := range c.YPred {
			evs[i] = l.Schema.NewEvent()
			evs[i].Value = p
			if y := c.YTrue[i]; y != nil {
				evs[i].Label = *y
			}
		}
		for how, w := range windowsOf(t, l, evs) {
			t.Run(c.Name+"/"+how, func(t *testing.T) {
				m := w.Metrics()
				checkRel(t, "MAE", m.MAE, c.MAE, 1e-12, 1e-12)
				checkRel(t, "RMSE", m.RMSE, c.RMSE, 1e-12, 1e-12)
			})
		}
	}
}

// TestReferenceLatency: p50, p95 and p99 of skewed and tiny samples within
// LatencyAccuracy of numpy.quantile(method="lower"), from one window and
// from two merged in either order.
func TestReferenceLatency(t *testing.T) {
	l := mustLayout(t, Schema{Task: TaskBinary}, nil)
	for _, c := range loadReferenceEdges(t).Latency {
		t.Run(c.Name, func(t *testing.T) {
			whole, a, b := NewWindow(l), NewWindow(l), NewWindow(l)
			for i, ms := range c.MS {
				ev := l.Schema.NewEvent()
				ev.Score, ev.LatencyMS = 0.5, ms
				half := a
				if i%3 == 2 {
					half = b
				}
				for _, w := range []*Window{whole, half} {
					if err := w.Add(&ev); err != nil {
						t.Fatal(err)
					}
				}
			}
			ab, ba := NewWindow(l), NewWindow(l)
			for _, w := range []*Window{a, b} {
				if err := ab.Merge(w); err != nil {
					t.Fatal(err)
				}
			}
			for _, w := range []*Window{b, a} {
				if err := ba.Merge(w); err != nil {
					t.Fatal(err)
				}
			}
			for name, w := range map[string]*Window{"whole": whole, "merged": ab, "merged the other way": ba} {
				m := w.Metrics()
				for q, got := range map[string]float64{"0.5": m.LatencyP50, "0.95": m.LatencyP95, "0.99": m.LatencyP99} {
					want := c.Lower[q]
					if !(math.Abs(got-want) <= LatencyAccuracy*want) {
						t.Errorf("%s: latency q%s = %g, numpy lower %g: beyond %g%%", name, q, got, want, 100*LatencyAccuracy)
					}
				}
			}
		})
	}
}

// TestReferenceFewValues: a numeric column with at most FewValues distinct
// values, tested as categorical: chi-square (statistic 1e-9, p-value 1e-6
// relative), Jensen–Shannon and PSI over its values (1e-9) against scipy.
func TestReferenceFewValues(t *testing.T) {
	for _, c := range loadReferenceEdges(t).FewValues {
		t.Run(c.Name, func(t *testing.T) {
			count := func(x []float64) (vals, n []float64) {
				d := map[float64]uint64{}
				for _, v := range x {
					d[v]++
				}
				dist := DistinctFromMap(d)
				return dist.Values, dist.Counts
			}
			rv, rn := count(c.Ref)
			cv, cn := count(c.Cur)
			if len(slices.Compact(sorted(append(slices.Clone(c.Ref), c.Cur...)))) > FewValues {
				t.Fatalf("more than %d distinct values", FewValues)
			}
			f := FewValuesDrift(rv, rn, cv, cn, Thresholds{})
			checkFewValues(t, f, c.Chi2, c.Chi2P, c.JS, c.PSI, c.Dof, c.Test, c.Drifted)
		})
	}
}

func checkFewValues(t *testing.T, f FeatureDrift, chi2, chi2P, js, psi float64, dof int, test string, drifted bool) {
	t.Helper()
	checkRel(t, "chi-square", f.ChiSquare, chi2, tolDistance, 1e-15)
	checkRel(t, "chi-square p-value", f.ChiSquarePValue, chi2P, tolPValue, 1e-300)
	checkRel(t, "Jensen-Shannon", f.JensenShannon, js, tolDistance, 1e-15)
	checkRel(t, "PSI", f.PSI, psi, tolDistance, 1e-15)
	if f.Kind != Numeric || f.Categories != dof+1 || f.Test != test || f.Drifted != drifted {
		t.Errorf("kind %s, categories %d (dof %d), test %s (scipy's case: %s), drifted %v (want %v)", f.Kind, f.Categories, dof, f.Test, test, f.Drifted, drifted)
	}
}

// TestReferenceFewValuesWindow: a monitor applies the same rule to its
// windows. Each case's reference is profiled and counted into a reference
// window, its current sample into two windows then merged (and a few
// missing values into each), and Window.Drift must give scipy's figures
// and Evidently's choice of test, as from every value. With a sixth value
// across the two, the feature is numeric again: the KS statistic and its
// asymptotic p-value as scipy's.
func TestReferenceFewValuesWindow(t *testing.T) {
	ref := loadReferenceEdges(t)
	s := Schema{Numeric: []string{"x"}}
	windows := func(t *testing.T, refVals, curVals []float64) (DatasetDrift, FeatureDrift) {
		t.Helper()
		evs := func(xs []float64, missing int) []Event {
			out := make([]Event, 0, len(xs)+missing)
			for _, x := range xs {
				ev := s.NewEvent()
				ev.Score, ev.Num[0] = 0.5, x
				out = append(out, ev)
			}
			for range missing {
				ev := s.NewEvent()
				ev.Score = 0.5
				out = append(out, ev)
			}
			return out
		}
		re, ce := evs(refVals, 3), evs(curVals, 2)
		l := profile(t, s, re)
		refW := fill(t, l, re)
		cur := fill(t, l, ce[:len(ce)/3])
		if err := cur.Merge(fill(t, l, ce[len(ce)/3:])); err != nil {
			t.Fatal(err)
		}
		d, err := cur.Drift(refW, Thresholds{})
		if err != nil {
			t.Fatal(err)
		}
		f := d.Features[0]
		if f.RefN != int64(len(refVals)) || f.CurN != int64(len(curVals)) || f.RefMiss != 3 || f.CurMiss != 2 || f.Name != "x" {
			t.Errorf("%s: counted %d and %d, missing %d and %d", f.Name, f.RefN, f.CurN, f.RefMiss, f.CurMiss)
		}
		return d, f
	}
	for _, c := range ref.FewValues {
		t.Run(c.Name, func(t *testing.T) {
			d, f := windows(t, c.Ref, c.Cur)
			checkFewValues(t, f, c.Chi2, c.Chi2P, c.JS, c.PSI, c.Dof, c.Test, c.Drifted)
			if f.Method != MethodExact || f.Note == "" || d.Tested != 1 || d.Drift != c.Drifted {
				t.Errorf("method %q, note %q, tested %d, dataset drift %v", f.Method, f.Note, d.Tested, d.Drift)
			}
		})
	}
	u := ref.FewValuesUnion
	t.Run(u.Name, func(t *testing.T) {
		_, f := windows(t, u.Ref, u.Cur)
		if f.Method != MethodBinned || f.Test != TestKS || !math.IsNaN(f.ChiSquare) {
			t.Fatalf("method %q, test %q, chi-square %g: want the numeric tests", f.Method, f.Test, f.ChiSquare)
		}
		// Every value is a bin edge or beyond the last: the binned KS
		// statistic is the exact one.
		checkRel(t, "KS", f.KS, u.KS, 1e-12, 1e-15)
		checkRel(t, "KS p-value", f.KSPValue, u.KSP, tolPValue, 1e-300)
	})
}

// TestReferenceWindowKS: a monitor's small windows against a reference of
// at most 1,000 values, where KS decides, take the p-value by ks_2samp's
// default method (exact up to KSExactMaxN per sample), as from every
// value: scipy's to 1e-6, and its verdict, where the asymptotic p-value
// (which windows used) gave the other one.
func TestReferenceWindowKS(t *testing.T) {
	s := Schema{Numeric: []string{"x"}}
	flipped := false
	for _, c := range loadReferenceEdges(t).WindowKS {
		t.Run(c.Name, func(t *testing.T) {
			evs := func(xs []float64) []Event {
				out := make([]Event, len(xs))
				for i, x := range xs {
					out[i] = s.NewEvent()
					out[i].Score, out[i].Num[0] = 0.5, x
				}
				return out
			}
			re := evs(c.Ref)
			l := profile(t, s, re)
			d, err := fill(t, l, evs(c.Cur)).Drift(fill(t, l, re), Thresholds{})
			if err != nil {
				t.Fatal(err)
			}
			f := d.Features[0]
			checkRel(t, "KS", f.KS, c.KS, 1e-12, 1e-15)
			checkRel(t, "KS p-value", f.KSPValue, c.KSP, tolPValue, 1e-300)
			if f.Test != TestKS || f.KSMethod != KSExact || f.Drifted != (c.KSP < 0.05) || !(f.KSUpper >= f.KS) {
				t.Errorf("test %s, method %s, drifted %v (scipy p %g), upper bound %g", f.Test, f.KSMethod, f.Drifted, c.KSP, f.KSUpper)
			}
			flipped = flipped || (c.KSP < 0.05) != (c.KSPAsymp < 0.05)
		})
	}
	if !flipped {
		t.Error("no case where the asymptotic p-value gives the other verdict: run make_reference.py")
	}
}
