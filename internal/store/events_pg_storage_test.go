package store_test

import (
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/testdb"
	"github.com/lodestar-hq/lodestar/sdk"
)

// TestEventBlobNotRecompressed checks, on PostgreSQL, that a batch's blob
// (S2-compressed by Lodestar) is stored as it is, not compressed again by
// PostgreSQL's TOAST (migration 0031), and still reads back whole. It is
// the column's storage that fails without the migration: pglz, when it
// tries, gains too little on an S2 blob to keep its output (a 63 KB blob
// of these lines stayed uncompressed under STORAGE EXTENDED too), so the
// count of compressed rows only guards against a change of that.
func TestEventBlobNotRecompressed(t *testing.T) {
	db := testdb.OpenPostgres(t)
	s, ctx, m := modelIn(t, db)
	// Lines that compress (repeated keys), tens of kilobytes once
	// S2-compressed: over the size at which TOAST tries to compress.
	body := []byte(`{"features":{` + strings.Repeat(`"n0":0.1234,`, 20) + `"c0":"north"},"prediction":0.5}`)
	t0 := time.Now().Add(-time.Hour)
	events := make([]lodestar.StoredEvent, 2000)
	for i := range events {
		events[i] = lodestar.StoredEvent{ID: sdk.NewEventID(), Time: t0.Add(time.Duration(i) * time.Millisecond), Version: "1", Body: body}
	}
	if n, err := s.AppendEvents(ctx, m.ID, events); err != nil || n != len(events) {
		t.Fatalf("append: %d, %v", n, err)
	}
	var storage string
	if err := db.QueryRow(ctx, `SELECT attstorage FROM pg_attribute WHERE attrelid = 'event_batches'::regclass AND attname = 'body'`).Scan(&storage); err != nil {
		t.Fatal(err)
	}
	if storage != "e" {
		t.Errorf("event_batches.body storage %q, want e (external, uncompressed)", storage)
	}
	var rows, compressed int
	if err := db.QueryRow(ctx, `SELECT count(*), count(pg_column_compression(body)) FROM event_batches WHERE model_id = $1`, m.ID).Scan(&rows, &compressed); err != nil {
		t.Fatal(err)
	}
	if rows == 0 || compressed != 0 {
		t.Errorf("%d batch rows, %d of them compressed by PostgreSQL; want some, none", rows, compressed)
	}
	n := 0
	err := s.ScanEvents(ctx, m.ID, "", t0.Add(-time.Second), t0.Add(time.Hour), func(e lodestar.StoredEvent) error {
		if string(e.Body) != string(body) {
			t.Errorf("event %s: line %q", e.ID, e.Body)
		}
		n++
		return nil
	})
	if err != nil || n != len(events) {
		t.Errorf("read back %d events (%v), want %d", n, err, len(events))
	}
}
