package monitor

import (
	"fmt"
	"testing"
)

// TestCategoricalDriftPastLimit: a categorical feature with more distinct
// values than a window counts one by one (Layout.MaxCategories, 10,000 by
// default) is not tested, as `lodestar drift` does not test a column with
// more than 10,000 (its note, too). Each side lumps the values past its
// first MaxCategories into OtherCategory, by order of arrival, so the two
// samples' "(other)" hold different values and a value one side lumped is
// counted by name on the other: a reference of 20,000 postcodes against a
// window of the same distribution read Jensen–Shannon 0.78 (its largest is
// 0.83) and "drifted", in every window. A feature within the limit is
// tested as before, a real value spelt "(other)" included.
func TestCategoricalDriftPastLimit(t *testing.T) {
	s := Schema{Task: TaskBinary, Categorical: []string{"postcode"}}
	l := mustLayout(t, s, nil)
	l.MaxCategories = 20
	// n events over distinct values, in an order set by step (coprime
	// with distinct), so that two windows meet their values in different
	// orders and lump different ones.
	fillCats := func(n, distinct, step int) *Window {
		w := NewWindow(l)
		ev := s.NewEvent()
		ev.Score = 0.5
		for i := range n {
			ev.Cat[0] = fmt.Sprintf("p%03d", (i*step)%distinct)
			if err := w.Add(&ev); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	note := "more than 20 distinct values (an identifier or free text?): not tested"
	for _, c := range []struct {
		name     string
		ref, cur *Window
		tested   bool
	}{
		{"reference past the limit", fillCats(3000, 30, 7), fillCats(600, 30, 11), false},
		{"window past the limit", fillCats(3000, 15, 7), fillCats(600, 25, 11), false},
		{"both within the limit", fillCats(3000, 15, 7), fillCats(600, 15, 11), true},
		{"both at the limit", fillCats(3000, 20, 7), fillCats(600, 20, 11), true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := c.cur.Drift(c.ref, Thresholds{})
			if err != nil {
				t.Fatal(err)
			}
			f := d.Features[0]
			if f.Testable() != c.tested {
				t.Fatalf("tested %v (%s, statistic %g, note %q), want %v", f.Testable(), f.Test, f.Statistic, f.Note, c.tested)
			}
			if !c.tested {
				if f.Note != note || f.Drifted || d.Tested != 0 {
					t.Errorf("note %q, drifted %v, tested %d; want %q, not drifted, none tested", f.Note, f.Drifted, d.Tested, note)
				}
				if f.RefN != int64(c.ref.Cat[0].Total()) || f.CurN != int64(c.cur.Cat[0].Total()) {
					t.Errorf("counts %d, %d; want %d, %d", f.RefN, f.CurN, c.ref.Cat[0].Total(), c.cur.Cat[0].Total())
				}
				return
			}
			if f.Drifted || f.Note != "" {
				t.Errorf("same distribution: drifted %v (%s %g), note %q", f.Drifted, f.Test, f.Statistic, f.Note)
			}
		})
	}

	// A value spelt "(other)" within the limit is a value like any other:
	// not a lump, so the feature is tested and the window's quality names
	// its new values.
	ref, cur := NewWindow(l), NewWindow(l)
	ev := s.NewEvent()
	ev.Score = 0.5
	// Ten times over, so that every category is expected 5 or more times
	// in each sample (MinExpected) and none is pooled.
	for i := range 60 {
		ev.Cat[0] = []string{"a", OtherCategory, "b"}[i%3]
		if err := ref.Add(&ev); err != nil {
			t.Fatal(err)
		}
		if i%2 == 0 {
			ev.Cat[0] = "new"
		}
		if err := cur.Add(&ev); err != nil {
			t.Fatal(err)
		}
	}
	d, err := cur.Drift(ref, Thresholds{})
	if err != nil {
		t.Fatal(err)
	}
	if f := d.Features[0]; !f.Testable() || f.Categories != 4 || f.Pooled != 0 {
		t.Errorf("a value spelt %q: tested %v over %d categories (%d pooled, note %q), want tested over 4, none pooled", OtherCategory, f.Testable(), f.Categories, f.Pooled, f.Note)
	}
	q, err := cur.Quality(ref, 1)
	if err != nil {
		t.Fatal(err)
	}
	if q[0].NewValues != 30 || q[0].NewValueShare != 0.5 {
		t.Errorf("a value spelt %q: new values %d (share %g), want 30 (0.5)", OtherCategory, q[0].NewValues, q[0].NewValueShare)
	}
}
