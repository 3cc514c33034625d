package store

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// event_versions counts a model's stored events by version string (the
// events themselves sit compressed in batch rows): ingestion adds what it
// stores, retention takes off what it deletes, and the batches stored
// before the table existed are counted once, the first time a model's
// counts are needed (event_versions_pending). Every change is an
// addition, so concurrent ones need no lock beyond the row's.

// versionCount is one version's share of some events.
type versionCount struct {
	version string
	n, last int64 // how many, the latest one's time (Unix ms)
}

// versionTally counts events by version. Events of one batch nearly
// always share a version: the last one looked up is checked first.
type versionTally struct {
	byVersion map[string]*versionCount
	prev      *versionCount
}

func (t *versionTally) add(version string, ts int64) {
	c := t.prev
	if c == nil || c.version != version {
		if c = t.byVersion[version]; c == nil {
			c = t.insert(version, ts)
		}
		t.prev = c
	}
	c.n++
	c.last = max(c.last, ts)
}

// addBytes is add for a version still in a decoded record: it is copied
// only when first seen.
func (t *versionTally) addBytes(version []byte, ts int64) {
	c := t.prev
	if c == nil || c.version != string(version) {
		if c = t.byVersion[string(version)]; c == nil {
			c = t.insert(string(version), ts)
		}
		t.prev = c
	}
	c.n++
	c.last = max(c.last, ts)
}

func (t *versionTally) insert(version string, ts int64) *versionCount {
	if t.byVersion == nil {
		t.byVersion = map[string]*versionCount{}
	}
	c := &versionCount{version: version, last: ts}
	t.byVersion[version] = c
	return c
}

// sorted returns the counts by version: rows are changed in one order by
// every transaction, so that on PostgreSQL two never wait on each other.
func (t *versionTally) sorted() []*versionCount {
	out := make([]*versionCount, 0, len(t.byVersion))
	for _, c := range t.byVersion {
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b *versionCount) int { return cmp.Compare(a.version, b.version) })
	return out
}

// tallyEvents counts events by version.
func tallyEvents(events []*lodestar.StoredEvent) *versionTally {
	t := &versionTally{}
	for _, e := range events {
		t.add(e.Version, e.Time.UnixMilli())
	}
	return t
}

// addVersionCounts adds the tally to the model's counts.
func addVersionCounts(ctx context.Context, tx *sqldb.Tx, modelID int64, t *versionTally) error {
	if len(t.byVersion) == 0 {
		return nil
	}
	greatest := "max"
	if tx.Dialect() == sqldb.Postgres {
		greatest = "GREATEST"
	}
	q := `INSERT INTO event_versions (model_id, version, n, last_ts) VALUES (?, ?, ?, ?)
		ON CONFLICT (model_id, version) DO UPDATE SET n = event_versions.n + excluded.n,
		last_ts = ` + greatest + `(event_versions.last_ts, excluded.last_ts)`
	for _, c := range t.sorted() {
		if _, err := tx.ExecContext(ctx, q, modelID, c.version, c.n, c.last); err != nil {
			return err
		}
	}
	return nil
}

// subtractVersionCounts takes deleted events off the model's counts; a
// version left with none is dropped. Retention deletes the oldest events,
// so a version with some left keeps its latest time.
func subtractVersionCounts(ctx context.Context, tx *sqldb.Tx, modelID int64, t *versionTally) error {
	if len(t.byVersion) == 0 {
		return nil
	}
	for _, c := range t.sorted() {
		if _, err := tx.ExecContext(ctx, `UPDATE event_versions SET n = n - ? WHERE model_id = ? AND version = ?`, c.n, modelID, c.version); err != nil {
			return err
		}
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM event_versions WHERE model_id = ? AND n <= 0`, modelID)
	return err
}

// fillChunk is how many batch rows one transaction of fillEventVersions
// decodes (each at most maxBlob): a model with a long history is counted
// in several short transactions rather than one that holds SQLite's
// writer for long.
const fillChunk = 64

// fillEventVersions counts the model's batches stored before migration
// 0018, if not done yet, newest first, a chunk per transaction. Each
// transaction takes the model's pending row first and reads how far the
// counting has come from it, so two callers (a page, retention) count
// each batch once; retention calls it before it deletes anything, so it
// never takes off events that were not counted.
func (s *Store) fillEventVersions(ctx context.Context, modelID int64) error {
	var upto int64
	switch err := s.DB.QueryRow(ctx, `SELECT upto FROM event_versions_pending WHERE model_id = ?`, modelID).Scan(&upto); {
	case isNoRows(err):
		return nil // the usual case: counted already, or nothing was stored before
	case err != nil:
		return wrap("count event versions", err)
	}
	for done := false; !done; {
		err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
			done = false
			lock := ``
			if tx.Dialect() == sqldb.Postgres {
				lock = ` FOR UPDATE`
			}
			var upto int64
			switch err := tx.QueryRowContext(ctx, `SELECT upto FROM event_versions_pending WHERE model_id = ?`+lock, modelID).Scan(&upto); {
			case isNoRows(err):
				done = true // another caller finished it
				return nil
			case err != nil:
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT id, body FROM event_batches WHERE model_id = ? AND id <= ? ORDER BY id DESC LIMIT ?`, modelID, upto, fillChunk)
			if err != nil {
				return err
			}
			t := &versionTally{}
			n, lowest := 0, upto
			var blob []byte
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id, &blob); err != nil {
					rows.Close()
					return err
				}
				if err := tallyBlob(t, blob); err != nil {
					rows.Close()
					return err
				}
				n, lowest = n+1, id
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			if err := addVersionCounts(ctx, tx, modelID, t); err != nil {
				return err
			}
			if n < fillChunk {
				done = true
				_, err = tx.ExecContext(ctx, `DELETE FROM event_versions_pending WHERE model_id = ?`, modelID)
			} else {
				_, err = tx.ExecContext(ctx, `UPDATE event_versions_pending SET upto = ? WHERE model_id = ?`, lowest-1, modelID)
			}
			return err
		})
		if err != nil {
			return wrap("count event versions", err)
		}
	}
	return nil
}

