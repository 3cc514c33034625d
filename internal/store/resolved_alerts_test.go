package store_test

import (
	"fmt"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// ResolvedAlertsSince is one monitor's alerts resolved at or after a time,
// oldest first: not its open ones, not those resolved before, not another
// monitor's of the same model.
func TestResolvedAlertsSince(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := f.recModel("1.0")
		t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		mk := func(name string) *lodestar.Monitor {
			mon, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: name, Window: "hour", Numeric: []string{"x"},
				Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("x\n1\n"))
			if err != nil {
				t.Fatal(err)
			}
			return mon
		}
		mon, other := mk("M"), mk("Other")
		at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
		resolved := func(opened, resolved int) *lodestar.Alert {
			return &lodestar.Alert{Kind: "accuracy", Status: lodestar.AlertResolved, Message: "low", OpenedAt: at(opened), ResolvedAt: at(resolved),
				Resolution: lodestar.ResolutionRecovered}
		}
		save := func(id int64, as ...*lodestar.Alert) {
			if err := f.s.SaveEvaluation(f.ctx, id, at(10), &lodestar.Evaluation{Opened: as}); err != nil {
				t.Fatal(err)
			}
		}
		save(mon.ID, resolved(0, 1), resolved(5, 6), resolved(2, 3), &lodestar.Alert{Kind: "latency", Message: "slow", OpenedAt: at(7)})
		save(other.ID, resolved(4, 5))
		got, err := f.s.ResolvedAlertsSince(f.ctx, mon.ID, at(3))
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, a := range got {
			s = append(s, fmt.Sprintf("%d %s %s-%s", a.MonitorID-mon.ID, a.Status, a.OpenedAt.Format("15"), a.ResolvedAt.Format("15")))
		}
		if want := "[0 resolved 02-03 0 resolved 05-06]"; fmt.Sprint(s) != want {
			t.Errorf("resolved since hour 3: %v; want %s", s, want)
		}
		if got, err := f.s.ResolvedAlertsSince(f.ctx, mon.ID, at(7)); err != nil || len(got) != 0 {
			t.Errorf("resolved since hour 7: %d, %v; want none", len(got), err)
		}
	})
}
