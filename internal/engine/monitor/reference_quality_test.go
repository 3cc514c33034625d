package monitor

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// qualityReference is the data-quality part of testdata/reference.json,
// computed by hand in pandas by testdata/make_reference.py.
type qualityReference struct {
	Quality []struct {
		Name      string
		RefNumRaw []*float64 `json:"ref_num"`
		CurNumRaw []*float64 `json:"cur_num"`
		RefCat    []string   `json:"ref_cat"`
		CurCat    []string   `json:"cur_cat"`
		Num       struct {
			Events, Missing, Below, Above uint64
			MissingShare                  float64 `json:"missing_share"`
			RefMissingShare               float64 `json:"ref_missing_share"`
			RefMin                        float64 `json:"ref_min"`
			RefMax                        float64 `json:"ref_max"`
			OutOfRangeShare               float64 `json:"out_of_range_share"`
		}
		Cat struct {
			Events, Missing uint64
			MissingShare    float64 `json:"missing_share"`
			RefMissingShare float64 `json:"ref_missing_share"`
			NewValues       uint64  `json:"new_values"`
			NewValueShare   float64 `json:"new_value_share"`
			Examples        []string
		}
	}
}

// qualityEvents turns a case's columns into events of one numeric and one
// categorical feature.
func qualityEvents(s Schema, num []*float64, cat []string) []Event {
	var evs []Event
	for i := range num {
		ev := s.NewEvent()
		ev.Num[0], ev.Cat[0], ev.Score = math.NaN(), cat[i], 0.5
		if num[i] != nil {
			ev.Num[0] = *num[i]
		}
		evs = append(evs, ev)
	}
	return evs
}

// TestReferenceQuality checks each feature's data quality in a window —
// missing shares, values outside the reference's range, values new to it
// — against pandas, whole and from merged halves. The reference is
// profiled with a sample of 200 values of its 3,000, so its range must
// come from every value, not from the sample's.
func TestReferenceQuality(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "reference.json"))
	if err != nil {
		t.Fatal(err)
	}
	var ref qualityReference
	if err := json.Unmarshal(b, &ref); err != nil {
		t.Fatal(err)
	}
	if len(ref.Quality) == 0 {
		t.Fatal("no quality cases in testdata/reference.json")
	}
	s := Schema{Task: TaskBinary, Numeric: []string{"reading"}, Categorical: []string{"site"}}
	for _, c := range ref.Quality {
		if len(c.RefNumRaw) != len(c.RefCat) || len(c.CurNumRaw) != len(c.CurCat) {
			t.Fatalf("%s: columns of different lengths", c.Name)
		}
		refEvs := qualityEvents(s, c.RefNumRaw, c.RefCat)
		p, err := NewProfiler(s, 200, 7)
		if err != nil {
			t.Fatal(err)
		}
		for i := range refEvs {
			if err := p.Add(&refEvs[i]); err != nil {
				t.Fatal(err)
			}
		}
		l, err := p.Layout(0, 0)
		if err != nil {
			t.Fatal(err)
		}
		refWin := fill(t, l, refEvs)
		for how, w := range windowsOf(t, l, qualityEvents(s, c.CurNumRaw, c.CurCat)) {
			t.Run(c.Name+"/"+how, func(t *testing.T) {
				got, err := w.Quality(refWin, 0)
				if err != nil {
					t.Fatal(err)
				}
				if len(got) != 2 || got[0].Name != "reading" || got[0].Kind != Numeric || got[1].Name != "site" || got[1].Kind != Categorical {
					t.Fatalf("got %+v", got)
				}
				n, wn := got[0], c.Num
				if n.Events != wn.Events || n.Missing != wn.Missing || n.Below != wn.Below || n.Above != wn.Above ||
					n.RefMin != wn.RefMin || n.RefMax != wn.RefMax {
					t.Errorf("numeric: got %+v, want %+v", n, wn)
				}
				checkFigure(t, "missing share", n.MissingShare, wn.MissingShare)
				checkFigure(t, "reference missing share", n.RefMissingShare, wn.RefMissingShare)
				checkFigure(t, "missing increase", n.MissingIncrease, wn.MissingShare-wn.RefMissingShare)
				checkFigure(t, "out-of-range share", n.OutOfRangeShare, wn.OutOfRangeShare)
				if !math.IsNaN(n.NewValueShare) {
					t.Errorf("numeric new-value share %g, want NaN", n.NewValueShare)
				}
				k, wk := got[1], c.Cat
				if k.Events != wk.Events || k.Missing != wk.Missing || k.NewValues != wk.NewValues ||
					!slices.Equal(k.NewExamples, wk.Examples) {
					t.Errorf("categorical: got %+v, want %+v", k, wk)
				}
				checkFigure(t, "missing share", k.MissingShare, wk.MissingShare)
				checkFigure(t, "reference missing share", k.RefMissingShare, wk.RefMissingShare)
				checkFigure(t, "new-value share", k.NewValueShare, wk.NewValueShare)
				if !math.IsNaN(k.OutOfRangeShare) {
					t.Errorf("categorical out-of-range share %g, want NaN", k.OutOfRangeShare)
				}
				if want := wn.Events >= DefaultQualityMinEvents; n.Decides != want || k.Decides != want {
					t.Errorf("decides %v/%v, want %v", n.Decides, k.Decides, want)
				}
			})
		}
	}
}

