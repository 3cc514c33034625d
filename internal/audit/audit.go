// Package audit keeps Lodestar's append-only, hash-chained log of changes.
// Each entry's hash covers its own fields and the previous entry's hash, so
// editing, deleting or reordering any row breaks the chain at that row; a
// head row records the last entry, so truncating the tail is caught too.
// With an audit key (UseKeys) each new entry's hash is an HMAC under the
// key, which is not in the database: whoever can write the database can no
// longer rebuild the chain after an edit.
package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// Genesis is the previous-hash of the first entry.
var Genesis = strings.Repeat("0", 64)

// Change is what a service records about one change.
type Change struct {
	Action     string // verb, e.g. "create", "update", "disable"
	EntityType string // e.g. "use_case", "user"
	EntityID   int64
	Before     any // nil when created
	After      any // nil when deleted
}

// Append writes one entry for c inside tx, the transaction that makes the
// change, so both commit or neither does. When the database has audit keys
// (UseKeys) the entry is keyed under the current one; when the log's last
// entry is not under that key, an entry recording the start of keying (or
// the change of key) comes first.
func Append(ctx context.Context, tx *sqldb.Tx, c Change) (*lodestar.AuditEvent, error) {
	prevSeq, prevHash, err := lockHead(ctx, tx)
	if err != nil {
		return nil, err
	}
	r := KeysOf(tx.DB())
	open, err := opensSegment(ctx, tx, r, prevSeq, prevHash)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if open {
		marker, err := insert(ctx, tx, r, prevSeq, prevHash, markerChange(r, prevHash))
		if err != nil {
			return nil, err
		}
		prevSeq, prevHash = marker.Seq, marker.Hash
	}
	ev, err := insert(ctx, tx, r, prevSeq, prevHash, c)
	if err != nil {
		return nil, err
	}
	if err := setHead(ctx, tx, ev); err != nil {
		return nil, err
	}
	return ev, nil
}

// lockHead takes the log for the rest of tx and returns its head: the last
// entry's number and hash.
func lockHead(ctx context.Context, tx *sqldb.Tx) (int64, string, error) {
	if tx.Dialect() == sqldb.Postgres {
		// One appender at a time keeps the chain linear across connections
		// and replicas. SQLite's immediate transactions already serialise.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7210002)`); err != nil {
			return 0, "", fmt.Errorf("audit lock: %w", err)
		}
	}
	prevSeq, prevHash := int64(0), Genesis
	err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&prevSeq, &prevHash)
	if isNoRows(err) {
		return 0, "", fmt.Errorf("audit head: the head row is missing; the log cannot be extended (run lodestar audit verify)")
	} else if err != nil {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return prevSeq, prevHash, nil
}

// insert writes c as the entry after prevSeq, keyed under r's current key
// when r is not nil.
func insert(ctx context.Context, tx *sqldb.Tx, r *Keyring, prevSeq int64, prevHash string, c Change) (*lodestar.AuditEvent, error) {
	before, err := encode(c.Before)
	if err != nil {
		return nil, err
	}
	after, err := encode(c.After)
	if err != nil {
		return nil, err
	}
	actor := lodestar.ActorFrom(ctx)
	ev := &lodestar.AuditEvent{
		Seq: prevSeq + 1, At: tx.Now, ActorID: actor.ID, Actor: actor.Label,
		Action: c.Action, EntityType: c.EntityType, EntityID: strconv.FormatInt(c.EntityID, 10),
		Before: before, After: after, PrevHash: prevHash,
	}
	if r != nil {
		ev.Hash = KeyedHash(ev, r.Current())
	} else {
		ev.Hash = Hash(ev)
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO audit_log
		(seq, at, actor_id, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.Seq, sqldb.FormatTime(ev.At), ev.ActorID, ev.Actor, ev.Action, ev.EntityType, ev.EntityID,
		ev.Before, ev.After, ev.PrevHash, ev.Hash)
	if err != nil {
		return nil, fmt.Errorf("audit insert: %w", err)
	}
	return ev, nil
}

// setHead records ev as the log's last entry.
func setHead(ctx context.Context, tx *sqldb.Tx, ev *lodestar.AuditEvent) error {
	res, err := tx.ExecContext(ctx, `UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1`, ev.Seq, ev.Hash)
	if err != nil {
		return fmt.Errorf("audit head: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("audit head: the head row is missing; the log cannot be extended (run lodestar audit verify)")
	}
	return nil
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func encode(v any) (string, error) {
	if v == nil {
		return "", nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("audit encode: %w", err)
	}
	return string(b), nil
}

// Hash returns the hex SHA-256 of an entry's canonical form: its fields as
// a JSON array, so no field boundary can be shifted into another.
func Hash(ev *lodestar.AuditEvent) string {
	sum := sha256.Sum256(canonical(ev))
	return hex.EncodeToString(sum[:])
}

// canonical is an entry's fields as a JSON array, followed by extra (a
// keyed entry's key id).
func canonical(ev *lodestar.AuditEvent, extra ...any) []byte {
	canon, _ := json.Marshal(append([]any{
		ev.Seq, sqldb.FormatTime(ev.At), ev.ActorID, ev.Actor, ev.Action, ev.EntityType, ev.EntityID,
		ev.Before, ev.After, ev.PrevHash,
	}, extra...))
	return canon
}
