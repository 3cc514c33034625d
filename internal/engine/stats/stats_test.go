package stats

import (
	"errors"
	"math"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"
)

func summarise(xs ...float64) Summary {
	var s Summary
	for _, x := range xs {
		s.Add(x)
	}
	return s
}

// twoPassExact returns the mean and sample variance with exact sums.
func twoPassExact(xs []float64) (mean, variance float64) {
	sum := new(big.Float).SetPrec(2000)
	for _, x := range xs {
		sum.Add(sum, big.NewFloat(x))
	}
	m := new(big.Float).SetPrec(2000).Quo(sum, big.NewFloat(float64(len(xs))))
	ss := new(big.Float).SetPrec(2000)
	for _, x := range xs {
		d := new(big.Float).SetPrec(2000).Sub(big.NewFloat(x), m)
		ss.Add(ss, d.Mul(d, d))
	}
	mean, _ = m.Float64()
	variance, _ = ss.Quo(ss, big.NewFloat(float64(len(xs)-1))).Float64()
	return mean, variance
}

func TestSummaryAddKeepsPrecisionAtLargeOffsets(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, 10000)
	for i := range xs {
		xs[i] = 1e9 + r.NormFloat64() // mean/sd = 1e9
	}
	s := summarise(xs...)
	mean, variance := twoPassExact(xs)
	if e := math.Abs(s.Mean()-mean) / mean; e > 1e-15 {
		t.Errorf("mean = %.17g, want %.17g", s.Mean(), mean)
	}
	if e := math.Abs(s.Variance()-variance) / variance; e > 1e-9 {
		t.Errorf("variance = %.17g, want %.17g (relative error %.2g)", s.Variance(), variance, e)
	}
}

func TestSummaryMergeEqualsAdd(t *testing.T) {
	xs := []float64{3, 1e6, -2.5, 7, 7, 1e-3, 42, 5e5}
	all := summarise(xs...)
	for cut := 0; cut <= len(xs); cut++ {
		a, b := summarise(xs[:cut]...), summarise(xs[cut:]...)
		a.Merge(b)
		if a.N != all.N || math.Abs(a.Mean()-all.Mean()) > 1e-12*math.Abs(all.Mean()) ||
			math.Abs(a.Variance()-all.Variance()) > 1e-12*all.Variance() {
			t.Errorf("cut %d: merged n=%d mean=%g var=%g, want n=%d mean=%g var=%g",
				cut, a.N, a.Mean(), a.Variance(), all.N, all.Mean(), all.Variance())
		}
	}
	// A plain (unshifted) aggregate merges into a shifted one.
	plain := Summary{N: 3, Sum: 6, SumSq: 14} // 1, 2, 3
	s := summarise(10, 20)
	s.Merge(plain)
	if want := summarise(10, 20, 1, 2, 3); math.Abs(s.Variance()-want.Variance()) > 1e-12 || s.Mean() != want.Mean() {
		t.Errorf("merged plain: mean %g var %g, want %g %g", s.Mean(), s.Variance(), want.Mean(), want.Variance())
	}
}

func TestSummaryEmptyAndSingle(t *testing.T) {
	var s Summary
	if !math.IsNaN(s.Mean()) || !math.IsNaN(s.Variance()) {
		t.Errorf("empty: mean %g variance %g, want NaN", s.Mean(), s.Variance())
	}
	s.Add(4)
	if s.Mean() != 4 || !math.IsNaN(s.Variance()) {
		t.Errorf("one value: mean %g variance %g, want 4 and NaN", s.Mean(), s.Variance())
	}
}

