package stats

import (
	"fmt"
	"math"
)

// Method names the test behind a [Comparison].
type Method string

// The methods a Comparison can come from.
const (
	MethodWelch         Method = "welch-t"          // Welch's unequal-variance t-test
	MethodTwoProportion Method = "two-proportion-z" // pooled two-proportion z-test
	MethodCUPED         Method = "cuped-welch-t"    // Welch's test on CUPED-adjusted values
)

// Estimate is a point estimate with its standard error and a two-sided
// 1−alpha confidence interval [Lo, Hi].
type Estimate struct {
	Value, SE, Lo, Hi float64
}

// Contains reports whether x lies in the closed interval [Lo, Hi].
func (e Estimate) Contains(x float64) bool { return e.Lo <= x && x <= e.Hi }

// Arm describes one variant's data as a test saw it.
type Arm struct {
	N        int64
	Mean     float64 // for proportions, the conversion rate
	Variance float64 // sample variance (n − 1); p(1 − p) for proportions
}

// Comparison is the result of comparing a treatment with the control.
type Comparison struct {
	Method             Method
	Alpha              float64
	Control, Treatment Arm
	// Diff is Treatment.Mean − Control.Mean with its interval (Student's t
	// with DF degrees of freedom for t-tests, Newcombe's hybrid score interval for proportions).
	Diff Estimate
	// Relative is Treatment.Mean/Control.Mean − 1 with a delta-method normal
	// interval; nil when the control mean is 0 and the ratio is undefined.
	Relative *Estimate
	// Stat is the test statistic: t for t-tests, z for the z-test.
	Stat float64
	// DF is the Welch–Satterthwaite degrees of freedom; 0 for the z-test,
	// whose reference distribution is the standard normal.
	DF float64
	// P is the two-sided p-value.
	P float64
}

// Significant reports whether the difference is significant at level Alpha.
func (c Comparison) Significant() bool { return c.P < c.Alpha }

// Welch runs Welch's unequal-variance t-test of treatment against control.
// Each group needs at least two observations, and at least one group must
// vary (with both constant the t statistic is 0/0). The relative difference
// uses the delta method:
//
//	Var(m_t/m_c) ≈ v_t/(n_t m_c²) + m_t² v_c/(n_c m_c⁴)
//
// with a normal interval, as is usual for large-sample A/B analysis.
func Welch(control, treatment Summary, alpha float64) (Comparison, error) {
	if err := checkAlpha(alpha); err != nil {
		return Comparison{}, err
	}
	c, err := checkGroup("control", control)
	if err != nil {
		return Comparison{}, err
	}
	t, err := checkGroup("treatment", treatment)
	if err != nil {
		return Comparison{}, err
	}
	return welch(c, t, alpha, MethodWelch)
}

func welch(c, t moments, alpha float64, method Method) (Comparison, error) {
	vc, vt := c.variance/c.n, t.variance/t.n
	se2 := vc + vt
	if se2 == 0 {
		return Comparison{}, fmt.Errorf("%w: both groups are constant, so the t statistic is undefined", ErrZeroVariance)
	}
	se := math.Sqrt(se2)
	diff := t.mean - c.mean
	stat := diff / se
	df := se2 * se2 / (vc*vc/(c.n-1) + vt*vt/(t.n-1))
	q := tCritical(alpha, df)
	return Comparison{
		Method:    method,
		Alpha:     alpha,
		Control:   arm(c),
		Treatment: arm(t),
		Diff:      Estimate{Value: diff, SE: se, Lo: diff - q*se, Hi: diff + q*se},
		Relative:  relative(c, t, alpha),
		Stat:      stat,
		DF:        df,
		P:         tTwoSided(stat, df),
	}, nil
}

func arm(m moments) Arm { return Arm{N: int64(m.n), Mean: m.mean, Variance: m.variance} }

// relative returns the change relative to the control's size,
// (m_t − m_c)/|m_c| — m_t/m_c − 1 for a positive control mean, and of the
// right sign for a negative one (−10 → −5 is +50%, an increase, where
// m_t/m_c − 1 read −50%) — with its delta-method interval, or nil when the
// control mean is 0.
func relative(c, t moments, alpha float64) *Estimate {
	if c.mean == 0 {
		return nil
	}
	r := (t.mean - c.mean) / math.Abs(c.mean)
	mc2 := c.mean * c.mean
	se := math.Sqrt(t.variance/(t.n*mc2) + t.mean*t.mean*c.variance/(c.n*mc2*mc2))
	z := normQuantile(1 - alpha/2)
	return &Estimate{Value: r, SE: se, Lo: r - z*se, Hi: r + z*se}
}
