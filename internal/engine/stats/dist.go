package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// tTwoSided returns P(|T| ≥ |t|) for Student's t with df degrees of freedom.
//
// P(|T| < t) = I_y(1/2, df/2) with y = t²/(df+t²), and P(|T| ≥ t) =
// I_x(df/2, 1/2) with x = df/(df+t²). Each is computed directly where it is
// small, so neither a p-value near 1 nor one near 0 loses digits to 1 − x.
func tTwoSided(t, df float64) float64 {
	t = math.Abs(t)
	if t == 0 {
		return 1
	}
	if math.IsInf(t, 1) {
		return 0
	}
	t2 := t * t
	if t2 < df {
		if inner := mathext.RegIncBeta(0.5, df/2, t2/(df+t2)); inner < 0.5 {
			return 1 - inner
		}
	}
	return mathext.RegIncBeta(df/2, 0.5, df/(df+t2))
}

// tQuantile returns the p-quantile of Student's t with df degrees of freedom.
func tQuantile(p, df float64) float64 {
	return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
}

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
