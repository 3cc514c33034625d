package monitor

import "math"

// KS method names, as KSResult.Method reports them.
const (
	KSExact = "exact" // the exact null distribution of the two-sample statistic
	KSAsymp = "asymp" // kstwo.sf(d, round(n1·n2/(n1+n2))), as scipy
)

// KSExactMaxN is the largest sample size for which KSTwoSample computes the
// exact p-value, scipy's MAX_AUTO_N: its method="auto" switches at the same
// size.
const KSExactMaxN = 10000

// KSResult is a two-sample Kolmogorov–Smirnov test.
type KSResult struct {
	Statistic float64 // sup |F_ref − F_cur| over the data
	PValue    float64 // two-sided
	Method    string  // KSExact or KSAsymp
}

// KSTwoSample runs the two-sided two-sample Kolmogorov–Smirnov test on two
// sorted samples (ascending, no NaN), as scipy.stats.ks_2samp with
// method="auto": the exact p-value when neither sample is larger than
// KSExactMaxN, else the asymptotic one. It returns NaNs when a sample is
// empty.
func KSTwoSample(a, b []float64) KSResult {
	d := KSStatistic(a, b)
	n1, n2 := len(a), len(b)
	if n1 == 0 || n2 == 0 {
		return KSResult{math.NaN(), math.NaN(), ""}
	}
	if max(n1, n2) <= KSExactMaxN {
		if dd, p, ok := ksExact(n1, n2, d); ok {
			return KSResult{dd, p, KSExact}
		}
	}
	return KSResult{d, KSPValueAsymp(d, int64(n1), int64(n2)), KSAsymp}
}

// KSStatistic returns sup_x |F_a(x) − F_b(x)| for two sorted samples, the
// empirical CDFs evaluated (right-continuous) at every data point exactly
// as scipy does.
func KSStatistic(a, b []float64) float64 {
	n1, n2 := float64(len(a)), float64(len(b))
	if n1 == 0 || n2 == 0 {
		return math.NaN()
	}
	var i, j int
	hi, lo := math.Inf(-1), math.Inf(1)
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
		for i < len(a) && a[i] <= x {
			i++
		}
		for j < len(b) && b[j] <= x {
			j++
		}
		diff := float64(i)/n1 - float64(j)/n2
		hi = math.Max(hi, diff)
		lo = math.Min(lo, diff)
	}
	minS := math.Min(math.Max(-lo, 0), 1)
	if minS > hi {
		return minS
	}
	return hi
}

// KSPValueAsymp returns scipy's asymptotic two-sided p-value for a
// two-sample statistic d: the exact one-sample Kolmogorov distribution at
// n = round(n1·n2/(n1+n2)) (rounded half to even, as numpy does).
func KSPValueAsymp(d float64, n1, n2 int64) float64 {
	m, n := float64(max(n1, n2)), float64(min(n1, n2))
	en := math.RoundToEven(m * n / (m + n))
	if en < 1 || math.IsNaN(d) {
		return math.NaN()
	}
	if d <= 0.5/en {
		return 1
	}
	return clip01(kolmogn(int64(en), d, false))
}

// KSPValue returns the two-sided p-value of a two-sample statistic d for
// samples of n1 and n2 values by the method named, as KSTwoSample computes
// it: KSExact counts lattice paths (the asymptotic value when that loses
// its way, as KSTwoSample falls back), KSAsymp is KSPValueAsymp. NaN for an
// empty sample, a NaN statistic or another method.
func KSPValue(d float64, n1, n2 int64, method string) float64 {
	if n1 <= 0 || n2 <= 0 || math.IsNaN(d) {
		return math.NaN()
	}
	switch method {
	case KSExact:
		if max(n1, n2) <= KSExactMaxN {
			if _, p, ok := ksExact(int(n1), int(n2), d); ok {
				return p
			}
		}
		return KSPValueAsymp(d, n1, n2)
	case KSAsymp:
		return KSPValueAsymp(d, n1, n2)
	}
	return math.NaN()
}

// ksExact computes the exact two-sided p-value of a two-sample statistic
// by counting lattice paths (Hodges 1958; Viehmann 2021 for the
// complement), as scipy does; ok is false when the computation loses its
// way in floating point, and the caller falls back to the asymptotic
// value. It returns the statistic rounded to the lattice, as scipy does.
func ksExact(n1, n2 int, d float64) (float64, float64, bool) {
	g := gcd(n1, n2)
	lcm := float64(n1/g) * float64(n2)
	h := int(math.RoundToEven(d * lcm))
	d = float64(h) / lcm
	if h == 0 {
		return d, 1, true
	}
	var p float64
	if n1 == n2 {
		p = probOutsideSquare(n1, h)
	} else {
		p = probOutsideInside(n1, n2, g, h)
	}
	if !(p >= 0 && p <= 1) {
		return d, p, false
	}
	return d, p, true
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// probOutsideSquare returns P(D_{n,n} ≥ h/n) by a Horner-like evaluation
// of the alternating binomial series, avoiding its cancellation.
func probOutsideSquare(n, h int) float64 {
	P := 0.0
	for k := n / h; k >= 0; k-- {
		p1 := 1.0
		for j := 0; j < h; j++ {
			p1 = float64(n-k*h-j) * p1 / float64(n+k*h+j+1)
		}
		P = p1 * (1 - P)
	}
	return 2 * P
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

func ceilDiv(a, b int) int { return -floorDiv(-a, b) }

// probOutsideInside returns the share of lattice paths from (0,0) to
// (m,n) that leave the band |x/m − y/n| < h/lcm(m,n), by the inside
// method computing the complement directly (one sliding column).
func probOutsideInside(m, n, g, h int) float64 {
	if m < n {
		m, n = n, m
	}
	mg, ng := m/g, n/g
	minj, maxj := 0, min(ceilDiv(h, mg), n+1)
	curlen := maxj - minj
	lenA := min(2*maxj+2, n+1)
	A := make([]float64, lenA+2)
	for i := range A {
		A[i] = 1
	}
	for j := minj; j < maxj && j < len(A); j++ {
		A[j] = 0
	}
	for i := 1; i <= m; i++ {
		lastminj, lastlen := minj, curlen
		minj = min(max(floorDiv(ng*i-h, mg)+1, 0), n)
		maxj = min(ceilDiv(ng*i+h, mg), n+1)
		if maxj <= minj {
			return 1
		}
		val := 1.0
		if minj == 0 {
			val = 0
		}
		fi := float64(i)
		for jj := 0; jj < maxj-minj; jj++ {
			j := jj + minj
			val = (A[jj+minj-lastminj]*fi + val*float64(j)) / (fi + float64(j))
			A[jj] = val
		}
		curlen = maxj - minj
		for k := curlen; k < curlen+(lastlen-curlen) && k < len(A); k++ {
			A[k] = 1
		}
	}
	return A[maxj-minj-1]
}
