package monitor

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// scaledCase is a case of testdata/reference.json's "scaled": values
// offset + scale·v, with their exact mean and standard deviation, the
// exact Wasserstein distance (scipy's agrees to 1e-12) and scipy's KS.
type scaledCase struct {
	Name            string
	Offset, Scale   float64
	Ref, Cur        []float64
	Mean, Std       float64
	Wasserstein     float64
	WassersteinNorm float64 `json:"wasserstein_norm"`
	KS              float64 `json:"ks"`
	KSP             float64 `json:"ks_p"`
}

func loadScaled(t *testing.T) []scaledCase {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Scaled []scaledCase }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Scaled) == 0 {
		t.Fatal("reference.json has no scaled cases: run make_reference.py")
	}
	return f.Scaled
}

// values rebuilds a case's sample as make_reference.py makes it: offset +
// scale·v, two float64 steps.
func (c scaledCase) values(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = c.Offset + c.Scale*x
	}
	return out
}

// TestReferenceScaledExact: data with a large constant offset (1e15 plus
// integers: a plain mean rounds the spread away, and the normalised
// Wasserstein distance read 0.2459 for the exact 0.2465) and data whose
// squares overflow (1e200, 1e300: the standard deviation read +Inf and
// every distance 0, "no drift", while KS gave p ≈ 1e-114) or underflow
// (1e-300, below the 0.001 floor) — the standard deviation to 1e-12 of
// the exact one, the Wasserstein distance and its normalisation to 1e-9,
// and KS as scipy's, through NumericExact as `lodestar drift` calls it
// and NumericDistinct (from each value's count).
func TestReferenceScaledExact(t *testing.T) {
	for _, c := range loadScaled(t) {
		t.Run(c.Name, func(t *testing.T) {
			r, u := sorted(c.values(c.Ref)), sorted(c.values(c.Cur))
			checkRel(t, "std", StdDev(r), c.Std, 1e-12, 0)
			checkRel(t, "Wasserstein", Wasserstein(r, u), c.Wasserstein, tolDistance, 0)
			f := NumericExact(r, u, Thresholds{})
			checkRel(t, "Wasserstein / std", f.Wasserstein, c.WassersteinNorm, tolDistance, 0)
			checkRel(t, "KS statistic", f.KS, c.KS, 0, tolStatistic)
			checkRel(t, "KS p-value", f.KSPValue, c.KSP, tolPValue, 1e-300)
			if want := f.Wasserstein >= 0.1; f.Test == TestWasserstein && f.Drifted != want {
				t.Errorf("Wasserstein %.4g: drifted %v", f.Wasserstein, f.Drifted)
			}
			// From distinct values and counts (`lodestar drift` with at
			// most 1,000 distinct values beyond --exact-limit).
			count := func(x []float64) Distinct {
				m := map[float64]uint64{}
				for _, v := range x {
					m[v]++
				}
				return DistinctFromMap(m)
			}
			fd := NumericDistinct(count(r), count(u), Thresholds{})
			checkRel(t, "from counts: Wasserstein / std", fd.Wasserstein, c.WassersteinNorm, tolDistance, 0)
			checkRel(t, "from counts: KS statistic", fd.KS, c.KS, 0, tolStatistic)
		})
	}
}

// TestReferenceScaledHuge: the reviewer's case in `lodestar drift`'s
// terms — N(0, 1) against N(1, 1) times 1e200, more than SmallSample
// values, so the Wasserstein distance decides: it drifts, at about one
// deviation.
func TestReferenceScaledHuge(t *testing.T) {
	for _, c := range loadScaled(t) {
		if c.Name != "huge-1e200" {
			continue
		}
		f := NumericExact(sorted(c.values(c.Ref)), sorted(c.values(c.Cur)), Thresholds{})
		if f.Test != TestWasserstein || !f.Drifted || !(f.Wasserstein > 0.9 && f.Wasserstein < 1.2) {
			t.Errorf("test %s, Wasserstein / std %.6g, drifted %v: want wasserstein, about 1, drifted", f.Test, f.Wasserstein, f.Drifted)
		}
		return
	}
	t.Fatal("no huge-1e200 case")
}

