package monitor

import (
	"errors"
	"math"
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

// An infinite feature value is refused, as an infinite latency is: it
// would make the distribution's spread NaN and hide drift.
func TestInfiniteFeatureRefused(t *testing.T) {
	l, err := NewLayout(Schema{Task: TaskBinary, Numeric: []string{"x"}}, []*Bins{BinsFromSorted([]float64{0, 1, 2, 3}, DefaultFineBins, DefaultPSIBins)})
	if err != nil {
		t.Fatal(err)
	}
	w := NewWindow(l)
	for _, x := range []float64{math.Inf(1), math.Inf(-1)} {
		ev := l.Schema.NewEvent()
		ev.Score, ev.Num[0] = 0.5, x
		if err := w.Add(&ev); !errors.Is(err, ErrValue) {
			t.Errorf("feature %v: got %v, want ErrValue", x, err)
		}
	}
	if w.Events != 0 {
		t.Errorf("refused events counted: %d", w.Events)
	}
}
