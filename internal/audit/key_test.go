package audit_test

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

var (
	key1     = []byte("first-audit-key-0123456789abcdef-xyz")
	key2     = []byte("second-audit-key-0123456789abcdef-xyz")
	attacker = []byte("mallorys-own-key-0123456789abcdef-xyz")
)

func ring(t *testing.T, secrets ...[]byte) *audit.Keyring {
	t.Helper()
	r, err := audit.NewKeyring(secrets)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return r
}

// macHash recomputes a keyed entry's hash from the documented form,
// independently of audit.KeyedHash: hmac-sha256:ID:HMAC(key, canonical
// array followed by the key id).
func macHash(ev *lodestar.AuditEvent, secret []byte, id string) string {
	b, _ := json.Marshal([]any{ev.Seq, ev.At.UTC().Format("2006-01-02T15:04:05.000000Z"), ev.ActorID, ev.Actor,
		ev.Action, ev.EntityType, ev.EntityID, ev.Before, ev.After, ev.PrevHash, id})
	m := hmac.New(sha256.New, secret)
	m.Write(b)
	return "hmac-sha256:" + id + ":" + hex.EncodeToString(m.Sum(nil))
}

func verifyWith(t *testing.T, db *sqldb.DB, keys *audit.Keyring) *audit.Report {
	t.Helper()
	rep, err := audit.VerifyKeyed(context.Background(), db, keys)
	if err != nil {
		t.Fatalf("VerifyKeyed: %v", err)
	}
	return rep
}

func segments(rep *audit.Report) string {
	var parts []string
	for _, s := range rep.Segments {
		id := s.KeyID
		if id == "" {
			id = "plain"
		}
		parts = append(parts, fmt.Sprintf("%d-%d:%s:%v", s.First, s.Last, id, s.Checked))
	}
	return strings.Join(parts, " ")
}

func TestKeyedChainVerifies(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		r := ring(t, key1)
		id := audit.KeyID(key1)
		audit.UseKeys(db, r)
		evs := appendN(t, db, 4)
		// The first keyed append is preceded by the entry that records
		// the start of keying and its key id.
		if evs[0].Seq != 2 || evs[0].PrevHash == audit.Genesis {
			t.Fatalf("first change: seq %d prev %s, want seq 2 after the keying entry", evs[0].Seq, evs[0].PrevHash)
		}
		marker, err := audit.Find(context.Background(), db, lodestar.AuditFilter{Action: "start_key"})
		if err != nil || len(marker) != 1 {
			t.Fatalf("keying entries: %v (%v), want 1", marker, err)
		}
		if m := marker[0]; m.Seq != 1 || m.EntityType != "audit_log" || m.After != `{"key_id":"`+id+`"}` || m.Hash != macHash(m, key1, id) {
			t.Errorf("keying entry: %+v", m)
		}
		for _, ev := range evs {
			if want := macHash(ev, key1, id); ev.Hash != want {
				t.Errorf("entry %d: hash %s, want %s", ev.Seq, ev.Hash, want)
			}
			if ev.Hash == audit.Hash(ev) {
				t.Errorf("entry %d is unkeyed", ev.Seq)
			}
		}
		rep := verifyWith(t, db, r)
		if rep.Break != nil || rep.Entries != 5 || rep.Unchecked() != 0 || segments(rep) != "1-5:"+id+":true" {
			t.Errorf("report: %+v %s", rep, segments(rep))
		}
		mustVerify(t, db, 5) // Verify uses the database's keys
		// Not one byte of the key is in the log.
		rows, err := audit.Find(context.Background(), db, lodestar.AuditFilter{})
		if err != nil {
			t.Fatal(err)
		}
		for _, ev := range rows {
			if b, _ := json.Marshal(ev); bytes.Contains(b, key1) {
				t.Errorf("entry %d holds the key", ev.Seq)
			}
		}
	})
}

func TestPlainThenKeyedAndRotation(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		id1, id2 := audit.KeyID(key1), audit.KeyID(key2)
		appendN(t, db, 2) // 1-2 unkeyed, written before any key was set
		audit.UseKeys(db, ring(t, key1))
		appendN(t, db, 2) // 3 starts keying, 4-5
		mustVerify(t, db, 5)
		if got := segments(verifyWith(t, db, ring(t, key1))); got != "1-2:plain:true 3-5:"+id1+":true" {
			t.Errorf("mixed: segments %s", got)
		}

		both := ring(t, key2, key1) // rotated: key2 signs, key1 still checks
		audit.UseKeys(db, both)
		appendN(t, db, 2) // 6 records the change of key, 7-8
		m, err := audit.Find(context.Background(), db, lodestar.AuditFilter{Action: "start_key"})
		if err != nil || len(m) != 2 || m[0].Seq != 6 || m[0].After != `{"key_id":"`+id2+`","previous_key_id":"`+id1+`"}` {
			t.Fatalf("keying entries after rotation: %+v (%v)", m, err)
		}
		rep := verifyWith(t, db, both)
		if rep.Break != nil || rep.Entries != 8 || segments(rep) != "1-2:plain:true 3-5:"+id1+":true 6-8:"+id2+":true" {
			t.Errorf("rotated, both keys: break %+v, segments %s", rep.Break, segments(rep))
		}
		mustVerify(t, db, 8)

		// The old key left out: its entries are not ours to trust.
		rep = verifyWith(t, db, ring(t, key2))
		if rep.Break == nil || rep.Break.Seq != 3 || !strings.Contains(rep.Break.Reason, "none of the keys given") {
			t.Errorf("without the old key: break %+v, want one at 3", rep.Break)
		}
		// No key: the links hold, but six entries are unchecked.
		rep = verifyWith(t, db, nil)
		if rep.Break != nil || rep.Unchecked() != 6 || segments(rep) != "1-2:plain:true 3-5:"+id1+":false 6-8:"+id2+":false" {
			t.Errorf("no key: break %+v, unchecked %d, segments %s", rep.Break, rep.Unchecked(), segments(rep))
		}
	})
}

