package store_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

func versionEvents(version string, at time.Time, ids ...string) []lodestar.StoredEvent {
	var out []lodestar.StoredEvent
	for i, id := range ids {
		out = append(out, lodestar.StoredEvent{ID: id, Time: at.Add(time.Duration(i) * time.Minute), Version: version, Body: []byte(`{"prediction":0.5}`)})
	}
	return out
}

func unregistered(t *testing.T, s *store.Store, ctx context.Context, modelID int64) []lodestar.VersionEvents {
	t.Helper()
	got, err := s.UnregisteredEventVersions(ctx, modelID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func wantVersions(t *testing.T, what string, got, want []lodestar.VersionEvents) {
	t.Helper()
	if !slices.EqualFunc(got, want, func(a, b lodestar.VersionEvents) bool {
		return a.Version == b.Version && a.Events == b.Events && a.LastEventAt.Equal(b.LastEventAt)
	}) {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
	}
}

// Events of a version the model has not registered are counted as they
// are stored — once each, however often a batch is retried — and listed
// with their latest time, the most recent version first; registering the
// version takes it off the list, and retention takes off what it deletes.
func TestUnregisteredEventVersions(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		other := eventModel2(t, f, "other")
		if _, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "2.0"}); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
		if got := unregistered(t, f.s, f.ctx, m.ID); len(got) != 0 {
			t.Fatalf("no events: got %+v, want none", got)
		}
		misspelt := versionEvents("v2.0", t0, "a1", "a2", "a3")
		batch := slices.Concat(misspelt, versionEvents("2.0", t0, "b1", "b2"), versionEvents("2.0 ", t0.Add(-time.Hour), "c1"))
		if n, err := f.s.AppendEvents(f.ctx, m.ID, batch); err != nil || n != 6 {
			t.Fatalf("append: %d, %v", n, err)
		}
		// A retry, and a repeat with a new event sent twice in its batch:
		// only the new one counts, once.
		if n, err := f.s.AppendEvents(f.ctx, m.ID, batch); err != nil || n != 0 {
			t.Fatalf("retry: %d, %v", n, err)
		}
		if n, err := f.s.AppendEvents(f.ctx, m.ID, slices.Concat(misspelt[:1], versionEvents("v2.0", t0.Add(time.Hour), "a4"), versionEvents("v2.0", t0.Add(time.Hour), "a4"))); err != nil || n != 1 {
			t.Fatalf("repeat and new: %d, %v", n, err)
		}
		// Another model's events are its own.
		if _, err := f.s.AppendEvents(f.ctx, other.ID, versionEvents("v2.0", t0.Add(2*time.Hour), "a1")); err != nil {
			t.Fatal(err)
		}
		wantVersions(t, "stored", unregistered(t, f.s, f.ctx, m.ID), []lodestar.VersionEvents{
			{Version: "v2.0", Events: 4, LastEventAt: t0.Add(time.Hour)},
			{Version: "2.0 ", Events: 1, LastEventAt: t0.Add(-time.Hour)},
		})
		wantVersions(t, "other model", unregistered(t, f.s, f.ctx, other.ID), []lodestar.VersionEvents{{Version: "v2.0", Events: 1, LastEventAt: t0.Add(2 * time.Hour)}})

		got, err := f.s.FilterUnregistered(f.ctx, m.ID, []string{"2.0", "v2.0", "2.0 "})
		if err != nil || !slices.Equal(got, []string{"v2.0", "2.0 "}) {
			t.Errorf("FilterUnregistered: got %q, %v; want v2.0 and \"2.0 \"", got, err)
		}
		if got, err := f.s.FilterUnregistered(f.ctx, 9999, []string{"1.0"}); err != nil || !slices.Equal(got, []string{"1.0"}) {
			t.Errorf("FilterUnregistered of an unknown model: got %q, %v; want 1.0", got, err)
		}

		// Registered under the name the service sends: off the list.
		if _, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "v2.0"}); err != nil {
			t.Fatal(err)
		}
		wantVersions(t, "v2.0 registered", unregistered(t, f.s, f.ctx, m.ID), []lodestar.VersionEvents{{Version: "2.0 ", Events: 1, LastEventAt: t0.Add(-time.Hour)}})

		// Retention: "2.0 " (an hour before t0) goes whole; v2.0 loses
		// a1 (at t0) and keeps its latest time.
		if n, err := f.s.DeleteEventsBefore(f.ctx, m.ID, t0.Add(30*time.Second)); err != nil || n != 3 { // c1, a1, b1
			t.Fatalf("retention: %d, %v", n, err)
		}
		// (Versions cannot be deleted: taken out here, to see v2.0's count.)
		if _, err := f.db.ExecContext(f.ctx, f.db.Rebind(`DELETE FROM model_versions WHERE model_id = ? AND version = ?`), m.ID, "v2.0"); err != nil {
			t.Fatal(err)
		}
		wantVersions(t, "after retention", unregistered(t, f.s, f.ctx, m.ID), []lodestar.VersionEvents{{Version: "v2.0", Events: 3, LastEventAt: t0.Add(time.Hour)}})
		if n := testdb.Count(t, db, "event_versions"); n != 3 { // m: v2.0 and 2.0; other: v2.0
			t.Errorf("event_versions rows: got %d, want 3 (a version with no events left is dropped)", n)
		}
	})
}

