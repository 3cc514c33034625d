package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// normTwoSided returns P(|Z| ≥ |z|) for a standard normal Z, exact in the tails.
func normTwoSided(z float64) float64 {
	return math.Erfc(math.Abs(z) / math.Sqrt2)
}

// normCDF returns P(Z ≤ z) for a standard normal Z, exact in the lower tail.
func normCDF(z float64) float64 {
	return 0.5 * math.Erfc(-z/math.Sqrt2)
}

// normQuantile returns the p-quantile of the standard normal distribution.
func normQuantile(p float64) float64 {
	return mathext.NormalQuantile(p)
}

// chiSquareSurvival returns P(X ≥ x) for a chi-square X with k degrees of freedom.
func chiSquareSurvival(x, k float64) float64 {
	if x <= 0 {
		return 1
	}
	return mathext.GammaIncRegComp(k/2, x/2)
}

// twoProd returns a*b as an unevaluated sum hi+lo that is exact.
func twoProd(a, b float64) (hi, lo float64) {
	hi = a * b
	return hi, math.FMA(a, b, -hi)
}

// crossDiff returns a*b − c*d with one rounding error instead of three, the
// core of an exact variance from sums: n·Σx² − (Σx)².
func crossDiff(a, b, c, d float64) float64 {
	h1, l1 := twoProd(a, b)
	h2, l2 := twoProd(c, d)
	return (h1 - h2) + (l1 - l2)
}
