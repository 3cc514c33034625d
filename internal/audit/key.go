package audit

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// MinKeyLen is the length, in bytes, below which an audit key is refused.
const MinKeyLen = 32

// keyedPrefix starts a keyed entry's hash, which reads
// "hmac-sha256:KEYID:MAC": the key id (16 hex digits) and the 64-hex
// HMAC-SHA-256 under that key of the entry's canonical form and key id.
// An unkeyed entry's hash is 64 hex digits alone, so each entry says how
// it was made and the log needs no column of its own for it.
const keyedPrefix = "hmac-sha256:"

// keyIDLen is the length of a key id in hex digits.
const keyIDLen = 16

// Key is one audit key. Its printed forms (String, GoString, LogValue)
// give the key id alone: the secret is never written anywhere.
type Key struct {
	id     string
	secret []byte
}

// ID returns the key id: 16 hex digits of a hash of the key, which names
// it in the log and in messages and does not reveal it.
func (k Key) ID() string { return k.id }

func (k Key) String() string       { return "audit key " + k.id }
func (k Key) GoString() string     { return k.String() }
func (k Key) LogValue() slog.Value { return slog.StringValue(k.id) }

// KeyID returns the key id of secret.
func KeyID(secret []byte) string {
	sum := sha256.Sum256(append([]byte("lodestar audit key id\x00"), secret...))
	return hex.EncodeToString(sum[:keyIDLen/2])
}

// Keyring holds the audit keys of a process: the first keys new entries,
// and every one of them is used to check the entries made under it.
type Keyring struct{ keys []Key }

// NewKeyring makes a keyring of secrets, the current key first and then
// earlier ones, kept to check the entries they keyed. It refuses a key
// shorter than MinKeyLen and a key given twice; no secrets is a nil
// keyring (the log is not keyed). Its errors name keys by their place in
// the list and by key id, never by content.
func NewKeyring(secrets [][]byte) (*Keyring, error) {
	if len(secrets) == 0 {
		return nil, nil
	}
	r := &Keyring{}
	seen := map[string]int{}
	for i, s := range secrets {
		if len(s) < MinKeyLen {
			return nil, fmt.Errorf("audit key %d of %d is %d bytes long: an audit key must be at least %d bytes (make one with: openssl rand -hex 32)",
				i+1, len(secrets), len(s), MinKeyLen)
		}
		k := Key{id: KeyID(s), secret: append([]byte(nil), s...)}
		if j, ok := seen[k.id]; ok {
			return nil, fmt.Errorf("audit keys %d and %d are the same key (key id %s): list each key once", j+1, i+1, k.id)
		}
		seen[k.id] = i
		r.keys = append(r.keys, k)
	}
	return r, nil
}

// Current returns the key new entries are made under.
func (r *Keyring) Current() Key { return r.keys[0] }

// IDs returns the key ids, the current key's first.
func (r *Keyring) IDs() []string {
	ids := make([]string, len(r.keys))
	for i, k := range r.keys {
		ids[i] = k.id
	}
	return ids
}

func (r *Keyring) lookup(id string) (Key, bool) {
	for _, k := range r.keys {
		if k.id == id {
			return k, true
		}
	}
	return Key{}, false
}

func (r *Keyring) String() string {
	if r == nil {
		return "no audit keys"
	}
	return "audit keys " + strings.Join(r.IDs(), ", ")
}
func (r *Keyring) GoString() string     { return r.String() }
func (r *Keyring) LogValue() slog.Value { return slog.StringValue(r.String()) }

// UseKeys makes db's new audit entries keyed under r's current key, and
// Verify check with r; nil leaves them unkeyed. Call it before the
// database is used.
func UseKeys(db *sqldb.DB, r *Keyring) {
	if r == nil {
		db.AuditKeys = nil
		return
	}
	db.AuditKeys = r
}

// KeysOf returns the keys UseKeys gave db, or nil.
func KeysOf(db *sqldb.DB) *Keyring {
	r, _ := db.AuditKeys.(*Keyring)
	return r
}

// KeyIDOf returns the key id an entry's hash was made under, "" when it
// is an unkeyed (plain SHA-256) hash or the genesis.
func KeyIDOf(hash string) string {
	id, _, ok := parseKeyed(hash)
	if !ok {
		return ""
	}
	return id
}

// parseKeyed splits a keyed hash; ok is false for anything else.
func parseKeyed(hash string) (id, mac string, ok bool) {
	rest, found := strings.CutPrefix(hash, keyedPrefix)
	if !found {
		return "", "", false
	}
	id, mac, found = strings.Cut(rest, ":")
	if !found || !isHex(id, keyIDLen) || !isHex(mac, 64) {
		return "", "", false
	}
	return id, mac, true
}

// IsHash reports whether s has the form of an entry's hash, keyed or not
// (an anchor's hash, say).
func IsHash(s string) bool {
	_, _, keyed := parseKeyed(s)
	return keyed || isHex(s, 64)
}

