package monitor

import (
	"math"
	"slices"

	"gonum.org/v1/gonum/mathext"
)

// PSIEpsilon is the proportion an empty bin takes in the population
// stability index, so that ln(c/r) stays finite: a bin holding no
// observations of one sample counts as 0.0001 of it (the proportions are
// not renormalised). Evidently uses the same floor.
const PSIEpsilon = 1e-4

// JensenShannonMax is the largest Jensen–Shannon distance (natural log),
// √ln 2, between two distributions with no value in common.
var JensenShannonMax = math.Sqrt(math.Ln2)

// WassersteinFloor is the smallest reference standard deviation the
// Wasserstein distance is divided by, so that a constant reference does
// not divide by zero (Evidently's choice).
const WassersteinFloor = 0.001

// Quantile returns the q-th quantile of a sorted sample with linear
// interpolation between order statistics (Hyndman & Fan type 7), computed
// exactly as numpy.quantile's default method so the results agree to the
// last bit wherever numpy's is finite (see lerp).
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * q
	if h >= float64(n-1) {
		return sorted[n-1]
	}
	if h < 0 {
		return sorted[0]
	}
	lo := math.Floor(h)
	return lerp(sorted[int(lo)], sorted[int(lo)+1], h-lo)
}

// lerp interpolates between a ≤ b at g in [0, 1) as numpy.quantile does
// (from b for g ≥ ½), to the last bit. Where b − a is beyond the largest
// float (a sample spanning the whole float range, such as one holding
// −1.7976931348623157e308), numpy's difference overflows and its
// quantiles read ±inf or nan, which no bin edge can be: the difference
// is then taken halved (exact at that size) and the step doubled back.
func lerp(a, b, g float64) float64 {
	diff := b - a
	if math.IsInf(diff, 0) {
		half := b/2 - a/2
		if g >= 0.5 {
			return b - 2*(half*(1-g))
		}
		return a + 2*(half*g)
	}
	if g >= 0.5 {
		return b - diff*(1-g)
	}
	return a + diff*g
}

// QuantileEdges returns the interior cut points that split a sorted
// reference sample into bins of equal reference mass: the quantiles at
// k/bins for k = 1…bins−1 (numpy.linspace's arithmetic), with repeats
// removed, so tied data give fewer, never empty-by-construction, bins.
// Bin i holds the values x with edges[i−1] < x ≤ edges[i] (the first bin
// is unbounded below, the last above), numpy.searchsorted(side="left").
func QuantileEdges(sorted []float64, bins int) []float64 {
	if len(sorted) == 0 || bins < 2 {
		return nil
	}
	step := 1 / float64(bins)
	out := make([]float64, 0, bins-1)
	for k := 1; k < bins; k++ {
		e := Quantile(sorted, float64(k)*step)
		if len(out) == 0 || e != out[len(out)-1] {
			out = append(out, e)
		}
	}
	return out
}

// binOf returns the bin of x for interior edges, as QuantileEdges defines
// bins: the number of edges strictly below x.
func binOf(edges []float64, x float64) int {
	i, _ := slices.BinarySearch(edges, x)
	return i
}

// CountSorted counts a sorted sample into the bins of interior edges
// (bin i: edges[i−1] < x ≤ edges[i]).
func CountSorted(edges, sorted []float64) []float64 {
	c := make([]float64, len(edges)+1)
	j := 0
	for _, x := range sorted {
		for j < len(edges) && edges[j] < x {
			j++
		}
		c[j]++
	}
	return c
}

// PSI returns the population stability index Σ (c−r)·ln(c/r) over bins,
// r and c the reference and current proportions, each floored at
// PSIEpsilon. ref and cur are counts over the same bins.
func PSI(ref, cur []float64) float64 {
	var nr, nc float64
	for i := range ref {
		nr += ref[i]
		nc += cur[i]
	}
	if nr == 0 || nc == 0 {
		return math.NaN()
	}
	s := 0.0
	for i := range ref {
		r, c := ref[i]/nr, cur[i]/nc
		if r == 0 {
			r = PSIEpsilon
		}
		if c == 0 {
			c = PSIEpsilon
		}
		s += (c - r) * math.Log(c/r)
	}
	return s
}

// PSISorted returns the PSI of two sorted samples over bins reference-
// quantile bins (QuantileEdges).
func PSISorted(ref, cur []float64, bins int) float64 {
	edges := QuantileEdges(ref, bins)
	return PSI(CountSorted(edges, ref), CountSorted(edges, cur))
}

// Wasserstein returns the first Wasserstein distance ∫|F_a − F_b| dx
// between two sorted samples, as scipy.stats.wasserstein_distance.
func Wasserstein(a, b []float64) float64 {
	n1, n2 := float64(len(a)), float64(len(b))
	if n1 == 0 || n2 == 0 {
		return math.NaN()
	}
	// Values from 2^1022 on (about 4.5e307) would overflow the steps
	// between them, which reach twice the largest magnitude: they are
	// summed a quarter the size (exact: a power of two) and the distance
	// scaled back, +Inf only if it is itself beyond the largest float.
	scale := 1.0
	if math.Max(math.Max(-a[0], a[len(a)-1]), math.Max(-b[0], b[len(b)-1])) >= 0x1p1022 {
		scale = 0.25
	}
	var i, j int
	sum := 0.0
	prev := math.Min(a[0], b[0])
	for i < len(a) || j < len(b) {
		var x float64
		switch {
		case i == len(a):
			x = b[j]
		case j == len(b):
			x = a[i]
		default:
			x = math.Min(a[i], b[j])
		}
		sum += math.Abs(float64(i)/n1-float64(j)/n2) * (x*scale - prev*scale)
		prev = x
		for i < len(a) && a[i] <= x {
			i++
		}
		for j < len(b) && b[j] <= x {
			j++
		}
	}
	return sum / scale
}