func TestStudentTClosedForms(t *testing.T) {
	for _, tc := range []struct {
		df, t, want float64
	}{
		// df = 1 is Cauchy: P(|T| ≥ t) = 1 − (2/π)·atan(t) = (2/π)·atan(1/t).
		{1, 1, 0.5},
		{1, 1e6, 2 / math.Pi * math.Atan(1e-6)},
		// df = 2: P(|T| ≥ t) = 1 − t/√(2 + t²).
		{2, 0.5, 1 - 0.5/math.Sqrt(2.25)},
		{2, 1e3, 2 / (1e3*math.Sqrt(2+1e6) + 1e6 + 2)}, // 1 − t/√(2+t²), rewritten without cancellation
		{7, 0, 1},
		{7, math.Inf(1), 0},
	} {
		if got := tTwoSided(tc.t, tc.df); math.Abs(got-tc.want) > 1e-14*tc.want {
			t.Errorf("tTwoSided(%g, df=%g) = %.17g, want %.17g", tc.t, tc.df, got, tc.want)
		}
	}
	// Critical values: df = 1 and 2 in closed form, and the normal limit.
	for _, alpha := range []float64{0.5, 0.05, 0.01, 1e-6} {
		if got, want := tCritical(alpha, 1), 1/math.Tan(math.Pi/2*alpha); math.Abs(got-want) > 1e-12*want {
			t.Errorf("tCritical(%g, 1) = %.17g, want %.17g", alpha, got, want)
		}
		// df = 2: t = √(2q²/(1 − q²)) with q = 1 − α and 1 − q² = α(2 − α).
		q := 1 - alpha
		if got, want := tCritical(alpha, 2), math.Sqrt(2*q*q/(alpha*(2-alpha))); math.Abs(got-want) > 1e-12*want {
			t.Errorf("tCritical(%g, 2) = %.17g, want %.17g", alpha, got, want)
		}
		if got, want := tCritical(alpha, 1e12), normQuantile(1-alpha/2); math.Abs(got-want) > 1e-10*want {
			t.Errorf("tCritical(%g, 1e12) = %.17g, want normal %.17g", alpha, got, want)
		}
	}
	// tCritical inverts tTwoSided across the range of Welch df.
	for _, df := range []float64{1.3, 3, 6, 29.7, 1e3, 4e6, 1e9} {
		for _, alpha := range []float64{0.1, 0.05, 0.001} {
			if got := tTwoSided(tCritical(alpha, df), df); math.Abs(got-alpha) > 1e-13*alpha {
				t.Errorf("df %g: P(|T| ≥ tCritical(%g)) = %.17g", df, alpha, got)
			}
		}
	}
}

func TestLogGammaHalfRatio(t *testing.T) {
	// For integer n, Γ(n + ½)/Γ(n) = (√π/2)·∏_{k=1}^{n−1} (k + ½)/k, a product
	// good to about n ulps; check the series (a ≥ 20) and lgamma (a < 20)
	// against it on both sides of the switch.
	for _, n := range []int{2, 19, 20, 21, 40, 1000} {
		ratio := math.Sqrt(math.Pi) / 2
		for k := 1; k < n; k++ {
			ratio *= (float64(k) + 0.5) / float64(k)
		}
		want := math.Log(ratio)
		if got := logGammaHalfRatio(float64(n)); math.Abs(got-want) > 4*float64(n)*0x1p-52*want {
			t.Errorf("a=%d: %.17g, want %.17g", n, got, want)
		}
	}
}