func isHex(s string, n int) bool {
	return len(s) == n && strings.Trim(s, "0123456789abcdef") == ""
}

// KeyedHash returns an entry's hash under k: the HMAC-SHA-256 of its
// canonical form followed by the key id, so that the id an entry claims
// is covered too.
func KeyedHash(ev *lodestar.AuditEvent, k Key) string {
	mac := hmac.New(sha256.New, k.secret)
	mac.Write(canonical(ev, k.id))
	return keyedPrefix + k.id + ":" + hex.EncodeToString(mac.Sum(nil))
}

// markerChange is the entry that opens a keyed segment: keying begins, or
// the key changes. It names the key ids, never a key.
func markerChange(r *Keyring, prevHash string) Change {
	return Change{Action: "start_key", EntityType: "audit_log", After: struct {
		KeyID         string `json:"key_id"`
		PreviousKeyID string `json:"previous_key_id,omitempty"`
	}{r.Current().id, KeyIDOf(prevHash)}}
}

// errNoKey is Append's and Start's refusal to extend a keyed log without
// a key: an unkeyed entry after keyed ones reads as tampering.
func errNoKey(seq int64, prevHash string) error {
	return fmt.Errorf("the audit log is keyed (entry %d is under key id %s) and no audit key is set: set LODESTAR_AUDIT_KEY or --audit-key-file; "+
		"an entry added without the key would read as tampering", seq, KeyIDOf(prevHash))
}

// opensSegment reports whether the next entry of a log whose last entry
// is seq, of hash prevHash, opens a segment under r's current key (keying
// begins, or the key changes), the marker entry (markerChange) coming
// first. It is Append's and Start's one rule: it refuses an entry without
// a key after keyed ones (errNoKey), and a segment under a retired key
// (refuseRetired).
func opensSegment(ctx context.Context, tx *sqldb.Tx, r *Keyring, seq int64, prevHash string) (bool, error) {
	id := KeyIDOf(prevHash)
	switch {
	case r == nil && id != "":
		return false, errNoKey(seq, prevHash)
	case r == nil || id == r.Current().id:
		return false, nil
	}
	if err := refuseRetired(ctx, tx, r, seq, prevHash); err != nil {
		return false, err
	}
	return true, nil
}

// refuseRetired is Append's and Start's refusal to open a segment under a
// key the log has moved on from: the key given first is a retired one
// (given alone, or the keys in the wrong order). Verify reads such a
// segment as a forgery with a leaked old key. It reads the log only when
// a segment is to be opened, which is rare. It refuses too a change of
// key that drops the key the log is keyed under (a mistyped or
// regenerated key): were the new key then lost, the log could never
// verify again.
func refuseRetired(ctx context.Context, tx *sqldb.Tx, r *Keyring, seq int64, prevHash string) error {
	var last sql.NullInt64
	err := tx.QueryRowContext(ctx, `SELECT MAX(seq) FROM audit_log WHERE hash LIKE ?`, keyedPrefix+r.Current().id+":%").Scan(&last)
	if err != nil {
		return fmt.Errorf("audit keys: %w", err)
	}
	if !last.Valid {
		if id := KeyIDOf(prevHash); id != "" {
			if _, ok := r.lookup(id); !ok {
				return fmt.Errorf("the audit log is keyed under key id %s (entry %d), which is none of the keys given (%s): give the key it is keyed under; "+
					"to rotate, put the new key first and keep the old one after it, which audit verify needs to check the entries it keyed",
					id, seq, strings.Join(r.IDs(), ", "))
			}
		}
		return nil
	}
	return fmt.Errorf("the first audit key given (key id %s) is a retired one: the log moved on from it after entry %d, and entry %d is under key id %s; "+
		"put the current key first (LODESTAR_AUDIT_KEY=current,older or the key file's first line): a retired key is kept only to check the entries it keyed",
		r.Current().id, last.Int64, seq, KeyIDOf(prevHash))
}

// Start readies the log for this process's keys, at server start. With no
// key it refuses a log whose last entry is keyed; with keys, when the last
// entry is not under the current key, it appends the entry that records
// that keying begins (or that the key changed), and returns it, so the
// new segment shows in the log at once rather than with the next change.
func Start(ctx context.Context, db *sqldb.DB) (*lodestar.AuditEvent, error) {
	var marker *lodestar.AuditEvent
	err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		seq, prevHash, err := lockHead(ctx, tx)
		if err != nil {
			return err
		}
		r := KeysOf(db)
		if open, err := opensSegment(ctx, tx, r, seq, prevHash); err != nil || !open {
			return err
		}
		if marker, err = insert(ctx, tx, r, seq, prevHash, markerChange(r, prevHash)); err != nil {
			return err
		}
		return setHead(ctx, tx, marker)
	})
	if err != nil {
		return nil, err
	}
	return marker, nil
}
