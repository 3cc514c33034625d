package audit

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"fmt"
	"slices"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// Segment is a run of consecutive entries made the same way: unkeyed, or
// keyed under one key.
type Segment struct {
	KeyID       string // "" for unkeyed entries (plain SHA-256)
	First, Last int64  // entry numbers, inclusive
	// Checked is false for keyed entries under a key that was not given:
	// their links to each other were checked, their hashes could not be.
	Checked bool
}

// Report is the outcome of VerifyKeyed.
type Report struct {
	// Entries counts the entries checked in order before the break, or
	// all of them.
	Entries int64
	// Break is the first break, nil when none was found.
	Break *lodestar.AuditBreak
	// Segments are the log's runs of unkeyed and keyed entries, in order,
	// up to the break.
	Segments []Segment
	// KeysGiven is whether the check had keys.
	KeysGiven bool
}

// Unchecked returns the keyed entries whose hashes could not be checked
// for want of their key.
func (r *Report) Unchecked() (n int64) {
	for _, s := range r.Segments {
		if !s.Checked {
			n += s.Last - s.First + 1
		}
	}
	return n
}

// Keyed returns the number of keyed entries.
func (r *Report) Keyed() (n int64) {
	for _, s := range r.Segments {
		if s.KeyID != "" {
			n += s.Last - s.First + 1
		}
	}
	return n
}

// UncheckedError is Verify's answer when the chain holds but keyed
// entries could not be checked without their key: not a success.
type UncheckedError struct {
	Entries, Unchecked int64
	KeyIDs             []string
}

func (e *UncheckedError) Error() string {
	return fmt.Sprintf("audit chain not verified: %d of its %d entries are keyed (key id %s) and their hashes cannot be checked without the key",
		e.Unchecked, e.Entries, strings.Join(e.KeyIDs, ", "))
}

// Verify walks the whole log in sequence order with db's keys (UseKeys)
// and returns the number of entries checked, and the first break when
// there is one. When the chain holds but keyed entries could not be
// checked for want of their key, the error is an *UncheckedError.
func Verify(ctx context.Context, db *sqldb.DB) (int64, *lodestar.AuditBreak, error) {
	rep, err := VerifyKeyed(ctx, db, KeysOf(db))
	if err != nil {
		return 0, nil, err
	}
	if rep.Break != nil {
		return rep.Entries, rep.Break, nil
	}
	if u := rep.Unchecked(); u > 0 {
		e := &UncheckedError{Entries: rep.Entries, Unchecked: u}
		for _, s := range rep.Segments {
			if !s.Checked && !slices.Contains(e.KeyIDs, s.KeyID) {
				e.KeyIDs = append(e.KeyIDs, s.KeyID)
			}
		}
		return rep.Entries, nil, e
	}
	return rep.Entries, nil, nil
}

// VerifyKeyed walks the whole log in sequence order. Unkeyed entries are
// checked by their hash; keyed ones by their HMAC under the key their hash
// names, which must be one of keys. Keys are to be every key the log was
// ever keyed under: an entry under any other key id is a break. Without
// keys (nil), keyed entries' links are checked but their hashes are not:
// the report's Unchecked says how many. Either way an unkeyed entry after
// a keyed one is a break, since the server never writes one.
func VerifyKeyed(ctx context.Context, db *sqldb.DB, keys *Keyring) (*Report, error) {
	// Read the head and the log in one snapshot; otherwise an entry appended
	// between the two reads looks like a truncated log.
	opts := &sql.TxOptions{ReadOnly: true}
	if db.Dialect == sqldb.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rep := &Report{KeysGiven: keys != nil}
	var headSeq int64
	headHash := Genesis
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash)
	if isNoRows(err) {
		// The head is seeded by the migrations and cannot be deleted
		// without dropping a trigger: its absence is tampering.
		rep.Break = &lodestar.AuditBreak{Seq: 1, Reason: "the audit head is missing: the log and its head were removed"}
		return rep, nil
	} else if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, at, actor_id, actor, action, entity_type, entity_id,
		before_json, after_json, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var lastSeq, firstKeyed int64
	lastHash := Genesis
	retired := map[string]retirement{}
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		if rep.Break = checkEntry(ev, lastSeq, lastHash, firstKeyed, keys); rep.Break != nil {
			return rep, nil
		}
		id := KeyIDOf(ev.Hash)
		if id != "" && firstKeyed == 0 {
			firstKeyed = ev.Seq
		}
		if n := len(rep.Segments); n > 0 && rep.Segments[n-1].KeyID == id {
			rep.Segments[n-1].Last = ev.Seq
		} else {
			// A key the log has moved on from keys no later entry: it is
			// kept only to check the entries it keyed, and a key is
			// rotated out because it may have leaked.
			if r, ok := retired[id]; ok {
				rep.Break = &lodestar.AuditBreak{Seq: ev.Seq, Reason: fmt.Sprintf(
					"entry %d is keyed under key id %s, which the log retired at entry %d (for key id %s): entries since were rewritten with the retired key",
					ev.Seq, id, r.seq, r.by)}
				return rep, nil
			}
			if n > 0 && rep.Segments[n-1].KeyID != "" {
				retired[rep.Segments[n-1].KeyID] = retirement{ev.Seq, id}
			}
			rep.Segments = append(rep.Segments, Segment{KeyID: id, First: ev.Seq, Last: ev.Seq, Checked: id == "" || keys != nil})
		}
		rep.Entries++
		lastSeq, lastHash = ev.Seq, ev.Hash
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if headSeq != lastSeq || headHash != lastHash {
		rep.Break = &lodestar.AuditBreak{Seq: lastSeq + 1, Reason: fmt.Sprintf(
			"the log ends at entry %d but its head records entry %d: entries were removed from the end or the head was altered", lastSeq, headSeq)}
	}
	return rep, nil
}

