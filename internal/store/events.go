package store

import (
	"bytes"
	"cmp"
	"container/heap"
	"context"
	"database/sql"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cespare/xxhash/v2"
	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/ingest"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

var _ lodestar.EventService = (*Store)(nil)

// FindModelByRef implements lodestar.EventService: by key first, then by
// numeric ID.
func (s *Store) FindModelByRef(ctx context.Context, ref string) (*lodestar.Model, error) {
	m, err := scanModel(s.DB.QueryRow(ctx, `SELECT `+modelColumns+` FROM models WHERE key = ?`, ref))
	if err == nil {
		return m, nil
	}
	if !isNoRows(err) {
		return nil, wrap("find model", err)
	}
	if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil && id > 0 {
		return s.FindModelByID(ctx, id)
	}
	return nil, notFound("Model")
}

// eventRows is how many event IDs one INSERT carries: 5 parameters each
// stays well inside both databases' parameter limits.
const eventRows = 1000

var insertSQL sync.Map // [2]int{rows, returning} → statement

// pgEventRows is how many event IDs one INSERT carries on PostgreSQL,
// where they go as five arrays (insertIDsPG), not as parameters each:
// a whole batch at the API's limit.
const pgEventRows = 10_000

// insertIDsPG is insertIDsSQL for PostgreSQL: the model, then the IDs,
// times, version keys and line hashes as arrays (pgIDArrays), unnested
// into rows. One statement of six parameters whatever the rows, planned
// once, where a VALUES list of 1,000 rows of parameters was parsed and
// planned each time.
func insertIDsPG(returning bool) string {
	q := `INSERT INTO event_ids (model_id, event_id, ts, version_key, body_hash) ` +
		`SELECT ?, * FROM unnest(?::text[], ?::bigint[], ?::bigint[], ?::bigint[]) ` +
		`ON CONFLICT (model_id, event_id) DO NOTHING`
	if returning {
		q += ` RETURNING event_id`
	}
	return q
}

// pgIDArrays returns insertIDsPG's arrays for events.
func pgIDArrays(events []*lodestar.StoredEvent) []any {
	ids := make([]string, len(events))
	ts := make([]int64, len(events))
	vks := make([]int64, len(events))
	hashes := make([]int64, len(events))
	var version string
	var key int64
	for i, e := range events {
		if i == 0 || e.Version != version {
			version, key = e.Version, versionKey(e.Version)
		}
		ids[i], ts[i], vks[i], hashes[i] = e.ID, e.Time.UnixMilli(), key, bodyHash(e.Body)
	}
	return []any{ids, ts, vks, hashes}
}

// insertIDsSQL inserts n IDs, skipping those already stored; with
// returning it also lists the ones it inserted.
func insertIDsSQL(n int, returning bool) string {
	key := [2]int{n, 0}
	if returning {
		key[1] = 1
	}
	if q, ok := insertSQL.Load(key); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO event_ids (model_id, event_id, ts, version_key, body_hash) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString("(?, ?, ?, ?, ?)")
	}
	b.WriteString(` ON CONFLICT (model_id, event_id) DO NOTHING`)
	if returning {
		b.WriteString(` RETURNING event_id`)
	}
	q := b.String()
	insertSQL.Store(key, q)
	return q
}

// AppendEvents implements lodestar.EventService: StoreEvents without the
// list of conflicting events (those are not stored either way).
func (s *Store) AppendEvents(ctx context.Context, modelID int64, events []lodestar.StoredEvent) (int, error) {
	accepted, _, err := s.StoreEvents(ctx, modelID, events)
	return accepted, err
}

// StoreEvents implements lodestar.EventService. Each new event costs one
// key in event_ids, which makes ingestion idempotent; the events
// themselves go into compressed batch rows (eventblob.go), encoded before
// the write lock is taken on the guess that every event is new (the usual
// case) and again inside it when some were not. An ID stored already, or
// sent earlier in the batch, is a duplicate when its line says the same
// (the same bytes, or its fields and features in another order: bodyHash)
// and a conflict when not; an event stored before that migration has no
// hash, and a repeat of it is compared with its stored line.
// Events are data, not governance changes: they are not written to the
// audit log.
func (s *Store) StoreEvents(ctx context.Context, modelID int64, events []lodestar.StoredEvent) (accepted int, conflicts []int, err error) {
	if len(events) == 0 {
		return 0, nil, nil
	}
	// Unique by ID (the first of a repeat wins), in key order for the index.
	for i := range events {
		if err := checkRecord(&events[i]); err != nil {
			return 0, nil, err
		}
	}
	byID, repeats := uniqueByID(sortByID(events))
	byTime := slices.Clone(byID)
	sortEvents(byTime)
	blobs := encodeRuns(byTime)
	defer releaseRuns(blobs)

	var conflicting []*lodestar.StoredEvent
	err = s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		accepted, conflicting = 0, conflicting[:0]
		var archived bool
		if err := tx.QueryRowContext(ctx, `SELECT archived FROM models WHERE id = ?`, modelID).Scan(&archived); err != nil {
			if isNoRows(err) {
				return notFound("Model")
			}
			return err
		}
		if archived {
			return lodestar.Errorf(lodestar.EConflict, "The model is archived: it takes no more events.")
		}
		old, err := s.insertIDs(ctx, tx, modelID, byID)
		if err != nil {
			return err
		}
		if conflicting, err = idConflicts(ctx, tx, modelID, byID, repeats, old); err != nil {
			return err
		}
		runs, stored := blobs, byTime
		if len(old) > 0 {
			keep := make([]*lodestar.StoredEvent, 0, len(byTime)-len(old))
			for _, e := range byTime {
				if _, ok := old[e.ID]; !ok {
					keep = append(keep, e)
				}
			}
			runs, stored = encodeRuns(keep), keep
			defer releaseRuns(runs)
		}
		stmt, err := tx.PrepareContext(ctx, s.DB.Rebind(`INSERT INTO event_batches (model_id, min_ts, max_ts, n, body) VALUES (?, ?, ?, ?, ?)`))
		if err != nil {
			return err
		}
		defer stmt.Close()
		for _, r := range runs {
			if _, err := stmt.ExecContext(ctx, modelID, r.min, r.max, r.n, r.blob); err != nil {
				return err
			}
		}
		// Last: on PostgreSQL a version's count row is locked until the
		// commit, and batches of one version wait on each other there.
		if err := addVersionCounts(ctx, tx, modelID, tallyEvents(stored)); err != nil {
			return err
		}
		accepted = len(byID) - len(old)
		return nil
	})
	if err == nil {
		// Acknowledged only once on disk (a batch of repeats too: it may
		// be the retry of one whose sync failed).
		err = s.DB.SyncLog()
	}
	if err != nil {
		return 0, nil, wrap("append events", err)
	}
	if len(conflicting) > 0 { // as indexes of events, in order
		at := make(map[*lodestar.StoredEvent]int, len(events))
		for i := range events {
			at[&events[i]] = i
		}
		for _, e := range conflicting {
			conflicts = append(conflicts, at[e])
		}
		slices.Sort(conflicts)
	}
	return accepted, conflicts, nil
}