func TestVerifyWithoutKeyIsNotSuccess(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		audit.UseKeys(db, ring(t, key1))
		appendN(t, db, 3)
		audit.UseKeys(db, nil)
		n, brk, err := audit.Verify(context.Background(), db)
		var u *audit.UncheckedError
		if brk != nil || !errors.As(err, &u) || u.Unchecked != 4 || u.Entries != 4 || fmt.Sprint(u.KeyIDs) != "["+audit.KeyID(key1)+"]" {
			t.Fatalf("Verify without the key: got (%d, %+v, %v), want an UncheckedError for 4 entries", n, brk, err)
		}
		if !strings.Contains(err.Error(), "not verified") || strings.Contains(err.Error(), string(key1)) {
			t.Errorf("error %q", err)
		}
	})
}

// rewrite plays the attacker who can write the database: it changes entry
// from's after_json, recomputes every hash from there with hash, and
// writes the rows and the head back, so the chain's links all hold.
func rewrite(t *testing.T, db *sqldb.DB, from int64, hash func(*lodestar.AuditEvent) string) {
	t.Helper()
	ctx := context.Background()
	testdb.DropAuditTriggers(t, db)
	evs, err := audit.Find(ctx, db, lodestar.AuditFilter{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	prev := audit.Genesis
	for i := len(evs) - 1; i >= 0; i-- { // oldest first
		ev := evs[i]
		if ev.Seq < from {
			prev = ev.Hash
			continue
		}
		if ev.Seq == from {
			ev.After = `{"forged":true}`
		}
		ev.PrevHash = prev
		ev.Hash = hash(ev)
		exec(t, db, `UPDATE audit_log SET after_json = ?, prev_hash = ?, hash = ? WHERE seq = ?`, ev.After, ev.PrevHash, ev.Hash, ev.Seq)
		prev = ev.Hash
	}
	exec(t, db, `UPDATE audit_head SET hash = ? WHERE id = 1`, prev)
}

func TestKeyedChainCatchesRewrites(t *testing.T) {
	t.Parallel()
	otherID := audit.KeyID(attacker)
	forged := ring(t, attacker).Current()
	tests := []struct {
		name       string
		from       int64
		hash       func(*lodestar.AuditEvent) string
		wantSeq    int64
		wantReason string
		// caughtWithoutKey: the break shows even to a check with no key.
		caughtWithoutKey bool
	}{
		{"recomputed plain hashes", 6, audit.Hash, 6, "is unkeyed, but the log is keyed from entry 4", true},
		{"another key", 6, func(ev *lodestar.AuditEvent) string { return audit.KeyedHash(ev, forged) }, 6,
			"keyed under key id " + otherID + ", which is none of the keys given", false},
		{"another key under the real key id", 6, func(ev *lodestar.AuditEvent) string {
			return macHash(ev, attacker, audit.KeyID(key1))
		}, 6, "entry 6 was edited: its content no longer matches its keyed hash", false},
		{"the first keyed entry, as plain", 4, audit.Hash, 0, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachDB(t, func(t *testing.T, db *sqldb.DB) {
				appendN(t, db, 3)
				r := ring(t, key1)
				audit.UseKeys(db, r)
				appendN(t, db, 4) // 4 starts keying; 5-8
				mustVerify(t, db, 8)
				rewrite(t, db, tt.from, tt.hash)
				rep := verifyWith(t, db, r)
				if tt.wantSeq == 0 {
					// Every keyed entry turned unkeyed: the chain holds, but
					// a check given the key finds nothing keyed under it,
					// which is what audit verify reports as not verified.
					if rep.Break != nil || !rep.KeysGiven || rep.Keyed() != 0 {
						t.Fatalf("full downgrade: break %+v, keyed %d", rep.Break, rep.Keyed())
					}
					return
				}
				if rep.Break == nil || rep.Break.Seq != tt.wantSeq || !strings.Contains(rep.Break.Reason, tt.wantReason) {
					t.Fatalf("with the key: break %+v, want one at %d saying %q", rep.Break, tt.wantSeq, tt.wantReason)
				}
				rep = verifyWith(t, db, nil)
				if tt.caughtWithoutKey && (rep.Break == nil || rep.Break.Seq != tt.wantSeq) {
					t.Errorf("without the key: break %+v, want one at %d", rep.Break, tt.wantSeq)
				}
				if !tt.caughtWithoutKey && (rep.Break != nil || rep.Unchecked() == 0) {
					t.Errorf("without the key: break %+v, unchecked %d; want no break and unchecked entries", rep.Break, rep.Unchecked())
				}
			})
		})
	}
}

func TestKeyedLogRefusesUnkeyedWrites(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		audit.UseKeys(db, ring(t, key1))
		appendN(t, db, 2)
		audit.UseKeys(db, nil)
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			_, err := audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "thing", EntityID: 9})
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "LODESTAR_AUDIT_KEY") || !strings.Contains(err.Error(), audit.KeyID(key1)) {
			t.Errorf("append without the key: got %v, want a refusal naming the key id and how to set the key", err)
		}
		if _, err := audit.Start(ctx, db); err == nil || !strings.Contains(err.Error(), "no audit key is set") {
			t.Errorf("Start without the key: got %v, want a refusal", err)
		}
		if got := testdb.Count(t, db, "audit_log"); got != 3 {
			t.Errorf("got %d entries, want 3", got)
		}
	})
}