// retirement is where the log moved on from a key: the entry that opened
// the next key's segment, and that key's id.
type retirement struct {
	seq int64
	by  string
}

// checkEntry checks ev, which follows entry lastSeq of hash lastHash in a
// log keyed from entry firstKeyed (0: not keyed so far), and returns the
// break it makes, or nil.
func checkEntry(ev *lodestar.AuditEvent, lastSeq int64, lastHash string, firstKeyed int64, keys *Keyring) *lodestar.AuditBreak {
	brk := func(format string, args ...any) *lodestar.AuditBreak {
		return &lodestar.AuditBreak{Seq: ev.Seq, Reason: fmt.Sprintf(format, args...)}
	}
	switch {
	case ev.Seq != lastSeq+1:
		return &lodestar.AuditBreak{Seq: lastSeq + 1, Reason: fmt.Sprintf(
			"entry %d is missing (the next entry present is %d): rows were deleted", lastSeq+1, ev.Seq)}
	case ev.PrevHash != lastHash:
		return brk("entry %d does not follow entry %d: its previous-hash does not match (rows reordered, replaced or edited)", ev.Seq, lastSeq)
	}
	id := KeyIDOf(ev.Hash)
	if id == "" {
		if strings.HasPrefix(ev.Hash, keyedPrefix) {
			return brk("entry %d was edited: its hash is not a well-formed keyed hash", ev.Seq)
		}
		if firstKeyed > 0 {
			return brk("entry %d is unkeyed, but the log is keyed from entry %d: entries after it were rewritten without the key", ev.Seq, firstKeyed)
		}
		if Hash(ev) != ev.Hash {
			return brk("entry %d was edited: its content no longer matches its hash", ev.Seq)
		}
		return nil
	}
	if keys == nil {
		return nil // its link was checked; its hash needs the key
	}
	k, ok := keys.lookup(id)
	if !ok {
		return brk("entry %d is keyed under key id %s, which is none of the keys given (%s): it was written with another key, or that key was left out",
			ev.Seq, id, strings.Join(keys.IDs(), ", "))
	}
	if !hmac.Equal([]byte(KeyedHash(ev, k)), []byte(ev.Hash)) {
		return brk("entry %d was edited: its content no longer matches its keyed hash (key id %s)", ev.Seq, id)
	}
	return nil
}

type scanner interface{ Scan(dest ...any) error }

func scanEvent(s scanner) (*lodestar.AuditEvent, error) {
	ev := &lodestar.AuditEvent{}
	err := s.Scan(&ev.Seq, sqldb.Time{T: &ev.At}, &ev.ActorID, &ev.Actor, &ev.Action, &ev.EntityType,
		&ev.EntityID, &ev.Before, &ev.After, &ev.PrevHash, &ev.Hash)
	return ev, err
}

// Find returns events matching f, newest first.
func Find(ctx context.Context, db *sqldb.DB, f lodestar.AuditFilter) ([]*lodestar.AuditEvent, error) {
	var where []string
	var args []any
	add := func(cond string, v any) { where = append(where, cond); args = append(args, v) }
	if f.Actor != "" {
		add("actor = ?", f.Actor)
	}
	if f.Action != "" {
		add("action = ?", f.Action)
	}
	if f.EntityType != "" {
		add("entity_type = ?", f.EntityType)
	}
	if f.EntityID != "" {
		add("entity_id = ?", f.EntityID)
	}
	if f.Before > 0 && !f.ByTime {
		add("seq < ?", f.Before)
	}
	// Times are stored as fixed-width UTC text: they compare as text.
	if !f.From.IsZero() {
		add("at >= ?", sqldb.FormatTime(f.From))
	}
	if !f.To.IsZero() {
		add("at < ?", sqldb.FormatTime(f.To))
	}
	for _, a := range f.ExcludeActions {
		add("action <> ?", a)
	}
	q := `SELECT seq, at, actor_id, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, hash FROM audit_log`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	if f.ByTime {
		q += " ORDER BY at DESC, seq DESC LIMIT ?"
	} else {
		q += " ORDER BY seq DESC LIMIT ?"
	}
	args = append(args, limit)
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*lodestar.AuditEvent
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// HashAt returns the hash of entry seq, or "" when the log has no such
// entry. An anchor — an entry's number and hash kept outside the database
// — shows later that the log still holds that entry: a log rebuilt from
// scratch by someone who can write the database verifies as a chain, but
// cannot reproduce the anchored hash.
func HashAt(ctx context.Context, db *sqldb.DB, seq int64) (string, error) {
	var h string
	err := db.QueryRowContext(ctx, db.Rebind(`SELECT hash FROM audit_log WHERE seq = ?`), seq).Scan(&h)
	if isNoRows(err) {
		return "", nil
	}
	return h, err
}
