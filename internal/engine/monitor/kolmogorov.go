package monitor

import "math"

// This file computes the distribution of the two-sided one-sample
// Kolmogorov–Smirnov statistic D_n, which scipy.stats.ks_2samp uses for its
// asymptotic two-sample p-value (kstwo.sf(d, round(n1·n2/(n1+n2)))). The
// choice of algorithm by region follows Simard & L'Ecuyer, "Computing the
// Two-Sided Kolmogorov-Smirnov Distribution", J. Stat. Softw. 39(11), 2011,
// with the same region boundaries scipy uses, so that the p-values agree
// with scipy's to far better than 1e-6 relative:
//
//   - Ruben–Gambino closed forms for n·x ≤ 1 and n·x ≥ n−1;
//   - 2·Smirnov(n, x), the exact one-sided tail (Birnbaum–Tingey sum), where
//     the two tails do not overlap (x ≥ 1/2) or in the far tail;
//   - the Durbin matrix (Marsaglia–Tsang–Wang) for small n·x²;
//   - Pomeranz's recursion for n ≤ 140;
//   - the Pelz–Good asymptotic series for large n and small n·x².

const (
	e128    = 128
	twoP128 = 3.402823669209385e+38 // 2^128
	twoM128 = 2.938735877055719e-39 // 2^-128
	logTwoP = 1.8378770664093453    // log(2π)
	minExp  = -745.1332191019412    // log of the smallest subnormal
	piSq    = math.Pi * math.Pi
)

// kolmogorovSF returns P(D_n > x) for the two-sided one-sample statistic.
func kolmogorovSF(n int, x float64) float64 { return kolmogn(int64(n), x, false) }

func clip01(p float64) float64 {
	switch {
	case p < 0:
		return 0
	case p > 1:
		return 1
	}
	return p
}

func pick(cdfP, sfP float64, cdf bool) float64 {
	if cdf {
		return clip01(cdfP)
	}
	return clip01(sfP)
}

var stirling = [...]float64{-2.955065359477124183e-2, 6.4102564102564102564e-3,
	-1.9175269175269175269e-3, 8.4175084175084175084e-4,
	-5.952380952380952381e-4, 7.9365079365079365079e-4,
	-2.7777777777777777778e-3, 8.3333333333333333333e-2}

// logFactorialOverPow returns log(n!/n^n) by Stirling's series.
func logFactorialOverPow(n float64) float64 {
	rn := 1 / n
	x := rn / n
	p := 0.0
	for _, c := range stirling {
		p = p*x + c
	}
	return math.Log(n)/2 - n + logTwoP/2 + rn*p
}

// kolmogn returns P(D_n ≤ x), or P(D_n > x) when cdf is false. n is an
// int64: a two-sample test's effective size passes 2^31 (two samples of
// 2^32 values each), which an int does not hold on 32-bit platforms; the
// exact algorithms below take an int only where n is small.
func kolmogn(n int64, x float64, cdf bool) float64 {
	if n <= 0 || math.IsNaN(x) {
		return math.NaN()
	}
	if x >= 1 {
		return pick(1, 0, cdf)
	}
	if x <= 0 {
		return pick(0, 1, cdf)
	}
	fn := float64(n)
	t := fn * x
	if t <= 1 { // Ruben–Gambino: 1/2n < x ≤ 1/n
		if t <= 0.5 {
			return pick(0, 1, cdf)
		}
		var prob float64
		if n <= 140 {
			prob = 1
			for i := 1; i <= int(n); i++ {
				prob *= float64(i) * (1 / fn) * (2*t - 1)
			}
		} else {
			prob = math.Exp(logFactorialOverPow(fn) + fn*math.Log(2*t-1))
		}
		return pick(prob, 1-prob, cdf)
	}
	if t >= fn-1 { // Ruben–Gambino
		prob := 2 * math.Pow(1-x, fn)
		return pick(1-prob, prob, cdf)
	}
	if x >= 0.5 { // the two one-sided tails are disjoint
		prob := 2 * smirnovSF(n, x)
		return pick(1-prob, prob, cdf)
	}
	nxx := t * x
	if n <= 140 {
		switch {
		case nxx <= 0.754693:
			p := durbinCDF(int(n), x)
			return pick(p, 1-p, cdf)
		case nxx <= 4:
			p := pomeranzCDF(int(n), x)
			return pick(p, 1-p, cdf)
		}
		prob := 2 * smirnovSF(n, x)
		return pick(1-prob, prob, cdf)
	}
	if !cdf {
		if nxx >= 370 {
			return 0
		}
		if nxx >= 2.2 {
			return clip01(2 * smirnovSF(n, x))
		}
	}
	var p float64
	switch {
	case nxx >= 18:
		p = 1
	case n <= 100000 && fn*math.Pow(x, 1.5) <= 1.4:
		p = durbinCDF(int(n), x)
	default:
		return pelzGood(n, x, cdf)
	}
	return pick(p, 1-p, cdf)
}