// bodyHash is the key event_ids keeps of an event's line (migration
// 0030): the 64-bit xxHash of its bytes, cheap enough for every event. A
// repeat whose line hashes the same is a duplicate; one whose line does
// not, or whose stored event has no hash (stored before that migration),
// is compared with the stored line by content, read from its batch row:
// a retry whose fields or features come in another order (the Go SDK
// writes features in a map's order) is still one. Two
// different lines sharing a hash (a chance in 2^64) would only count the
// second as a duplicate, as every repeat was counted before.
func bodyHash(body []byte) int64 { return int64(xxhash.Sum64(body)) }

// contentHash tells whether two lines of one ID say the same, when their
// bytes differ: the same fields and features in another order
// (ingest.ContentHash; tests count its calls).
var contentHash = ingest.ContentHash

// uniqueByID splits events sorted by ID into the first of each ID and the
// others (repeats), each of those with the first of its ID.
func uniqueByID(byID []*lodestar.StoredEvent) (first []*lodestar.StoredEvent, repeats [][2]*lodestar.StoredEvent) {
	w := 0
	for _, e := range byID {
		if w > 0 && e.ID == byID[w-1].ID {
			repeats = append(repeats, [2]*lodestar.StoredEvent{byID[w-1], e})
			continue
		}
		byID[w] = e
		w++
	}
	return byID[:w], repeats
}

// idConflicts returns the events whose ID is taken by an event with other
// content: one stored already (old) or the first of the batch's lines
// with that ID (repeats).
func idConflicts(ctx context.Context, tx *sqldb.Tx, modelID int64, first []*lodestar.StoredEvent, repeats [][2]*lodestar.StoredEvent, old map[string]struct{}) ([]*lodestar.StoredEvent, error) {
	var out []*lodestar.StoredEvent
	// The first line of an ID is read once for all its repeats (they
	// follow each other): read again for each, a first line of megabytes
	// repeated on 10,000 short lines took minutes.
	var firstLine *lodestar.StoredEvent
	var firstHash uint64
	for _, r := range repeats {
		if _, ok := old[r[0].ID]; ok || bytes.Equal(r[0].Body, r[1].Body) {
			continue
		}
		if r[0] != firstLine {
			firstLine, firstHash = r[0], contentHash(r[0].Body)
		}
		if contentHash(r[1].Body) != firstHash {
			out = append(out, r[1])
		}
	}
	if len(old) == 0 {
		return out, nil
	}
	stored, err := storedHashes(ctx, tx, modelID, slices.Collect(maps.Keys(old)))
	if err != nil {
		return nil, err
	}
	// The repeats of stored events whose lines hash otherwise, or that
	// have no hash: compared with the stored lines, read for them alone.
	var differ []*lodestar.StoredEvent
	check := map[string]int64{}
	see := func(e *lodestar.StoredEvent) {
		if _, ok := old[e.ID]; !ok {
			return
		}
		// No hash (stored before migration 0030): the line is in its
		// batch row all the same.
		if h := stored[e.ID]; !h.hash.Valid || h.hash.Int64 != bodyHash(e.Body) {
			differ = append(differ, e)
			check[e.ID] = h.ts
		}
	}
	for _, e := range first {
		see(e)
	}
	for _, r := range repeats {
		see(r[1])
	}
	if len(differ) == 0 {
		return out, nil
	}
	content := make(map[string]uint64, len(check))
	err = storedRecords(ctx, tx, modelID, check, func(r *record) { content[r.id] = contentHash(r.body) })
	if err != nil {
		return nil, err
	}
	for _, e := range differ {
		// An event no longer stored (retention) has nothing to differ from.
		if h, ok := content[e.ID]; ok && h != contentHash(e.Body) {
			out = append(out, e)
		}
	}
	return out, nil
}

// storedHash is what event_ids keeps of a stored event to compare a
// repeat with: its time and its line's hash (NULL for an event stored
// before migration 0030).
type storedHash struct {
	ts   int64
	hash sql.NullInt64
}

