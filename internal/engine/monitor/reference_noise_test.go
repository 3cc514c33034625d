package monitor

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// noiseFile is testdata/reference_noise.json, written by
// testdata/make_reference.py: categorical features over many categories,
// the pooled table's chi2_contingency and jensenshannon computed by scipy,
// and the verdicts of the automatic and of the explicit Jensen–Shannon
// test.
type noiseFile struct {
	Categorical []struct {
		Name            string
		Ref, Cur        []uint64
		Categories      int
		Pooled          int
		Chi2            float64 `json:"chi2"`
		Chi2P           float64 `json:"chi2_p"`
		JS              float64 `json:"js"`
		Drifted         bool
		DriftedExplicit bool `json:"drifted_explicit"`
	}
}

// TestReferenceNoise: a Jensen–Shannon distance the automatic choice makes
// drifts only when chi-square over the same pooled table is significant
// too; chosen explicitly, it decides alone. Against scipy: three pairs of
// samples of one distribution over 2,000 categories that read about 0.15
// (past 0.1) and are not significant, a real shift of 20% of the mass, a
// small significant one, and a well-filled table: the pooled count and
// both verdicts exactly, the statistics to 1e-9 relative, the p-value to
// 1e-6 relative (1e-300 absolute below), and the p-value reported beside
// the distance is chi-square's.
func TestReferenceNoise(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "reference_noise.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref noiseFile
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Categorical) == 0 {
		t.Fatal("reference_noise.json holds no case")
	}
	counts := func(ns []uint64) *Counts {
		var c Counts
		for i, n := range ns {
			if n > 0 {
				c.addNew(fmt.Sprintf("c%05d", i), n)
			}
		}
		return &c
	}
	for _, c := range ref.Categorical {
		t.Run(c.Name, func(t *testing.T) {
			rc, uc := counts(c.Ref), counts(c.Cur)
			f := CategoricalDrift(rc, uc, Thresholds{})
			if f.Categories != c.Categories || f.Pooled != c.Pooled {
				t.Errorf("%d categories, %d pooled; scipy's table %d, %d", f.Categories, f.Pooled, c.Categories, c.Pooled)
			}
			checkRel(t, "chi-square", f.ChiSquare, c.Chi2, tolDistance, 1e-15)
			checkRel(t, "chi-square p-value", f.ChiSquarePValue, c.Chi2P, tolPValue, 1e-300)
			checkRel(t, "Jensen-Shannon", f.JensenShannon, c.JS, tolDistance, 1e-15)
			if f.Test != TestJensenShannon || f.Drifted != c.Drifted {
				t.Errorf("%s drifted %v; scipy: jensenshannon, drifted %v (distance %g, p %g)", f.Test, f.Drifted, c.Drifted, c.JS, c.Chi2P)
			}
			if f.SignificanceTest != TestChiSquare || f.PValue != f.ChiSquarePValue {
				t.Errorf("p-value %g by %q, want chi-square's %g", f.PValue, f.SignificanceTest, f.ChiSquarePValue)
			}
			e := CategoricalDrift(rc, uc, Thresholds{CategoricalTest: TestJensenShannon})
			if e.Drifted != c.DriftedExplicit || e.SignificanceTest != "" || !math.IsNaN(e.PValue) {
				t.Errorf("explicit jensenshannon: drifted %v, p-value %g by %q; scipy: drifted %v on the distance alone", e.Drifted, e.PValue, e.SignificanceTest, c.DriftedExplicit)
			}
		})
	}
}