func eventModel2(t *testing.T, f *fixture, key string) *lodestar.Model {
	t.Helper()
	uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "UC " + key})
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: key, Name: key})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Producers sending batches of two versions at once, in either order,
// are all counted, and none waits forever on another (on PostgreSQL each
// version's count row is locked until its batch commits).
func TestEventVersionsConcurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
		const producers, batches, each = 6, 5, 40
		var wg sync.WaitGroup
		errs := make(chan error, producers*batches)
		for p := range producers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range batches {
					var events []lodestar.StoredEvent
					for i := range each {
						v := []string{"x", "y"}[(i+p)%2]
						events = append(events, lodestar.StoredEvent{ID: fmt.Sprintf("p%d-b%d-%03d", p, b, i), Time: t0.Add(time.Duration(p*1000+b*each+i) * time.Millisecond),
							Version: v, Body: []byte(`{}`)})
					}
					if _, err := f.s.AppendEvents(f.ctx, m.ID, events); err != nil {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		last := t0.Add(time.Duration((producers-1)*1000+(batches-1)*each+each-1) * time.Millisecond)
		got := unregistered(t, f.s, f.ctx, m.ID)
		total := int64(0)
		for _, v := range got {
			total += v.Events
		}
		if len(got) != 2 || total != producers*batches*each || got[0].Events != total/2 || !got[0].LastEventAt.Equal(last) {
			t.Errorf("got %+v, want x and y with %d events each, the latest at %s", got, total/2, last)
		}
	})
}

// oldBatch is a batch row as Lodestar wrote it before the version counts
// existed: format 0, records as they are.
func oldBatch(t0 time.Time, version string, ids ...string) (min, max int64, body []byte) {
	body = []byte{0}
	for i, id := range ids {
		ts := t0.Add(time.Duration(i) * time.Second).UnixMilli()
		body = binary.BigEndian.AppendUint64(body, uint64(ts))
		body = binary.BigEndian.AppendUint16(body, uint16(len(id)))
		body = append(body, id...)
		body = binary.BigEndian.AppendUint16(body, uint16(len(version)))
		body = append(body, version...)
		body = binary.BigEndian.AppendUint32(body, 0)
		b := `{"prediction":0.5}`
		body = binary.BigEndian.AppendUint32(body, uint32(len(b)))
		body = append(body, b...)
	}
	return t0.UnixMilli(), t0.Add(time.Duration(len(ids)-1) * time.Second).UnixMilli(), body
}