// TestReferenceScaledBinned: the same cases from histograms, as a
// monitor's windows and `lodestar drift` beyond --exact-limit compute
// them — bins cut at the reference's quantiles (plain and fenced), the
// reference counted value by value and the current with AddAll: the mean
// (1e-13) and standard deviation (1e-9) of the exact ones, the
// Wasserstein distance within its stated error bound, whatever the
// offset or magnitude.
func TestReferenceScaledBinned(t *testing.T) {
	for _, c := range loadScaled(t) {
		r, u := sorted(c.values(c.Ref)), sorted(c.values(c.Cur))
		fenced, err := FencedBinsFromSorted(r, r[0], r[len(r)-1], 64, DefaultPSIBins)
		if err != nil {
			t.Fatal(err)
		}
		for how, b := range map[string]*Bins{"plain": BinsFromSorted(r, 64, DefaultPSIBins), "fenced": fenced} {
			t.Run(c.Name+"/"+how, func(t *testing.T) {
				hr, hu := NewHist(b), NewHist(b)
				for _, x := range r {
					hr.Add(x)
				}
				hu.AddAll(u)
				checkRel(t, "mean", hr.Mean(), c.Mean, 1e-13, 0)
				checkRel(t, "std", hr.Std(), c.Std, 1e-9, 0)
				f := NumericBinned(hr, hu, Thresholds{})
				if !(math.Abs(f.Wasserstein-c.WassersteinNorm) <= f.WassersteinBound+1e-9*c.WassersteinNorm) {
					t.Errorf("Wasserstein / std %.17g, exact %.17g, bound %g", f.Wasserstein, c.WassersteinNorm, f.WassersteinBound)
				}
			})
		}
	}
}

// TestReferenceScaledWindow: the same through a monitor — the reference
// profiled and counted into a window, the current into windows whole and
// merged: the reference window's standard deviation (1e-9) and the
// Wasserstein distance within its bound.
func TestReferenceScaledWindow(t *testing.T) {
	s := Schema{Numeric: []string{"x"}}
	evs := func(xs []float64) []Event {
		out := make([]Event, len(xs))
		for i, x := range xs {
			out[i] = s.NewEvent()
			out[i].Score, out[i].Num[0] = 0.5, x
		}
		return out
	}
	for _, c := range loadScaled(t) {
		re := evs(c.values(c.Ref))
		l := profile(t, s, re)
		refW := fill(t, l, re)
		for how, w := range windowsOf(t, l, evs(c.values(c.Cur))) {
			t.Run(c.Name+"/"+how, func(t *testing.T) {
				d, err := w.Drift(refW, Thresholds{})
				if err != nil {
					t.Fatal(err)
				}
				f := d.Features[0]
				checkRel(t, "reference std", refW.Num[0].Std(), c.Std, 1e-9, 0)
				checkRel(t, "reference mean", refW.Num[0].Mean(), c.Mean, 1e-13, 0)
				if !(math.Abs(f.Wasserstein-c.WassersteinNorm) <= f.WassersteinBound+1e-9*c.WassersteinNorm) {
					t.Errorf("Wasserstein / std %.17g, exact %.17g, bound %g", f.Wasserstein, c.WassersteinNorm, f.WassersteinBound)
				}
			})
		}
	}
}

// TestBinnedOffsetInvariant: the binned statistics of integers plus 1e15
// (or 1e14) are those of the integers alone — the bins' means are summed
// less the shift, so the offset's last place (0.125 at 1e15) does not
// round their steps (it did, by 0.5%): the Wasserstein distance and the
// PSI agree to 1e-12. (The error bound need not: the quantile edges
// between integers round to the offset's last place.)
func TestBinnedOffsetInvariant(t *testing.T) {
	for _, c := range loadScaled(t) {
		if c.Offset == 0 {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			stats := func(off float64) FeatureDrift {
				r, u := sorted(c.values(c.Ref)), sorted(c.values(c.Cur))
				for i := range r {
					r[i] -= off
				}
				for i := range u {
					u[i] -= off
				}
				b := BinsFromSorted(r, 64, DefaultPSIBins)
				hr, hu := NewHist(b), NewHist(b)
				hr.AddAll(r)
				hu.AddAll(u)
				return NumericBinned(hr, hu, Thresholds{})
			}
			with, without := stats(0), stats(c.Offset)
			checkRel(t, "Wasserstein / std", with.Wasserstein, without.Wasserstein, 1e-12, 0)
			checkRel(t, "PSI", with.PSI, without.PSI, 1e-12, 0)
		})
	}
}

// TestNearMaxFloat: values near the largest float, whose steps (3e308)
// overflow: the Wasserstein distance (exact, and from counts) and the
// standard deviation stay finite and right — 0.5·1e307 and 1.5e308 — where
// the steps made them NaN and +Inf.
func TestNearMaxFloat(t *testing.T) {
	a, b := []float64{-1.5e308, 1.5e308}, []float64{-1.5e308, 1.6e308}
	checkRel(t, "Wasserstein", Wasserstein(a, b), 0.5e307, 1e-15, 0)
	checkRel(t, "std", StdDev(a), 1.5e308, 1e-15, 0)
	ones := []float64{1, 1}
	f := NumericDistinct(Distinct{a, ones}, Distinct{b, ones}, Thresholds{})
	checkRel(t, "from counts: Wasserstein / std", f.Wasserstein, 0.5e307/1.5e308, 1e-15, 0)
	checkRel(t, "tiny std", StdDev([]float64{-5e-324, 5e-324}), 5e-324, 0, 0)
}
