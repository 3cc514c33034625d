package store_test

import (
	"fmt"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestLateLabelsMarkTheirVersionsMonitors: a label write marks for
// recomputation the monitors of the versions whose events it labelled,
// each from the earliest labelled event of its own version — not the
// monitors of the model's other versions, nor those of a retired
// version, whose windows no label changed.
func TestLateLabelsMarkTheirVersionsMonitors(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		m := f.recModel("1.0", "2.0", "0.9")
		mon := func(ver, name string) *lodestar.Monitor {
			t.Helper()
			out, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: ver, Name: name, Window: "hour", Numeric: []string{"x"},
				Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("x\n1\n"))
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		a1, a2, b, old := mon("1.0", "A"), mon("1.0", "A again"), mon("2.0", "B"), mon("0.9", "Old")
		vs, err := f.s.ListModelVersions(f.ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range vs {
			if v.Version == "0.9" {
				if _, err := f.s.SetModelVersionStatus(f.ctx, v.ID, lodestar.ModelRetired, "replaced"); err != nil {
					t.Fatal(err)
				}
			}
		}
		event := func(id, ver string, at time.Duration) lodestar.StoredEvent {
			return lodestar.StoredEvent{ID: id, Time: t0.Add(at), Version: ver,
				Body: []byte(fmt.Sprintf(`{"id":%q,"version":%q,"features":{"x":1},"prediction":0.9}`, id, ver))}
		}
		// Three batches: the retired version's oldest events; one mixing
		// 1.0 and 2.0; a later one of 1.0 alone.
		for _, batch := range [][]lodestar.StoredEvent{
			{event("old-1", "0.9", 0), event("old-2", "0.9", time.Minute)},
			{event("b-1", "2.0", time.Hour), event("a-1", "1.0", 2*time.Hour), event("b-2", "2.0", 3*time.Hour), event("a-2", "1.0", 4*time.Hour)},
			{event("a-3", "1.0", 5*time.Hour), event("a-4", "1.0", 6*time.Hour)},
		} {
			if _, err := f.s.AppendEvents(f.ctx, m.ID, batch); err != nil {
				t.Fatal(err)
			}
		}
		label := func(ids ...string) {
			t.Helper()
			var ls []lodestar.EventLabel
			for _, id := range ids {
				ls = append(ls, lodestar.EventLabel{ID: id, Label: []byte("1")})
			}
			if unknown, err := f.s.AttachLabels(f.ctx, m.ID, ls); err != nil || len(unknown) != 0 {
				t.Fatalf("labels %v: unknown %v, %v", ids, unknown, err)
			}
		}
		// want checks each monitor's mark: its time, or none (zero).
		want := func(step string, marks map[*lodestar.Monitor]time.Time) {
			t.Helper()
			for mon, at := range marks {
				got, err := f.s.FindMonitorByID(f.ctx, mon.ID)
				if err != nil {
					t.Fatal(err)
				}
				if !got.RelabeledFrom.Equal(at) {
					t.Errorf("%s: monitor %q (version %s) marked from %v; want %v", step, got.Name, got.Version, got.RelabeledFrom, at)
				}
			}
		}

		// Labels for 1.0's events only, from two batches: both of 1.0's
		// monitors are marked from its earliest event labelled; 2.0's
		// (whose event b-1 sits earlier in the same batch) and the
		// retired version's are not.
		label("a-3", "a-1")
		want("1.0's labels", map[*lodestar.Monitor]time.Time{a1: t0.Add(2 * time.Hour), a2: t0.Add(2 * time.Hour), b: {}, old: {}})

		// The retired version's events labelled: its monitor, evaluated
		// no more, stays unmarked; nothing else changes.
		label("old-1", "old-2")
		want("0.9's labels", map[*lodestar.Monitor]time.Time{a1: t0.Add(2 * time.Hour), a2: t0.Add(2 * time.Hour), b: {}, old: {}})

		// Unknown IDs only: nothing is written, nothing marked.
		if unknown, err := f.s.AttachLabels(f.ctx, m.ID, []lodestar.EventLabel{{ID: "nope", Label: []byte("1")}}); err != nil || len(unknown) != 1 {
			t.Fatalf("unknown ID: %v, %v; want it reported", unknown, err)
		}
		want("unknown IDs", map[*lodestar.Monitor]time.Time{a1: t0.Add(2 * time.Hour), a2: t0.Add(2 * time.Hour), b: {}, old: {}})

		// One write for both versions: each is marked from its own
		// earliest — 2.0 from b-2, not from 1.0's a-4 nor the reverse;
		// 1.0 keeps the earlier mark it had.
		label("a-4", "b-2")
		want("both versions' labels", map[*lodestar.Monitor]time.Time{a1: t0.Add(2 * time.Hour), a2: t0.Add(2 * time.Hour), b: t0.Add(3 * time.Hour), old: {}})

		// Once the loop has cleared 1.0's mark, a later label of 1.0
		// marks it from that label's event, not from 2.0's earlier one.
		got, err := f.s.FindMonitorByID(f.ctx, a1.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.ClearRelabel(f.ctx, a1.ID, got.RelabelMark); err != nil {
			t.Fatal(err)
		}
		label("b-1", "a-2")
		want("after a clear", map[*lodestar.Monitor]time.Time{a1: t0.Add(4 * time.Hour), a2: t0.Add(2 * time.Hour), b: t0.Add(time.Hour), old: {}})
	})
}
