package stats

import (
	"math"
	"testing"
)

// TestPowerMeansLargeSamples: at the sample sizes of large A/B tests the
// power stays a probability and agrees with statsmodels. The references:
//
//	/usr/bin/python3 -c "from statsmodels.stats.power import TTestIndPower as P; print(P().power(effect_size=0.2,nobs1=100000,alpha=0.05,ratio=1))"
//
// prints 1.0, and likewise for (0.5, 20000) and (0.05, 100000);
// (0.01, 100000) prints 0.6087753619146367.
func TestPowerMeansLargeSamples(t *testing.T) {
	for _, tc := range []struct{ effect, n, want, tol float64 }{
		{0.2, 100000, 1, 1e-12},
		{0.5, 20000, 1, 1e-12},
		{0.05, 100000, 1, 1e-12},
		{0.01, 100000, 0.6087753619146367, 1e-9},
	} {
		got, err := PowerMeans(tc.effect, tc.n, 1, 0.05)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(got-tc.want) > tc.tol {
			t.Errorf("PowerMeans(%g, %g, 1, 0.05) = %.17g, statsmodels %g", tc.effect, tc.n, got, tc.want)
		}
	}
	// Over a grid of effects and sizes, always a probability, and never
	// less for a larger effect at the same size.
	for _, n := range []float64{10, 1e3, 1e5, 1e6} {
		prev := 0.0
		for _, d := range []float64{0, 0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 2} {
			p, err := PowerMeans(d, n, 1, 0.05)
			if err != nil || !(p >= 0 && p <= 1) || p < prev-1e-12 {
				t.Errorf("PowerMeans(%g, %g) = %v (%v); previous %v", d, n, p, err, prev)
			}
			prev = p
		}
	}
}
