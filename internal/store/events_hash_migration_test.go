package store_test

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// Events stored before migration 0030 have no line hash in event_ids, but
// their lines are in their batch rows: after the upgrade a repeat of one
// is still told apart — the same line (or its fields in another order) a
// duplicate, another line an id_conflict, the stored event kept as it
// was — as a repeat of an event stored since is.
func TestEventHashMigrationComparesOldEvents(t *testing.T) {
	testdb.ForEachEmpty(t, func(t *testing.T, db *sqldb.DB) {
		ctx, s, uc, pending := atOldSchema(t, db, 29)
		m, err := s.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "old", Name: "Old"})
		if err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		old := []struct{ id, body string }{
			{"a", `{"id":"a","version":"1","prediction":0.1,"features":{"x":1,"y":"z"}}`},
			{"b", `{"id":"b","version":"1","prediction":0.2}`},
		}
		// One batch row (format 0, records as they are) and their IDs, as
		// Lodestar wrote them before the migration.
		blob := []byte{0}
		for _, e := range old {
			blob = binary.BigEndian.AppendUint64(blob, uint64(t0.UnixMilli()))
			blob = binary.BigEndian.AppendUint16(blob, uint16(len(e.id)))
			blob = append(blob, e.id...)
			blob = binary.BigEndian.AppendUint16(blob, 1)
			blob = append(blob, '1')
			blob = binary.BigEndian.AppendUint32(blob, 0)
			blob = binary.BigEndian.AppendUint32(blob, uint32(len(e.body)))
			blob = append(blob, e.body...)
			if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO event_ids (model_id, event_id, ts) VALUES (?, ?, ?)`), m.ID, e.id, t0.UnixMilli()); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO event_batches (model_id, min_ts, max_ts, n, body) VALUES (?, ?, ?, ?, ?)`), m.ID, t0.UnixMilli(), t0.UnixMilli(), len(old), blob); err != nil {
			t.Fatal(err)
		}
		if n, err := db.Migrate(ctx); err != nil || n != pending {
			t.Fatalf("migrate: %d, %v", n, err)
		}
		ev := func(id, body string) lodestar.StoredEvent {
			return lodestar.StoredEvent{ID: id, Time: t0, Version: "1", Body: []byte(body)}
		}
		// a again as it was, then its fields and features in another
		// order; b with another prediction; c new.
		n, c, err := s.StoreEvents(ctx, m.ID, []lodestar.StoredEvent{ev("a", old[0].body),
			ev("b", `{"id":"b","version":"1","prediction":0.9}`), ev("c", `{"id":"c","version":"1","prediction":0.3}`),
			ev("a", `{"features":{"y":"z","x":1},"prediction":0.1,"id":"a","version":"1"}`)})
		if err != nil || n != 1 || !slices.Equal(c, []int{1}) {
			t.Fatalf("after the upgrade: accepted %d, conflicts %v, %v; want 1 (c), [1] (b changed)", n, c, err)
		}
		// a changed: a conflict too.
		if n, c, err := s.StoreEvents(ctx, m.ID, []lodestar.StoredEvent{ev("a", `{"id":"a","version":"1","prediction":0.1,"features":{"x":2,"y":"z"}}`)}); err != nil || n != 0 || !slices.Equal(c, []int{0}) {
			t.Fatalf("a changed: accepted %d, conflicts %v, %v; want 0, [0]", n, c, err)
		}
		var got []string
		if err := s.ScanEvents(ctx, m.ID, "", t0, t0.Add(time.Second), func(e lodestar.StoredEvent) error {
			got = append(got, string(e.Body))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if want := []string{old[0].body, old[1].body, `{"id":"c","version":"1","prediction":0.3}`}; !slices.Equal(got, want) {
			t.Fatalf("stored %q, want %q", got, want)
		}
	})
}