func TestWelchSymmetry(t *testing.T) {
	a, b := summarise(1, 2, 3, 4, 5), summarise(2, 4, 6, 9)
	ab, err := Welch(a, b, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	ba, err := Welch(b, a, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if ab.Stat != -ba.Stat || ab.P != ba.P || ab.DF != ba.DF || ab.Diff.Lo != -ba.Diff.Hi {
		t.Errorf("swapping groups: %+v vs %+v", ab, ba)
	}
	if ab.Method != MethodWelch || !ab.Diff.Contains(ab.Diff.Value) {
		t.Errorf("method %q, interval %+v", ab.Method, ab.Diff)
	}
}

func TestRelativeUndefinedAtZeroControlMean(t *testing.T) {
	r, err := Welch(summarise(-1, 1, -2, 2), summarise(1, 2, 3), 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if r.Relative != nil {
		t.Errorf("Relative = %+v, want nil for a control mean of 0", *r.Relative)
	}
}

func TestErrors(t *testing.T) {
	good := summarise(1, 2, 3)
	cases := []struct {
		name string
		err  error
		want error
		msg  string
	}{
		{"welch n=1", second(Welch(summarise(1), good, 0.05)), ErrTooFew, "control: too few observations: n = 1"},
		{"welch n=0", second(Welch(good, Summary{}, 0.05)), ErrTooFew, "treatment"},
		{"welch negative n", second(Welch(Summary{N: -3}, good, 0.05)), ErrInvalid, "n = -3 is negative"},
		{"welch NaN sum", second(Welch(Summary{N: 3, Sum: math.NaN(), SumSq: 1}, good, 0.05)), ErrInvalid, "finite"},
		{"welch impossible sum of squares", second(Welch(Summary{N: 3, Sum: 30, SumSq: 10}, good, 0.05)), ErrInvalid, "less than sum²/n"},
		{"welch negative sum of squares", second(Welch(Summary{N: 3, Sum: 0, SumSq: -1}, good, 0.05)), ErrInvalid, "negative"},
		{"welch both constant", second(Welch(summarise(2, 2, 2), summarise(5, 5), 0.05)), ErrZeroVariance, "both groups are constant"},
		{"welch alpha 0", second(Welch(good, good, 0)), ErrInvalid, "alpha"},
		{"welch alpha 1", second(Welch(good, good, 1)), ErrInvalid, "alpha"},
		{"welch alpha NaN", second(Welch(good, good, math.NaN())), ErrInvalid, "alpha"},
		{"z successes > n", second(TwoProportions(Count{10, 11}, Count{10, 5}, 0.05)), ErrInvalid, "exceed"},
		{"z negative successes", second(TwoProportions(Count{10, 1}, Count{10, -5}, 0.05)), ErrInvalid, "treatment: invalid input: successes = -5"},
		{"z negative n", second(TwoProportions(Count{-10, 0}, Count{10, 5}, 0.05)), ErrInvalid, "negative"},
		{"z empty group", second(TwoProportions(Count{0, 0}, Count{10, 5}, 0.05)), ErrTooFew, "control"},
		{"z no conversions", second(TwoProportions(Count{10, 0}, Count{20, 0}, 0.05)), ErrZeroVariance, "undefined"},
		{"z all converted", second(TwoProportions(Count{10, 10}, Count{20, 20}, 0.05)), ErrZeroVariance, "undefined"},
		{"srm mismatched lengths", second(SRM([]int64{10, 20}, []float64{1, 1, 1})), ErrInvalid, "2 variants but 3 split weights"},
		{"srm one variant", second(SRM([]int64{10}, nil)), ErrTooFew, "at least 2"},
		{"srm negative count", second(SRM([]int64{10, -1}, nil)), ErrInvalid, "negative"},
		{"srm zero weight", second(SRM([]int64{10, 10}, []float64{1, 0})), ErrInvalid, "positive"},
		{"srm no units", second(SRM([]int64{0, 0}, nil)), ErrTooFew, "no units"},
		{"srm weights too far apart", second(SRM([]int64{10, 10}, []float64{1e308, 1e-308})), ErrInvalid, "too far apart"},
		{"cuped constant covariate", second(CUPED(pairs([2]float64{1, 2}, [2]float64{1, 3}), pairs([2]float64{1, 5}, [2]float64{1, 4}), 0.05)), ErrZeroVariance, "covariate is constant"},
		{"cuped n=1", second(CUPED(pairs([2]float64{1, 2}), pairs([2]float64{1, 5}, [2]float64{2, 4}), 0.05)), ErrTooFew, "control"},
		{"cuped bad cross-sum", second(CUPED(Paired{N: 3, SumXY: math.Inf(1)}, pairs([2]float64{1, 5}, [2]float64{2, 4}), 0.05)), ErrInvalid, "cross-sum"},
		{"cs rho 0", second(ConfidenceSequence(good, good, 0.05, 0)), ErrInvalid, "rho"},
		{"cs n=1", second(ConfidenceSequence(good, summarise(3), 0.05, 0.1)), ErrTooFew, "treatment"},
		{"sequential negative rho", second(NewSequential(SequentialConfig{Rho: -1})), ErrInvalid, "rho"},
		{"rho target 0", second(Rho(0, 0.05)), ErrInvalid, "target"},
		{"power ≤ alpha", second(SampleSizeMeans(0.2, 0.05, 0.04, 1)), ErrInvalid, "power"},
		{"ratio 0", second(SampleSizeMeans(0.2, 0.05, 0.8, 0)), ErrInvalid, "ratio"},
		{"effect 0", second(SampleSizeMeans(0, 0.05, 0.8, 1)), ErrInvalid, "non-zero"},
		{"power no df", second(PowerMeans(0.5, 1, 1, 0.05)), ErrTooFew, "degrees of freedom"},
		{"rate > 1", second(PowerProportions(0.1, 1.2, 100, 1, 0.05)), ErrInvalid, "rate"},
		{"equal rates", second(SampleSizeProportions(0.1, 0.1, 0.05, 0.8, 1)), ErrInvalid, "equal"},
		{"undetectable rate", second(MDEProportions(0.9, 3, 1, 0.05, 0.99)), ErrTooFew, "no rate above"},
	}
	for _, c := range cases {
		if !errors.Is(c.err, c.want) {
			t.Errorf("%s: error %v, want %v", c.name, c.err, c.want)
			continue
		}
		if !strings.Contains(c.err.Error(), c.msg) {
			t.Errorf("%s: error %q does not say %q", c.name, c.err, c.msg)
		}
	}
}

func second[T any](_ T, err error) error { return err }

func pairs(xy ...[2]float64) Paired {
	var p Paired
	for _, v := range xy {
		p.Add(v[0], v[1])
	}
	return p
}

func TestOneConstantGroupIsFine(t *testing.T) {
	r, err := Welch(summarise(7, 7, 7, 7, 7), summarise(8, 9, 7.5, 8.2), 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if r.DF != 3 { // all the variance is the treatment's: df = n_t − 1
		t.Errorf("df = %g, want 3", r.DF)
	}
}

func TestCUPEDWithoutCorrelationChangesLittle(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	var c, tr Paired
	for range 5000 {
		c.Add(r.NormFloat64(), r.NormFloat64())
		tr.Add(r.NormFloat64(), 0.1+r.NormFloat64())
	}
	cu, err := CUPED(c, tr, 0.05)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := Welch(c.Y(), tr.Y(), 0.05)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(cu.Theta) > 0.05 || math.Abs(cu.VarianceReduction) > 0.01 || math.Abs(cu.Diff.Value-plain.Diff.Value) > 0.01 {
		t.Errorf("uncorrelated covariate: theta %g, reduction %g, diff %g vs %g", cu.Theta, cu.VarianceReduction, cu.Diff.Value, plain.Diff.Value)
	}
}

// TestSequentialCoverage checks the time-uniform guarantee by simulation:
// across many experiments, each looked at 40 times, the confidence
// sequence should miss the true difference at some look in at most about
// alpha of them, and the always-valid p-value under no effect should
// reject in at most about alpha of them. A fixed-horizon test peeked at
// 40 times would reject ~25% of the time.
func TestSequentialCoverage(t *testing.T) {
	const (
		experiments = 400
		looks       = 40
		batch       = 100 // units per arm between looks
		alpha       = 0.05
	)
	r := rand.New(rand.NewPCG(5, 6))
	var missed, falseRejects, naiveRejects int
	for range experiments {
		const effect = 0.3
		var c, tr, cNull, tNull Summary
		seqNull, err := NewSequential(SequentialConfig{Alpha: alpha, TargetN: 2 * looks * batch})
		if err != nil {
			t.Fatal(err)
		}
		var miss, naive bool
		for range looks {
			for range batch {
				c.Add(10 + 2*r.NormFloat64())
				tr.Add(10 + effect + 2*r.NormFloat64())
				cNull.Add(10 + 2*r.NormFloat64())
				tNull.Add(10 + 2*r.NormFloat64())
			}
			l, err := ConfidenceSequence(c, tr, alpha, seqNull.Rho())
			if err != nil {
				t.Fatal(err)
			}
			if !(l.Lo <= effect && effect <= l.Hi) {
				miss = true
			}
			if _, err := seqNull.Look(cNull, tNull); err != nil {
				t.Fatal(err)
			}
			if w, _ := Welch(cNull, tNull, alpha); w.Significant() {
				naive = true
			}
		}
		if miss {
			missed++
		}
		if seqNull.Reject() {
			falseRejects++
		}
		if naive {
			naiveRejects++
		}
	}
	t.Logf("missed %d/%d, false rejections %d/%d, peeking fixed-horizon test %d/%d",
		missed, experiments, falseRejects, experiments, naiveRejects, experiments)
	// Binomial(400, 0.05) exceeds 32 with probability < 0.2%.
	if missed > 32 || falseRejects > 32 {
		t.Errorf("error rates above alpha: %d and %d of %d", missed, falseRejects, experiments)
	}
	if naiveRejects < 2*falseRejects || naiveRejects < 40 {
		t.Errorf("peeking baseline rejected only %d times; the simulation is not exercising optional stopping", naiveRejects)
	}
}

func TestSequentialFindsRealEffectAndPIsMonotone(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	s, err := NewSequential(SequentialConfig{TargetN: 4000})
	if err != nil {
		t.Fatal(err)
	}
	if s.Alpha() != 0.05 {
		t.Errorf("default alpha %g", s.Alpha())
	}
	var c, tr Summary
	prev := 1.0
	for range 50 {
		for range 100 {
			c.Add(r.NormFloat64())
			tr.Add(0.3 + r.NormFloat64())
		}
		l, err := s.Look(c, tr)
		if err != nil {
			t.Fatal(err)
		}
		if l.P > prev {
			t.Fatalf("always-valid p rose from %g to %g", prev, l.P)
		}
		prev = l.P
	}
	if !s.Reject() || s.Looks() != 50 {
		t.Errorf("a 0.3 sd effect over 10,000 units: reject %v after %d looks (p = %g)", s.Reject(), s.Looks(), prev)
	}
}

func TestRhoDefault(t *testing.T) {
	s, err := NewSequential(SequentialConfig{})
	if err != nil {
		t.Fatal(err)
	}
	want, _ := Rho(DefaultTargetN, 0.05)
	if s.Rho() != want || math.Abs(want-0.0287) > 1e-4 {
		t.Errorf("default rho %g, Rho(10000, 0.05) = %g, documented ≈ 0.0287", s.Rho(), want)
	}
	// At the target the chosen rho gives the narrowest sequence.
	width := func(rho float64) float64 {
		l, _ := ConfidenceSequence(Summary{N: 5000, Sum: 0, SumSq: 4999}, Summary{N: 5000, Sum: 0, SumSq: 4999}, 0.05, rho)
		return l.Hi - l.Lo
	}
	if w := width(want); w > width(want*1.1) || w > width(want/1.1) {
		t.Errorf("rho %g is not the width minimiser at n = 10000", want)
	}
}

func TestPowerRoundTrips(t *testing.T) {
	n, err := SampleSizeMeans(0.25, 0.05, 0.8, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p, _ := PowerMeans(0.25, n, 1, 0.05); math.Abs(p-0.8) > 1e-12 {
		t.Errorf("power at the planned size %g is %g", n, p)
	}
	if d, _ := MDEMeans(n, 1, 0.05, 0.8); math.Abs(d-0.25) > 1e-10 {
		t.Errorf("MDE at the planned size is %g, want 0.25", d)
	}
	if p, _ := PowerMeans(-0.25, n, 1, 0.05); math.Abs(p-0.8) > 1e-12 {
		t.Errorf("power is not symmetric in the sign of the effect: %g", p)
	}
	m, err := SampleSizeProportions(0.1, 0.11, 0.05, 0.9, 1)
	if err != nil {
		t.Fatal(err)
	}
	if p2, _ := MDEProportions(0.1, m, 1, 0.05, 0.9); math.Abs(p2-0.11) > 1e-12 {
		t.Errorf("MDE at the planned size is %g, want 0.11", p2)
	}
}

// TestSRMScaleFree: split weights are a ratio at any scale. 1e308 and
// 5e307 summed to +Inf, every expected count was 0, the p-value NaN, and
// NaN < 0.001 being false the check read "no mismatch".
func TestSRMScaleFree(t *testing.T) {
	obs := []int64{9000, 1000}
	want, err := SRM(obs, []float64{2, 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range [][]float64{{1e308, 5e307}, {2e-310, 1e-310}, {math.MaxFloat64, math.MaxFloat64 / 2}} {
		got, err := SRM(obs, w)
		if err != nil || math.IsNaN(got.P) || !got.Mismatch || math.Abs(got.Stat-want.Stat) > 1e-9*want.Stat ||
			math.Abs(got.Expected[0]-want.Expected[0]) > 1e-9 {
			t.Errorf("weights %v: %+v, %v; want %+v", w, got, err, want)
		}
	}
}

// TestTwoProportionsIntervalInRange: the difference's interval stays
// within [−1, 1] and holds the estimate at the edges of the rates, where
// a Wald interval (estimate ± z·SE) leaves it: 1/100 against 100/100 gave
// an upper end of 1.0095.
func TestTwoProportionsIntervalInRange(t *testing.T) {
	for _, c := range []struct{ xc, nc, xt, nt int64 }{
		{1, 100, 100, 100}, {100, 100, 1, 100}, {0, 10, 10, 10}, {10, 10, 0, 10},
		{0, 3, 1, 1}, {1, 2, 0, 1}, {0, 1000000, 1, 1000000},
	} {
		r, err := TwoProportions(Count{N: c.nc, Successes: c.xc}, Count{N: c.nt, Successes: c.xt}, 0.05)
		if err != nil {
			t.Fatalf("%+v: %v", c, err)
		}
		d := r.Diff
		if !(-1 <= d.Lo && d.Lo <= d.Value && d.Value <= d.Hi && d.Hi <= 1) {
			t.Errorf("%+v: interval [%g, %g] around %g, want within [-1, 1] and holding it", c, d.Lo, d.Hi, d.Value)
		}
	}
}