func TestStart(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if ev, err := audit.Start(ctx, db); ev != nil || err != nil {
			t.Fatalf("Start without keys on an unkeyed log: (%v, %v), want nothing", ev, err)
		}
		appendN(t, db, 1)
		audit.UseKeys(db, ring(t, key1))
		ev, err := audit.Start(ctx, db)
		if err != nil || ev == nil || ev.Seq != 2 || ev.Action != "start_key" {
			t.Fatalf("Start with a key: (%+v, %v), want the keying entry at 2", ev, err)
		}
		if ev, err := audit.Start(ctx, db); ev != nil || err != nil {
			t.Errorf("Start again: (%v, %v), want nothing (already keyed)", ev, err)
		}
		appendN(t, db, 1)
		if got := testdb.Count(t, db, "audit_log"); got != 3 {
			t.Errorf("got %d entries, want 3 (one keying entry)", got)
		}
		mustVerify(t, db, 3)
	})
}

func TestNewKeyring(t *testing.T) {
	t.Parallel()
	short := []byte("only-twenty-bytes-xx")
	if _, err := audit.NewKeyring([][]byte{key1, short}); err == nil ||
		!strings.Contains(err.Error(), "audit key 2 of 2 is 20 bytes") || !strings.Contains(err.Error(), "at least 32") || strings.Contains(err.Error(), string(short)) {
		t.Errorf("short key: got %v", err)
	}
	if _, err := audit.NewKeyring([][]byte{key1, key2, key1}); err == nil || !strings.Contains(err.Error(), "1 and 3 are the same key") {
		t.Errorf("repeated key: got %v", err)
	}
	if r, err := audit.NewKeyring(nil); r != nil || err != nil {
		t.Errorf("no keys: got (%v, %v), want (nil, nil)", r, err)
	}
	if id := audit.KeyID(key1); len(id) != 16 || id == audit.KeyID(key2) {
		t.Errorf("key ids %s, %s", id, audit.KeyID(key2))
	}
	// No printed form of a key or keyring shows the key.
	r := ring(t, key1, key2)
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("keys", "ring", r, "key", r.Current())
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("keys", "ring", r, "key", r.Current())
	out := fmt.Sprintf("%v %+v %#v %s %v %+v %#v", r, r, r, r.Current(), r.Current(), r.Current(), r.Current()) + logged.String()
	for _, secret := range [][]byte{key1, key2} {
		if strings.Contains(out, string(secret)) || strings.Contains(out, fmt.Sprint(secret)) || strings.Contains(out, hex.EncodeToString(secret)) {
			t.Errorf("a printed keyring shows a key: %s", out)
		}
	}
	if !strings.Contains(out, audit.KeyID(key1)) {
		t.Errorf("printed keyring %q does not name its key ids", out)
	}
}

// TestKeyedAppendsConcurrently appends from several connections under a
// key: the chain stays linear, with one keying entry.
func TestKeyedAppendsConcurrently(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		appendN(t, db, 2)
		audit.UseKeys(db, ring(t, key1))
		const writers, each = 4, 8
		_, errs := startWriters(ctx, db, writers, each)
		for err := range errs {
			t.Errorf("append: %v", err)
		}
		rep := verifyWith(t, db, audit.KeysOf(db))
		if rep.Break != nil || rep.Entries != 2+1+writers*each || segments(rep) != fmt.Sprintf("1-2:plain:true 3-%d:%s:true", 2+1+writers*each, audit.KeyID(key1)) {
			t.Errorf("break %+v, %d entries, segments %s", rep.Break, rep.Entries, segments(rep))
		}
	})
}