// storedHashes reads the line hashes of stored events by ID, a thousand
// to a statement.
func storedHashes(ctx context.Context, tx *sqldb.Tx, modelID int64, ids []string) (map[string]storedHash, error) {
	out := make(map[string]storedHash, len(ids))
	args := make([]any, 0, 1+labelRows)
	for start := 0; start < len(ids); start += labelRows {
		chunk := ids[start:min(start+labelRows, len(ids))]
		args = append(args[:0], modelID)
		for _, id := range chunk {
			args = append(args, id)
		}
		q := repeatSQL(len(chunk), 2, `SELECT event_id, ts, body_hash FROM event_ids WHERE model_id = ? AND event_id IN (`, `?`, `)`)
		rows, err := tx.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var h storedHash
			if err := rows.Scan(&id, &h.ts, &h.hash); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = h
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// sortByID returns pointers to the events in ID order, a repeated ID's
// events in the order they came. Time-ordered IDs (UUIDv7, as the SDK
// makes them) usually come sorted: then they are only checked. (A stable
// sort cost a twentieth of ingestion's CPU: its merges compare far more.)
func sortByID(events []lodestar.StoredEvent) []*lodestar.StoredEvent {
	out := make([]*lodestar.StoredEvent, len(events))
	sorted := true
	for i := range events {
		out[i] = &events[i]
		sorted = sorted && (i == 0 || events[i-1].ID <= events[i].ID)
	}
	if sorted {
		return out
	}
	for k, i := range orderByID(len(events), func(i int) string { return events[i].ID }) {
		out[k] = &events[i]
	}
	return out
}

// run is one batch row to insert.
type run struct {
	min, max int64
	n        int
	blob     []byte
}

// releaseRuns gives the runs' blobs back for reuse.
func releaseRuns(runs []run) {
	for _, r := range runs {
		releaseBlob(r.blob)
	}
}

// encodeRuns splits events (sorted by time and ID) into batch rows.
func encodeRuns(events []*lodestar.StoredEvent) []run {
	if len(events) == 0 {
		return nil
	}
	var out []run
	for _, r := range splitBatch(events) {
		out = append(out, run{min: r[0].Time.UnixMilli(), max: r[len(r)-1].Time.UnixMilli(), n: len(r), blob: encodeBlob(r)})
	}
	return out
}

// insertIDs adds the IDs of events (sorted by ID, each once) to event_ids
// and returns those that were there already. It inserts them in key
// order: each insert then lands next to the one before, on a page already
// in hand, instead of a search and often a page split somewhere in the
// middle of the index. A chunk whose rows all go in (the usual case)
// needs no list of what went in; one with a repeat is undone and done
// again listing the new IDs, which costs about three times as much per row
// (a retry, not the usual case).
func (s *Store) insertIDs(ctx context.Context, tx *sqldb.Tx, modelID int64, sorted []*lodestar.StoredEvent) (map[string]struct{}, error) {
	var old map[string]struct{}
	args := make([]any, 0, 5*eventRows)
	model := any(modelID) // boxed once, not once per row
	var keys versionKeys
	pg := tx.Dialect() == sqldb.Postgres
	per := eventRows
	if pg {
		per = pgEventRows
	}
	for start := 0; start < len(sorted); start += per {
		chunk := sorted[start:min(start+per, len(sorted))]
		args = args[:0]
		if pg {
			args = append(args, model)
			args = append(args, pgIDArrays(chunk)...)
		} else {
			for _, e := range chunk {
				args = append(args, model, e.ID, e.Time.UnixMilli(), keys.of(e.Version), bodyHash(e.Body))
			}
		}
		if _, err := tx.ExecContext(ctx, `SAVEPOINT event_ids`); err != nil {
			return nil, err
		}
		var res sql.Result
		var err error
		if pg {
			res, err = tx.ExecContext(ctx, insertIDsPG(false), args...)
		} else if len(chunk) == eventRows {
			var full *sql.Stmt // prepared once per connection, not per batch
			if full, err = tx.Prepared(ctx, insertIDsSQL(eventRows, false)); err != nil {
				return nil, err
			}
			res, err = full.ExecContext(ctx, args...)
		} else {
			res, err = tx.ExecContext(ctx, insertIDsSQL(len(chunk), false), args...)
		}
		if err != nil {
			return nil, err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return nil, err
		}
		if int(n) < len(chunk) {
			fresh, err := s.insertListing(ctx, tx, chunk, args)
			if err != nil {
				return nil, err
			}
			if old == nil {
				old = map[string]struct{}{}
			}
			for _, e := range chunk {
				if _, ok := fresh[e.ID]; !ok {
					old[e.ID] = struct{}{}
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT event_ids`); err != nil {
			return nil, err
		}
	}
	return old, nil
}

// insertListing undoes a chunk's insert and does it again, returning the
// IDs it inserts.
func (s *Store) insertListing(ctx context.Context, tx *sqldb.Tx, chunk []*lodestar.StoredEvent, args []any) (map[string]struct{}, error) {
	if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT event_ids`); err != nil {
		return nil, err
	}
	q := insertIDsSQL(len(chunk), true)
	if tx.Dialect() == sqldb.Postgres {
		q = insertIDsPG(true)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	fresh := map[string]struct{}{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		fresh[id] = struct{}{}
	}
	return fresh, rows.Err()
}

// versionKey is the key event_ids keeps of an event's version (migration
// 0029): the version string's 64-bit FNV-1a hash. Two versions of a model
// sharing a key (a chance in 2^64 for a pair) would only make a label of
// one's events mark the other's monitors too: a needless recomputation,
// never a missed one.
func versionKey(version string) int64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(version); i++ {
		h ^= uint64(version[i])
		h *= 1099511628211
	}
	return int64(h)
}

// versionKeys gives events' version keys as statement arguments. A
// batch's events nearly always share a version: the last one is kept, so
// a key is hashed and boxed once a run of them, not once an event.
type versionKeys struct {
	version string
	key     any
}

func (k *versionKeys) of(version string) any {
	if k.key == nil || k.version != version {
		k.version, k.key = version, versionKey(version)
	}
	return k.key
}

// labelRows is how many labels one statement looks up or writes: 4
// parameters each stays well inside both databases' limits.
const labelRows = 1000

var labelSQL sync.Map // [2]int{rows, kind} → statement

// labelLookupSQL reads the stored events among n IDs: their times and
// version keys.
func labelLookupSQL(n int) string {
	return repeatSQL(n, 0, `SELECT event_id, ts, version_key FROM event_ids WHERE model_id = ? AND event_id IN (`, `?`, `)`)
}

// labelUpsertSQL writes n labels, each replacing the event's earlier one.
func labelUpsertSQL(n int) string {
	return repeatSQL(n, 1, `INSERT INTO event_labels (model_id, event_id, ts, label) VALUES `, `(?, ?, ?, ?)`,
		` ON CONFLICT (model_id, event_id) DO UPDATE SET label = excluded.label`)
}

// repeatSQL is head, n times item (comma-separated), tail, built once for
// each (n, kind).
func repeatSQL(n, kind int, head, item, tail string) string {
	key := [2]int{n, kind}
	if q, ok := labelSQL.Load(key); ok {
		return q.(string)
	}
	var b strings.Builder
	b.WriteString(head)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(item)
	}
	b.WriteString(tail)
	q := b.String()
	labelSQL.Store(key, q)
	return q
}

// labelledEvent is an event a label write found: its time and, when it
// was stored after migration 0029, its version's key.
type labelledEvent struct {
	ts  int64
	key sql.NullInt64
}

// AttachLabels implements lodestar.EventService. A label sent again
// replaces the earlier one (within a batch, the last sent wins). The
// monitors of each version whose events were labelled (not those of a
// retired version) are marked, in the same transaction, to recompute their
// windows from the earliest event of that version labelled
// (Monitor.RelabeledFrom; markRelabelled). Labels go a thousand to a
// statement: their events are looked up (time, version key), then the
// labels of those found written, in ID order — two batches for the same
// events, in different orders, then take their rows' locks in one order,
// where on PostgreSQL each waited for the other and one was refused as a
// deadlock. (One statement per label cost a 10,000-label batch most of a
// second.)
func (s *Store) AttachLabels(ctx context.Context, modelID int64, labels []lodestar.EventLabel) ([]string, error) {
	sent := labels
	// In ID order, each ID once with the last label sent for it: one
	// statement may not change a row twice (PostgreSQL refuses it). (An
	// order of indexes, not a stable sort of the labels: its merges cost
	// a twentieth of a label write.)
	order := orderByID(len(sent), func(i int) string { return sent[i].ID })
	labels = make([]lodestar.EventLabel, 0, len(sent))
	for k, i := range order {
		if k+1 < len(order) && sent[order[k+1]].ID == sent[i].ID {
			continue
		}
		labels = append(labels, sent[i])
	}
	var unknown []string
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		unknown = unknown[:0]
		labelled := make(map[string]labelledEvent, len(labels))
		model := any(modelID)
		if tx.Dialect() == sqldb.Postgres {
			var err error
			if unknown, err = attachLabelsPG(ctx, tx, modelID, labels, labelled); err != nil {
				return err
			}
			if len(labelled) == 0 {
				return nil
			}
			return markRelabelled(ctx, tx, modelID, labelled)
		}
		args := make([]any, 0, 4*labelRows)
		for start := 0; start < len(labels); start += labelRows {
			chunk := labels[start:min(start+labelRows, len(labels))]
			args = append(args[:0], model)
			for _, l := range chunk {
				args = append(args, l.ID)
			}
			if err := lookupLabelled(ctx, tx, labelLookupSQL(len(chunk)), len(chunk) == labelRows, args, labelled); err != nil {
				return err
			}
			args = args[:0]
			for _, l := range chunk {
				e, ok := labelled[l.ID]
				if !ok {
					unknown = append(unknown, l.ID)
					continue
				}
				args = append(args, model, l.ID, e.ts, string(l.Label))
			}
			if len(args) == 0 {
				continue
			}
			if err := execLabels(ctx, tx, labelUpsertSQL(len(args)/4), len(args)/4 == labelRows, args); err != nil {
				return err
			}
		}
		if len(labelled) == 0 {
			return nil
		}
		// Late labels: the monitors of the labelled events' versions
		// recompute their windows (the monitor loop, EvaluateAll),
		// recorded with the labels so that neither is kept without the
		// other.
		return markRelabelled(ctx, tx, modelID, labelled)
	})
	if len(unknown) > 0 { // in the order they were sent
		missing := make(map[string]bool, len(unknown))
		for _, id := range unknown {
			missing[id] = true
		}
		unknown = unknown[:0]
		for _, l := range sent {
			if missing[l.ID] {
				unknown = append(unknown, l.ID)
			}
		}
	}
	if err == nil {
		err = s.DB.SyncLog() // acknowledged only once on disk, as events
	}
	return unknown, wrap("attach labels", err)
}

// attachLabelsPG is AttachLabels' reads and writes on PostgreSQL: per
// chunk of pgEventRows labels, one lookup of the IDs and one upsert of
// the labels of the stored ones, the IDs, times and labels as arrays, so
// that each is one short statement (planned once per connection) however
// many rows it carries, where lists of a thousand parameters were parsed
// and planned each time. It adds the events found to labelled and
// returns the IDs not stored.
func attachLabelsPG(ctx context.Context, tx *sqldb.Tx, modelID int64, labels []lodestar.EventLabel, labelled map[string]labelledEvent) ([]string, error) {
	var unknown []string
	for start := 0; start < len(labels); start += pgEventRows {
		chunk := labels[start:min(start+pgEventRows, len(labels))]
		ids := make([]string, len(chunk))
		for i, l := range chunk {
			ids[i] = l.ID
		}
		if err := lookupLabelled(ctx, tx, `SELECT event_id, ts, version_key FROM event_ids WHERE model_id = ? AND event_id = ANY(?::text[])`,
			false, []any{modelID, ids}, labelled); err != nil {
			return nil, err
		}
		ids = ids[:0]
		var ts []int64
		var texts []string
		for _, l := range chunk {
			e, ok := labelled[l.ID]
			if !ok {
				unknown = append(unknown, l.ID)
				continue
			}
			ids, ts, texts = append(ids, l.ID), append(ts, e.ts), append(texts, string(l.Label))
		}
		if len(ids) == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO event_labels (model_id, event_id, ts, label) `+
			`SELECT ?, * FROM unnest(?::text[], ?::bigint[], ?::text[]) `+
			`ON CONFLICT (model_id, event_id) DO UPDATE SET label = excluded.label`, modelID, ids, ts, texts); err != nil {
			return nil, err
		}
	}
	return unknown, nil
}

// lookupLabelled adds to found the events query (labelLookupSQL) finds.
// A full chunk's statement (the usual size) is prepared once per
// connection: parsing a thousand placeholders cost a tenth of a label
// write.
func lookupLabelled(ctx context.Context, tx *sqldb.Tx, query string, full bool, args []any, found map[string]labelledEvent) error {
	var rows *sql.Rows
	var err error
	if full {
		var stmt *sql.Stmt
		if stmt, err = tx.Prepared(ctx, query); err != nil {
			return err
		}
		rows, err = stmt.QueryContext(ctx, args...)
	} else {
		rows, err = tx.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var e labelledEvent
		if err := rows.Scan(&id, &e.ts, &e.key); err != nil {
			return err
		}
		found[id] = e
	}
	return rows.Err()
}

// execLabels runs query (labelUpsertSQL), prepared once per connection
// when full, as lookupLabelled does.
func execLabels(ctx context.Context, tx *sqldb.Tx, query string, full bool, args []any) error {
	if !full {
		_, err := tx.ExecContext(ctx, query, args...)
		return err
	}
	stmt, err := tx.Prepared(ctx, query)
	if err != nil {
		return err
	}
	_, err = stmt.ExecContext(ctx, args...)
	return err
}

// markRelabelled marks, for the monitor loop, the monitors whose windows
// labels just written change: those of the versions the labelled events
// carry, each from the earliest time labelled of its own version. A
// monitor of another version has no labelled event in its windows, and
// one of a retired version is not evaluated any more; both are left
// alone. An event's version is known by its key; only for events stored
// before keys were kept is it read from their batch rows.
func markRelabelled(ctx context.Context, tx *sqldb.Tx, modelID int64, labelled map[string]labelledEvent) error {
	watched, err := watchedVersions(ctx, tx, modelID)
	if err != nil || len(watched) == 0 {
		return err
	}
	byKey := make(map[int64][]string, len(watched))
	for v := range watched {
		k := versionKey(v)
		byKey[k] = append(byKey[k], v)
	}
	earliest := map[string]int64{}
	note := func(v string, ts int64) {
		if cur, ok := earliest[v]; !ok || ts < cur {
			earliest[v] = ts
		}
	}
	var unkeyed map[string]int64 // event ID → time
	for id, e := range labelled {
		if !e.key.Valid {
			if unkeyed == nil {
				unkeyed = map[string]int64{}
			}
			unkeyed[id] = e.ts
			continue
		}
		for _, v := range byKey[e.key.Int64] {
			note(v, e.ts)
		}
	}
	if len(unkeyed) > 0 {
		old, err := labelledVersions(ctx, tx, modelID, unkeyed, watched)
		if err != nil {
			return err
		}
		for v, ts := range old {
			note(v, ts)
		}
	}
	// One version at a time, in one order in every transaction, so that
	// on PostgreSQL two label writes never wait on each other.
	versions := make([]string, 0, len(earliest))
	for v := range earliest {
		versions = append(versions, v)
	}
	slices.Sort(versions)
	for _, v := range versions {
		from := earliest[v]
		if _, err := tx.ExecContext(ctx, `UPDATE monitors SET relabel_n = relabel_n + 1,
			relabel_from = CASE WHEN relabel_from IS NULL OR relabel_from > ? THEN ? ELSE relabel_from END
			WHERE model_id = ? AND version = ?`, from, from, modelID, v); err != nil {
			return err
		}
	}
	return nil
}

// watchedVersions returns the versions of the model that have a monitor
// and are not retired.
func watchedVersions(ctx context.Context, tx *sqldb.Tx, modelID int64) (map[string]bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT DISTINCT m.version FROM monitors m WHERE m.model_id = ?
		AND NOT EXISTS (SELECT 1 FROM model_versions v WHERE v.model_id = m.model_id AND v.version = m.version AND v.status = ?)`,
		modelID, lodestar.ModelRetired)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out[v] = true
	}
	return out, rows.Err()
}

// labelledVersions returns, for each version in want that some labelled
// events (ID → time) carry, the earliest time of those events, read from
// their batch rows (events stored before migration 0029, whose version
// event_ids does not key).
func labelledVersions(ctx context.Context, tx *sqldb.Tx, modelID int64, labelled map[string]int64, want map[string]bool) (map[string]int64, error) {
	out := map[string]int64{}
	err := storedRecords(ctx, tx, modelID, labelled, func(r *record) {
		if v := string(r.version); want[v] {
			if cur, ok := out[v]; !ok || r.ts < cur {
				out[v] = r.ts
			}
		}
	})
	return out, err
}

// storedRecords calls fn with the stored record of each event of events
// (ID → time) that is still stored, read from their batch rows: only the
// rows holding one of the events' times are read, and the reading stops
// once every event is found. The record's slices are valid only during
// the call.
func storedRecords(ctx context.Context, tx *sqldb.Tx, modelID int64, events map[string]int64, fn func(r *record)) error {
	if len(events) == 0 {
		return nil
	}
	times := make([]int64, 0, len(events))
	for _, ts := range events {
		times = append(times, ts)
	}
	slices.Sort(times)
	times = slices.Compact(times)
	type span struct{ id, lo, hi int64 }
	var spans []span
	rows, err := tx.QueryContext(ctx, `SELECT id, min_ts, max_ts FROM event_batches WHERE model_id = ? AND max_ts >= ? AND min_ts <= ? ORDER BY min_ts, id`,
		modelID, times[0], times[len(times)-1])
	if err != nil {
		return err
	}
	for rows.Next() {
		var b span
		if err := rows.Scan(&b.id, &b.lo, &b.hi); err != nil {
			rows.Close()
			return err
		}
		spans = append(spans, b)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	left := maps.Clone(events) // those not found yet
	var recs []record
	var blob []byte
	for _, b := range spans {
		if len(left) == 0 {
			break
		}
		// The events' times within the row's: none, and it holds none of
		// the events.
		i, _ := slices.BinarySearch(times, b.lo)
		j, found := slices.BinarySearch(times, b.hi)
		if found {
			j++
		}
		if i >= j {
			continue
		}
		switch err := tx.QueryRowContext(ctx, `SELECT body FROM event_batches WHERE id = ?`, b.id).Scan(&blob); {
		case isNoRows(err):
			continue // deleted since it was listed (retention): its events are gone
		case err != nil:
			return err
		}
		if recs, err = decodeBlob(recs[:0], blob, times[i], times[j-1]+1, ""); err != nil {
			return err
		}
		for k := range recs {
			r := &recs[k]
			if ts, ok := left[r.id]; !ok || ts != r.ts {
				continue
			}
			delete(left, r.id)
			fn(r)
		}
	}
	return nil
}

// ScanEvents implements lodestar.EventService: a merge of the batch rows
// that overlap [from, to), each sorted by (time, ID), opened only when the
// merge reaches their first event, joined with later labels by time. A
// batch's records are decompressed into a buffer that, once fn has had the
// batch's last event, takes the next batch's: the bodies and labels fn is
// given alias it (the interface's rule), and a batch's IDs are pieces of
// one string (idArena), so that a scan allocates next to nothing per
// event.
func (s *Store) ScanEvents(ctx context.Context, modelID int64, version string, from, to time.Time, fn func(lodestar.StoredEvent) error) error {
	lo, hi := from.UnixMilli(), to.UnixMilli()
	if lo >= hi {
		return nil
	}
	refs, err := s.batchRefs(ctx, modelID, lo, hi)
	if err != nil {
		return wrap("scan events", err)
	}
	if len(refs) == 0 {
		return nil
	}
	labels, err := s.openLabels(ctx, modelID, lo, hi)
	if err != nil {
		return wrap("scan events", err)
	}
	var h cursors
	var spare []*cursor   // batches read to their end: their buffers for the next
	var versions []string // the versions given so far, each one string
	next := 0
	for {
		for next < len(refs) && (len(h) == 0 || refs[next].minTS <= h[0].recs[h[0].i].ts) {
			var c *cursor
			if n := len(spare); n > 0 {
				c, spare = spare[n-1], spare[:n-1]
			} else {
				c = &cursor{}
			}
			found, err := s.readBatch(ctx, refs[next].id, c, lo, hi, version)
			next++
			if err != nil {
				return wrap("scan events", err)
			}
			// A row deleted since it was listed (retention): its events
			// are gone, as a scan begun later would find.
			if found && len(c.recs) > 0 {
				c.i = 0
				heap.Push(&h, c)
			} else {
				spare = append(spare, c)
			}
		}
		if len(h) == 0 {
			if next == len(refs) {
				return wrap("scan events", labels.err)
			}
			continue
		}
		c := h[0]
		r := &c.recs[c.i]
		ver := version
		if ver == "" {
			ver, versions = internVersion(versions, r.version)
		}
		e := lodestar.StoredEvent{ID: r.id, Time: time.UnixMilli(r.ts).UTC(), Version: ver, Body: r.body}
		if l, ok := labels.at(r.ts, r.id); ok {
			e.Label = l
		} else if len(r.label) > 0 {
			e.Label = r.label
		}
		done := false
		if c.i++; c.i == len(c.recs) {
			heap.Pop(&h)
			done = true
		} else {
			heap.Fix(&h, 0)
		}
		if err := fn(e); err != nil {
			return err
		}
		if done {
			spare = append(spare, c)
		}
	}
}

// internVersion returns v as a string, the one in seen when it is there
// (a model's events carry a few versions), else a new one added to seen
// (up to 16).
func internVersion(seen []string, v []byte) (string, []string) {
	for _, s := range seen {
		if s == string(v) {
			return s, seen
		}
	}
	s := string(v)
	if len(seen) < 16 {
		seen = append(seen, s)
	}
	return s, seen
}

// readBatch reads batch row id's records in [lo, hi) (of version, when
// set) into c's buffers; found is false when the row is gone. The blob is
// read as sql.RawBytes, decompressed before the row is closed: not copied
// by database/sql on the way.
func (s *Store) readBatch(ctx context.Context, id int64, c *cursor, lo, hi int64, version string) (found bool, err error) {
	rows, err := s.DB.Query(ctx, `SELECT body FROM event_batches WHERE id = ?`, id)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	if !rows.Next() {
		return false, rows.Err()
	}
	var blob sql.RawBytes
	if err := rows.Scan(&blob); err != nil {
		return false, err
	}
	if c.raw, err = blobRecordsInto(c.raw, blob); err != nil {
		return false, err
	}
	if c.recs, err = scanRecords(c.recs[:0], c.raw, lo, hi, version, &c.ids); err != nil {
		return false, err
	}
	return true, rows.Close()
}

type batchRef struct{ id, minTS int64 }

func (s *Store) batchRefs(ctx context.Context, modelID, lo, hi int64) ([]batchRef, error) {
	return list(ctx, s, `SELECT id, min_ts FROM event_batches WHERE model_id = ? AND max_ts >= ? AND min_ts < ? ORDER BY min_ts, id`,
		[]any{modelID, lo, hi}, func(row interface{ Scan(...any) error }) (batchRef, error) {
			var r batchRef
			err := row.Scan(&r.id, &r.minTS)
			return r, err
		})
}

// cursor is a batch's records in range, and the next one to emit; they
// alias raw, the batch's records decompressed.
type cursor struct {
	recs []record
	i    int
	raw  []byte
	ids  idArena // the records' IDs, one string per batch
}

// cursors is a min-heap of batches by their next record.
type cursors []*cursor

func (h cursors) Len() int { return len(h) }
func (h cursors) Less(i, j int) bool {
	return compareRecords(&h[i].recs[h[i].i], &h[j].recs[h[j].i]) < 0
}
func (h cursors) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *cursors) Push(x any)   { *h = append(*h, x.(*cursor)) }
func (h *cursors) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}

