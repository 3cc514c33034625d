package stats

import (
	"fmt"
	"math"
)

// TwoProportions runs the two-sided two-proportion z-test of treatment
// against control, as statsmodels' proportions_ztest does: z uses the
// pooled rate p̂ = (x_c + x_t)/(n_c + n_t),
//
//	z = (p_t − p_c) / √(p̂(1 − p̂)(1/n_c + 1/n_t)),
//
// while the interval for the difference is Newcombe's hybrid score
// interval (Newcombe 1998, method 10), matching statsmodels'
// confint_proportions_2indep(method="newcomb"): it combines each rate's
// Wilson score interval, so it stays within [−1, 1] and keeps its coverage
// at small n and at rates near 0 or 1, where the Wald interval
// p̂ ± z·SE overshoots (1/100 against 100/100 gave an upper end above 1).
// Diff.SE is still the unpooled standard error
// √(p_c(1−p_c)/n_c + p_t(1−p_t)/n_t). The relative difference uses the
// delta method with per-unit variance p(1 − p).
//
// Each group needs at least one unit, and the outcomes must vary: with no
// conversions at all, or all conversions, z is 0/0.
func TwoProportions(control, treatment Count, alpha float64) (Comparison, error) {
	if err := checkAlpha(alpha); err != nil {
		return Comparison{}, err
	}
	for _, g := range []struct {
		name string
		c    Count
	}{{"control", control}, {"treatment", treatment}} {
		if err := g.c.Validate(); err != nil {
			return Comparison{}, fmt.Errorf("%s: %w", g.name, err)
		}
		if g.c.N < 1 {
			return Comparison{}, fmt.Errorf("%s: %w: n = 0", g.name, ErrTooFew)
		}
	}
	nc, nt := float64(control.N), float64(treatment.N)
	pc, pt := control.Rate(), treatment.Rate()
	pooled := float64(control.Successes+treatment.Successes) / (nc + nt)
	if pooled == 0 || pooled == 1 {
		return Comparison{}, fmt.Errorf("%w: every outcome is %g in both groups, so z is undefined", ErrZeroVariance, pooled)
	}
	diff := pt - pc
	z := diff / math.Sqrt(pooled*(1-pooled)*(1/nc+1/nt))
	c := moments{n: nc, mean: pc, variance: pc * (1 - pc)}
	t := moments{n: nt, mean: pt, variance: pt * (1 - pt)}
	se := math.Sqrt(c.variance/nc + t.variance/nt)
	q := normQuantile(1 - alpha/2)
	lt, ut := wilson(pt, nt, q)
	lc, uc := wilson(pc, nc, q)
	return Comparison{
		Method:    MethodTwoProportion,
		Alpha:     alpha,
		Control:   arm(c),
		Treatment: arm(t),
		Diff: Estimate{Value: diff, SE: se,
			Lo: diff - math.Hypot(pt-lt, uc-pc),
			Hi: diff + math.Hypot(ut-pt, pc-lc)},
		Relative: relative(c, t, alpha),
		Stat:     z,
		P:        normTwoSided(z),
	}, nil
}

// wilson is the Wilson score interval of a rate p observed in n units, at
// the normal quantile q: the rates whose score test does not reject p.
func wilson(p, n, q float64) (lo, hi float64) {
	q2 := q * q
	den := 1 + q2/n
	mid := (p + q2/(2*n)) / den
	half := q / den * math.Sqrt(p*(1-p)/n+q2/(4*n*n))
	return max(mid-half, 0), min(mid+half, 1)
}
