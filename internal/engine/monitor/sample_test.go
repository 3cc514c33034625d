package monitor

import (
	"math"
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
