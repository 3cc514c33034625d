package stats

import (
	"fmt"
	"math"
)

// SRMThreshold is the p-value below which [SRM] flags a sample-ratio
// mismatch. It is strict on purpose: the check runs on every experiment and
// every look, and a false alarm stops a healthy experiment.
const SRMThreshold = 0.001

// SRMResult is the outcome of a sample-ratio-mismatch check.
type SRMResult struct {
	Observed []int64   // units per variant, as given
	Expected []float64 // units per variant the planned split predicts
	Stat     float64   // Pearson's chi-square statistic
	DF       int       // degrees of freedom: variants − 1
	P        float64   // P(χ² ≥ Stat)
	Mismatch bool      // P < SRMThreshold: the assignment is not doing what was planned
}

// SRM tests the observed allocation of units to variants against the planned
// split, with Pearson's chi-square goodness-of-fit test (scipy's chisquare).
// weights give the planned split in any scale (50, 50 or 0.5, 0.5); nil
// means an equal split. A mismatch means the assignment or the logging is
// broken, and every other result of the experiment is suspect.
func SRM(observed []int64, weights []float64) (SRMResult, error) {
	if len(observed) < 2 {
		return SRMResult{}, fmt.Errorf("%w: need at least 2 variants, got %d", ErrTooFew, len(observed))
	}
	if weights == nil {
		weights = make([]float64, len(observed))
		for i := range weights {
			weights[i] = 1
		}
	}
	if len(weights) != len(observed) {
		return SRMResult{}, fmt.Errorf("%w: %d variants but %d split weights", ErrInvalid, len(observed), len(weights))
	}
	var total, wsum, wmax float64
	for i, o := range observed {
		if o < 0 {
			return SRMResult{}, fmt.Errorf("%w: variant %d has a negative count %d", ErrInvalid, i+1, o)
		}
		if !(weights[i] > 0) || math.IsInf(weights[i], 0) {
			return SRMResult{}, fmt.Errorf("%w: split weight %g for variant %d must be positive", ErrInvalid, weights[i], i+1)
		}
		total += float64(o)
		wmax = math.Max(wmax, weights[i])
	}
	// The weights are a ratio: scaled to the largest, their sum cannot
	// overflow (1e308 and 5e307 summed to +Inf, every expected count was
	// 0 and the p-value NaN), and a weight that underflows to 0 is refused.
	scaled := make([]float64, len(weights))
	for i, w := range weights {
		if scaled[i] = w / wmax; scaled[i] == 0 {
			return SRMResult{}, fmt.Errorf("%w: split weights %g and %g are too far apart", ErrInvalid, w, wmax)
		}
		wsum += scaled[i]
	}
	weights = scaled
	if total == 0 {
		return SRMResult{}, fmt.Errorf("%w: no units in any variant", ErrTooFew)
	}
	r := SRMResult{
		Observed: append([]int64(nil), observed...),
		Expected: make([]float64, len(observed)),
		DF:       len(observed) - 1,
	}
	for i, o := range observed {
		e := total * weights[i] / wsum
		d := float64(o) - e
		r.Expected[i] = e
		r.Stat += d * d / e
	}
	r.P = chiSquareSurvival(r.Stat, float64(r.DF))
	// Written so that a p-value that is not a number is a mismatch, never
	// an all-clear.
	r.Mismatch = !(r.P >= SRMThreshold)
	return r, nil
}
