package monitor

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"testing"
)

// histColumns are the shapes of column `lodestar drift` counts, drawn as
// bench/drift/gen draws them and rounded, as its CSV files are, to 8
// significant digits.
var histColumns = []struct {
	name string
	draw func(*rand.Rand) float64
}{
	{"normal", func(r *rand.Rand) float64 { return r.NormFloat64()*2 + 3 }},
	{"exponential", func(r *rand.Rand) float64 { return r.ExpFloat64() * 10 }},
	{"lognormal", func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64()*0.8 + 3) }},
	{"lognormal-wide", func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64() * 2) }},
	{"lognormal-wide-shifted", func(r *rand.Rand) float64 { return math.Exp(r.NormFloat64()*2) - 1 }},
	{"lognormal-wide-negated", func(r *rand.Rand) float64 { return 3 - math.Exp(r.NormFloat64()*2) }},
	{"lognormal-wide-both", func(r *rand.Rand) float64 { // crowding at both ends
		x := math.Exp(r.NormFloat64() * 2)
		if r.IntN(2) == 0 {
			x = -x
		}
		return x
	}},
	{"uniform", func(r *rand.Rand) float64 { return r.Float64() * 100 }},
	{"ints", func(r *rand.Rand) float64 { return float64(r.IntN(101)) }},
	{"offset", func(r *rand.Rand) float64 { return 1e6 + r.NormFloat64()*100 }},
	{"mixture", func(r *rand.Rand) float64 {
		if r.IntN(10) < 3 {
			return r.NormFloat64() + 10
		}
		return r.NormFloat64()
	}},
}

// histColumn draws n values of a column shape.
func histColumn(draw func(*rand.Rand) float64, n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 7))
	xs := make([]float64, n)
	for i := range xs {
		xs[i], _ = strconv.ParseFloat(strconv.FormatFloat(draw(rng), 'g', 8, 64), 64)
	}
	return xs
}

// BenchmarkHistAddAll measures Hist.AddAll as `lodestar drift` calls it:
// bins cut at 2048 fine and 10 PSI quantiles of a 100,000-value sample,
// then 1,000,000 values of the same shape counted in runs of 8,192. It
// reports the time per value counted.
func BenchmarkHistAddAll(b *testing.B) {
	const values, run = 1_000_000, 8192
	for _, col := range histColumns {
		b.Run(col.name, func(b *testing.B) {
			sample := histColumn(col.draw, 100_000, 1)
			slices.Sort(sample)
			bins := BinsFromSorted(sample, 2048, DefaultPSIBins)
			xs := histColumn(col.draw, values, 2)
			b.ResetTimer()
			for b.Loop() {
				h := NewHist(bins)
				for k := 0; k < len(xs); k += run {
					h.AddAll(xs[k:min(k+run, len(xs))])
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/values, "ns/value")
		})
	}
}

// BenchmarkBinsMemory reports the memory a Bins keeps, in bytes, for
// 2,048 and 1,000,000 fine bins cut from a normal sample: the edges, the
// fine-to-PSI map and the search guide.
func BenchmarkBinsMemory(b *testing.B) {
	for _, n := range []int{2048, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			sample := histColumn(histColumns[0].draw, 2*n, 1)
			slices.Sort(sample)
			var kept uint64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				bins := BinsFromSorted(sample, n, DefaultPSIBins)
				runtime.GC()
				runtime.ReadMemStats(&after)
				runtime.KeepAlive(bins)
				kept = after.HeapAlloc - before.HeapAlloc
			}
			b.ReportMetric(float64(kept), "bytes/Bins")
		})
	}
}
