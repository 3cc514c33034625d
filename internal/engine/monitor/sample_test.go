package monitor

import (
	"math"
	"slices"
	"testing"
)

// TestSampleUniform checks the reservoir: exact up to the limit, then a
// sample whose mean and quantiles match the stream's.
func TestSampleUniform(t *testing.T) {
	s := NewSample(1000, 5)
	for i := range 1000 {
		s.Add(float64(i))
	}
	if !s.Exact() || len(s.Sorted()) != 1000 {
		t.Fatal("not exact at the limit")
	}
	const n = 1_000_000
	for i := 1000; i < n; i++ {
		s.Add(float64(i))
	}
	v := s.Sorted()
	if s.Exact() || len(v) != 1000 || s.N() != n {
		t.Fatalf("exact %v, %d kept, n %d", s.Exact(), len(v), s.N())
	}
	// A uniform sample of 0…n−1: the median is n/2 give or take a few
	// standard errors (n/(2√1000) ≈ 16,000), and late values get in.
	if m := Quantile(v, 0.5); math.Abs(m-n/2) > 60_000 {
		t.Errorf("sample median %g, want about %d", m, n/2)
	}
	if v[len(v)-1] < 0.99*n || v[0] > 0.01*n {
		t.Errorf("sample range [%g, %g] misses the ends", v[0], v[len(v)-1])
	}
	s.Add(math.NaN())
	if s.Missing != 1 {
		t.Error("NaN not counted missing")
	}
	if _, _, ok := s.FewDistinct(); ok {
		t.Error("a million distinct values reported as few")
	}
}

func TestExactSample(t *testing.T) {
	s := NewExactSample(3)
	for _, x := range []float64{3, 1, 2} {
		s.Add(x)
	}
	if !s.Exact() || len(s.Sorted()) != 3 || s.Sorted()[0] != 1 {
		t.Fatalf("at the limit: exact %v, %v", s.Exact(), s.Sorted())
	}
	s.Add(4)
	if s.Exact() || s.Sorted() != nil || s.N() != 4 {
		t.Errorf("past the limit: exact %v, kept %v, n %d", s.Exact(), s.Sorted(), s.N())
	}
	if v, _, ok := s.FewDistinct(); !ok || len(v) != 4 {
		t.Errorf("distinct values %v, %v", v, ok)
	}
}

// TestSampleAddAll checks that adding a slice keeps what adding its
// values one by one keeps, reservoir and exact-only alike.
func TestSampleAddAll(t *testing.T) {
	xs := make([]float64, 5000)
	for i := range xs {
		xs[i] = float64(i % 7)
		if i%13 == 0 {
			xs[i] = math.NaN()
		}
		if i > 3000 {
			xs[i] = float64(i)
		}
	}
	for _, limit := range []int{100, 4000, 10000} {
		for _, exact := range []bool{false, true} {
			one, all := NewSample(limit, 3), NewSample(limit, 3)
			if exact {
				one, all = NewExactSample(limit), NewExactSample(limit)
			}
			for _, x := range xs {
				one.Add(x)
			}
			for i := 0; i < len(xs); i += 700 {
				all.AddAll(xs[i:min(i+700, len(xs))])
			}
			if !slices.Equal(all.vals, one.vals) || all.rng != one.rng {
				t.Errorf("limit %d exact-only %v: AddAll kept other values, or in other places, or drew other random numbers", limit, exact)
			}
			ov, on, ook := one.FewDistinct()
			av, an, aok := all.FewDistinct()
			if !slices.Equal(all.Sorted(), one.Sorted()) || all.N() != one.N() || all.Missing != one.Missing ||
				all.Exact() != one.Exact() || aok != ook || !slices.Equal(av, ov) || !slices.Equal(an, on) {
				t.Errorf("limit %d exact-only %v: AddAll kept %d values of %d (%d missing), one by one %d of %d (%d missing)",
					limit, exact, len(all.Sorted()), all.N(), all.Missing, len(one.Sorted()), one.N(), one.Missing)
			}
		}
	}
}

