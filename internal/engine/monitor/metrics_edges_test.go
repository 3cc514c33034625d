package monitor

import (
	"math"
	"slices"
	"testing"
)

// A model that stops predicting positives has F1 0, not "undefined":
// /usr/bin/python3 -c "from sklearn.metrics import f1_score; print(f1_score([1,1,0],[0,0,0]))"
// prints 0.0. With no positive label and no positive prediction it is
// undefined (NaN).
func TestBinaryF1NoPredictedPositives(t *testing.T) {
	l, err := NewLayout(Schema{Task: TaskBinary}, nil)
	if err != nil {
		t.Fatal(err)
	}
	add := func(w *Window, labels ...float64) {
		for _, y := range labels {
			ev := l.Schema.NewEvent()
			ev.Score, ev.Label = 0.1, y
			if err := w.Add(&ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	w := NewWindow(l)
	add(w, 1, 1, 0)
	if m := w.Metrics(); m.F1 != 0 || m.Recall != 0 {
		t.Errorf("F1 = %v, recall %v; sklearn f1_score = 0.0", m.F1, m.Recall)
	}
	w = NewWindow(l)
	add(w, 0, 0)
	if m := w.Metrics(); !math.IsNaN(m.F1) {
		t.Errorf("no positives at all: F1 = %v, want NaN (undefined)", m.F1)
	}
}

// An infinite feature value counts as missing, in Add and AddAll alike:
// one +Inf in a reference made its spread NaN, and a NaN distance read as
// "no drift" (the finite data, shifted by 0.5, has a scaled Wasserstein
// distance of 1.7320510240752687:
// /usr/bin/python3 -c "import numpy as np; from scipy import stats; r=np.arange(2000)/2000; print(stats.wasserstein_distance(r,r+0.5)/np.std(r))").
func TestInfiniteFeatureMissing(t *testing.T) {
	ref := make([]float64, 2000)
	for i := range ref {
		ref[i] = float64(i) / 2000
	}
	b := BinsFromSorted(ref, DefaultFineBins, DefaultPSIBins)
	r, c, all := NewHist(b), NewHist(b), NewHist(b)
	r.AddAll(ref)
	r.Add(math.Inf(1))
	r.Add(math.Inf(-1))
	all.AddAll(append(slices.Clone(ref), math.Inf(1), math.Inf(-1)))
	if r.Missing != 2 || all.Missing != 2 || r.N != all.N || r.S2 != all.S2 {
		t.Errorf("±Inf: Add counted %d missing, AddAll %d; N %d vs %d", r.Missing, all.Missing, r.N, all.N)
	}
	for _, x := range ref {
		c.Add(x + 0.5)
	}
	f := NumericBinned(r, c, Thresholds{})
	if math.IsNaN(f.Wasserstein) || !f.Drifted || math.Abs(f.Wasserstein-1.7320510240752687) > 0.01 {
		t.Errorf("Wasserstein = %v, drifted = %v; want ≈1.732 (the finite data's), drifted", f.Wasserstein, f.Drifted)
	}
}

// A reference with infinite values profiles as one without them: the
// window counts ±Inf as missing, and the profiler's sample kept them, so
// two infinities in 100 values made a bin edge infinite and Layout
// panicked ("bin edges must be finite").
func TestProfilerInfiniteMissing(t *testing.T) {
	s := Schema{Numeric: []string{"x"}}
	withInf, finite := mustProfiler(t, s), mustProfiler(t, s)
	for i := range 100 {
		ev := s.NewEvent()
		ev.Num[0] = float64(i)
		if err := finite.Add(&ev); err != nil {
			t.Fatal(err)
		}
		if err := withInf.Add(&ev); err != nil {
			t.Fatal(err)
		}
		if i%50 == 0 {
			ev.Num[0] = math.Inf(1 - 2*(i/50))
			if err := withInf.Add(&ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	a, err := withInf.Layout(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	b, err := finite.Layout(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a.Bins[0].Edges(), b.Bins[0].Edges()) || !slices.Equal(a.Bins[0].PSIEdges(), b.Bins[0].PSIEdges()) {
		t.Errorf("edges with ±Inf %v, without %v", a.Bins[0].PSIEdges(), b.Bins[0].PSIEdges())
	}
}

func mustProfiler(t *testing.T, s Schema) *Profiler {
	t.Helper()
	p, err := NewProfiler(s, 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// Latency quantiles lie between the least and the greatest latency: a
// window whose every request took 120 ms reports p50, p95 and p99 of
// exactly 120 (the sketch alone said 119.574, and a health page then read
// "p95 latency 119.6 ms" for requests that all took 120). A merged window
// of two constant halves stays within 1% of the exact quantiles and inside
// the range:
// /usr/bin/python3 -c "import numpy as np; print(np.quantile([40]*50+[120]*50,[0.5,0.95,0.99],method='lower'))"
// prints [ 40 120 120].
func TestLatencyQuantilesWithinRange(t *testing.T) {
	l, err := NewLayout(Schema{Task: TaskBinary}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fill := func(lat float64, n int) *Window {
		w := NewWindow(l)
		for range n {
			ev := l.Schema.NewEvent()
			ev.Score, ev.Label, ev.LatencyMS = 0.9, 1, lat
			if err := w.Add(&ev); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	m := fill(120, 100).Metrics()
	for name, q := range map[string]float64{"p50": m.LatencyP50, "p95": m.LatencyP95, "p99": m.LatencyP99} {
		if q != 120 {
			t.Errorf("every latency 120 ms: %s = %v, want 120", name, q)
		}
	}
	w := fill(40, 50)
	if err := w.Merge(fill(120, 50)); err != nil {
		t.Fatal(err)
	}
	m = w.Metrics()
	for _, c := range []struct {
		name    string
		got, np float64
	}{{"p50", m.LatencyP50, 40}, {"p95", m.LatencyP95, 120}, {"p99", m.LatencyP99, 120}} {
		if c.got < 40 || c.got > 120 || math.Abs(c.got-c.np) > LatencyAccuracy*c.np {
			t.Errorf("half 40 ms, half 120 ms: %s = %v, want within 1%% of numpy's %v and within [40, 120]", c.name, c.got, c.np)
		}
	}
}
