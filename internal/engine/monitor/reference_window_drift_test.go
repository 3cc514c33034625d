package monitor

import (
	"math"
	"testing"
)

// TestReferenceWindowDriftNumeric: the numeric reference cases through a
// monitor — the reference profiled (default exact limit and bins) and
// counted into a window, the current sample into windows whole and merged
// — against scipy's figures from every value: the exact KS statistic
// between the binned one and its upper bound (1e-12), the Wasserstein
// distance over the reference's standard deviation (floored at
// WassersteinFloor: "constant-ref") within its stated error bound
// (1e-9), the reference's standard deviation to 1e-9 (Hist.Std, from
// shifted moments), and the PSI exactly scipy's over the reference
// deciles (1e-9) — these references all fit the profiler's exact sample,
// so the PSI bins are their deciles. The binned KS p-value, where KS
// decides, is checked in TestReferenceWindowKS.
func TestReferenceWindowDriftNumeric(t *testing.T) {
	s := Schema{Numeric: []string{"x"}}
	evs := func(xs []float64) []Event {
		out := make([]Event, len(xs))
		for i, x := range xs {
			out[i] = s.NewEvent()
			out[i].Score, out[i].Num[0] = 0.5, x
		}
		return out
	}
	for _, c := range loadReference(t).Numeric {
		re := evs(c.Ref)
		l := profile(t, s, re)
		refW := fill(t, l, re)
		for how, w := range windowsOf(t, l, evs(c.Cur)) {
			t.Run(c.Name+"/"+how, func(t *testing.T) {
				d, err := w.Drift(refW, Thresholds{})
				if err != nil {
					t.Fatal(err)
				}
				f := d.Features[0]
				if f.Method == MethodExact {
					// At most FewValues distinct values ("binary-values"):
					// categorical, checked in TestReferenceFewValuesWindow.
					if c.Name != "binary-values" {
						t.Errorf("tested from value counts: %+v", f)
					}
					return
				}
				if !(f.KS <= c.KSAsymp+1e-12 && c.KSAsymp <= f.KSUpper+1e-12) {
					t.Errorf("scipy's KS %.17g outside the binned [%.17g, %.17g]", c.KSAsymp, f.KS, f.KSUpper)
				}
				if !(math.Abs(f.Wasserstein-c.WassersteinNorm) <= f.WassersteinBound+1e-9*c.WassersteinNorm) {
					t.Errorf("Wasserstein / std %.17g, scipy %.17g, bound %g", f.Wasserstein, c.WassersteinNorm, f.WassersteinBound)
				}
				checkRel(t, "reference std", refW.Num[0].Std(), c.Std, 1e-9, 1e-12)
				checkRel(t, "PSI", f.PSI, c.PSI10, tolDistance, 1e-15)
			})
		}
	}
}
