package monitor

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// noiseCounts draws n values: with probability 1−moved uniform over k
// categories c00000…, else uniform over the first hot of them.
func noiseCounts(seed uint64, n, k, hot int, moved float64) *Counts {
	rng := rand.New(rand.NewPCG(seed, 11))
	var c Counts
	for range n {
		i := rng.IntN(k)
		if moved > 0 && rng.Float64() < moved {
			i = rng.IntN(hot)
		}
		c.Add(fmt.Sprintf("c%05d", i))
	}
	return &c
}

// TestJensenShannonNoise: two samples of 100,000 values uniform over 9,000
// categories, one distribution, read a Jensen–Shannon distance near 0.15,
// past the default 0.1, by sampling noise alone (each category is
// expected about 11 times, so few pool). Chosen automatically, the
// distance counts as drift only when chi-square over the same table is
// significant too: here it is not, on every draw, and the note says why;
// the p-value shown is chi-square's. Moving 20% of the mass onto 100 of
// the categories drifts. A distance chosen explicitly keeps the plain
// threshold and drifts on the noise, as asked.
func TestJensenShannonNoise(t *testing.T) {
	const n, k = 100_000, 9000
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprintf("same/seed-%d", seed), func(t *testing.T) {
			ref, cur := noiseCounts(2*seed, n, k, 0, 0), noiseCounts(2*seed+1, n, k, 0, 0)
			f := CategoricalDrift(ref, cur, Thresholds{})
			if f.Test != TestJensenShannon || f.JensenShannon < 0.1 {
				t.Fatalf("test %s, Jensen–Shannon %g: want jensenshannon at 0.1 or more (the noise this is about)", f.Test, f.JensenShannon)
			}
			if f.ChiSquarePValue < 0.05 {
				t.Fatalf("chi-square p %g: a draw of one distribution below 0.05; pick another seed", f.ChiSquarePValue)
			}
			if f.Drifted {
				t.Errorf("drifted: Jensen–Shannon %g with chi-square p %g is sampling noise", f.JensenShannon, f.ChiSquarePValue)
			}
			if f.PValue != f.ChiSquarePValue || f.SignificanceTest != TestChiSquare || f.PValueThreshold != 0.05 {
				t.Errorf("p-value %g by %q below %g; want chi-square's %g below 0.05", f.PValue, f.SignificanceTest, f.PValueThreshold, f.ChiSquarePValue)
			}
			want := fmt.Sprintf("within sampling noise: Jensen–Shannon %s reaches 0.1, but chi-square p = %s is not below 0.05: not drift",
				fmtNote(f.JensenShannon), fmtNote(f.ChiSquarePValue))
			if !strings.HasSuffix(f.Note, want) {
				t.Errorf("note %q, want it to end %q", f.Note, want)
			}
			d := Summarize([]FeatureDrift{f}, Thresholds{})
			if d.Tested != 1 || d.Drifted != 0 || d.Drift {
				t.Errorf("dataset: tested %d, drifted %d, drift %v; want 1 tested, none drifted", d.Tested, d.Drifted, d.Drift)
			}

			// Chosen explicitly, the distance decides alone.
			e := CategoricalDrift(ref, cur, Thresholds{CategoricalTest: TestJensenShannon})
			if !e.Drifted || e.SignificanceTest != "" || !math.IsNaN(e.PValue) || !math.IsNaN(e.PValueThreshold) || strings.Contains(e.Note, "sampling noise") {
				t.Errorf("explicit jensenshannon: drifted %v, p-value %g by %q, note %q; want drifted on the distance alone", e.Drifted, e.PValue, e.SignificanceTest, e.Note)
			}
		})
	}
	t.Run("shift", func(t *testing.T) {
		ref, cur := noiseCounts(100, n, k, 0, 0), noiseCounts(101, n, k, 100, 0.2)
		f := CategoricalDrift(ref, cur, Thresholds{})
		if f.Test != TestJensenShannon || !f.Drifted || f.JensenShannon < 0.1 || !(f.PValue < 1e-100) || f.SignificanceTest != TestChiSquare {
			t.Errorf("test %s, Jensen–Shannon %g, p %g by %q, drifted %v; want jensenshannon drifted, chi-square p far below 0.05", f.Test, f.JensenShannon, f.PValue, f.SignificanceTest, f.Drifted)
		}
		if strings.Contains(f.Note, "sampling noise") {
			t.Errorf("note %q on a drifted feature", f.Note)
		}
	})
	// A significant change too small to matter: 1% of the mass moved, on
	// a well-filled table (20 categories): chi-square is significant, the
	// distance below 0.1, no drift and no note (the effect size decides).
	t.Run("significant-small", func(t *testing.T) {
		ref, cur := noiseCounts(200, n, 20, 0, 0), noiseCounts(201, n, 20, 1, 0.05)
		f := CategoricalDrift(ref, cur, Thresholds{})
		if f.Drifted || f.JensenShannon >= 0.1 || !(f.ChiSquarePValue < 0.05) || f.Note != "" {
			t.Errorf("Jensen–Shannon %g, chi-square p %g, drifted %v, note %q; want significant, below 0.1, not drifted", f.JensenShannon, f.ChiSquarePValue, f.Drifted, f.Note)
		}
	})
	// Up to SmallSample reference values chi-square decides alone, as
	// before: no significance test on top of it.
	t.Run("small-sample", func(t *testing.T) {
		f := CategoricalDrift(noiseCounts(300, 900, 20, 0, 0), noiseCounts(301, 900, 20, 2, 0.5), Thresholds{})
		if f.Test != TestChiSquare || !f.Drifted || f.SignificanceTest != "" || f.PValue != f.ChiSquarePValue || f.Threshold != 0.05 {
			t.Errorf("test %s, drifted %v, p %g (chi-square %g) by %q; want chi2 deciding alone", f.Test, f.Drifted, f.PValue, f.ChiSquarePValue, f.SignificanceTest)
		}
	})
	// The monitor's p threshold is the one required: at 1e-3 a p-value of
	// 0.01 is noise, at 0.05 it is not.
	t.Run("p-threshold", func(t *testing.T) {
		f := FeatureDrift{Kind: Categorical, RefN: 5000, JensenShannon: 0.2, ChiSquare: 1, ChiSquarePValue: 0.01, PValueThreshold: math.NaN()}
		for _, c := range []struct {
			p     float64
			drift bool
		}{{0.05, true}, {0.001, false}} {
			g := f
			(Thresholds{PValue: c.p}).WithDefaults().decideCategorical(&g)
			if g.Drifted != c.drift || g.PValueThreshold != c.p {
				t.Errorf("p threshold %g: drifted %v (threshold %g), want %v", c.p, g.Drifted, g.PValueThreshold, c.drift)
			}
		}
	})
}

