package fairness

import (
	"testing"
	"time"
)

// BenchmarkAccumulate10M streams 10 million rows (five groups, a score and
// a threshold) through an Accumulator and analyses them with a 1,000-
// replicate bootstrap; it reports rows/s. Memory does not grow with rows:
// allocations per op are those of the report, not of the data.
func BenchmarkAccumulate10M(b *testing.B) {
	const rows = 10_000_000
	names := []string{"A", "B", "C", "D", "E"}
	b.ReportAllocs()
	var elapsed time.Duration
	for b.Loop() {
		start := time.Now()
		var acc Accumulator
		x := uint64(88172645463325252)
		for range rows {
			x ^= x << 13 // xorshift: cheap synthetic rows
			x ^= x >> 7
			x ^= x << 17
			score := float64(x>>40) / (1 << 24)
			acc.AddScore(names[x%5], x&(1<<20) != 0, score, 0.5)
		}
		if _, err := Analyze(&acc, Options{Bootstrap: 1000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
		elapsed += time.Since(start)
	}
	b.ReportMetric(float64(rows)*float64(b.N)/elapsed.Seconds(), "rows/s")
}

// BenchmarkBootstrap measures 1,000 replicates over five groups of two
// million rows each: the cost depends on groups, not rows.
func BenchmarkBootstrap(b *testing.B) {
	var groups []GroupCounts
	for _, g := range []string{"A", "B", "C", "D", "E"} {
		groups = append(groups, GroupCounts{g, Counts{TP: 600_000, FP: 400_000, TN: 700_000, FN: 300_000}})
	}
	for b.Loop() {
		if _, err := AnalyzeCounts(groups, Options{Bootstrap: 1000, Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
