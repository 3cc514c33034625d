package monitor

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSortFloats checks sortFloats against slices.Sort bit for bit: long
// and short slices of normal, integer, tiny and huge values, infinities,
// many repeats, all equal, and with a −0 or a NaN (left to slices.Sort).
func TestSortFloats(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	gens := map[string]func(i int) float64{
		"normal": func(int) float64 { return rng.NormFloat64() },
		"ints":   func(int) float64 { return float64(rng.IntN(50) - 25) },
		"wide":   func(int) float64 { return math.Ldexp(rng.NormFloat64(), rng.IntN(2000)-1000) },
		"inf": func(i int) float64 {
			return []float64{math.Inf(1), math.Inf(-1), 0, 1, -1, math.MaxFloat64, -math.SmallestNonzeroFloat64}[i%7]
		},
		"same":     func(int) float64 { return 3.25 },
		"positive": func(int) float64 { return 1e6 + rng.Float64() },
		"negative": func(int) float64 { return -1e-3 * rng.ExpFloat64() },
		"decimals": func(int) float64 { return float64(rng.IntN(100000)) / 100 },
	}
	for name, g := range gens {
		for _, n := range []int{0, 1, 10, radixMin - 1, radixMin, 100000} {
			for _, odd := range []float64{0, math.Copysign(0, -1), math.NaN()} {
				xs := make([]float64, n)
				for i := range xs {
					xs[i] = g(i)
				}
				if n > 0 && odd != 0 || n > 0 && math.Signbit(odd) {
					xs[n/2] = odd
				}
				want := slices.Clone(xs)
				slices.Sort(want)
				sortFloats(xs)
				for i := range xs {
					if math.Float64bits(xs[i]) != math.Float64bits(want[i]) && !(xs[i] != xs[i] && want[i] != want[i]) {
						t.Fatalf("%s, %d values, with %v: position %d is %v, slices.Sort puts %v", name, n, odd, i, xs[i], want[i])
					}
				}
			}
		}
	}
}
