package monitor

import (
	"encoding/csv"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

func mustLayout(t testing.TB, s Schema, refSamples [][]float64) *Layout {
	t.Helper()
	bins := make([]*Bins, len(refSamples))
	for i, x := range refSamples {
		bins[i] = BinsFromSorted(sorted(x), DefaultFineBins, DefaultPSIBins)
	}
	l, err := NewLayout(s, bins)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestReferenceWindowMetrics checks a window's quality and latency figures
// against sklearn and numpy on testdata/events.csv.
func TestReferenceWindowMetrics(t *testing.T) {
	ref := loadReference(t).Window
	f, err := os.Open(filepath.Join("testdata", "events.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	bin := NewWindow(mustLayout(t, Schema{Task: TaskBinary, Threshold: ref.Threshold}, nil))
	reg := NewWindow(mustLayout(t, Schema{Task: TaskRegression}, nil))
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	ev := Event{}
	for _, r := range recs[1:] {
		ev.Reset()
		ev.Label, ev.Score, ev.LatencyMS = num(r[0]), num(r[1]), num(r[2])
		if err := bin.Add(&ev); err != nil {
			t.Fatal(err)
		}
		ev.Reset()
		ev.Label, ev.Value = num(r[3]), num(r[4])
		if err := reg.Add(&ev); err != nil {
			t.Fatal(err)
		}
	}
	m := bin.Metrics()
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"accuracy", m.Accuracy, ref.Accuracy}, {"precision", m.Precision, ref.Precision},
		{"recall", m.Recall, ref.Recall}, {"F1", m.F1, ref.F1}, {"ROC AUC", m.AUC, ref.ROCAUC},
		{"log loss", m.LogLoss, ref.LogLoss}, {"positive rate", m.PositiveRate, ref.PositiveRate},
		{"mean score", m.MeanScore, ref.MeanScore},
	} {
		checkRel(t, c.name, c.got, c.want, 1e-12, 1e-12)
	}
	if m.AUCErrorBound != 0 {
		t.Errorf("AUC error bound = %g, want 0 (3-decimal scores never share a bin)", m.AUCErrorBound)
	}
	rm := reg.Metrics()
	checkRel(t, "MAE", rm.MAE, ref.MAE, 1e-12, 1e-12)
	checkRel(t, "RMSE", rm.RMSE, ref.RMSE, 1e-12, 1e-12)
	for q, got := range map[string]float64{"0.5": m.LatencyP50, "0.95": m.LatencyP95, "0.99": m.LatencyP99} {
		want := ref.Latency[q]
		if math.Abs(got-want) > LatencyAccuracy*want {
			t.Errorf("latency p%s = %g, want %g within %g%%", q, got, want, 100*LatencyAccuracy)
		}
	}
}

func TestBinnedAUCBound(t *testing.T) {
	// Continuous scores: the binned AUC must lie within its bound of the
	// exact (pairwise) AUC.
	rng := rand.New(rand.NewPCG(1, 2))
	w := NewWindow(mustLayout(t, Schema{}, nil))
	var pos, neg []float64
	for range 3000 {
		ev := Event{Class: -1, LatencyMS: math.NaN()}
		ev.Label = float64(rng.IntN(2))
		ev.Score = math.Min(1, rng.Float64()*0.7+0.3*ev.Label)
		if ev.Label == 1 {
			pos = append(pos, ev.Score)
		} else {
			neg = append(neg, ev.Score)
		}
		if err := w.Add(&ev); err != nil {
			t.Fatal(err)
		}
	}
	exact := 0.0
	for _, p := range pos {
		for _, n := range neg {
			switch {
			case p > n:
				exact++
			case p == n:
				exact += 0.5
			}
		}
	}
	exact /= float64(len(pos) * len(neg))
	m := w.Metrics()
	if math.Abs(m.AUC-exact) > m.AUCErrorBound+1e-15 || m.AUCErrorBound > 1e-3 {
		t.Errorf("AUC %g, exact %g, bound %g", m.AUC, exact, m.AUCErrorBound)
	}
}

func TestMulticlassMacro(t *testing.T) {
	// sklearn: y_true=[0,0,1,1,2,2,2], y_pred=[0,1,1,1,2,0,2]
	// accuracy 5/7; precision macro (1/2+2/3+1)/3; recall macro (1/2+1+2/3)/3.
	l := mustLayout(t, Schema{Task: TaskMulticlass, Classes: []string{"a", "b", "c"}}, nil)
	w := NewWindow(l)
	for i, y := range []int{0, 0, 1, 1, 2, 2, 2} {
		p := []int{0, 1, 1, 1, 2, 0, 2}[i]
		ev := Event{Class: p, Label: float64(y), Score: math.NaN(), LatencyMS: math.NaN()}
		if err := w.Add(&ev); err != nil {
			t.Fatal(err)
		}
	}
	m := w.Metrics()
	p := (0.5 + 2.0/3 + 1) / 3
	r := (0.5 + 1 + 2.0/3) / 3
	f := (f1(0.5, 0.5) + f1(2.0/3, 1) + f1(1, 2.0/3)) / 3
	checkRel(t, "accuracy", m.Accuracy, 5.0/7, 1e-15, 0)
	checkRel(t, "precision", m.Precision, p, 1e-15, 0)
	checkRel(t, "recall", m.Recall, r, 1e-15, 0)
	checkRel(t, "F1", m.F1, f, 1e-15, 0)
}

func TestAddRefusesBadEvents(t *testing.T) {
	l := mustLayout(t, Schema{Numeric: []string{"x"}}, [][]float64{{1, 2, 3}})
	w := NewWindow(l)
	for _, c := range []struct {
		name string
		ev   Event
	}{
		{"wrong shape", Event{Score: 0.5, Class: -1, Label: math.NaN(), LatencyMS: math.NaN()}},
		{"score above 1", Event{Num: []float64{1}, Score: 1.5, Class: -1, Label: math.NaN(), LatencyMS: math.NaN()}},
		{"no prediction", Event{Num: []float64{1}, Score: math.NaN(), Class: -1, Label: math.NaN(), LatencyMS: math.NaN()}},
		{"label 2", Event{Num: []float64{1}, Score: 0.2, Class: -1, Label: 2, LatencyMS: math.NaN()}},
		{"negative latency", Event{Num: []float64{1}, Score: 0.2, Class: -1, Label: 1, LatencyMS: -3}},
	} {
		if err := w.Add(&c.ev); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	if w.Events != 0 || w.Num[0].N != 0 {
		t.Errorf("refused events were counted: %d events", w.Events)
	}
}

func TestRoller(t *testing.T) {
	l := mustLayout(t, Schema{}, nil)
	r, err := NewRoller(l, time.Hour, 0)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	var closed []*Window
	for _, m := range []int{0, 10, 59, 61, 30, 125} { // 30 is late
		ev := Event{Time: base.Add(time.Duration(m) * time.Minute), Score: 0.7, Class: -1, Label: math.NaN(), LatencyMS: math.NaN()}
		w, err := r.Add(&ev)
		if err != nil {
			t.Fatal(err)
		}
		if w != nil {
			closed = append(closed, w)
		}
	}
	closed = append(closed, r.Flush())
	var got []uint64
	for _, w := range closed {
		got = append(got, w.Events)
	}
	if len(got) != 3 || got[0] != 3 || got[1] != 2 || got[2] != 1 || r.Late != 1 {
		t.Errorf("windows %v, late %d; want [3 2 1], late 1", got, r.Late)
	}
	// Count windows of 2: a window closes when full and an event of a
	// later millisecond comes; a millisecond's events stay together.
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		ms     []int
		closed []uint64
		open   uint64
	}{
		{[]int{0, 1, 2, 3, 4}, []uint64{2, 2}, 1},
		{[]int{0, 0, 0, 1, 2}, []uint64{3}, 2},
		{[]int{0, 0, 0, 0, 0}, nil, 5},
	} {
		rc, _ := NewRoller(l, 0, 2)
		var got []uint64
		for _, ms := range tc.ms {
			ev := Event{Time: t0.Add(time.Duration(ms) * time.Millisecond), Score: 0.1, Class: -1, Label: math.NaN(), LatencyMS: math.NaN()}
			if w, _ := rc.Add(&ev); w != nil {
				got = append(got, w.Events)
			}
		}
		if open := rc.Flush(); !slices.Equal(got, tc.closed) || open == nil || open.Events != tc.open {
			t.Errorf("count windows over ms %v: closed %v and %v open; want %v and %d", tc.ms, got, open, tc.closed, tc.open)
		}
	}
}