// labelStream reads later labels in time order and holds those of the
// current millisecond, so the scan joins them in bounded memory. It reads
// them a page at a time, each page's rows read whole and closed: a scan
// holding a connection for its labels while it asks the pool for another
// for a batch row would wait forever, were every connection held by a
// scan doing the same.
type labelStream struct {
	s               *Store
	ctx             context.Context
	model, from, hi int64 // the labels not read yet: from ≤ ts < hi
	done            bool  // every label in range is read
	page            []labelRow
	i               int // the next row of page
	ts              int64
	cur             map[string][]byte
	err             error
}

type labelRow struct {
	id    string
	ts    int64
	label []byte
}

// labelPage is how many labels a page of labelStream holds (more when
// that many share one millisecond).
var labelPage = 4096

func (s *Store) openLabels(ctx context.Context, modelID, lo, hi int64) (*labelStream, error) {
	ls := &labelStream{s: s, ctx: ctx, model: modelID, from: lo, hi: hi, ts: minTS, cur: map[string][]byte{}}
	ls.fill()
	return ls, ls.err
}

// fill reads the next page: labelPage labels in time order, less those of
// the last millisecond read unless it had all of them (the next page
// starts at that millisecond), or, when a whole page is one millisecond,
// every label of it.
func (ls *labelStream) fill() {
	ls.page, ls.i = ls.page[:0], 0
	if ls.done || ls.err != nil {
		return
	}
	page, err := ls.read(`ts >= ? AND ts < ? ORDER BY ts LIMIT ?`, ls.from, ls.hi, labelPage)
	switch {
	case err != nil:
		ls.err = err
		return
	case len(page) < labelPage:
		ls.page, ls.done = page, true
		return
	}
	last := page[len(page)-1].ts
	if page[0].ts == last {
		if page, err = ls.read(`ts = ?`, last); err != nil {
			ls.err = err
			return
		}
		ls.page, ls.from = page, last+1
		return
	}
	for len(page) > 0 && page[len(page)-1].ts == last {
		page = page[:len(page)-1]
	}
	ls.page, ls.from = page, last
}