// durbinCDF returns P(D_n ≤ d) by Durbin's matrix formula as computed by
// Marsaglia, Tsang and Wang (2003), with explicit exponent tracking.
func durbinCDF(n int, d float64) float64 {
	if d >= 1 {
		return 1
	}
	fn := float64(n)
	nd := fn * d
	if nd <= 0.5 {
		return 0
	}
	k := int(math.Ceil(nd))
	h := float64(k) - nd
	m := 2*k - 1
	v := make([]float64, m)
	w := make([]float64, m)
	fac := 1.0
	for j := 1; j <= m; j++ {
		w[j-1] = fac
		fac /= float64(j)
		v[j-1] = (1 - math.Pow(h, float64(j))) * fac
	}
	tt := math.Pow(math.Max(2*h-1, 0), float64(m)) - 2*math.Pow(h, float64(m))
	v[m-1] = (1 + tt) * fac
	H := make([]float64, m*m)
	for i := 1; i < m; i++ {
		for r := i - 1; r < m; r++ {
			H[r*m+i] = w[r-i+1]
		}
	}
	for r := 0; r < m; r++ {
		H[r*m] = v[r]
	}
	for c := 0; c < m; c++ {
		H[(m-1)*m+c] = v[m-1-c]
	}
	P := make([]float64, m*m)
	for i := 0; i < m; i++ {
		P[i*m+i] = 1
	}
	tmp := make([]float64, m*m)
	expnt, hexpnt := 0, 0
	for nn := n; nn > 0; nn /= 2 {
		if nn%2 == 1 {
			matmul(tmp, P, H, m)
			P, tmp = tmp, P
			expnt += hexpnt
		}
		matmul(tmp, H, H, m)
		H, tmp = tmp, H
		hexpnt *= 2
		if math.Abs(H[(k-1)*m+k-1]) > twoP128 {
			for i := range H {
				H[i] /= twoP128
			}
			hexpnt += e128
		}
	}
	p := P[(k-1)*m+k-1]
	for i := 1; i <= n; i++ {
		p = float64(i) * p / fn
		if math.Abs(p) < twoM128 {
			p *= twoP128
			expnt -= e128
		}
	}
	return math.Ldexp(p, expnt)
}

// matmul sets c = a·b for m×m row-major matrices.
func matmul(c, a, b []float64, m int) {
	clear(c)
	for i := 0; i < m; i++ {
		ci := c[i*m : i*m+m]
		for k := 0; k < m; k++ {
			aik := a[i*m+k]
			if aik == 0 {
				continue
			}
			bk := b[k*m : k*m+m]
			for j, bv := range bk {
				ci[j] += aik * bv
			}
		}
	}
}

func pomeranzBounds(i, n, ll, ceilf, roundf int) (int, int) {
	var j1, j2 int
	if i == 0 {
		j1, j2 = -ll-ceilf-1, ll+ceilf-1
	} else {
		half, odd := (i+1)/2, (i+1)%2
		switch {
		case odd == 0 && half == n+1:
			j1, j2 = n-ll-ceilf-1, n+ll+ceilf-1
		case odd == 0:
			j1, j2 = half-1-ll-roundf-1, half+ll-1+ceilf-1
		default:
			j1, j2 = half-1-ll-1, half+ll+roundf-1
		}
	}
	return max(j1+2, 0), min(j2, n)
}

