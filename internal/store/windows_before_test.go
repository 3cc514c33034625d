package store_test

import (
	"fmt"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// WindowsBefore reads the windows before a recomputation's start: those
// since from and n more before them, at most limit, the latest, oldest
// first.
func TestWindowsBefore(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := f.recModel("1.0")
		mon, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "M", Window: "hour", Numeric: []string{"x"},
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("x\n1\n"))
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		hour := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
		var ws []*lodestar.WindowResult
		for h := range 10 {
			ws = append(ws, &lodestar.WindowResult{Start: hour(h), End: hour(h + 1), Events: 10, Metrics: map[string]float64{}})
		}
		if err := f.s.SaveEvaluation(f.ctx, mon.ID, hour(10), &lodestar.Evaluation{Windows: ws}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name      string
			before    int
			from      int // -1: none
			n, limit  int
			wantHours string
		}{
			{"n before, no from", 8, -1, 3, 100, "[5 6 7]"},
			{"from and n before it", 8, 4, 2, 100, "[2 3 4 5 6 7]"},
			{"from, more than there are", 8, 1, 5, 100, "[0 1 2 3 4 5 6 7]"},
			{"bounded: the latest", 8, 1, 2, 4, "[4 5 6 7]"},
			{"from after before", 5, 7, 2, 100, "[3 4]"},
			{"none before", 0, -1, 3, 100, "[]"},
			{"nothing asked", 8, -1, 0, 100, "[]"},
		} {
			var from time.Time
			if c.from >= 0 {
				from = hour(c.from)
			}
			got, err := f.s.WindowsBefore(f.ctx, mon.ID, hour(c.before), from, c.n, c.limit)
			if err != nil {
				t.Fatalf("%s: %v", c.name, err)
			}
			hs := []int{}
			for _, w := range got {
				if w.MonitorID != mon.ID {
					t.Errorf("%s: a window of monitor %d", c.name, w.MonitorID)
				}
				hs = append(hs, int(w.Start.Sub(t0)/time.Hour))
			}
			if fmt.Sprint(hs) != c.wantHours {
				t.Errorf("%s: hours %v; want %s", c.name, hs, c.wantHours)
			}
		}
	})
}