// TestJensenShannonNoiseWindow: a monitor's windows decide alike (the
// same code through Window.Drift), and the JSON a window stores carries
// the chi-square p-value, the test it came from and its threshold.
func TestJensenShannonNoiseWindow(t *testing.T) {
	s := Schema{Task: TaskBinary, Categorical: []string{"code"}}
	l := mustLayout(t, s, nil)
	fillW := func(seed uint64, moved float64) *Window {
		rng := rand.New(rand.NewPCG(seed, 11))
		w := NewWindow(l)
		ev := s.NewEvent()
		ev.Score = 0.5
		for range 100_000 {
			i := rng.IntN(9000)
			if moved > 0 && rng.Float64() < moved {
				i = rng.IntN(100)
			}
			ev.Cat[0] = fmt.Sprintf("c%05d", i)
			if err := w.Add(&ev); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	ref := fillW(2, 0)
	for _, c := range []struct {
		name  string
		cur   *Window
		drift bool
	}{{"same", fillW(3, 0), false}, {"shift", fillW(5, 0.2), true}} {
		t.Run(c.name, func(t *testing.T) {
			d, err := c.cur.Drift(ref, Thresholds{})
			if err != nil {
				t.Fatal(err)
			}
			f := d.Features[0]
			if f.JensenShannon < 0.1 || f.Drifted != c.drift || d.Drift != c.drift {
				t.Fatalf("Jensen–Shannon %g, chi-square p %g: drifted %v (dataset %v), want %v", f.JensenShannon, f.ChiSquarePValue, f.Drifted, d.Drift, c.drift)
			}
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			var got struct {
				PValue    *float64 `json:"p_value"`
				Chi2P     *float64 `json:"chi2_p_value"`
				SigTest   string   `json:"significance_test"`
				Threshold *float64 `json:"p_value_threshold"`
			}
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if got.PValue == nil || got.Chi2P == nil || *got.PValue != *got.Chi2P || got.SigTest != "chi2" || got.Threshold == nil || *got.Threshold != 0.05 {
				t.Errorf("JSON %s: want p_value = chi2_p_value, significance_test chi2, p_value_threshold 0.05", b)
			}
		})
	}
}
