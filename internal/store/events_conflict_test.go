package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// An event ID sent again with the same line is a retry, counted once; sent
// with another line (another time, features, prediction…) it is a
// conflict: refused, listed by its index, and the stored event is kept as
// it was — across batches and within one. The same content with its
// fields in another order is a retry too. An event stored before its
// line's hash was kept (migration 0030) is compared by its stored line.
func TestEventIDConflicts(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		ev := func(id string, at time.Time, body string) lodestar.StoredEvent {
			return lodestar.StoredEvent{ID: id, Time: at, Version: "1", Body: []byte(body)}
		}
		line := func(id string, p float64) string {
			return fmt.Sprintf(`{"id":%q,"version":"1","prediction":%v}`, id, p)
		}
		store := func(events ...lodestar.StoredEvent) (int, []int) {
			t.Helper()
			n, conflicts, err := f.s.StoreEvents(f.ctx, m.ID, events)
			if err != nil {
				t.Fatal(err)
			}
			return n, conflicts
		}
		if n, c := store(ev("a", t0, line("a", 0.1)), ev("b", t0, line("b", 0.2))); n != 2 || c != nil {
			t.Fatalf("first batch: accepted %d, conflicts %v; want 2, none", n, c)
		}
		// A retry of a (the same line; the time it was stamped on arrival
		// may differ), b with another prediction, c new, then c again with
		// another line, c once more as sent first, a again changed.
		n, c := store(ev("a", t0.Add(time.Minute), line("a", 0.1)), ev("b", t0, line("b", 0.9)),
			ev("c", t0, line("c", 0.3)), ev("c", t0, line("c", 0.4)), ev("c", t0, line("c", 0.3)),
			ev("a", t0, line("a", 0.5)))
		if n != 1 || !slices.Equal(c, []int{1, 3, 5}) {
			t.Fatalf("second batch: accepted %d, conflicts %v; want 1, [1 3 5]", n, c)
		}
		// The same content in another order, stored or earlier in the
		// batch (the Go SDK writes features in a map's order): duplicates.
		if n, c := store(ev("a", t0, `{"prediction":0.1, "version":"1","id":"a"}`), ev("e", t0, `{"id":"e","version":"1","prediction":1,"features":{"x":1,"y":"z"}}`),
			ev("e", t0, `{"features":{"y":"z","x":1},"id":"e","version":"1","prediction":1}`)); n != 1 || c != nil {
			t.Fatalf("reordered repeats: accepted %d, conflicts %v; want 1, none", n, c)
		}
		// A conflict first in the batch, the event's stored line after it:
		// the one refused is the line that differs, wherever it stands.
		if n, c := store(ev("b", t0, line("b", 0.7)), ev("b", t0, line("b", 0.2))); n != 0 || !slices.Equal(c, []int{0}) {
			t.Fatalf("third batch: accepted %d, conflicts %v; want 0, [0]", n, c)
		}
		var got []string
		if err := f.s.ScanEvents(f.ctx, m.ID, "", t0.Add(-time.Hour), t0.Add(time.Hour), func(e lodestar.StoredEvent) error {
			got = append(got, e.ID+" "+string(e.Body))
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		want := []string{"a " + line("a", 0.1), "b " + line("b", 0.2), "c " + line("c", 0.3), `e {"id":"e","version":"1","prediction":1,"features":{"x":1,"y":"z"}}`}
		if !slices.Equal(got, want) {
			t.Fatalf("stored %q, want %q", got, want)
		}
		// AppendEvents counts the same way and stores no conflict.
		if n, err := f.s.AppendEvents(f.ctx, m.ID, []lodestar.StoredEvent{ev("a", t0, line("a", 0.6)), ev("d", t0, line("d", 1))}); err != nil || n != 1 {
			t.Fatalf("AppendEvents: %d, %v; want 1", n, err)
		}

		// Events stored before migration 0030 have no hash: a repeat is
		// compared with the stored line.
		if _, err := db.ExecContext(f.ctx, db.Rebind(`UPDATE event_ids SET body_hash = NULL WHERE model_id = ? AND event_id = ?`), m.ID, "a"); err != nil {
			t.Fatal(err)
		}
		if n, c := store(ev("a", t0, line("a", 0.8)), ev("a", t0, line("a", 0.1))); n != 0 || !slices.Equal(c, []int{0}) {
			t.Fatalf("repeats of an event with no hash, changed then not: accepted %d, conflicts %v; want 0, [0]", n, c)
		}
	})
}