// Events stored before migration 0018 are counted the first time a
// model's unregistered versions are asked for (or before retention
// deletes any), in chunks, once, beside those stored since.
func TestEventVersionsMigrationCountsOldBatches(t *testing.T) {
	testdb.ForEachEmpty(t, func(t *testing.T, db *sqldb.DB) {
		ctx, s, uc, pending := atOldSchema(t, db, 16)
		var models []*lodestar.Model
		for _, key := range []string{"old", "pruned"} {
			m, err := s.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: key, Name: key})
			if err != nil {
				t.Fatal(err)
			}
			models = append(models, m)
		}
		t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
		// More batch rows than one chunk counts, two events each: the
		// version alternates, the last of each version is the latest.
		const rows = 150
		for _, m := range models {
			for i := range rows {
				version := []string{"1.0", "v1.0"}[i%2]
				lo, hi, body := oldBatch(t0.Add(time.Duration(i)*time.Minute), version, fmt.Sprintf("e%03d-a", i), fmt.Sprintf("e%03d-b", i))
				if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO event_batches (model_id, min_ts, max_ts, n, body) VALUES (?, ?, ?, ?, ?)`), m.ID, lo, hi, 2, body); err != nil {
					t.Fatal(err)
				}
				for j, suffix := range []string{"a", "b"} {
					if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO event_ids (model_id, event_id, ts) VALUES (?, ?, ?)`), m.ID, fmt.Sprintf("e%03d-%s", i, suffix), lo+int64(j)*1000); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		if n, err := db.Migrate(ctx); err != nil || n != pending {
			t.Fatalf("migrate: %d, %v", n, err)
		}
		if n := testdb.Count(t, db, "event_versions_pending"); n != 2 {
			t.Fatalf("pending models: got %d, want 2", n)
		}
		// Stored after the upgrade, before the old ones are counted.
		if _, err := s.AppendEvents(ctx, models[0].ID, versionEvents("v1.0", t0.Add(10*time.Hour), "new-1", "new-2")); err != nil {
			t.Fatal(err)
		}
		// Events' versions: the old events have no version key, read
		// from their batch rows; a new one's key is not trusted while the
		// model's old batches are still to be counted (the counts may miss
		// its version), and names it once they are (below).
		eventVersions := func(when string) {
			t.Helper()
			got, err := s.EventVersions(ctx, models[0].ID, []string{"e000-a", "e001-b", "new-1", "nosuch"})
			if want := map[string]string{"e000-a": "1.0", "e001-b": "v1.0", "new-1": "v1.0"}; err != nil || !maps.Equal(got, want) {
				t.Errorf("%s: event versions %v, %v; want %v", when, got, err, want)
			}
		}
		eventVersions("before counting")
		lastOld := t0.Add((rows-1)*time.Minute + time.Second) // row 149 is v1.0
		wantVersions(t, "old and new", unregistered(t, s, ctx, models[0].ID), []lodestar.VersionEvents{
			{Version: "v1.0", Events: rows + 2, LastEventAt: t0.Add(10*time.Hour + time.Minute)},
			{Version: "1.0", Events: rows, LastEventAt: lastOld.Add(-time.Minute)},
		})
		// Asked again: counted once.
		eventVersions("counted")
		if got := unregistered(t, s, ctx, models[0].ID); len(got) != 2 || got[0].Events != rows+2 {
			t.Errorf("asked again: got %+v", got)
		}
		// Retention first on the other model: what it deletes had been
		// counted, so what is left is right.
		cut := t0.Add(100 * time.Minute) // rows 0–99 go
		if n, err := s.DeleteEventsBefore(ctx, models[1].ID, cut); err != nil || n != 200 {
			t.Fatalf("retention: %d, %v", n, err)
		}
		wantVersions(t, "after retention", unregistered(t, s, ctx, models[1].ID), []lodestar.VersionEvents{
			{Version: "v1.0", Events: 50, LastEventAt: lastOld},
			{Version: "1.0", Events: 50, LastEventAt: lastOld.Add(-time.Minute)},
		})
		if n := testdb.Count(t, db, "event_versions_pending"); n != 0 {
			t.Errorf("pending models: got %d, want 0", n)
		}
	})
}

// EventVersions gives the versions of stored events by ID — those stored
// in several batches and at several times, each once — and leaves out IDs
// with no event, or another model's.
func TestEventVersions(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		other := eventModel2(t, f, "other")
		t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
		if _, err := f.s.AppendEvents(f.ctx, m.ID, slices.Concat(versionEvents("1.0", t0, "a", "b"), versionEvents("2.0", t0.Add(time.Minute), "c"))); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AppendEvents(f.ctx, m.ID, versionEvents("3.0", t0.Add(48*time.Hour), "d")); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.AppendEvents(f.ctx, other.ID, versionEvents("9.0", t0, "e")); err != nil {
			t.Fatal(err)
		}
		got, err := f.s.EventVersions(f.ctx, m.ID, []string{"a", "c", "d", "e", "nosuch", "b"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"a": "1.0", "b": "1.0", "c": "2.0", "d": "3.0"}
		if len(got) != len(want) {
			t.Errorf("got %v, want %v", got, want)
		}
		for id, v := range want {
			if got[id] != v {
				t.Errorf("%s: got %q, want %q", id, got[id], v)
			}
		}
		// An event whose event_ids row has no version key (stored before
		// migration 0029) is read from its batch row.
		if _, err := db.ExecContext(f.ctx, db.Rebind(`UPDATE event_ids SET version_key = NULL WHERE model_id = ? AND event_id IN (?, ?)`), m.ID, "b", "d"); err != nil {
			t.Fatal(err)
		}
		if got, err := f.s.EventVersions(f.ctx, m.ID, []string{"a", "b", "c", "d"}); err != nil || !maps.Equal(got, map[string]string{"a": "1.0", "b": "1.0", "c": "2.0", "d": "3.0"}) {
			t.Errorf("with unkeyed events: got %v, %v", got, err)
		}
		if got, err := f.s.EventVersions(f.ctx, m.ID, nil); err != nil || len(got) != 0 {
			t.Errorf("no IDs: got %v, %v", got, err)
		}
	})
}