// read returns the model's labels matching cond (a WHERE clause after
// the model's, with its arguments).
func (ls *labelStream) read(cond string, args ...any) ([]labelRow, error) {
	return list(ls.ctx, ls.s, `SELECT event_id, ts, label FROM event_labels WHERE model_id = ? AND `+cond, append([]any{ls.model}, args...),
		func(row interface{ Scan(...any) error }) (labelRow, error) {
			var r labelRow
			var label string
			err := row.Scan(&r.id, &r.ts, &label)
			r.label = []byte(label)
			return r, err
		})
}

// next returns the next label row, if any.
func (ls *labelStream) next() (*labelRow, bool) {
	if ls.i == len(ls.page) {
		ls.fill()
		if ls.i == len(ls.page) {
			return nil, false
		}
	}
	return &ls.page[ls.i], true
}

// at returns the later label of the event (ts, id); calls come in
// non-decreasing ts.
func (ls *labelStream) at(ts int64, id string) ([]byte, bool) {
	if ts != ls.ts {
		clear(ls.cur)
		ls.ts = ts
		for r, ok := ls.next(); ok && r.ts <= ts; r, ok = ls.next() {
			if r.ts == ts {
				ls.cur[r.id] = r.label
			}
			ls.i++
		}
	}
	l, ok := ls.cur[id]
	return l, ok
}