// A batch of more conflicting events than one statement reads (the stored
// hashes are read a thousand at a time) finds every one.
func TestEventIDConflictsMany(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		batch := func(p int) []lodestar.StoredEvent {
			var out []lodestar.StoredEvent
			for i := range 2500 {
				id := fmt.Sprintf("e-%05d", i)
				out = append(out, lodestar.StoredEvent{ID: id, Time: t0, Version: "1",
					Body: fmt.Appendf(nil, `{"id":%q,"version":"1","prediction":%d}`, id, p*(i%2))})
			}
			return out
		}
		if n, c, err := f.s.StoreEvents(f.ctx, m.ID, batch(1)); err != nil || n != 2500 || c != nil {
			t.Fatalf("first: %d %v %v", n, c, err)
		}
		n, c, err := f.s.StoreEvents(f.ctx, m.ID, batch(2)) // the odd ones differ
		if err != nil || n != 0 || len(c) != 1250 {
			t.Fatalf("second: accepted %d, %d conflicts, %v; want 0, 1250", n, len(c), err)
		}
		for k, i := range c {
			if i != 2*k+1 {
				t.Fatalf("conflict %d is event %d, want %d", k, i, 2*k+1)
			}
		}
	})
}

// A line that gives a field twice counts the last (as encoding/json reads
// it): the same fields in another order is another event, a conflict, not
// a duplicate of the stored one.
func TestEventIDConflictRepeatedField(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		ev := func(body string) lodestar.StoredEvent {
			return lodestar.StoredEvent{ID: "r", Time: t0, Version: "1", Body: []byte(body)}
		}
		first := `{"id":"r","version":"1","prediction":0.1,"prediction":0.9}`
		if n, c, err := f.s.StoreEvents(f.ctx, m.ID, []lodestar.StoredEvent{ev(first)}); err != nil || n != 1 || c != nil {
			t.Fatalf("first: %d %v %v", n, c, err)
		}
		if n, c, err := f.s.StoreEvents(f.ctx, m.ID, []lodestar.StoredEvent{ev(`{"id":"r","version":"1","prediction":0.9,"prediction":0.1}`),
			ev(`{"version":"1","prediction":0.1,"id":"r","prediction":0.9}`)}); err != nil || n != 0 || !slices.Equal(c, []int{0}) {
			t.Fatalf("the predictions swapped, then the first line reordered: accepted %d, conflicts %v, %v; want 0, [0]", n, c, err)
		}
	})
}

// A batch repeating one new ID on many lines, each with other content,
// reads each line's content once: the first line's is not read again for
// every repeat (a first line of megabytes and 10,000 short repeats of its
// ID took a request minutes of CPU). Every repeat is a conflict.
func TestEventIDConflictsReadEachLineOnce(t *testing.T) {
	count, restore := store.CountContentHashes()
	defer restore()
	db := testdb.Open(t)
	f := newFixture(t, db)
	m := eventModel(t, f)
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	const repeats = 500
	batch := []lodestar.StoredEvent{{ID: "x", Time: t0, Version: "1",
		Body: []byte(`{"id":"x","version":"1","prediction":1,"features":{"t":"` + strings.Repeat("a", 64<<10) + `"}}`)}}
	for i := range repeats {
		batch = append(batch, lodestar.StoredEvent{ID: "x", Time: t0, Version: "1", Body: fmt.Appendf(nil, `{"id":"x","version":"1","prediction":%d}`, i)})
	}
	n, c, err := f.s.StoreEvents(f.ctx, m.ID, batch)
	if err != nil || n != 1 || len(c) != repeats || c[0] != 1 || c[repeats-1] != repeats {
		t.Fatalf("accepted %d, %d conflicts (%v), %v; want 1 and every repeat", n, len(c), c, err)
	}
	if got := count(); got > repeats+1 {
		t.Errorf("read %d lines' content for a batch of %d lines", got, repeats+1)
	}
}