// pomeranzCDF returns P(D_n ≤ x) by Pomeranz's (1974) recursion.
func pomeranzCDF(n int, x float64) float64 {
	fn := float64(n)
	t := fn * x
	ll := int(math.Floor(t))
	f := t - float64(ll)
	g := math.Min(f, 1-f)
	ceilf, roundf := 0, 0
	if f > 0 {
		ceilf = 1
	}
	if f > 0.5 {
		roundf = 1
	}
	npw := 2 * (ll + 1)
	gp := make([]float64, npw)
	g2p := make([]float64, npw)
	g12p := make([]float64, npw)
	gp[0], g2p[0], g12p[0] = 1, 1, 1
	a, b, c := g/fn, 2*g/fn, (1-2*g)/fn
	for m := 1; m < npw; m++ {
		gp[m] = gp[m-1] * a / float64(m)
		g2p[m] = g2p[m-1] * b / float64(m)
		g12p[m] = g12p[m-1] * c / float64(m)
	}
	V0 := make([]float64, npw)
	V1 := make([]float64, npw)
	V1[0] = 1
	v0s, v1s := 0, 0
	expnt := 0
	j1, j2 := pomeranzBounds(0, n, ll, ceilf, roundf)
	for i := 1; i <= 2*n+1; i++ {
		k1 := j1
		V0, V1 = V1, V0
		v0s, v1s = v1s, v0s
		clear(V1)
		j1, j2 = pomeranzBounds(i, n, ll, ceilf, roundf)
		pw := g12p
		switch {
		case i == 1 || i == 2*n+1:
			pw = gp
		case i%2 == 1:
			pw = g2p
		}
		ln2 := j2 - k1 + 1
		if ln2 <= 0 {
			continue
		}
		lo := k1 - v0s
		hi := min(lo+ln2, len(V0))
		src := V0[lo:hi]
		kern := pw[:min(ln2, len(pw))]
		start, length := j1-k1, j2-j1+1
		maxV := 0.0
		for o := 0; o < length && o < len(V1); o++ {
			k := start + o // index into the full convolution
			s := 0.0
			for q := max(0, k-len(kern)+1); q <= k && q < len(src); q++ {
				s += src[q] * kern[k-q]
			}
			V1[o] = s
			maxV = math.Max(maxV, s)
		}
		if maxV > 0 && maxV < twoM128 {
			for o := range V1 {
				V1[o] *= twoP128
			}
			expnt -= e128
		}
		v1s = v0s + j1 - k1
	}
	ans := V1[n-v1s]
	for m := 1; m <= n; m++ {
		if math.Abs(ans) > twoP128 {
			ans *= twoM128
			expnt += e128
		}
		ans *= float64(m)
	}
	return math.Ldexp(ans, expnt)
}