// EventVersions only reads: it answers while another transaction is
// writing (an ingest batch, a retention pass), as every read does. On
// SQLite it began its transaction as a write would (BEGIN IMMEDIATE, the
// database's setting for writes), so it waited for that writer's lock —
// and every writer waited for it while it read the batch rows — failing
// with "database is locked" once the busy timeout ran out.
func TestEventVersionsReadsWhileAWriterWrites(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
		if _, err := f.s.AppendEvents(f.ctx, m.ID, slices.Concat(versionEvents("1.0", t0, "a"), versionEvents("2.0", t0.Add(time.Hour), "b"))); err != nil {
			t.Fatal(err)
		}
		// "b" is read from its batch row (no version key), "a" by its key.
		if _, err := db.ExecContext(f.ctx, db.Rebind(`UPDATE event_ids SET version_key = NULL WHERE model_id = ? AND event_id = ?`), m.ID, "b"); err != nil {
			t.Fatal(err)
		}
		writing, done := make(chan struct{}), make(chan struct{})
		wrote := make(chan error, 1)
		go func() {
			wrote <- db.InTx(f.ctx, func(tx *sqldb.Tx) error {
				if _, err := tx.ExecContext(f.ctx, `UPDATE models SET name = name WHERE id = ?`, m.ID); err != nil {
					return err
				}
				close(writing)
				<-done
				return nil
			})
		}()
		select {
		case <-writing:
		case err := <-wrote:
			t.Fatalf("writer: %v", err)
		}
		got, err := f.s.EventVersions(f.ctx, m.ID, []string{"a", "b", "nosuch"})
		close(done)
		if err := <-wrote; err != nil {
			t.Errorf("writer: %v", err)
		}
		if want := map[string]string{"a": "1.0", "b": "2.0"}; err != nil || !maps.Equal(got, want) {
			t.Errorf("while a writer writes: got %v, %v; want %v", got, err, want)
		}
	})
}

// Two versions whose version keys collide (the 64-bit FNV-1a hash
// event_ids keeps of an event's version) are each read from the batch
// rows while both have events: an event is never named by the other
// version, whose monitors would then decide its true or false label. Once
// retention has deleted every event of one, the other's events go by
// their key again; the deleted ones are not found.
func TestEventVersionsKeyCollision(t *testing.T) {
	// A collision found for this test: FNV-1a 64 of both is 0x0e4fd5bb26054f27.
	const v, w = "Zd1WLbEs5Q2", "mAFiqwLaR3c"
	fnv64a := func(s string) uint64 { h := fnv.New64a(); h.Write([]byte(s)); return h.Sum64() }
	if fnv64a(v) != fnv64a(w) {
		t.Fatalf("%q and %q do not collide: the test would prove nothing", v, w)
	}
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
		for _, batch := range [][]lodestar.StoredEvent{versionEvents(v, t0, "a"), versionEvents(w, t0.Add(time.Hour), "b"), versionEvents(v, t0.Add(2*time.Hour), "c")} {
			if _, err := f.s.AppendEvents(f.ctx, m.ID, batch); err != nil {
				t.Fatal(err)
			}
		}
		versions := func(when string, want map[string]string) {
			t.Helper()
			got, err := f.s.EventVersions(f.ctx, m.ID, []string{"a", "b", "c", "d"})
			if err != nil || !maps.Equal(got, want) {
				t.Errorf("%s: got %v, %v; want %v", when, got, err, want)
			}
		}
		versions("both versions stored", map[string]string{"a": v, "b": w, "c": v})
		if n, err := f.s.DeleteEventsBefore(f.ctx, m.ID, t0.Add(90*time.Minute)); err != nil || n != 2 {
			t.Fatalf("retention: %d, %v", n, err)
		}
		if got := unregistered(t, f.s, f.ctx, m.ID); len(got) != 1 || got[0].Version != v || got[0].Events != 1 {
			t.Fatalf("after retention: counts %+v, want only %q's one event", got, v)
		}
		versions("one version left", map[string]string{"c": v})
		if _, err := f.s.AppendEvents(f.ctx, m.ID, versionEvents(w, t0.Add(3*time.Hour), "d")); err != nil {
			t.Fatal(err)
		}
		versions("both again", map[string]string{"c": v, "d": w})
	})
}
