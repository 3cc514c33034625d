package stats

import (
	"fmt"
	"math"
)

// DefaultTargetN is the total sample size (both groups) at which a
// [Sequential] test is tightest when its config names none.
const DefaultTargetN = 10_000

// Look is one interim analysis of a sequential test.
type Look struct {
	N        int64   // total units so far, both groups
	Estimate float64 // difference in means, treatment − control
	SE       float64 // its standard error, √(v_t/n_t + v_c/n_c)
	// Lo and Hi bound the 1−alpha confidence sequence at this look: with
	// probability about 1−alpha the true difference lies inside at every
	// look at once, however often one looks and whenever one stops.
	Lo, Hi float64
	// P is the always-valid p-value: the smallest alpha whose confidence
	// sequence has excluded 0 at this or any earlier look. Stopping the first
	// time P < alpha keeps the false-positive rate at alpha.
	P float64
}

// Rho returns the tuning parameter ρ that makes the confidence sequence
// narrowest at targetN total units for level alpha:
//
//	ρ² = (u − 1)/targetN, where u > 1 solves u − ln u = 1 − 2 ln alpha,
//
// that is u = −W₋₁(−alpha²/e) with Lambert's W. Any ρ > 0 gives a valid
// sequence; this one trades width before and after targetN evenly. For
// alpha = 0.05 and 10,000 units, ρ ≈ 0.0287.
func Rho(targetN float64, alpha float64) (float64, error) {
	if err := checkAlpha(alpha); err != nil {
		return 0, err
	}
	if !(targetN >= 1) || math.IsInf(targetN, 0) {
		return 0, fmt.Errorf("%w: target sample size %g must be at least 1", ErrInvalid, targetN)
	}
	c := 1 - 2*math.Log(alpha)
	// Newton on f(u) = u − ln u − c, convex and increasing for u > 1,
	// started right of the root so the iterates decrease monotonically.
	u := 2 * c
	for range 100 {
		next := u - (u-math.Log(u)-c)/(1-1/u)
		if math.Abs(next-u) <= 1e-15*u {
			u = next
			break
		}
		u = next
	}
	return math.Sqrt((u - 1) / targetN), nil
}

// ConfidenceSequence returns the asymptotic confidence sequence for the
// difference in means at one look, from the cumulative summaries so far,
// with tuning parameter rho (see [Rho]). Its P is this look's alone; use
// [Sequential] to carry the always-valid p-value across looks.
//
// With N = n_c + n_t units, difference d̂ = ȳ_t − ȳ_c and standard error
// s = √(v_t/n_t + v_c/n_c), the bound is Theorem 2.2 of Waudby-Smith et al.
// (Robbins' normal mixture applied through the time-uniform CLT) with
// σ̂² = N s², the variance of the difference-in-means influence function:
//
//	d̂ ± s · √( 2(Nρ² + 1)/(Nρ²) · ln(√(Nρ² + 1)/alpha) ).
//
// Inverting it at 0 gives p = min(1, √(Nρ²+1) · exp(−(d̂/s)² Nρ² / (2(Nρ²+1)))).
// The guarantee is asymptotic: it needs enough units per group for the CLT
// to hold (hundreds for well-behaved metrics, more for heavy tails), and
// assumes units are assigned at random with a fixed split.
func ConfidenceSequence(control, treatment Summary, alpha, rho float64) (Look, error) {
	if err := checkAlpha(alpha); err != nil {
		return Look{}, err
	}
	if !(rho > 0) || math.IsInf(rho, 0) {
		return Look{}, fmt.Errorf("%w: rho = %g must be positive", ErrInvalid, rho)
	}
	c, err := checkGroup("control", control)
	if err != nil {
		return Look{}, err
	}
	t, err := checkGroup("treatment", treatment)
	if err != nil {
		return Look{}, err
	}
	se2 := c.variance/c.n + t.variance/t.n
	if se2 == 0 {
		return Look{}, fmt.Errorf("%w: both groups are constant", ErrZeroVariance)
	}
	n := c.n + t.n
	se := math.Sqrt(se2)
	est := t.mean - c.mean
	nr2 := n * rho * rho
	u := nr2 + 1
	half := se * math.Sqrt(2*u/nr2*math.Log(math.Sqrt(u)/alpha))
	z := est / se
	p := math.Min(1, math.Sqrt(u)*math.Exp(-z*z*nr2/(2*u)))
	return Look{N: int64(n), Estimate: est, SE: se, Lo: est - half, Hi: est + half, P: p}, nil
}

// SequentialConfig sets up a [Sequential] test.
type SequentialConfig struct {
	// Alpha is the level; 0 means 0.05.
	Alpha float64
	// TargetN is the total sample (both groups) at which the sequence should
	// be narrowest, usually the planned sample size; 0 means DefaultTargetN.
	TargetN int64
	// Rho, when positive, sets the tuning parameter directly and TargetN is
	// ignored. Fix it before the first look: choosing it from the data voids
	// the guarantee.
	Rho float64
}

// Sequential is an always-valid test of a difference in means that may be
// looked at after every batch of data. Feed it the cumulative summaries at
// each look; it keeps the running minimum of the p-value, which is what makes
// stopping at any look safe. It is not safe for concurrent use.
type Sequential struct {
	alpha, rho float64
	minP       float64
	looks      int
}

// NewSequential returns a sequential test; see [SequentialConfig].
func NewSequential(cfg SequentialConfig) (*Sequential, error) {
	alpha := cfg.Alpha
	if alpha == 0 {
		alpha = 0.05
	}
	if err := checkAlpha(alpha); err != nil {
		return nil, err
	}
	rho := cfg.Rho
	if rho < 0 || math.IsNaN(rho) {
		return nil, fmt.Errorf("%w: rho = %g must be positive", ErrInvalid, rho)
	}
	if rho == 0 {
		target := cfg.TargetN
		if target == 0 {
			target = DefaultTargetN
		}
		var err error
		if rho, err = Rho(float64(target), alpha); err != nil {
			return nil, err
		}
	}
	return &Sequential{alpha: alpha, rho: rho, minP: 1}, nil
}

// Alpha returns the level of the test.
func (s *Sequential) Alpha() float64 { return s.alpha }

// Rho returns the tuning parameter in use.
func (s *Sequential) Rho() float64 { return s.rho }

// Looks returns how many looks have been taken.
func (s *Sequential) Looks() int { return s.looks }

// Look analyses the cumulative data so far. A look that fails (too few units,
// no variance) changes nothing and may be retried with more data.
func (s *Sequential) Look(control, treatment Summary) (Look, error) {
	l, err := ConfidenceSequence(control, treatment, s.alpha, s.rho)
	if err != nil {
		return Look{}, err
	}
	s.looks++
	s.minP = math.Min(s.minP, l.P)
	l.P = s.minP
	return l, nil
}

// Reject reports whether the null hypothesis of no difference has been
// rejected at some look so far.
func (s *Sequential) Reject() bool { return s.minP < s.alpha }
