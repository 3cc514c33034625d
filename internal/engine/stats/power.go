package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Power and sample size follow statsmodels' TTestIndPower (means) and
// NormalIndPower (proportions, with Cohen's h), two-sided, so a plan made
// here can be checked there. nControl is the control group's size and ratio
// is n_treatment/n_control (1 for an even split); sizes are real numbers,
// to be rounded up by the caller.

// PowerMeans returns the power of the two-sided two-sample t-test at level
// alpha to detect a standardised effect (Cohen's d = difference/σ) with
// nControl and ratio·nControl units: the noncentral t probability
//
//	P(T > t_{1−α/2}) + P(T < −t_{1−α/2}),  T ~ t'(ν = n_c + n_t − 2, δ = d·√(n_c n_t/(n_c + n_t))).
func PowerMeans(effect, nControl, ratio, alpha float64) (float64, error) {
	if err := checkPlan(alpha, 0.5, ratio); err != nil {
		return 0, err
	}
	if !finite(effect) {
		return 0, fmt.Errorf("%w: effect size %g must be finite", ErrInvalid, effect)
	}
	nt := nControl * ratio
	df := nControl + nt - 2
	if !(df > 0) || math.IsInf(nControl, 0) {
		return 0, fmt.Errorf("%w: %g control units with ratio %g leave no degrees of freedom", ErrTooFew, nControl, ratio)
	}
	return powerT(math.Abs(effect), nControl, nt, alpha), nil
}

func powerT(effect, nc, nt, alpha float64) float64 {
	df := nc + nt - 2
	crit := tCritical(alpha, df)
	delta := effect * math.Sqrt(nc*nt/(nc+nt))
	dist := distuv.NoncentralT{Nu: df, Mu: delta}
	hi, lo := dist.CDF(crit), dist.CDF(-crit)
	// gonum's noncentral t fails far in its tails at many degrees of
	// freedom: it returned CDF(c) = 0 and CDF(−c) = 1 (power 2) for
	// d = 0.2 with 100,000 units a group, and values a hair outside [0, 1]
	// nearby. A CDF that is not a probability, or not increasing, is
	// replaced by the normal with the noncentral t's own mean and variance
	// — there, with ν in the thousands and δ tens of units past the
	// critical value, the two agree far below any reported digit.
	if !(0 <= lo && lo <= hi && hi <= 1) && df > 2 {
		mean := delta * math.Sqrt(df/2) * math.Exp(lgamma((df-1)/2)-lgamma(df/2))
		sd := math.Sqrt(df*(1+delta*delta)/(df-2) - mean*mean)
		n := distuv.Normal{Mu: mean, Sigma: sd}
		hi, lo = n.CDF(crit), n.CDF(-crit)
	}
	return math.Min(1, math.Max(0, 1-hi+lo))
}

func lgamma(x float64) float64 {
	v, _ := math.Lgamma(x)
	return v
}

// SampleSizeMeans returns the control group size that gives the two-sided
// t-test the requested power to detect the standardised effect (Cohen's d)
// at level alpha; the treatment group needs ratio times as many.
func SampleSizeMeans(effect, alpha, power, ratio float64) (float64, error) {
	if err := checkPlan(alpha, power, ratio); err != nil {
		return 0, err
	}
	if effect == 0 || !finite(effect) {
		return 0, fmt.Errorf("%w: effect size %g must be finite and non-zero", ErrInvalid, effect)
	}
	d := math.Abs(effect)
	// Smallest size with at least one degree of freedom.
	lo := 3 / (1 + ratio)
	return solveIncreasing(func(n float64) float64 { return powerT(d, n, n*ratio, alpha) - power }, lo)
}

// MDEMeans returns the smallest standardised effect (Cohen's d) that the
// two-sided t-test detects with the requested power at level alpha, with
// nControl and ratio·nControl units. Multiply by σ for the minimum
// detectable difference.
func MDEMeans(nControl, ratio, alpha, power float64) (float64, error) {
	if err := checkPlan(alpha, power, ratio); err != nil {
		return 0, err
	}
	nt := nControl * ratio
	if !(nControl+nt-2 > 0) || math.IsInf(nControl, 0) {
		return 0, fmt.Errorf("%w: %g control units with ratio %g leave no degrees of freedom", ErrTooFew, nControl, ratio)
	}
	return solveIncreasing(func(d float64) float64 { return powerT(d, nControl, nt, alpha) - power }, 0)
}

// CohenH returns Cohen's effect size for two proportions,
// h = 2·asin(√p2) − 2·asin(√p1), on which the variance of a difference does
// not depend on the rates.
func CohenH(p1, p2 float64) float64 {
	return 2*math.Asin(math.Sqrt(p2)) - 2*math.Asin(math.Sqrt(p1))
}

