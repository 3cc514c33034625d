package monitor

import (
	"math/rand/v2"
	"testing"
)

// BenchmarkReservoir is the reservoir step alone: 900,000 values after a
// full sample of 100,000 (lodestar drift's reference column of 1M rows).
func BenchmarkReservoir(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	xs := make([]float64, 900_000)
	for i := range xs {
		xs[i] = rng.NormFloat64()
	}
	vals := make([]float64, 100_000)
	b.SetBytes(int64(len(xs)))
	for b.Loop() {
		reservoir(xs, vals, 100_000, 0, 12345)
	}
}
