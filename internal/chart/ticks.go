package chart

import "math"

// roundStep is an axis's tick step: 1, 2, 2.5 or 5 times a power of ten,
// the smallest that cuts span into at most n steps. whole keeps it a
// whole number (at least 1, and 5 rather than 2.5), for an axis of
// counts, which labels no half event.
func roundStep(span float64, n int, whole bool) float64 {
	raw := span / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := 10 * p
	for _, m := range []float64{1, 2, 2.5, 5} {
		if m*p >= raw*(1-1e-9) {
			step = m * p
			break
		}
	}
	if whole {
		switch {
		case step < 1:
			step = 1
		case math.Abs(step-2.5) < 1e-9:
			step = 5
		}
	}
	return step
}

// roundTicks are the ticks of an axis that covers lo to hi in round
// steps (roundStep's): from the last step at or below lo to the first at
// or above hi.
func roundTicks(lo, hi float64, n int, whole bool) []float64 {
	step := roundStep(hi-lo, n, whole)
	first := math.Floor(lo/step+1e-9) * step
	last := math.Ceil(hi/step-1e-9) * step
	k := int(math.Round((last - first) / step))
	ticks := make([]float64, k+1)
	for i := range ticks {
		// Rounded so 0.1 steps give 0.3, not 0.30000000000000004.
		ticks[i] = math.Round((first+float64(i)*step)*1e9) / 1e9
	}
	return ticks
}