// PowerProportions returns the power of the two-sided two-proportion test at
// level alpha to tell a control rate p1 from a treatment rate p2 with
// nControl and ratio·nControl units, by the normal approximation on Cohen's h:
//
//	Φ(|h|√m − z_{1−α/2}) + Φ(−|h|√m − z_{1−α/2}),  m = n_c n_t/(n_c + n_t).
func PowerProportions(p1, p2, nControl, ratio, alpha float64) (float64, error) {
	if err := checkPlan(alpha, 0.5, ratio); err != nil {
		return 0, err
	}
	if err := checkRates(p1, p2); err != nil {
		return 0, err
	}
	if !(nControl > 0) || math.IsInf(nControl, 0) {
		return 0, fmt.Errorf("%w: control size %g must be positive", ErrTooFew, nControl)
	}
	return powerZ(math.Abs(CohenH(p1, p2)), nControl, nControl*ratio, alpha), nil
}

func powerZ(h, nc, nt, alpha float64) float64 {
	crit := normQuantile(1 - alpha/2)
	x := h * math.Sqrt(nc*nt/(nc+nt))
	return normCDF(x-crit) + normCDF(-x-crit)
}

// SampleSizeProportions returns the control group size that gives the
// two-sided two-proportion test the requested power to tell p1 from p2 at
// level alpha; the treatment group needs ratio times as many.
func SampleSizeProportions(p1, p2, alpha, power, ratio float64) (float64, error) {
	if err := checkPlan(alpha, power, ratio); err != nil {
		return 0, err
	}
	if err := checkRates(p1, p2); err != nil {
		return 0, err
	}
	h := math.Abs(CohenH(p1, p2))
	if h == 0 {
		return 0, fmt.Errorf("%w: the rates are equal, so no sample size detects a difference", ErrInvalid)
	}
	return solveIncreasing(func(n float64) float64 { return powerZ(h, n, n*ratio, alpha) - power }, 0)
}

// MDEProportions returns the smallest treatment rate above p1 that the
// two-sided two-proportion test detects with the requested power at level
// alpha, with nControl and ratio·nControl units (the detectable decrease is
// symmetric in Cohen's h). It fails when even a rate of 1 is not detectable.
func MDEProportions(p1, nControl, ratio, alpha, power float64) (float64, error) {
	if err := checkPlan(alpha, power, ratio); err != nil {
		return 0, err
	}
	if err := checkRates(p1, p1); err != nil {
		return 0, err
	}
	if !(nControl > 0) || math.IsInf(nControl, 0) {
		return 0, fmt.Errorf("%w: control size %g must be positive", ErrTooFew, nControl)
	}
	h, err := solveIncreasing(func(h float64) float64 { return powerZ(h, nControl, nControl*ratio, alpha) - power }, 0)
	if err != nil {
		return 0, err
	}
	a := math.Asin(math.Sqrt(p1)) + h/2
	if a > math.Pi/2 {
		return 0, fmt.Errorf("%w: with %g control units no rate above %g is detectable with power %g", ErrTooFew, nControl, p1, power)
	}
	s := math.Sin(a)
	return s * s, nil
}

func checkPlan(alpha, power, ratio float64) error {
	if err := checkAlpha(alpha); err != nil {
		return err
	}
	if !(power > alpha && power < 1) {
		return fmt.Errorf("%w: power = %g must be between alpha = %g and 1", ErrInvalid, power, alpha)
	}
	if !(ratio > 0) || math.IsInf(ratio, 0) {
		return fmt.Errorf("%w: ratio = %g must be positive", ErrInvalid, ratio)
	}
	return nil
}

func checkRates(p1, p2 float64) error {
	for _, p := range []float64{p1, p2} {
		if !(p >= 0 && p <= 1) {
			return fmt.Errorf("%w: rate %g must be between 0 and 1", ErrInvalid, p)
		}
	}
	return nil
}

// solveIncreasing finds x > lo with f(x) = 0 for an increasing f with
// f(lo) < 0, by doubling to bracket the root and bisecting to the last bit.
func solveIncreasing(f func(float64) float64, lo float64) (float64, error) {
	hi := math.Max(2*lo, 1)
	for f(hi) < 0 {
		lo, hi = hi, 2*hi
		if hi > 1e15 {
			return 0, fmt.Errorf("%w: no solution below 1e15", ErrInvalid)
		}
	}
	for range 2000 {
		mid := lo + (hi-lo)/2
		if mid <= lo || mid >= hi {
			break
		}
		if f(mid) < 0 {
			lo = mid
		} else {
			hi = mid
		}
	}
	return hi, nil
}
