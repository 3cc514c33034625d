package fairness

import (
	"math"
	"math/rand/v2"
	"slices"
)

// Bootstrap by count resampling, and why it is the row bootstrap.
//
// The ordinary (row) bootstrap draws N rows with replacement from the N
// rows of the data and recomputes the statistic. Each draw lands in one of
// the cells (group, label, predicted) with probability count(cell)/N,
// independently of the other draws, so the resampled cell counts follow
// Multinomial(N; count/N) exactly. Every figure of the report is a function
// of the cell counts alone, so drawing the counts from that multinomial
// gives the same bootstrap distribution as resampling rows — not an
// approximation of it — in O(cells · log N) per replicate instead of O(N).
// Group sizes vary between replicates, as they do under row resampling; a
// small group can vanish from a replicate, and the figures that need it are
// then undefined in that replicate (Interval.Undefined counts them).
//
// Options.Stratified draws each group's counts from Multinomial(n_g;
// count/n_g) instead, which is the same as resampling rows within each
// group: group sizes stay fixed, as in fairlearn-style stratified
// bootstraps.
//
// The multinomial is drawn as a chain of conditional binomials, and each
// binomial by Knuth's beta splitting (TAOCP vol. 2, §3.4.1): the a-th
// smallest of n uniforms is Beta(a, n+1−a), and the uniforms either side of
// it are uniform on their sub-intervals, so Binomial(n, p) reduces to a
// binomial on about n/2 trials. Beta variates come from two gamma variates
// (Marsaglia and Tsang 2000). Random numbers come from math/rand/v2's PCG,
// whose output is fixed by its specification; uniforms and normals are
// derived here so the intervals for a seed never change with the Go
// release.

// smallBinomial is the trial count below which a binomial is drawn as a
// sum of Bernoulli trials rather than split further.
const smallBinomial = 32

// rng is the bootstrap's random source.
type rng struct {
	src      *rand.PCG
	spare    float64
	hasSpare bool
}

func newRNG(seed uint64) *rng {
	return &rng{src: rand.NewPCG(seed, 0x6c6f64657374_6172)} // "lodestar"
}

// uniform returns a float64 in [0, 1) with 53 random bits.
func (r *rng) uniform() float64 { return float64(r.src.Uint64()>>11) * 0x1p-53 }

// normal returns a standard normal variate (Marsaglia's polar method).
func (r *rng) normal() float64 {
	if r.hasSpare {
		r.hasSpare = false
		return r.spare
	}
	for {
		u, v := 2*r.uniform()-1, 2*r.uniform()-1
		s := u*u + v*v
		if s > 0 && s < 1 {
			f := math.Sqrt(-2 * math.Log(s) / s)
			r.spare, r.hasSpare = v*f, true
			return u * f
		}
	}
}

// gamma returns a Gamma(a, 1) variate for a ≥ 1 (Marsaglia and Tsang).
func (r *rng) gamma(a float64) float64 {
	d := a - 1.0/3
	c := 1 / math.Sqrt(9*d)
	for {
		x := r.normal()
		v := 1 + c*x
		if v <= 0 {
			continue
		}
		v = v * v * v
		u := r.uniform()
		x2 := x * x
		if u < 1-0.0331*x2*x2 || math.Log(u) < 0.5*x2+d*(1-v+math.Log(v)) {
			return d * v
		}
	}
}

// binomial returns a Binomial(n, p) variate.
func (r *rng) binomial(n int64, p float64) int64 {
	var x int64
	for n > 0 && p > 0 {
		if p >= 1 {
			return x + n
		}
		if n <= smallBinomial {
			for range n {
				if r.uniform() < p {
					x++
				}
			}
			return x
		}
		// X is the a-th smallest of n uniforms. If X ≥ p, only the a−1
		// below it can fall under p, each uniform on [0, X); otherwise
		// those a fall under p and the b−1 above X are uniform on (X, 1].
		a := n/2 + 1
		b := n + 1 - a
		ga, gb := r.gamma(float64(a)), r.gamma(float64(b))
		xa := ga / (ga + gb)
		if xa >= p {
			n, p = a-1, p/xa
		} else {
			x += a
			n, p = b-1, (p-xa)/(1-xa)
		}
	}
	return x
}

// multinomial draws n trials over cells with probabilities w[k]/sum(w)
// into dst, as a chain of conditional binomials. Weights are integer
// counts so the conditional probabilities are exact ratios.
func (r *rng) multinomial(n int64, w, dst []int64) {
	var rest int64
	for _, v := range w {
		rest += v
	}
	for k, v := range w {
		var got int64
		switch {
		case n == 0 || v == 0:
		case v == rest:
			got = n
		default:
			got = r.binomial(n, float64(v)/float64(rest))
		}
		dst[k] = got
		n -= got
		rest -= v
	}
}

// bootstrapIntervals resamples the counts opt.Bootstrap times and returns a
// percentile interval for every statistic evaluate computes.
func bootstrapIntervals(counts []Counts, ref int, opt Options) []Interval {
	b := opt.Bootstrap
	samples := bootstrapSamples(counts, ref, opt)
	alpha := (1 - opt.Level) / 2
	out := make([]Interval, statLen(len(counts)))
	for s := range out {
		vals := samples[s*b : (s+1)*b]
		defined := slices.DeleteFunc(vals, math.IsNaN)
		slices.Sort(defined)
		out[s] = Interval{
			Lo:        percentile(defined, alpha),
			Hi:        percentile(defined, 1-alpha),
			Undefined: b - len(defined),
		}
	}
	return out
}

// bootstrapSamples returns the statistics of opt.Bootstrap replicates,
// statistic-major: samples[s*B+k] is statistic s in replicate k.
func bootstrapSamples(counts []Counts, ref int, opt Options) []float64 {
	g, b := len(counts), opt.Bootstrap
	ns := statLen(g)
	cells := make([]int64, 4*g)
	var total int64
	for i, c := range counts {
		copy(cells[4*i:], []int64{c.TP, c.FP, c.TN, c.FN})
		total += c.N()
	}
	r := newRNG(opt.Seed)
	drawn := make([]int64, 4*g)
	rep := make([]Counts, g)
	stats := make([]float64, ns)
	samples := make([]float64, ns*b)
	for k := range b {
		if opt.Stratified {
			for i, c := range counts {
				r.multinomial(c.N(), cells[4*i:4*i+4], drawn[4*i:4*i+4])
			}
		} else {
			r.multinomial(total, cells, drawn)
		}
		for i := range rep {
			rep[i] = Counts{TP: drawn[4*i], FP: drawn[4*i+1], TN: drawn[4*i+2], FN: drawn[4*i+3]}
		}
		evaluate(rep, ref, opt.Favourable, stats)
		for s, v := range stats {
			samples[s*b+k] = v
		}
	}
	return samples
}

// percentile returns the q-quantile of sorted values by linear
// interpolation between order statistics (numpy.percentile's default,
// Hyndman and Fan type 7); NaN for no values.
func percentile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := q * float64(n-1)
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	return sorted[lo] + (h-float64(lo))*(sorted[lo+1]-sorted[lo])
}