// tallyBlob counts a batch row's events by version.
func tallyBlob(t *versionTally, blob []byte) error {
	recs, err := decodeBlob(nil, blob, minTS, maxTS, "")
	if err != nil {
		return err
	}
	for i := range recs {
		t.addBytes(recs[i].version, recs[i].ts)
	}
	return nil
}

// FilterUnregistered implements lodestar.EventService.
func (s *Store) FilterUnregistered(ctx context.Context, modelID int64, versions []string) ([]string, error) {
	if len(versions) == 0 {
		return nil, nil
	}
	names, err := list(ctx, s, `SELECT version FROM model_versions WHERE model_id = ?`, []any{modelID},
		func(row interface{ Scan(...any) error }) (string, error) {
			var v string
			err := row.Scan(&v)
			return v, err
		})
	if err != nil {
		return nil, wrap("find versions", err)
	}
	registered := make(map[string]bool, len(names))
	for _, v := range names {
		registered[v] = true
	}
	var out []string
	for _, v := range versions {
		if !registered[v] {
			out = append(out, v)
		}
	}
	return out, nil
}

// UnregisteredEventVersions implements lodestar.EventService.
func (s *Store) UnregisteredEventVersions(ctx context.Context, modelID int64) ([]lodestar.VersionEvents, error) {
	if err := s.fillEventVersions(ctx, modelID); err != nil {
		return nil, err
	}
	out, err := list(ctx, s, `SELECT e.version, e.n, e.last_ts FROM event_versions e
		WHERE e.model_id = ? AND e.n > 0
		AND NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.model_id = e.model_id AND v.version = e.version)
		ORDER BY e.last_ts DESC, e.version`, []any{modelID},
		func(row interface{ Scan(...any) error }) (lodestar.VersionEvents, error) {
			var v lodestar.VersionEvents
			var last int64
			err := row.Scan(&v.Version, &v.Events, &last)
			v.LastEventAt = time.UnixMilli(last).UTC()
			return v, err
		})
	return out, wrap("unregistered versions", err)
}

// EventVersions implements lodestar.EventService. The IDs are looked up
// in event_ids (their times and version keys), in one read transaction;
// an event's version is the model's counted version (event_versions) of
// its key, when exactly one has it — no batch row read. Only the others
// are read from the batch rows holding their times: an event stored
// before migration 0029 (no key), every event while the model's older
// batches are still to be counted (a version may be missing from the
// counts), and those of a key two versions share. (Reading the batch
// rows for every ID cost a 5,000-label batch spread over a day of a
// million events 440 ms on SQLite; see BenchmarkEventVersions.)
func (s *Store) EventVersions(ctx context.Context, modelID int64, ids []string) (map[string]string, error) {
	out := map[string]string{}
	if len(ids) == 0 {
		return out, nil
	}
	// Read-only: on SQLite a transaction otherwise begins as a write
	// does (BEGIN IMMEDIATE), waiting for the writer's lock and holding
	// it while it reads, so that writers wait for it.
	tx, err := s.DB.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, wrap("find event versions", err)
	}
	defer tx.Rollback()
	found := make(map[string]labelledEvent, len(ids))
	args := make([]any, 0, 1+labelRows)
	for start := 0; start < len(ids); start += labelRows {
		chunk := ids[start:min(start+labelRows, len(ids))]
		args = append(args[:0], modelID)
		for _, id := range chunk {
			args = append(args, id)
		}
		if err := lookupLabelled(ctx, tx, labelLookupSQL(len(chunk)), len(chunk) == labelRows, args, found); err != nil {
			return nil, wrap("find event versions", err)
		}
	}
	if len(found) == 0 {
		return out, nil
	}
	byKey, err := countedVersionKeys(ctx, tx, modelID)
	if err != nil {
		return nil, wrap("find event versions", err)
	}
	left := map[string]int64{} // event ID → time, to read from the batch rows
	for id, e := range found {
		if v, ok := byKey[e.key.Int64]; ok && e.key.Valid && v != "" {
			out[id] = v
			continue
		}
		left[id] = e.ts
	}
	err = storedRecords(ctx, tx, modelID, left, func(r *record) { out[r.id] = string(r.version) })
	return out, wrap("find event versions", err)
}

// countedVersionKeys maps the version keys of the model's counted
// versions (event_versions) to their versions, "" for a key two versions
// share; nil while the model's older batches are still to be counted, as
// a stored event's version may then be missing from the counts.
func countedVersionKeys(ctx context.Context, tx *sqldb.Tx, modelID int64) (map[int64]string, error) {
	var one int
	switch err := tx.QueryRowContext(ctx, `SELECT 1 FROM event_versions_pending WHERE model_id = ?`, modelID).Scan(&one); {
	case err == nil:
		return nil, nil
	case !isNoRows(err):
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT version FROM event_versions WHERE model_id = ?`, modelID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		k := versionKey(v)
		if _, shared := out[k]; shared {
			v = ""
		}
		out[k] = v
	}
	return out, rows.Err()
}
