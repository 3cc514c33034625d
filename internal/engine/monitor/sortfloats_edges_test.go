package monitor

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
)

// sameBits reports whether two sorted slices hold the same values bit for
// bit (any NaN matching any NaN).
func sameBits(a, b []float64) int {
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) && !(a[i] != a[i] && b[i] != b[i]) {
			return i
		}
	}
	return -1
}

// TestSortFloatsEdges checks sortFloats against slices.Sort, bit for bit,
// on slices long enough for the radix sort whose keys differ in one
// radix digit only (the others, skipped, the same in every value), in the
// sign only, in subnormals, ±Inf and the extremes, both zeros, NaN
// anywhere, all equal, and two values.
func TestSortFloatsEdges(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	n := radixMin + 37
	base := math.Float64bits(1.5)
	gens := map[string]func(i int) float64{}
	for p := range 6 { // only the p-th 11-bit digit varies
		shift := 11 * uint(p)
		gens["digit"+string(rune('0'+p))] = func(int) float64 {
			b := base&^(0x7ff<<shift) | (rng.Uint64()&0x7ff)<<shift
			if p == 5 {
				b &^= 1 << 63 // the sign stays: only the exponent's top bits vary
				b |= 1 << 62
			}
			return math.Float64frombits(b)
		}
	}
	gens["lowbit"] = func(int) float64 { return math.Float64frombits(base | rng.Uint64()&1) }
	gens["topbit"] = func(int) float64 { return []float64{2.5, -2.5}[rng.IntN(2)] }
	gens["subnormal"] = func(int) float64 {
		x := math.Float64frombits(rng.Uint64() & (1<<52 - 1))
		if rng.IntN(2) == 0 {
			x = -x
		}
		if x == 0 {
			x = math.SmallestNonzeroFloat64
		}
		return x
	}
	gens["extremes"] = func(int) float64 {
		return []float64{math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64,
			-math.SmallestNonzeroFloat64, 0x1p-1022, -0x1p-1022, 1, -1}[rng.IntN(10)]
	}
	gens["dups"] = func(int) float64 { return float64(rng.IntN(3)) - 1 }
	gens["equal"] = func(int) float64 { return -7e-300 }
	gens["pluszero"] = func(int) float64 { return 0 }
	for name, g := range gens {
		for _, odd := range []string{"", "negzero", "nan", "nanfirst", "nanlast"} {
			xs := make([]float64, n)
			for i := range xs {
				xs[i] = g(i)
			}
			switch odd {
			case "negzero":
				xs[rng.IntN(n)] = math.Copysign(0, -1)
			case "nan":
				xs[rng.IntN(n)] = math.NaN()
			case "nanfirst":
				xs[0] = math.NaN()
			case "nanlast":
				xs[n-1] = math.Float64frombits(0xfff8000000000001) // a negative NaN
			}
			want := slices.Clone(xs)
			slices.Sort(want)
			sortFloats(xs)
			if i := sameBits(xs, want); i >= 0 {
				t.Fatalf("%s %s: position %d is %v (%#x), slices.Sort puts %v (%#x)", name, odd, i, xs[i], math.Float64bits(xs[i]), want[i], math.Float64bits(want[i]))
			}
		}
	}
	for _, xs := range [][]float64{nil, {}, {math.NaN()}, {math.Copysign(0, -1)}, {3}, {2, 1}, {0, math.Copysign(0, -1)}} {
		want := slices.Clone(xs)
		slices.Sort(want)
		sortFloats(xs)
		if i := sameBits(xs, want); i >= 0 {
			t.Errorf("%v: position %d differs from slices.Sort's %v", xs, i, want)
		}
	}
}

// TestSortFloatsConcurrent sorts slices of different lengths on several
// goroutines at once, so that the radix scratch from the pool is taken
// too short, long enough, and shared in turn; each result must be
// slices.Sort's (run with -race).
func TestSortFloatsConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(g), 99))
			for round := range 12 {
				n := radixMin + rng.IntN(4*radixMin)
				xs := make([]float64, n)
				for i := range xs {
					xs[i] = float64(rng.IntN(1<<20)) * math.Ldexp(1, round-6)
				}
				want := slices.Clone(xs)
				slices.Sort(want)
				sortFloats(xs)
				if i := sameBits(xs, want); i >= 0 {
					errs <- "differs from slices.Sort"
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
