package store_test

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// SetReferenceUnreadable records an event-range reference's events left
// out, again as the count changes (none: no reason kept), without an audit
// entry or a new updated_at (a reading of the events, not a change of the
// monitor); a dataset reference's count, set when it was made, it leaves
// alone; an unknown monitor is not found.
func TestSetReferenceUnreadable(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := f.recModel("1.0")
		t0 := time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)
		events, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "events", Window: "day", Numeric: []string{"x"},
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: t0, To: t0.Add(24 * time.Hour)}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		dataset, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "dataset", Window: "day", Numeric: []string{"x"},
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset, Unreadable: 1, UnreadableReason: `line 3: column "x": "?" is not a number`}}, []byte("x\n1\n?\n"))
		if err != nil {
			t.Fatal(err)
		}
		audits := f.auditCount()
		f.clock.Advance(time.Minute)
		check := func(id int64, n int64, reason string) {
			t.Helper()
			got, err := f.s.FindMonitorByID(f.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Reference.Unreadable != n || got.Reference.UnreadableReason != reason {
				t.Errorf("monitor %d: %d unreadable (%q); want %d (%q)", id, got.Reference.Unreadable, got.Reference.UnreadableReason, n, reason)
			}
			if !got.UpdatedAt.Equal(got.CreatedAt) {
				t.Errorf("monitor %d: updated_at moved to %v", id, got.UpdatedAt)
			}
		}
		for _, c := range []struct {
			n      int64
			reason string
		}{{2, "score 1.4 is outside [0, 1]"}, {3, "score 1.4 is outside [0, 1]"}, {0, ""}} {
			if err := f.s.SetReferenceUnreadable(f.ctx, events.ID, c.n, c.reason); err != nil {
				t.Fatal(err)
			}
			check(events.ID, c.n, c.reason)
		}
		if err := f.s.SetReferenceUnreadable(f.ctx, dataset.ID, 9, "score 1.4 is outside [0, 1]"); err != nil {
			t.Fatal(err)
		}
		check(dataset.ID, 1, `line 3: column "x": "?" is not a number`)
		if n := f.auditCount(); n != audits {
			t.Errorf("audit entries: %d, want %d (none added)", n, audits)
		}
		wantError(t, f.s.SetReferenceUnreadable(f.ctx, 999999, 1, "x"), lodestar.ENotFound)
	})
}