// pelzGood returns the Pelz–Good (1976) approximation of P(D_n ≤ x), or
// of P(D_n > x) when cdf is false.
func pelzGood(n int64, x float64, cdf bool) float64 {
	if x <= 0 {
		return pick(0, 1, cdf)
	}
	if x >= 1 {
		return pick(1, 0, cdf)
	}
	z := math.Sqrt(float64(n)) * x
	z2, z3, z4, z6 := z*z, z*z*z, z*z*z*z, math.Pow(z, 6)
	qlog := -piSq / 8 / z2
	if qlog < -708 {
		return pick(0, 1, cdf)
	}
	q := math.Exp(qlog)
	k1a, k1b := -z2, piSq/4
	k2a := 6*z6 + 2*z4
	k2b := (2*z4 - 5*z2) * piSq / 4
	k2c := piSq * piSq * (1 - 2*z2) / 16
	pi6 := piSq * piSq * piSq
	k3d := pi6 * (5 - 30*z2) / 64
	k3c := piSq * piSq * (-60*z2 + 212*z4) / 16
	k3b := piSq * (135*z4 - 96*z6) / 4
	k3a := -30*z6 - 90*math.Pow(z, 8)
	var K [4]float64
	maxk := int(math.Ceil(16 * z / math.Pi))
	for k := maxk; k > 0; k-- {
		m := float64(2*k - 1)
		m2, m4, m6 := m*m, m*m*m*m, math.Pow(m, 6)
		qp := math.Pow(q, float64(8*k))
		coef := [4]float64{1, k1a + k1b*m2, k2a + k2b*m2 + k2c*m4, k3a + k3b*m2 + k3c*m4 + k3d*m6}
		for i := range K {
			K[i] = K[i]*qp + coef[i]
		}
	}
	sqrt2pi := math.Sqrt(2 * math.Pi)
	div := [4]float64{z, 6 * z4, 72 * math.Pow(z, 7), 6480 * math.Pow(z, 10)}
	for i := range K {
		K[i] = K[i] * q * sqrt2pi / div[i]
	}
	q = math.Exp(-piSq / 2 / z2)
	sqrt3z := math.Sqrt(3) * z
	var k2extra, k3extra float64
	for k := maxk; k > 0; k-- {
		ks := float64(k * k)
		qk := math.Pow(q, ks)
		k2extra += ks * qk
		kpi := math.Pi * float64(k)
		k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * ks * qk
	}
	K[2] += k2extra * piSq * sqrt2pi / (-36 * z3)
	K[3] += k3extra * piSq * sqrt2pi / (216 * z6)
	for i := range K {
		K[i] /= math.Pow(float64(n), float64(i)/2)
	}
	if !cdf {
		for i := range K {
			K[i] = -K[i]
		}
		K[0]++
	}
	return K[0] + K[1] + K[2] + K[3]
}

// smirnovSF returns P(D+_n ≥ x), the exact tail of the one-sided
// statistic, by the Smirnov/Birnbaum–Tingey sum
//
//	x · Σ_{v=0}^{⌊n(1−x)⌋} C(n,v) (x+v/n)^(v−1) (1−x−v/n)^(n−v),
//
// summed in log space (the leading terms underflow for large n·x) and
// stopped once the remaining terms cannot change the sum. Above a million
// it uses the approximation exp(−(6nx+1)²/18n), as scipy does.
func smirnovSF(n int64, x float64) float64 {
	switch {
	case n <= 0 || !(x >= 0 && x <= 1):
		return math.NaN()
	case n == 1:
		return 1 - x
	case x == 0:
		return 1
	case x == 1:
		return 0
	}
	fn := float64(n)
	nx := fn * x
	nxfl := math.Floor(nx)
	if nx <= 1 {
		return 1 - x*math.Pow(1+x, fn-1)
	}
	if -2*fn*x*x < minExp {
		return 0
	}
	if nxfl >= fn-1 {
		return math.Pow(1-x, fn)
	}
	if n > 1000000 {
		logp := -math.Pow(6*nx+1, 2) / 18 / fn
		if logp < -math.Ln2 {
			return math.Exp(logp)
		}
		return 1 + math.Expm1(logp)
	}
	last := int(math.Floor(fn * (1 - x)))
	if float64(last) >= fn*(1-x) { // the term with base 0 vanishes
		last--
	}
	var (
		top   = math.Inf(-1) // log of the largest term so far
		s     float64        // Σ exp(term − top)
		logC  float64        // log C(n, v)
		prev  = math.Inf(-1)
		terms = last + 1
	)
	for v := 0; v <= last; v++ {
		fv := float64(v)
		if v > 0 {
			logC += math.Log((fn - fv + 1) / fv)
		}
		u := x + fv/fn
		lt := logC + (fv-1)*math.Log(u) + (fn-fv)*math.Log1p(-u)
		switch {
		case lt > top:
			s = s*math.Exp(top-lt) + 1
			top = lt
		default:
			s += math.Exp(lt - top)
		}
		if lt < prev && float64(4*(terms-v))*math.Exp(lt-top) < 0x1p-52*s {
			break
		}
		prev = lt
	}
	return math.Exp(math.Log(x) + top + math.Log(s))
}