// StdDev returns the population standard deviation (ddof = 0, as
// numpy.std) of a sample, to a few units in the last place whatever its
// offset and magnitude. The values are first scaled by a power of two (an
// exact step) to below 1 in magnitude, so that no square overflows (values
// from about 1e154 did, and the deviation read +Inf) and none of tiny
// values underflows; the mean is a compensated sum (Neumaier's), so that
// data with a large constant offset (timestamps, 1e15 plus small integers)
// keep their spread, which a plain sum rounds to the offset's last place;
// and the deviations are corrected by their own sum (the corrected
// two-pass algorithm of Chan, Golub and LeVeque), which removes what error
// the mean still has. NaN for an empty sample or a non-finite value.
func StdDev(x []float64) float64 { return weightedStd(x, nil) }

// weightedStd is StdDev of a sample in which x[k] occurs counts[k] times
// (once each when counts is nil).
func weightedStd(x, counts []float64) float64 {
	weight := func(k int) float64 {
		if counts == nil {
			return 1
		}
		return counts[k]
	}
	big, n := 0.0, 0.0
	for k, v := range x {
		big = math.Max(big, math.Abs(v))
		n += weight(k)
	}
	switch {
	case n == 0 || math.IsNaN(big) || math.IsInf(big, 0):
		return math.NaN()
	case big == 0:
		return 0
	}
	_, e := math.Frexp(big) // big = f·2^e, ½ ≤ f < 1
	e = max(e, -1021)       // 2^1021 is the largest scale that is finite
	scale := math.Ldexp(1, -e)
	// Σ weight·y, Neumaier's compensated sum of the exact products (each
	// product's rounding error, by a fused multiply-add, added to the
	// compensation).
	var sum, comp float64
	for k, v := range x {
		y, c := v*scale, weight(k)
		p := y * c
		comp += math.FMA(y, c, -p)
		t := sum + p
		if math.Abs(sum) >= math.Abs(p) {
			comp += (sum - t) + p
		} else {
			comp += (p - t) + sum
		}
		sum = t
	}
	m := (sum + comp) / n
	var s1, s2 float64
	for k, v := range x {
		d, c := v*scale-m, weight(k)
		s1 += c * d
		s2 += c * d * d
	}
	return math.Ldexp(math.Sqrt(math.Max(s2-s1*s1/n, 0)/n), e)
}

// normWasserstein scales a Wasserstein distance by the reference's
// standard deviation, floored at WassersteinFloor.
func normWasserstein(w, refStd float64) float64 {
	return w / math.Max(refStd, WassersteinFloor)
}

// ChiSquare runs Pearson's chi-square test of homogeneity on the 2×k
// table of reference and current counts, as scipy.stats.chi2_contingency
// (with Yates's continuity correction when k = 2, its default). Categories
// absent from both rows must not be passed. It returns the statistic, the
// p-value and the degrees of freedom; with one category the test is
// degenerate (statistic 0, p-value 1).
func ChiSquare(ref, cur []float64) (stat, p float64, dof int) {
	k := len(ref)
	var nr, nc float64
	for i := range ref {
		nr += ref[i]
		nc += cur[i]
	}
	if nr == 0 || nc == 0 {
		return math.NaN(), math.NaN(), 0
	}
	dof = k - 1
	if dof == 0 {
		return 0, 1, 0
	}
	n := nr + nc
	for i := 0; i < k; i++ {
		col := ref[i] + cur[i]
		for r, o := range [2]float64{ref[i], cur[i]} {
			e := col * nr / n
			if r == 1 {
				e = col * nc / n
			}
			if dof == 1 {
				d := e - o
				if d != 0 {
					o += math.Copysign(math.Min(0.5, math.Abs(d)), d)
				}
			}
			stat += (o - e) * (o - e) / e
		}
	}
	return stat, ChiSquareSF(stat, float64(dof)), dof
}

// ChiSquareSF returns P(X > x) for a chi-square variable with k degrees of
// freedom, the regularized upper incomplete gamma function Q(k/2, x/2).
func ChiSquareSF(x, k float64) float64 {
	if x <= 0 {
		return 1
	}
	return mathext.GammaIncRegComp(k/2, x/2)
}

// JensenShannon returns the Jensen–Shannon distance in natural log (the
// square root of the divergence, between 0 and √ln 2 ≈ 0.8326) of two
// count vectors over the same categories, as
// scipy.spatial.distance.jensenshannon(p, q) with its default base, which
// is what Evidently's test computes and its threshold 0.1 is stated in
// (in base 2 the same distance is 1/√ln 2 ≈ 1.2 times larger).
func JensenShannon(ref, cur []float64) float64 {
	var nr, nc float64
	for i := range ref {
		nr += ref[i]
		nc += cur[i]
	}
	if nr == 0 || nc == 0 {
		return math.NaN()
	}
	var left, right float64
	for i := range ref {
		p, q := ref[i]/nr, cur[i]/nc
		m := (p + q) / 2
		left += relEntr(p, m)
		right += relEntr(q, m)
	}
	return math.Sqrt((left + right) / 2)
}

func relEntr(x, y float64) float64 {
	switch {
	case x == 0:
		return 0
	case x > 0 && y > 0:
		return x * math.Log(x/y)
	}
	return math.Inf(1)
}