// TestRandomBelow checks the sample's random integers: in range, and
// each value about equally often.
func TestRandomBelow(t *testing.T) {
	s := NewSample(10, 1)
	for _, n := range []uint64{1, 6, 1200, 6 << 60} {
		const draws = 60000
		counts := map[uint64]int{}
		for range draws {
			j := s.randomBelow(n)
			if j >= n {
				t.Fatalf("randomBelow(%d) = %d", n, j)
			}
			if n > 1 {
				counts[j/(n/6)]++ // six equal ranges of [0, n)
			}
		}
		if n == 1 {
			continue
		}
		for r, c := range counts {
			if math.Abs(float64(c)-draws/6) > 5*math.Sqrt(draws/6) {
				t.Errorf("n %d: range %d drawn %d times in %d, want about %d", n, r, c, draws, draws/6)
			}
		}
	}
}

// TestSampleAddAllGrowth: AddAll grows the kept values by doubling, never
// past the limit: a column's 100,000 values added a batch of 1,000 at a
// time take a handful of allocations (append's growth by a quarter took
// some 25, copying the values each time), and the values kept are those
// of Add.
func TestSampleAddAllGrowth(t *testing.T) {
	xs := make([]float64, 1000)
	for i := range xs {
		xs[i] = float64(i)
	}
	const limit = 100_000
	for _, exact := range []bool{false, true} {
		var s *Sample
		allocs := testing.AllocsPerRun(3, func() {
			s = NewSample(limit, 1)
			if exact {
				s = NewExactSample(limit)
			}
			for range limit / len(xs) {
				s.AddAll(xs)
			}
		})
		// The Sample itself, and room for 1,000 values doubled up to the
		// limit: 2,000, 4,000 … 64,000, 100,000 (and one to spare).
		if allocs > 10 || len(s.vals) != limit || cap(s.vals) != limit {
			t.Errorf("exact-only %v: %v allocations, %d values kept in room for %d; want at most 10, and %d in %d", exact, allocs, len(s.vals), cap(s.vals), limit, limit)
		}
		one := NewSample(limit, 1)
		for range limit / len(xs) {
			for _, x := range xs {
				one.Add(x)
			}
		}
		if !slices.Equal(s.vals, one.vals) {
			t.Errorf("exact-only %v: AddAll kept other values than Add", exact)
		}
	}
}

// TestSampleCountOnly: a sample told to count only drops its values and
// keeps none of those added after, allocating nothing for them, but
// counts them, the missing ones and few distinct values as a sample
// keeping them does; it is not exact.
func TestSampleCountOnly(t *testing.T) {
	xs := make([]float64, 3000)
	for i := range xs {
		xs[i] = float64(i % 4)
		if i%17 == 0 {
			xs[i] = math.NaN()
		}
	}
	for _, many := range []bool{false, true} {
		if many {
			for i := 2000; i < len(xs); i++ {
				xs[i] = float64(i)
			}
		}
		keep, count := NewExactSample(10000), NewExactSample(10000)
		keep.AddAll(xs[:500])
		count.AddAll(xs[:500])
		count.CountOnly()
		if count.Exact() || count.Sorted() != nil {
			t.Fatalf("many %v: counting only, exact %v with %d values", many, count.Exact(), len(count.Sorted()))
		}
		// (AllocsPerRun calls it twice: once to warm up.)
		allocs := testing.AllocsPerRun(1, func() { count.AddAll(xs[500:]) })
		keep.AddAll(xs[500:])
		keep.AddAll(xs[500:])
		for i := 500; i < len(xs); i++ {
			count.Add(xs[i]) // one by one too: what AddAll added again
			keep.Add(xs[i])
		}
		kv, kn, kok := keep.FewDistinct()
		cv, cn, cok := count.FewDistinct()
		if allocs != 0 || count.Exact() || count.Sorted() != nil || count.N() != keep.N() || count.Missing != keep.Missing ||
			cok != kok || !slices.Equal(cv, kv) || !slices.Equal(cn, kn) {
			t.Errorf("many %v: counting only, %v allocations, exact %v, %d values kept, n %d (%d missing), few %v %v %v; keeping them n %d (%d missing), few %v %v %v",
				many, allocs, count.Exact(), len(count.Sorted()), count.N(), count.Missing, cv, cn, cok, keep.N(), keep.Missing, kv, kn, kok)
		}
		if !keep.Exact() || len(keep.Sorted()) != int(keep.N()) {
			t.Errorf("many %v: the sample keeping its values kept %d of %d", many, len(keep.Sorted()), keep.N())
		}
	}
}
