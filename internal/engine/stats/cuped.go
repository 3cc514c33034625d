package stats

import (
	"fmt"
	"math"
)

// Paired holds the sufficient statistics of one group for CUPED: the metric
// Y measured during the experiment and the covariate X measured on the same
// units before it (typically the same metric in a pre-period). As in
// [Summary], the sums are of x − ShiftX and y − ShiftY; zero shifts mean
// plain sums. The zero Paired is an empty group, ready for Add.
type Paired struct {
	N            int64
	SumX, SumY   float64 // Σ(x − ShiftX), Σ(y − ShiftY)
	SumXX, SumYY float64 // Σ(x − ShiftX)², Σ(y − ShiftY)²
	SumXY        float64 // Σ(x − ShiftX)(y − ShiftY)
	ShiftX       float64
	ShiftY       float64
}

// Add accumulates one unit's covariate x and metric y. The first unit's
// values become the shifts.
func (p *Paired) Add(x, y float64) {
	if p.N == 0 && p.SumX == 0 && p.SumY == 0 && p.SumXX == 0 && p.SumYY == 0 && p.SumXY == 0 {
		p.ShiftX, p.ShiftY = x, y
	}
	dx, dy := x-p.ShiftX, y-p.ShiftY
	p.N++
	p.SumX += dx
	p.SumY += dy
	p.SumXX += dx * dx
	p.SumYY += dy * dy
	p.SumXY += dx * dy
}

// X returns the Summary of the covariate alone.
func (p Paired) X() Summary { return Summary{N: p.N, Sum: p.SumX, SumSq: p.SumXX, Shift: p.ShiftX} }

// Y returns the Summary of the metric alone.
func (p Paired) Y() Summary { return Summary{N: p.N, Sum: p.SumY, SumSq: p.SumYY, Shift: p.ShiftY} }

// comoments are centred moments: means and sums of centred products.
type comoments struct {
	n             float64
	mx, my        float64
	sxx, syy, sxy float64 // Σ(x−x̄)², Σ(y−ȳ)², Σ(x−x̄)(y−ȳ)
}

func (p Paired) comoments() comoments {
	n := float64(p.N)
	return comoments{
		n:   n,
		mx:  p.ShiftX + p.SumX/n,
		my:  p.ShiftY + p.SumY/n,
		sxx: math.Max(0, crossDiff(n, p.SumXX, p.SumX, p.SumX)/n),
		syy: math.Max(0, crossDiff(n, p.SumYY, p.SumY, p.SumY)/n),
		sxy: crossDiff(n, p.SumXY, p.SumX, p.SumY) / n,
	}
}

// pool combines two groups' centred moments (Chan et al.'s parallel update).
func pool(a, b comoments) comoments {
	n := a.n + b.n
	dx, dy := b.mx-a.mx, b.my-a.my
	w := a.n * b.n / n
	return comoments{
		n:   n,
		mx:  a.mx + dx*b.n/n,
		my:  a.my + dy*b.n/n,
		sxx: a.sxx + b.sxx + dx*dx*w,
		syy: a.syy + b.syy + dy*dy*w,
		sxy: a.sxy + b.sxy + dx*dy*w,
	}
}

// CUPEDResult is Welch's test on CUPED-adjusted values.
type CUPEDResult struct {
	Comparison // on the adjusted metric; Control and Treatment hold adjusted means and variances
	// Theta is cov(Y, X)/var(X) over both groups pooled.
	Theta float64
	// VarianceReduction is 1 − Var(adjusted difference)/Var(unadjusted
	// difference): the share of the difference's variance the covariate
	// removed, so 0.5 means the experiment needed half the units.
	VarianceReduction float64
}

// CUPED adjusts each unit's metric with its pre-period covariate,
//
//	y' = y − θ(x − x̄),  θ = cov(Y, X)/var(X),
//
// with θ and x̄ from both groups pooled (Deng, Xu, Kohavi and Walker 2013),
// then runs Welch's test on y'. Because X is measured before assignment,
// the adjustment leaves the expected difference unchanged and removes the
// share of variance X explains. Adjusted means and variances follow from the
// sums, so the result equals the test on the adjusted raw values.
func CUPED(control, treatment Paired, alpha float64) (CUPEDResult, error) {
	if err := checkAlpha(alpha); err != nil {
		return CUPEDResult{}, err
	}
	for _, g := range []struct {
		name string
		p    Paired
	}{{"control", control}, {"treatment", treatment}} {
		if err := checkPaired(g.name, g.p); err != nil {
			return CUPEDResult{}, err
		}
	}
	c, t := control.comoments(), treatment.comoments()
	all := pool(c, t)
	if all.sxx == 0 {
		return CUPEDResult{}, fmt.Errorf("%w: the covariate is constant, so theta is undefined", ErrZeroVariance)
	}
	theta := all.sxy / all.sxx
	adjust := func(g comoments) moments {
		ss := g.syy - 2*theta*g.sxy + theta*theta*g.sxx
		return moments{n: g.n, mean: g.my - theta*(g.mx-all.mx), variance: math.Max(0, ss/(g.n-1))}
	}
	ac, at := adjust(c), adjust(t)
	cmp, err := welch(ac, at, alpha, MethodCUPED)
	if err != nil {
		return CUPEDResult{}, err
	}
	before := c.syy/(c.n*(c.n-1)) + t.syy/(t.n*(t.n-1))
	after := ac.variance/ac.n + at.variance/at.n
	r := CUPEDResult{Comparison: cmp, Theta: theta}
	if before > 0 {
		r.VarianceReduction = 1 - after/before
	}
	return r, nil
}

func checkPaired(name string, p Paired) error {
	if err := p.X().Validate(); err != nil {
		return fmt.Errorf("%s covariate: %w", name, err)
	}
	if err := p.Y().Validate(); err != nil {
		return fmt.Errorf("%s metric: %w", name, err)
	}
	if !finite(p.SumXY) {
		return fmt.Errorf("%s: %w: cross-sum must be finite", name, ErrInvalid)
	}
	if p.N < 2 {
		return fmt.Errorf("%s: %w: n = %d, need at least 2", name, ErrTooFew, p.N)
	}
	return nil
}
