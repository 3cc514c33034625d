package monitor

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// referenceFile is testdata/reference.json, written by
// testdata/make_reference.py with scipy, numpy and sklearn.
type referenceFile struct {
	Numeric []struct {
		Name             string
		Ref, Cur         []float64
		KS               float64 `json:"ks"`
		KSP              float64 `json:"ks_p"`
		KSAsymp          float64 `json:"ks_asymp"`
		KSPAsymp         float64 `json:"ks_p_asymp"`
		PSI10            float64 `json:"psi10"`
		Edges10          []float64
		PSI4             float64 `json:"psi4"`
		Wasserstein, Std float64
		WassersteinNorm  float64 `json:"wasserstein_norm"`
	}
	Categorical []struct {
		Name     string
		Ref, Cur map[string]float64
		Chi2     float64 `json:"chi2"`
		Chi2P    float64 `json:"chi2_p"`
		Dof      int
		JS       float64 `json:"js"`
		JSDrift  bool    `json:"js_drift"`
		PSI      float64 `json:"psi"`
	}
	Kolmogorov []struct {
		N  int
		X  float64
		SF float64
	}
	KSAsymp []struct {
		N1, N2 int64
		D, P   float64
	} `json:"ks_asymp"`
	Window struct {
		Threshold, Accuracy, Precision, Recall, F1 float64
		ROCAUC                                     float64 `json:"roc_auc"`
		LogLoss                                    float64 `json:"log_loss"`
		MAE, RMSE                                  float64
		Latency                                    map[string]float64
		PositiveRate                               float64 `json:"positive_rate"`
		MeanScore                                  float64 `json:"mean_score"`
	}
}

func loadReference(t *testing.T) *referenceFile {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref referenceFile
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	return &ref
}

// Tolerances against the reference, stated in the package doc.
const (
	tolStatistic = 1e-12 // KS statistic, absolute
	tolPValue    = 1e-6  // p-values, relative (absolute below 1e-300)
	tolDistance  = 1e-9  // PSI, Wasserstein, Jensen–Shannon, chi-square statistic: relative
)

func relClose(got, want, rel, abs float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= math.Max(rel*math.Abs(want), abs)
}

func checkRel(t *testing.T, what string, got, want, rel, abs float64) {
	t.Helper()
	if !relClose(got, want, rel, abs) {
		t.Errorf("%s = %.17g, want %.17g (rel err %.3g)", what, got, want, math.Abs(got-want)/math.Abs(want))
	}
}

func sorted(x []float64) []float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	return s
}

func TestReferenceKolmogorov(t *testing.T) {
	ref := loadReference(t)
	for _, c := range ref.Kolmogorov {
		got := kolmogorovSF(c.N, c.X)
		if !relClose(got, c.SF, tolPValue, 1e-300) {
			t.Errorf("kstwo.sf(%.17g, %d) = %.17g, want %.17g", c.X, c.N, got, c.SF)
		}
	}
	for _, c := range ref.KSAsymp {
		checkRel(t, "asymp p-value", KSPValueAsymp(c.D, c.N1, c.N2), c.P, tolPValue, 1e-300)
	}
}

