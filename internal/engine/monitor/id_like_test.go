package monitor

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestCategoricalDriftIDLike: a categorical feature nearly every value of
// which is distinct in the reference (at least IDLikeMinValues values,
// IDLikeShare of them distinct: an order number, a session ID, a
// category among 20,000 seen a couple of times) is not tested, as
// `lodestar drift` leaves an ID-like column untested: two windows of one
// uniform distribution over 20,000 values share few of them, and read
// Jensen–Shannon 0.7 and "drifted" in every window. Its counts are kept,
// it is left out of the share of drifted features, and its note says why
// in `lodestar drift`'s words. A feature with more of its values
// repeated is tested as before; one with too few values for the rule is
// not tested either, as too sparse (MinExpected): 49 values seen once
// each are no sample of their distribution.
func TestCategoricalDriftIDLike(t *testing.T) {
	s := Schema{Task: TaskBinary, Categorical: []string{"session"}}
	l := mustLayout(t, s, nil)
	fill := func(n, distinct int, seed uint64) *Window {
		rng := rand.New(rand.NewPCG(seed, 7))
		w := NewWindow(l)
		ev := s.NewEvent()
		ev.Score = 0.5
		for range n {
			ev.Cat[0] = fmt.Sprintf("s%05d", rng.IntN(distinct))
			if err := w.Add(&ev); err != nil {
				t.Fatal(err)
			}
		}
		return w
	}
	for _, c := range []struct {
		name     string
		ref, cur *Window
		tested   bool
		sparse   bool // not tested as too sparse, not as ID-like
	}{
		{"20,000 values, 2,000 events", fill(2000, 20000, 1), fill(2000, 20000, 2), false, false},
		{"every value distinct", fill(60, 1_000_000, 3), fill(500, 1_000_000, 4), false, false},
		{"too few values to judge", fill(49, 1_000_000, 5), fill(49, 1_000_000, 6), false, true},
		{"values repeat", fill(2000, 200, 7), fill(2000, 200, 8), true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := c.cur.Drift(c.ref, Thresholds{})
			if err != nil {
				t.Fatal(err)
			}
			f := d.Features[0]
			if f.Testable() != c.tested {
				t.Fatalf("tested %v (%s, statistic %g, drifted %v, note %q), want %v", f.Testable(), f.Test, f.Statistic, f.Drifted, f.Note, c.tested)
			}
			if c.tested {
				// 2,000 events over 200 values of one distribution read
				// Jensen–Shannon 0.15, past 0.1 by sampling noise alone:
				// chi-square's p-value keeps it from drifting, and the
				// note says why.
				want := fmt.Sprintf("within sampling noise: Jensen–Shannon %s reaches 0.1, but chi-square p = %s is not below 0.05: not drift",
					fmtNote(f.JensenShannon), fmtNote(f.ChiSquarePValue))
				if f.Note != want || f.Drifted || f.JensenShannon < 0.1 || f.ChiSquarePValue < 0.05 {
					t.Errorf("note %q, drifted %v, Jensen–Shannon %g, chi-square p %g; want note %q, not drifted", f.Note, f.Drifted, f.JensenShannon, f.ChiSquarePValue, want)
				}
				return
			}
			ref := c.ref.Cat[0]
			note := fmt.Sprintf("id-like: %d distinct values among %d in the reference: not tested", ref.Distinct(), ref.Total())
			if c.sparse {
				note = fmt.Sprintf("sparse: none of its %d categories is expected 5 or more times in each sample (49 reference values, 49 current): not tested", f.Categories)
			}
			if f.Note != note || f.Drifted || d.Tested != 0 || d.Drifted != 0 || d.Drift {
				t.Errorf("note %q, drifted %v, tested %d, dataset drift %v; want %q, nothing tested or drifted", f.Note, f.Drifted, d.Tested, d.Drift, note)
			}
			if f.RefN != int64(ref.Total()) || f.CurN != int64(c.cur.Cat[0].Total()) {
				t.Errorf("counts %d, %d; want %d, %d", f.RefN, f.CurN, ref.Total(), c.cur.Cat[0].Total())
			}
		})
	}
}
