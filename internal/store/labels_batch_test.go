package store_test

import (
	"fmt"
	"slices"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestAttachLabelsManyAtOnce: a batch larger than one statement's share
// (a thousand labels) with unknown IDs among the known ones and IDs sent
// twice: every known event takes its label (the last sent for it, also
// when the two lines fall in different thousands), every unknown ID is
// reported in the order sent (as often as sent), and nothing is stored
// for them.
func TestAttachLabelsManyAtOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := f.recModel("1.0")
		t0 := time.Date(2030, 2, 1, 0, 0, 0, 0, time.UTC)
		const n = 2500
		evs := make([]lodestar.StoredEvent, n)
		for i := range evs {
			evs[i] = lodestar.StoredEvent{ID: fmt.Sprintf("e-%05d", i), Time: t0.Add(time.Duration(i) * time.Second), Version: "1.0", Body: []byte(`{}`)}
		}
		if _, err := f.s.AppendEvents(f.ctx, m.ID, evs); err != nil {
			t.Fatal(err)
		}
		var labels []lodestar.EventLabel
		want := map[string]string{}
		var wantUnknown []string
		for i := n - 1; i >= 0; i-- { // not in ID order
			if i%3 == 0 {
				continue // left unlabelled
			}
			id := fmt.Sprintf("e-%05d", i)
			labels = append(labels, lodestar.EventLabel{ID: id, Label: []byte("0")})
			want[id] = "0"
			if i%7 == 0 {
				u := fmt.Sprintf("e-%05d-x", i) // sorts among the known IDs
				labels = append(labels, lodestar.EventLabel{ID: u, Label: []byte("1")})
				wantUnknown = append(wantUnknown, u)
			}
		}
		// Sent again later in the batch, far from their first lines: the
		// last label wins; an unknown ID sent twice is reported twice.
		for _, i := range []int{1, 1000, 2498} {
			id := fmt.Sprintf("e-%05d", i)
			labels = append(labels, lodestar.EventLabel{ID: id, Label: []byte("1")})
			want[id] = "1"
		}
		labels = append(labels, lodestar.EventLabel{ID: wantUnknown[0], Label: []byte("0")})
		wantUnknown = append(wantUnknown, wantUnknown[0])

		unknown, err := f.s.AttachLabels(f.ctx, m.ID, labels)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(unknown, wantUnknown) {
			t.Errorf("unknown: got %d IDs %q…, want %d %q…", len(unknown), unknown[:min(5, len(unknown))], len(wantUnknown), wantUnknown[:5])
		}
		got := 0
		if err := f.s.ScanEvents(f.ctx, m.ID, "", t0, t0.Add(n*time.Second), func(e lodestar.StoredEvent) error {
			if string(e.Label) != want[e.ID] {
				t.Errorf("%s: label %q, want %q", e.ID, e.Label, want[e.ID])
			}
			if len(e.Label) > 0 {
				got++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if got != len(want) {
			t.Errorf("labelled events: got %d, want %d", got, len(want))
		}
		var stored int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM event_labels WHERE model_id = ?`, m.ID).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != len(want) {
			t.Errorf("event_labels rows: got %d, want %d (none for unknown IDs)", stored, len(want))
		}
	})
}

// TestLateLabelsOfEventsStoredBeforeVersionKeys: events stored before
// migration 0029 have no version key in event_ids (NULL, as the
// migration leaves them; set so here). A label write mixing them with
// keyed events still marks each version's monitors from that version's
// earliest labelled event — the unkeyed events' versions read from their
// batch rows — and no other version's.
func TestLateLabelsOfEventsStoredBeforeVersionKeys(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		m := f.recModel("1.0", "2.0", "3.0")
		mons := map[string]*lodestar.Monitor{}
		for _, v := range []string{"1.0", "2.0", "3.0"} {
			mon, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: v, Name: "M " + v, Window: "hour", Numeric: []string{"x"},
				Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("x\n1\n"))
			if err != nil {
				t.Fatal(err)
			}
			mons[v] = mon
		}
		event := func(id, ver string, at time.Duration) lodestar.StoredEvent {
			return lodestar.StoredEvent{ID: id, Time: t0.Add(at), Version: ver, Body: []byte(`{"features":{"x":1},"prediction":0.9}`)}
		}
		for _, batch := range [][]lodestar.StoredEvent{
			{event("old-a1", "1.0", time.Hour), event("old-b1", "2.0", 2*time.Hour), event("old-c1", "3.0", 90*time.Minute)},
			{event("new-a1", "1.0", 3*time.Hour), event("new-b1", "2.0", 30*time.Minute)},
		} {
			if _, err := f.s.AppendEvents(f.ctx, m.ID, batch); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.ExecContext(f.ctx, db.Rebind(`UPDATE event_ids SET version_key = NULL WHERE model_id = ? AND event_id LIKE 'old-%'`), m.ID); err != nil {
			t.Fatal(err)
		}
		var keyed int
		if err := db.QueryRow(f.ctx, `SELECT COUNT(*) FROM event_ids WHERE model_id = ? AND version_key IS NOT NULL`, m.ID).Scan(&keyed); err != nil || keyed != 2 {
			t.Fatalf("keyed events: %d, %v; want 2", keyed, err)
		}
		var ls []lodestar.EventLabel
		for _, id := range []string{"new-a1", "old-a1", "old-b1", "new-b1"} {
			ls = append(ls, lodestar.EventLabel{ID: id, Label: []byte("1")})
		}
		if unknown, err := f.s.AttachLabels(f.ctx, m.ID, ls); err != nil || len(unknown) != 0 {
			t.Fatalf("labels: unknown %v, %v", unknown, err)
		}
		// 1.0 from its unkeyed event (earlier than its keyed one), 2.0
		// from its keyed one (earlier than its unkeyed one); 3.0, whose
		// event was not labelled though its time lies among theirs, not.
		for v, at := range map[string]time.Time{"1.0": t0.Add(time.Hour), "2.0": t0.Add(30 * time.Minute), "3.0": {}} {
			got, err := f.s.FindMonitorByID(f.ctx, mons[v].ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.RelabeledFrom.Equal(at) {
				t.Errorf("monitor of %s marked from %v; want %v", v, got.RelabeledFrom, at)
			}
		}
	})
}