// EventsMark returns a mark of a model's stored events in [from, to) that
// changes when events in that range are added (each ingested batch is a
// new row with a greater ID): the number of batch rows overlapping the
// range and the greatest of their IDs.
func (s *Store) EventsMark(ctx context.Context, modelID int64, from, to time.Time) (int64, int64, error) {
	var n, last int64
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(MAX(id), 0) FROM event_batches WHERE model_id = ? AND max_ts >= ? AND min_ts < ?`,
		modelID, from.UnixMilli(), to.UnixMilli()).Scan(&n, &last)
	return n, last, wrap("events mark", err)
}

// CountEvents implements lodestar.EventService.
func (s *Store) CountEvents(ctx context.Context, modelID int64) (int64, error) {
	var n int64
	err := s.DB.QueryRow(ctx, `SELECT COALESCE(SUM(n), 0) FROM event_batches WHERE model_id = ?`, modelID).Scan(&n)
	return n, wrap("count events", err)
}

// DeleteEventsBefore deletes a model's events older than before — with
// their IDs and later labels — a few batch rows per transaction so none
// holds the write lock for long, and returns how many it deleted. A batch
// row with newer events too is rewritten with just those. Windows already
// evaluated keep their figures.
func (s *Store) DeleteEventsBefore(ctx context.Context, modelID int64, before time.Time) (int64, error) {
	// Events stored before the version counts existed are counted
	// first, or deleting them would take off what was never added.
	if err := s.fillEventVersions(ctx, modelID); err != nil {
		return 0, err
	}
	cut := before.UnixMilli()
	// First the rows all older than the cut, oldest first along the
	// (model, max_ts) index; then, once, the few that straddle it.
	const (
		older     = `SELECT id, body FROM event_batches WHERE model_id = ? AND max_ts < ? ORDER BY max_ts LIMIT 10`
		straddles = `SELECT id, body FROM event_batches WHERE model_id = ? AND max_ts >= ? AND min_ts < ?`
	)
	var total int64
	straddling := false
	for {
		n, more := int64(0), false
		err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
			n, more = 0, false
			type batch struct {
				id   int64
				recs []record
			}
			q, args := older, []any{modelID, cut}
			if straddling {
				q, args = straddles, []any{modelID, cut, cut}
			}
			rows, err := tx.QueryContext(ctx, q, args...)
			if err != nil {
				return err
			}
			var batches []batch
			for rows.Next() {
				var b batch
				var blob []byte
				if err := rows.Scan(&b.id, &blob); err != nil {
					rows.Close()
					return err
				}
				if b.recs, err = decodeBlob(nil, blob, minTS, maxTS, ""); err != nil {
					rows.Close()
					return err
				}
				batches = append(batches, b)
			}
			if err := rows.Close(); err != nil {
				return err
			}
			if err := rows.Err(); err != nil {
				return err
			}
			delID, err := tx.PrepareContext(ctx, s.DB.Rebind(`DELETE FROM event_ids WHERE model_id = ? AND event_id = ?`))
			if err != nil {
				return err
			}
			defer delID.Close()
			delLabel, err := tx.PrepareContext(ctx, s.DB.Rebind(`DELETE FROM event_labels WHERE model_id = ? AND event_id = ?`))
			if err != nil {
				return err
			}
			defer delLabel.Close()
			gone := &versionTally{}
			for _, b := range batches {
				keep := b.recs
				for len(keep) > 0 && keep[0].ts < cut { // records are sorted by time
					res, err := delID.ExecContext(ctx, modelID, keep[0].id)
					if err != nil {
						return err
					}
					// Counted off only by the one deleting its ID: two
					// replicas pruning at once on PostgreSQL both read
					// the row, and the later one's delete finds it gone.
					if k, err := res.RowsAffected(); err != nil {
						return err
					} else if k > 0 {
						gone.addBytes(keep[0].version, keep[0].ts)
					}
					if _, err := delLabel.ExecContext(ctx, modelID, keep[0].id); err != nil {
						return err
					}
					keep = keep[1:]
					n++
				}
				if len(keep) == 0 {
					_, err = tx.ExecContext(ctx, `DELETE FROM event_batches WHERE id = ?`, b.id)
				} else {
					_, err = tx.ExecContext(ctx, `UPDATE event_batches SET min_ts = ?, n = ?, body = ? WHERE id = ?`,
						keep[0].ts, len(keep), encodeKept(keep), b.id)
				}
				if err != nil {
					return err
				}
			}
			more = len(batches) > 0
			return subtractVersionCounts(ctx, tx, modelID, gone)
		})
		if err != nil {
			return total, wrap("delete events", err)
		}
		total += n
		switch {
		case more && !straddling:
		case !straddling:
			straddling = true
		default:
			return total, nil
		}
	}
}

// encodeKept re-encodes decoded records.
func encodeKept(recs []record) []byte {
	events := make([]*lodestar.StoredEvent, len(recs))
	for i, r := range recs {
		events[i] = &lodestar.StoredEvent{ID: r.id, Time: time.UnixMilli(r.ts), Version: string(r.version), Label: r.label, Body: r.body}
	}
	return encodeBlob(events)
}

// orderByID is the indexes 0…n−1 ordered by id(i), and among equal IDs
// by index: the order a sort of the items by ID that keeps their order
// would give, without moving the items.
func orderByID(n int, id func(int) string) []int {
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int {
		if c := strings.Compare(id(a), id(b)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return order
}
