package audit_test

import (
	"context"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// rotated makes a log of 2 unkeyed entries, 3 starting keying under key1,
// 4-5, 6 rotating to key2, 7-8, and leaves db keyed with key2 then key1.
func rotated(t *testing.T, db *sqldb.DB) *audit.Keyring {
	t.Helper()
	appendN(t, db, 2)
	audit.UseKeys(db, ring(t, key1))
	appendN(t, db, 2)
	both := ring(t, key2, key1)
	audit.UseKeys(db, both)
	appendN(t, db, 2)
	mustVerify(t, db, 8)
	return both
}

// TestRetiredKeyCannotKeyLaterEntries: a key is rotated out because it may
// have leaked, yet it is still given to verify to check the entries it
// keyed. Whoever holds it and can write the database must not be able to
// rewrite the entries made since the rotation under it: a key the log has
// moved on from keys no later entry.
func TestRetiredKeyCannotKeyLaterEntries(t *testing.T) {
	t.Parallel()
	old := ring(t, key1).Current()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		both := rotated(t, db)
		rewrite(t, db, 7, func(ev *lodestar.AuditEvent) string { return audit.KeyedHash(ev, old) })
		for _, keys := range []*audit.Keyring{both, nil} {
			rep := verifyWith(t, db, keys)
			if rep.Break == nil || rep.Break.Seq != 7 || !strings.Contains(rep.Break.Reason, "key id "+audit.KeyID(key1)) ||
				!strings.Contains(rep.Break.Reason, "retired at entry 6") {
				t.Errorf("keys %v: entries after the rotation rewritten under the retired key: break %+v, want one at 7", keys, rep.Break)
			}
		}
	})
}

// TestAppendRefusesARetiredKey: a command given only the retired key (or
// the keys in the wrong order) after a rotation must not switch the log
// back to it — that would read as the forgery above — and writes nothing.
func TestAppendRefusesARetiredKey(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		rotated(t, db)
		for _, keys := range []*audit.Keyring{ring(t, key1), ring(t, key1, key2)} {
			audit.UseKeys(db, keys)
			err := db.InTx(ctx, func(tx *sqldb.Tx) error {
				_, err := audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "thing", EntityID: 9})
				return err
			})
			if err == nil || !strings.Contains(err.Error(), "retired") || !strings.Contains(err.Error(), audit.KeyID(key1)) {
				t.Errorf("append under the retired key first (%v): got %v, want a refusal", keys, err)
			}
			if _, err := audit.Start(ctx, db); err == nil || !strings.Contains(err.Error(), "retired") {
				t.Errorf("Start under the retired key first (%v): got %v, want a refusal", keys, err)
			}
		}
		if got := testdb.Count(t, db, "audit_log"); got != 8 {
			t.Errorf("got %d entries, want 8: a refused append wrote", got)
		}
		audit.UseKeys(db, ring(t, key2, key1))
		appendN(t, db, 1)
		mustVerify(t, db, 9)
	})
}

// TestAppendRefusesAKeyThatDropsTheLogsKey: a server or command given a
// key other than the one the log is keyed under, without that one after
// it (a mistyped or regenerated key), must not open a segment under it:
// if that key is then lost, the log can never verify again. Rotation
// keeps the old key after the new one.
func TestAppendRefusesAKeyThatDropsTheLogsKey(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		audit.UseKeys(db, ring(t, key1))
		appendN(t, db, 2)
		audit.UseKeys(db, ring(t, key2))
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			_, err := audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "thing", EntityID: 9})
			return err
		})
		for _, err := range []error{err, func() error { _, err := audit.Start(ctx, db); return err }()} {
			if err == nil || !strings.Contains(err.Error(), "key id "+audit.KeyID(key1)) || !strings.Contains(err.Error(), audit.KeyID(key2)) ||
				!strings.Contains(err.Error(), "none of the keys given") {
				t.Errorf("a key that drops the log's: got %v, want a refusal naming both key ids", err)
			}
		}
		if got := testdb.Count(t, db, "audit_log"); got != 3 {
			t.Errorf("got %d entries, want 3: a refused append wrote", got)
		}
		audit.UseKeys(db, ring(t, key2, key1))
		appendN(t, db, 1)
		mustVerify(t, db, 5)
	})
}