// TestQualityEdges: a window with no events has no shares (NaN) and does
// not decide; categories lumped past the count limit on either side leave
// the new-value share undefined rather than guessed; bins that are not
// fenced leave the out-of-range share undefined; windows of different
// layouts are refused.
func TestQualityEdges(t *testing.T) {
	s := Schema{Task: TaskBinary, Numeric: []string{"x"}, Categorical: []string{"c"}}
	ev := func(x float64, c string) Event {
		e := s.NewEvent()
		e.Num[0], e.Cat[0], e.Score = x, c, 0.5
		return e
	}
	refEvs := []Event{ev(1, "a"), ev(2, "b"), ev(3, "a"), ev(math.NaN(), "")}
	l := profile(t, s, refEvs)
	ref := fill(t, l, refEvs)

	empty := NewWindow(l)
	q, err := empty.Quality(ref, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range q {
		if f.Decides || !math.IsNaN(f.MissingShare) || f.RefMissingShare != 0.25 {
			t.Errorf("empty window: %+v", f)
		}
	}
	if !math.IsNaN(q[0].OutOfRangeShare) || q[0].RefMin != 1 || q[0].RefMax != 3 {
		t.Errorf("empty window range: %+v", q[0])
	}

	// Values exactly at the range's ends are inside it.
	w := fill(t, l, []Event{ev(1, "a"), ev(3, "z"), ev(0.999, "z"), ev(3.001, "y")})
	q, err = w.Quality(ref, 2)
	if err != nil {
		t.Fatal(err)
	}
	if q[0].Below != 1 || q[0].Above != 1 || q[0].OutOfRangeShare != 0.5 || !q[0].Decides {
		t.Errorf("range ends: %+v", q[0])
	}
	if q[1].NewValues != 3 || q[1].NewValueShare != 0.75 || !slices.Equal(q[1].NewExamples, []string{"z", "y"}) {
		t.Errorf("new values: %+v", q[1])
	}

	// The window lumps values past its limit: they are not known one by one.
	lumpy := *l
	lumpy.MaxCategories = 2
	lref := fill(t, &lumpy, refEvs)
	lw := fill(t, &lumpy, []Event{ev(1, "a"), ev(2, "q"), ev(2, "r")})
	q, err = lw.Quality(lref, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(q[1].NewValueShare) || q[1].NewValues != 0 {
		t.Errorf("lumped window: %+v", q[1])
	}

	// Bins not fenced (as lodestar drift cuts them): no range.
	plain, err := NewLayout(s, []*Bins{BinsFromSorted([]float64{1, 2, 3}, 8, 2)})
	if err != nil {
		t.Fatal(err)
	}
	pw := fill(t, plain, []Event{ev(10, "a")})
	q, err = pw.Quality(fill(t, plain, refEvs), 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := plain.Bins[0].Range(); ok || !math.IsNaN(q[0].OutOfRangeShare) || !math.IsNaN(q[0].RefMin) {
		t.Errorf("unfenced: %+v", q[0])
	}

	if _, err := pw.Quality(ref, 0); err == nil {
		t.Error("windows of different layouts compared")
	}
}

// TestFencedBinsRefused: a range that does not hold the sample, or is not
// finite, is refused. (One from the lowest float is not: see
// TestFencedBinsLowestFloat.)
func TestFencedBinsRefused(t *testing.T) {
	for _, c := range []struct{ lo, hi float64 }{{2, 3}, {1, 2}, {math.Inf(-1), 3}, {1, math.Inf(1)}, {math.NaN(), 3}} {
		if _, err := FencedBinsFromSorted([]float64{1, 2, 3}, c.lo, c.hi, 8, 2); err == nil {
			t.Errorf("range [%g, %g] accepted", c.lo, c.hi)
		}
	}
	if _, err := FencedBinsFromSorted(nil, 1, 3, 8, 2); err == nil {
		t.Error("empty sample accepted")
	}
}
