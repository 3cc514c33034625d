package monitor

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// binnedPair returns histograms of n1 reference values uniform on [0, 1)
// and n2 window values uniform on [shift, 1+shift), over bins cut from the
// reference.
func binnedPair(n1, n2 int, shift float64) (*Hist, *Hist) {
	rng := rand.New(rand.NewPCG(7, 11))
	ref := make([]float64, n1)
	for i := range ref {
		ref[i] = rng.Float64()
	}
	slices.Sort(ref)
	b := BinsFromSorted(ref, 1000, DefaultPSIBins)
	r, c := NewHist(b), NewHist(b)
	r.AddAll(ref)
	for range n2 {
		c.Add(shift + rng.Float64())
	}
	return r, c
}

// TestKSFarTailIsAsymptotic: a window that KS judges (the test chosen)
// against a reference of 10,000 values, far past the threshold, takes the
// asymptotic p-value: the exact one of two coprime samples that size, its
// cost growing with the statistic, took most of a second a feature for a
// window that had drifted — every window, every feature — for a verdict
// neither p-value could change.
func TestKSFarTailIsAsymptotic(t *testing.T) {
	r, c := binnedPair(10000, 9999, 0.5)
	f := NumericBinned(r, c, Thresholds{NumericTest: TestKS})
	if f.Test != TestKS || !f.Drifted || f.KSMethod != KSAsymp || !(f.KSPValue < 1e-10) {
		t.Fatalf("test %s, drifted %v, method %s, p %g; want ks, drifted, asymp, p < 1e-10", f.Test, f.Drifted, f.KSMethod, f.KSPValue)
	}
}

// TestKSNearThresholdStaysExact: where the verdict could turn on the
// method, the same sizes keep the exact p-value; so do small samples,
// whose exact p-value costs little however large the statistic.
func TestKSNearThresholdStaysExact(t *testing.T) {
	r, c := binnedPair(10000, 9999, 0.02)
	f := NumericBinned(r, c, Thresholds{NumericTest: TestKS})
	if f.KSMethod != KSExact || !(f.KSPValue > 1e-6) {
		t.Fatalf("near the threshold: method %s, p %g; want exact, p not far below 0.05", f.KSMethod, f.KSPValue)
	}
	r, c = binnedPair(1000, 24, 0.9)
	f = NumericBinned(r, c, Thresholds{NumericTest: TestKS})
	if f.KSMethod != KSExact || !f.Drifted {
		t.Fatalf("a small window, far drifted: method %s, drifted %v; want exact, drifted", f.KSMethod, f.Drifted)
	}
}
