package store_test

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// Migration 0009 moves events from one row each into batch rows: events
// stored by an older Lodestar come back the same — ID, time, version,
// body and label — stay idempotent, and take later labels.
func TestEventsMigrationCarriesOldRows(t *testing.T) {
	testdb.ForEachEmpty(t, func(t *testing.T, db *sqldb.DB) {
		ctx, s, uc, pending := atOldSchema(t, db, 8)
		m, err := s.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "old", Name: "Old"})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		old := []struct {
			id, version, body string
			ms                int64
			label             any
		}{
			{"b", "1.0", `{"id":"b","prediction":0.9}`, t0.UnixMilli() + 5, "1"},
			{"a", "1.0", `{"id":"a","prediction":0.1,"features":{"city":"上海"}}`, t0.UnixMilli() + 5, nil},
			{"z-é", "2.0", `{"id":"z-é","prediction":"cat"}`, t0.UnixMilli(), `"cat"`},
		}
		for _, e := range old {
			if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO prediction_events (model_id, event_id, ts, version, body, label) VALUES (?, ?, ?, ?, ?, ?)`),
				m.ID, e.id, e.ms, e.version, e.body, e.label); err != nil {
				t.Fatal(err)
			}
		}
		if n, err := db.Migrate(ctx); err != nil || n != pending {
			t.Fatalf("migrate: %d, %v", n, err)
		}
		scan := func() []lodestar.StoredEvent {
			var got []lodestar.StoredEvent
			if err := s.ScanEvents(ctx, m.ID, "", t0, t0.Add(time.Second), func(e lodestar.StoredEvent) error {
				got = append(got, keep(e))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		got := scan()
		want := []lodestar.StoredEvent{
			{ID: "z-é", Time: t0, Version: "2.0", Body: []byte(old[2].body), Label: []byte(`"cat"`)},
			{ID: "a", Time: t0.Add(5 * time.Millisecond), Version: "1.0", Body: []byte(old[1].body)},
			{ID: "b", Time: t0.Add(5 * time.Millisecond), Version: "1.0", Body: []byte(old[0].body), Label: []byte("1")},
		}
		if len(got) != len(want) {
			t.Fatalf("after migration: got %d events, want %d", len(got), len(want))
		}
		for i := range want {
			g, w := got[i], want[i]
			if g.ID != w.ID || !g.Time.Equal(w.Time) || g.Version != w.Version || string(g.Body) != string(w.Body) || string(g.Label) != string(w.Label) {
				t.Errorf("event %d: got %+v, want %+v", i, g, w)
			}
		}
		if n, err := s.CountEvents(ctx, m.ID); err != nil || n != 3 {
			t.Errorf("count: %d, %v", n, err)
		}
		// Still idempotent by ID; a later label wins over the old one.
		if n, err := s.AppendEvents(ctx, m.ID, []lodestar.StoredEvent{{ID: "a", Time: t0, Version: "1.0", Body: []byte(`{}`)}}); err != nil || n != 0 {
			t.Errorf("resend of a migrated event: accepted %d, %v", n, err)
		}
		if unknown, err := s.AttachLabels(ctx, m.ID, []lodestar.EventLabel{{ID: "b", Label: []byte("0")}, {ID: "a", Label: []byte("1")}}); err != nil || len(unknown) != 0 {
			t.Errorf("labels: %v, %v", unknown, err)
		}
		got = scan()
		if len(got) != 3 || string(got[1].Label) != "1" || string(got[2].Label) != "0" {
			t.Errorf("labels after migration: %+v", got)
		}
	})
}
