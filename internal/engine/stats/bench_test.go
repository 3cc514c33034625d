package stats

import (
	"math/rand/v2"
	"testing"
	"time"
)

func BenchmarkWelch(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 1))
	var c, t Summary
	for range 1000 {
		c.Add(r.NormFloat64())
		t.Add(0.1 + r.NormFloat64())
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Welch(c, t, 0.05); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWelchHugeDF is Welch at df ≈ 2e8, where the tail is integrated.
func BenchmarkWelchHugeDF(b *testing.B) {
	c := Summary{N: 100_000_000, Sum: 1e8, SumSq: 2e8}
	t := Summary{N: 100_000_000, Sum: 1.0003e8, SumSq: 2.0006e8}
	for b.Loop() {
		if _, err := Welch(c, t, 0.05); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStream100M accumulates sufficient statistics over 100 million
// generated observations split between two arms, then runs the test: the
// whole cost of analysing raw data once it is parsed.
func BenchmarkStream100M(b *testing.B) {
	const rows = 100_000_000
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		r := rand.New(rand.NewPCG(2, 2))
		var arms [2]Summary
		for i := range rows {
			arms[i&1].Add(float64(i&1)*0.01 + r.NormFloat64())
		}
		if _, err := Welch(arms[0], arms[1], 0.05); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/elapsed.Seconds(), "rows/s")
}