func TestReferenceNumeric(t *testing.T) {
	ref := loadReference(t)
	for _, c := range ref.Numeric {
		t.Run(c.Name, func(t *testing.T) {
			r, u := sorted(c.Ref), sorted(c.Cur)
			ks := KSTwoSample(r, u)
			checkRel(t, "KS statistic (auto)", ks.Statistic, c.KS, 0, tolStatistic)
			checkRel(t, "KS p-value (auto, "+ks.Method+")", ks.PValue, c.KSP, tolPValue, 1e-300)
			n1, n2 := int64(len(r)), int64(len(u))
			// KSPValue: the p-value of a statistic alone, by the method
			// that computed it (the health page's bounds).
			checkRel(t, "KSPValue ("+ks.Method+")", KSPValue(ks.Statistic, n1, n2, ks.Method), c.KSP, tolPValue, 1e-300)
			d := KSStatistic(r, u)
			checkRel(t, "KS statistic", d, c.KSAsymp, 0, tolStatistic)
			checkRel(t, "KS p-value (asymp)", KSPValueAsymp(d, n1, n2), c.KSPAsymp, tolPValue, 1e-300)
			checkRel(t, "KSPValue (asymp)", KSPValue(d, n1, n2, KSAsymp), c.KSPAsymp, tolPValue, 1e-300)
			for _, bad := range []float64{KSPValue(d, 0, n2, KSExact), KSPValue(math.NaN(), n1, n2, KSAsymp), KSPValue(d, n1, n2, "binned")} {
				if !math.IsNaN(bad) {
					t.Errorf("KSPValue with an empty sample, a NaN statistic or an unknown method = %v, want NaN", bad)
				}
			}
			if e := QuantileEdges(r, 10); !slices.Equal(e, c.Edges10) {
				t.Errorf("decile edges = %v, want %v", e, c.Edges10)
			}
			checkRel(t, "PSI (10 bins)", PSISorted(r, u, 10), c.PSI10, tolDistance, 1e-15)
			checkRel(t, "PSI (4 bins)", PSISorted(r, u, 4), c.PSI4, tolDistance, 1e-15)
			checkRel(t, "Wasserstein", Wasserstein(r, u), c.Wasserstein, tolDistance, 1e-15)
			checkRel(t, "std", StdDev(r), c.Std, tolDistance, 1e-15)
			checkRel(t, "Wasserstein / std", normWasserstein(Wasserstein(r, u), StdDev(r)), c.WassersteinNorm, tolDistance, 1e-15)
		})
	}
}

func TestReferenceCategorical(t *testing.T) {
	ref := loadReference(t)
	for _, c := range ref.Categorical {
		t.Run(c.Name, func(t *testing.T) {
			keys := make([]string, 0, len(c.Ref)+len(c.Cur))
			for k := range c.Ref {
				keys = append(keys, k)
			}
			for k := range c.Cur {
				if _, ok := c.Ref[k]; !ok {
					keys = append(keys, k)
				}
			}
			slices.Sort(keys)
			r := make([]float64, len(keys))
			u := make([]float64, len(keys))
			for i, k := range keys {
				r[i], u[i] = c.Ref[k], c.Cur[k]
			}
			stat, p, dof := ChiSquare(r, u)
			checkRel(t, "chi-square", stat, c.Chi2, tolDistance, 1e-15)
			checkRel(t, "chi-square p-value", p, c.Chi2P, tolPValue, 1e-300)
			if dof != c.Dof {
				t.Errorf("dof = %d, want %d", dof, c.Dof)
			}
			checkRel(t, "Jensen-Shannon", JensenShannon(r, u), c.JS, tolDistance, 1e-15)
			checkRel(t, "PSI", PSI(r, u), c.PSI, tolDistance, 1e-15)
			// The default test and threshold decide as Evidently's
			// Jensen–Shannon test does (natural log, drift at ≥ 0.1).
			var rc, uc Counts
			for i, k := range keys {
				if r[i] > 0 {
					rc.addNew(k, uint64(r[i]))
				}
				if u[i] > 0 {
					uc.addNew(k, uint64(u[i]))
				}
			}
			f := CategoricalDrift(&rc, &uc, Thresholds{CategoricalTest: TestJensenShannon})
			checkRel(t, "CategoricalDrift Jensen-Shannon", f.JensenShannon, c.JS, tolDistance, 1e-15)
			if f.Drifted != c.JSDrift {
				t.Errorf("Jensen-Shannon %.4g: drifted %v, Evidently (threshold 0.1, natural log) %v", f.JensenShannon, f.Drifted, c.JSDrift)
			}
		})
	}
}
