package sdk

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// Assign returns the index of the variant a unit (a user, a customer, a
// request key) sees in an experiment. It is deterministic and the same in
// every language, so a Python batch job, a Java service and this SDK put
// the same unit in the same variant with no coordination:
//
//  1. h is the first 8 bytes, read big-endian as an unsigned 64-bit
//     integer, of SHA-256 over the UTF-8 bytes of experimentKey, one zero
//     byte, and the UTF-8 bytes of unitID.
//  2. u = float64(h >> 11) / 2^53, a number in [0, 1) carrying exactly
//     the top 53 bits of h (the conversion and the division are exact).
//  3. total is the sum of the weights, added left to right in IEEE-754
//     double precision; s_i is the running sum after weight i, added the
//     same way. The variant is the first i with u < s_i / total (one
//     IEEE-754 division, rounded to nearest). If rounding leaves no such
//     i, the last variant with a positive weight takes the unit.
//
// Weights need not sum to 1: {1, 1} and {0.5, 0.5} split alike. A zero
// weight never receives a unit. Changing the experiment key reshuffles
// every unit. Appending a variant whose weight is taken from the last one
// moves only units of the last one (up to rounding at the boundaries).
//
// Weights must be finite, non-negative and not all zero. Assign never
// panics: with invalid weights it returns 0, the first variant
// (conventionally the control); AssignChecked returns the error instead.
func Assign(experimentKey, unitID string, weights []float64) int {
	i, err := AssignChecked(experimentKey, unitID, weights)
	if err != nil {
		return 0
	}
	return i
}

// AssignChecked is Assign that reports invalid weights (see
// ValidateWeights) instead of answering 0.
func AssignChecked(experimentKey, unitID string, weights []float64) (int, error) {
	total, err := weightTotal(weights)
	if err != nil {
		return 0, err
	}
	u := UnitPoint(experimentKey, unitID)
	var s float64
	last := 0
	for i, w := range weights {
		if w > 0 {
			last = i
		}
		s += w
		if u < s/total {
			return i, nil
		}
	}
	return last, nil
}

// InTreatment reports whether a unit falls in the treatment of a
// two-variant experiment that sends share (in [0, 1]) of units to
// treatment. It is exactly Assign(experimentKey, unitID,
// []float64{1 - share, share}) == 1; a share outside [0, 1] or NaN puts
// every unit in control (false).
func InTreatment(experimentKey, unitID string, share float64) bool {
	if !(share >= 0 && share <= 1) {
		return false
	}
	return Assign(experimentKey, unitID, []float64{1 - share, share}) == 1
}

// UnitPoint is step 1 and 2 of Assign: the unit's fixed point u in
// [0, 1) for an experiment. Other splits (holdouts, ramp-ups) can be
// built on it and stay consistent with Assign.
func UnitPoint(experimentKey, unitID string) float64 {
	// Hash from a stack buffer when the input is short, so the common
	// case does not allocate.
	var buf [128]byte
	b := buf[:0]
	b = append(b, experimentKey...)
	b = append(b, 0)
	b = append(b, unitID...)
	sum := sha256.Sum256(b)
	h := binary.BigEndian.Uint64(sum[:8])
	return float64(h>>11) / (1 << 53)
}

// ErrWeights is wrapped by every weight validation error.
var ErrWeights = errors.New("lodestar: invalid experiment weights")

// ValidateWeights reports why weights cannot split units: none given, a
// negative, NaN or infinite weight, a sum that is zero or overflows.
func ValidateWeights(weights []float64) error {
	_, err := weightTotal(weights)
	return err
}

func weightTotal(weights []float64) (float64, error) {
	if len(weights) == 0 {
		return 0, fmt.Errorf("%w: no variants", ErrWeights)
	}
	var total float64
	for i, w := range weights {
		if math.IsNaN(w) || math.IsInf(w, 0) || w < 0 {
			return 0, fmt.Errorf("%w: weight %d is %v (want finite and >= 0)", ErrWeights, i, w)
		}
		total += w
	}
	if total <= 0 {
		return 0, fmt.Errorf("%w: the weights sum to 0", ErrWeights)
	}
	if math.IsInf(total, 0) {
		return 0, fmt.Errorf("%w: the weights' sum overflows", ErrWeights)
	}
	return total, nil
}
