package monitor

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"
)

// benchSchema is the benchmark shape: 20 numeric and 5
// categorical features, a binary classifier with labels and latencies.
func benchSchema() Schema {
	s := Schema{Task: TaskBinary}
	for i := range 20 {
		s.Numeric = append(s.Numeric, fmt.Sprintf("n%02d", i))
	}
	for i := range 5 {
		s.Categorical = append(s.Categorical, fmt.Sprintf("c%d", i))
	}
	return s
}

// benchEvents makes a pool of events cycled through by the benchmark, so
// the measured loop does nothing but Window.Add.
func benchEvents(s *Schema, n int, seed uint64) []Event {
	rng := rand.New(rand.NewPCG(seed, 11))
	cats := make([][]string, len(s.Categorical))
	for j := range cats {
		for k := range 20 + 10*j {
			cats[j] = append(cats[j], "value-"+strconv.Itoa(k))
		}
	}
	evs := make([]Event, n)
	for i := range evs {
		ev := s.NewEvent()
		for j := range ev.Num {
			ev.Num[j] = rng.NormFloat64()*float64(j+1) + float64(j)
		}
		for j := range ev.Cat {
			ev.Cat[j] = cats[j][int(rng.ExpFloat64()*4)%len(cats[j])]
		}
		ev.Score = rng.Float64()
		ev.Label = float64(rng.IntN(2))
		ev.LatencyMS = rng.ExpFloat64() * 15
		evs[i] = ev
	}
	return evs
}

// BenchmarkWindowAdd measures the engine's hot path on one core: events/s
// into a window with 20 numeric features (DefaultFineBins reference-
// quantile bins each) and 5 categorical ones (20–60 values each), plus
// classification counts, the AUC histograms and the latency DDSketch. The
// events cycle through a pool of 1,024, as an ingest loop hands over
// events it has just decoded (in cache); the feature values are random, so
// every event lands in different bins. Target: ≥ 1M events/s, 0 allocs.
func BenchmarkWindowAdd(b *testing.B) {
	s := benchSchema()
	l := profile(b, s, benchEvents(&s, 50_000, 1))
	evs := benchEvents(&s, 1<<10, 2)
	w := NewWindow(l)
	for i := range evs { // every categorical value seen once: steady state
		w.Add(&evs[i])
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	cpu := cpuTime()
	for b.Loop() {
		if err := w.Add(&evs[i&(len(evs)-1)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if c := cpuTime() - cpu; c > 0 {
		b.ReportMetric(float64(b.N)/c.Seconds(), "events/cpu-s")
	}
}

// BenchmarkWindowMergeDrift measures the read side: merging an hour of
// per-replica windows and computing every feature's drift.
func BenchmarkWindowMergeDrift(b *testing.B) {
	s := benchSchema()
	ref := benchEvents(&s, 50_000, 1)
	l := profile(b, s, ref)
	refW := fill(b, l, ref)
	part := fill(b, l, benchEvents(&s, 20_000, 3))
	b.ReportAllocs()
	for b.Loop() {
		w := NewWindow(l)
		for range 4 {
			if err := w.Merge(part); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := w.Drift(refW, Thresholds{}); err != nil {
			b.Fatal(err)
		}
	}
}
