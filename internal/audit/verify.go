package audit

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// Verify walks the whole log in sequence order and returns the number of
// entries checked, and the first break when there is one.
func Verify(ctx context.Context, db *sqldb.DB) (int64, *lodestar.AuditBreak, error) {
	// Read the head and the log in one snapshot; otherwise an entry appended
	// between the two reads looks like a truncated log.
	opts := &sql.TxOptions{ReadOnly: true}
	if db.Dialect == sqldb.Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	tx, err := db.BeginTx(ctx, opts)
	if err != nil {
		return 0, nil, err
	}
	defer tx.Rollback()
	var headSeq int64
	headHash := Genesis
	err = tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash)
	if isNoRows(err) {
		// The head is seeded by the migrations and cannot be deleted
		// without dropping a trigger: its absence is tampering.
		return 0, &lodestar.AuditBreak{Seq: 1, Reason: "the audit head is missing: the log and its head were removed"}, nil
	} else if err != nil {
		return 0, nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT seq, at, actor_id, actor, action, entity_type, entity_id,
		before_json, after_json, prev_hash, hash FROM audit_log ORDER BY seq`)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var n, lastSeq int64
	lastHash := Genesis
	for rows.Next() {
		ev, err := scanEvent(rows)
		if err != nil {
			return n, nil, err
		}
		switch {
		case ev.Seq != lastSeq+1:
			return n, &lodestar.AuditBreak{Seq: lastSeq + 1, Reason: fmt.Sprintf(
				"entry %d is missing (the next entry present is %d): rows were deleted", lastSeq+1, ev.Seq)}, nil
		case ev.PrevHash != lastHash:
			return n, &lodestar.AuditBreak{Seq: ev.Seq, Reason: fmt.Sprintf(
				"entry %d does not follow entry %d: its previous-hash does not match (rows reordered, replaced or edited)", ev.Seq, lastSeq)}, nil
		case Hash(ev) != ev.Hash:
			return n, &lodestar.AuditBreak{Seq: ev.Seq, Reason: fmt.Sprintf(
				"entry %d was edited: its content no longer matches its hash", ev.Seq)}, nil
		}
		n++
		lastSeq, lastHash = ev.Seq, ev.Hash
	}
	if err := rows.Err(); err != nil {
		return n, nil, err
	}
	if headSeq != lastSeq || headHash != lastHash {
		return n, &lodestar.AuditBreak{Seq: lastSeq + 1, Reason: fmt.Sprintf(
			"the log ends at entry %d but its head records entry %d: entries were removed from the end or the head was altered", lastSeq, headSeq)}, nil
	}
	return n, nil, nil
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
