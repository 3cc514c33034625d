package stats

import (
	"errors"
	"fmt"
	"math"
)

// Errors returned by the tests, to be matched with errors.Is. The wrapping
// error names the group and the value at fault.
var (
	// ErrInvalid marks input that cannot describe any data: a negative
	// count, a non-finite sum, successes outside [0, n], alpha outside (0, 1).
	ErrInvalid = errors.New("invalid input")
	// ErrTooFew marks a group with fewer observations than the test needs.
	ErrTooFew = errors.New("too few observations")
	// ErrZeroVariance marks data without the variation a test divides by.
	ErrZeroVariance = errors.New("zero variance")
)

// Summary holds the sufficient statistics of one group of observations: how
// many there are, their sum and their sum of squares. Sum and SumSq are sums
// of x − Shift; with Shift = 0 (the zero value) they are the plain Σx and Σx²
// found in exported aggregates. The zero Summary is an empty group, ready for
// Add.
type Summary struct {
	N     int64   // number of observations
	Sum   float64 // Σ (x − Shift)
	SumSq float64 // Σ (x − Shift)²
	Shift float64 // subtracted from every value before summing; see the package doc
}

// Add accumulates one observation. The first observation added to an empty
// Summary becomes its Shift, which keeps the variance exact however large
// the mean is next to the spread.
func (s *Summary) Add(x float64) {
	if s.N == 0 && s.Sum == 0 && s.SumSq == 0 {
		s.Shift = x
	}
	d := x - s.Shift
	s.N++
	s.Sum += d
	s.SumSq += d * d
}

// Merge adds the observations summarised by o, as if each had been passed to
// Add. Summaries with different shifts are merged at s's shift.
func (s *Summary) Merge(o Summary) {
	if s.N == 0 && s.Sum == 0 && s.SumSq == 0 {
		*s = o
		return
	}
	// Re-express o's sums about s.Shift: x − a = (x − b) + (b − a).
	delta := o.Shift - s.Shift
	n := float64(o.N)
	s.N += o.N
	s.Sum += o.Sum + n*delta
	s.SumSq += o.SumSq + 2*delta*o.Sum + n*delta*delta
}

// Mean returns the arithmetic mean, NaN for an empty group.
func (s Summary) Mean() float64 {
	if s.N <= 0 {
		return math.NaN()
	}
	return s.Shift + s.Sum/float64(s.N)
}

// Variance returns the sample variance (divisor n − 1), NaN below two
// observations. It is computed as (n·SumSq − Sum²) / (n(n−1)) in compensated
// arithmetic; a slightly negative result, which only rounding in the sums
// can produce, is returned as 0.
func (s Summary) Variance() float64 {
	if s.N < 2 {
		return math.NaN()
	}
	n := float64(s.N)
	return math.Max(0, crossDiff(n, s.SumSq, s.Sum, s.Sum)/(n*(n-1)))
}

// Validate reports whether s could summarise real data: N ≥ 0, finite sums,
// and a sum of squares not below Sum²/N by more than rounding allows.
func (s Summary) Validate() error {
	switch {
	case s.N < 0:
		return fmt.Errorf("%w: n = %d is negative", ErrInvalid, s.N)
	case !finite(s.Sum) || !finite(s.SumSq) || !finite(s.Shift):
		return fmt.Errorf("%w: sums must be finite numbers", ErrInvalid)
	case s.SumSq < 0:
		return fmt.Errorf("%w: sum of squares %g is negative", ErrInvalid, s.SumSq)
	case s.N == 0 && (s.Sum != 0 || s.SumSq != 0):
		return fmt.Errorf("%w: n = 0 with non-zero sums", ErrInvalid)
	}
	if s.N > 0 {
		// n·Σx² ≥ (Σx)² holds for any real data (Cauchy–Schwarz). Allow a
		// relative 1e-9 for sums accumulated naively over many rows.
		n := float64(s.N)
		// Sums so large that their squares overflow can describe no data
		// this analysis can use (every statistic would be NaN).
		if !finite(s.Sum*s.Sum) || !finite(n*s.SumSq) {
			return fmt.Errorf("%w: sums too large to analyse (sum %g, sum of squares %g)", ErrInvalid, s.Sum, s.SumSq)
		}
		if d := crossDiff(n, s.SumSq, s.Sum, s.Sum); !(d >= -1e-9*n*s.SumSq) {
			return fmt.Errorf("%w: sum of squares %g is less than sum²/n = %g, which no data can produce",
				ErrInvalid, s.SumSq, s.Sum*s.Sum/n)
		}
	}
	return nil
}

// Count holds the sufficient statistics of a binary metric in one group:
// the number of units and how many of them converted.
type Count struct {
	N         int64 // number of units
	Successes int64 // units with outcome 1
}

// Rate returns Successes/N, NaN for an empty group.
func (c Count) Rate() float64 {
	if c.N <= 0 {
		return math.NaN()
	}
	return float64(c.Successes) / float64(c.N)
}

// Validate reports whether c could count real data: 0 ≤ Successes ≤ N.
func (c Count) Validate() error {
	switch {
	case c.N < 0:
		return fmt.Errorf("%w: n = %d is negative", ErrInvalid, c.N)
	case c.Successes < 0:
		return fmt.Errorf("%w: successes = %d is negative", ErrInvalid, c.Successes)
	case c.Successes > c.N:
		return fmt.Errorf("%w: successes = %d exceed n = %d", ErrInvalid, c.Successes, c.N)
	}
	return nil
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func checkAlpha(alpha float64) error {
	if !(alpha > 0 && alpha < 1) {
		return fmt.Errorf("%w: alpha = %g must be between 0 and 1", ErrInvalid, alpha)
	}
	return nil
}

// moments is the form every test works in: count, mean, sample variance.
type moments struct {
	n              float64
	mean, variance float64
}

// checkGroup validates a Summary for a test that needs two observations.
func checkGroup(name string, s Summary) (moments, error) {
	if err := s.Validate(); err != nil {
		return moments{}, fmt.Errorf("%s: %w", name, err)
	}
	if s.N < 2 {
		return moments{}, fmt.Errorf("%s: %w: n = %d, need at least 2", name, ErrTooFew, s.N)
	}
	return moments{n: float64(s.N), mean: s.Mean(), variance: s.Variance()}, nil
}
