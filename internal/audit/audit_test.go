package audit_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

func forEachDB(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	testdb.ForEach(t, fn)
}

type thing struct {
	Name  string `json:"name"`
	Count int    `json:"count"`
}

// appendN appends n events in their own transactions, alternating actors
// and actions, and returns them.
func appendN(t *testing.T, db *sqldb.DB, n int) []*lodestar.AuditEvent {
	t.Helper()
	ctx := context.Background()
	var out []*lodestar.AuditEvent
	for i := 1; i <= n; i++ {
		c := audit.Change{Action: "create", EntityType: "thing", EntityID: int64(i), After: thing{"t" + strconv.Itoa(i), i}}
		actx := ctx
		if i%2 == 0 {
			c = audit.Change{Action: "update", EntityType: "thing", EntityID: int64(i - 1),
				Before: thing{"t" + strconv.Itoa(i-1), i - 1}, After: thing{"t" + strconv.Itoa(i-1), i}}
			actx = lodestar.WithActor(ctx, lodestar.Actor{ID: 42, Label: "ada@example.com", Role: lodestar.RoleAdmin})
		}
		err := db.InTx(actx, func(tx *sqldb.Tx) error {
			ev, err := audit.Append(actx, tx, c)
			out = append(out, ev)
			return err
		})
		if err != nil {
			t.Fatalf("append %d: %v", i, err)
		}
	}
	return out
}

func mustVerify(t *testing.T, db *sqldb.DB, want int64) {
	t.Helper()
	n, brk, err := audit.Verify(context.Background(), db)
	if err != nil || brk != nil || n != want {
		t.Fatalf("Verify: got (%d, %+v, %v), want (%d, nil, nil)", n, brk, err, want)
	}
}

// canonicalHash recomputes an entry's hash from the documented canonical
// form, independently of audit.Hash, so a change to the form (which would
// orphan every existing chain) fails the test.
func canonicalHash(ev *lodestar.AuditEvent) string {
	b, _ := json.Marshal([]any{ev.Seq, ev.At.UTC().Format("2006-01-02T15:04:05.000000Z"), ev.ActorID, ev.Actor,
		ev.Action, ev.EntityType, ev.EntityID, ev.Before, ev.After, ev.PrevHash})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func TestAppendChain(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		clock := testdb.UseClock(db)
		evs := appendN(t, db, 4)
		prev := audit.Genesis
		for i, ev := range evs {
			if ev.Seq != int64(i+1) {
				t.Errorf("event %d: got seq %d, want %d", i, ev.Seq, i+1)
			}
			if ev.PrevHash != prev {
				t.Errorf("event %d: got prev hash %s, want %s", ev.Seq, ev.PrevHash, prev)
			}
			if want := canonicalHash(ev); ev.Hash != want || audit.Hash(ev) != want {
				t.Errorf("event %d: got hash %s (recomputed %s), want %s", ev.Seq, ev.Hash, audit.Hash(ev), want)
			}
			if !ev.At.Equal(clock.Now()) {
				t.Errorf("event %d: got time %v, want %v", ev.Seq, ev.At, clock.Now())
			}
			prev = ev.Hash
		}
		if len(audit.Genesis) != 64 || strings.Trim(audit.Genesis, "0") != "" {
			t.Errorf("Genesis = %q, want 64 zeros", audit.Genesis)
		}

		tests := []struct {
			seq                                 int64
			actorID                             int64
			actor, action, entityType, entityID string
			before, after                       string
		}{
			{1, 0, "system", "create", "thing", "1", "", `{"name":"t1","count":1}`},
			{2, 42, "ada@example.com", "update", "thing", "1", `{"name":"t1","count":1}`, `{"name":"t1","count":2}`},
			{3, 0, "system", "create", "thing", "3", "", `{"name":"t3","count":3}`},
		}
		for _, tt := range tests {
			ev := evs[tt.seq-1]
			got := []any{ev.ActorID, ev.Actor, ev.Action, ev.EntityType, ev.EntityID, ev.Before, ev.After}
			want := []any{tt.actorID, tt.actor, tt.action, tt.entityType, tt.entityID, tt.before, tt.after}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("event %d: got %q, want %q", tt.seq, got, want)
			}
		}

		var headSeq int64
		var headHash string
		if err := db.QueryRow(context.Background(), `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&headSeq, &headHash); err != nil {
			t.Fatal(err)
		}
		if headSeq != 4 || headHash != evs[3].Hash {
			t.Errorf("head: got (%d, %s), want (4, %s)", headSeq, headHash, evs[3].Hash)
		}
		mustVerify(t, db, 4)
	})
}

func TestHashCoversEveryField(t *testing.T) {
	t.Parallel()
	base := lodestar.AuditEvent{Seq: 7, At: time.Date(2030, 1, 2, 3, 4, 5, 6000, time.UTC), ActorID: 3, Actor: "ab",
		Action: "c", EntityType: "user", EntityID: "9", Before: `{"a":1}`, After: `{"a":2}`, PrevHash: strings.Repeat("1", 64)}
	h := audit.Hash(&base)
	if want := canonicalHash(&base); h != want {
		t.Fatalf("Hash: got %s, want %s", h, want)
	}
	changes := map[string]func(e *lodestar.AuditEvent){
		"seq":         func(e *lodestar.AuditEvent) { e.Seq++ },
		"at":          func(e *lodestar.AuditEvent) { e.At = e.At.Add(time.Microsecond) },
		"actor id":    func(e *lodestar.AuditEvent) { e.ActorID++ },
		"actor":       func(e *lodestar.AuditEvent) { e.Actor = "ax" },
		"action":      func(e *lodestar.AuditEvent) { e.Action = "d" },
		"entity type": func(e *lodestar.AuditEvent) { e.EntityType = "use_case" },
		"entity id":   func(e *lodestar.AuditEvent) { e.EntityID = "10" },
		"before":      func(e *lodestar.AuditEvent) { e.Before = `{"a":0}` },
		"after":       func(e *lodestar.AuditEvent) { e.After = `{"a":3}` },
		"prev hash":   func(e *lodestar.AuditEvent) { e.PrevHash = strings.Repeat("2", 64) },
		// Shifting text across a field boundary must change the hash too.
		"boundary": func(e *lodestar.AuditEvent) { e.Actor, e.Action = "a", "bc" },
	}
	for name, change := range changes {
		e := base
		change(&e)
		if audit.Hash(&e) == h {
			t.Errorf("changing %s leaves the hash unchanged", name)
		}
	}
	e := base
	e.Hash = "anything"
	if audit.Hash(&e) != h {
		t.Errorf("the hash depends on the Hash field itself")
	}
}

func TestVerifyEmpty(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		mustVerify(t, db, 0)
	})
}

func exec(t *testing.T, db *sqldb.DB, q string, args ...any) {
	t.Helper()
	if _, err := db.ExecContext(context.Background(), db.Rebind(q), args...); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// row holds every audit_log column but seq.
type row struct {
	at, actor, action, entityType, entityID, before, after, prevHash, hash string
	actorID                                                                int64
}

func readRow(t *testing.T, db *sqldb.DB, seq int64) row {
	t.Helper()
	var r row
	err := db.QueryRow(context.Background(), `SELECT at, actor_id, actor, action, entity_type, entity_id, before_json, after_json, prev_hash, hash
		FROM audit_log WHERE seq = ?`, seq).Scan(&r.at, &r.actorID, &r.actor, &r.action, &r.entityType, &r.entityID,
		&r.before, &r.after, &r.prevHash, &r.hash)
	if err != nil {
		t.Fatalf("read row %d: %v", seq, err)
	}
	return r
}

func writeRow(t *testing.T, db *sqldb.DB, seq int64, r row) {
	t.Helper()
	exec(t, db, `UPDATE audit_log SET at = ?, actor_id = ?, actor = ?, action = ?, entity_type = ?, entity_id = ?,
		before_json = ?, after_json = ?, prev_hash = ?, hash = ? WHERE seq = ?`,
		r.at, r.actorID, r.actor, r.action, r.entityType, r.entityID, r.before, r.after, r.prevHash, r.hash, seq)
}

func TestVerifyDetectsTampering(t *testing.T) {
	t.Parallel()
	const n = 5
	tests := []struct {
		name       string
		tamper     func(t *testing.T, db *sqldb.DB, evs []*lodestar.AuditEvent)
		wantSeq    int64
		wantN      int64    // entries that verified before the break
		wantReason []string // substrings of the reason
	}{
		{"edit after_json", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			exec(t, db, `UPDATE audit_log SET after_json = ? WHERE seq = ?`, `{"name":"t3","count":300}`, 3)
		}, 3, 2, []string{"entry 3", "edited"}},
		{"edit actor of the first entry", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			exec(t, db, `UPDATE audit_log SET actor = ? WHERE seq = ?`, "mallory", 1)
		}, 1, 0, []string{"entry 1", "edited"}},
		{"edit timestamp", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			exec(t, db, `UPDATE audit_log SET at = ? WHERE seq = ?`, "2000-01-01T00:00:00.000000Z", 4)
		}, 4, 3, []string{"entry 4", "edited"}},
		{"edit and rehash", func(t *testing.T, db *sqldb.DB, evs []*lodestar.AuditEvent) {
			ev := *evs[2]
			ev.After = `{"name":"t3","count":300}`
			ev.Hash = audit.Hash(&ev)
			exec(t, db, `UPDATE audit_log SET after_json = ?, hash = ? WHERE seq = ?`, ev.After, ev.Hash, 3)
		}, 4, 3, []string{"entry 4", "does not follow entry 3"}},
		{"delete a middle row", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			exec(t, db, `DELETE FROM audit_log WHERE seq = ?`, 3)
		}, 3, 2, []string{"entry 3 is missing", "deleted"}},
		{"delete the first row", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			exec(t, db, `DELETE FROM audit_log WHERE seq = ?`, 1)
		}, 1, 0, []string{"entry 1 is missing"}},
		{"swap two rows' contents", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			r2, r3 := readRow(t, db, 2), readRow(t, db, 3)
			writeRow(t, db, 2, r3)
			writeRow(t, db, 3, r2)
		}, 2, 1, []string{"entry 2", "reordered"}},
		{"delete the last row", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			exec(t, db, `DELETE FROM audit_log WHERE seq = ?`, n)
		}, n, n - 1, []string{"head records entry 5", "removed from the end"}},
		{"delete the last two rows", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			exec(t, db, `DELETE FROM audit_log WHERE seq >= ?`, n-1)
		}, n - 1, n - 2, []string{"ends at entry 3", "head records entry 5"}},
		{"delete every row", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			exec(t, db, `DELETE FROM audit_log`)
		}, 1, 0, []string{"ends at entry 0", "head records entry 5"}},
		{"alter the head hash", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			exec(t, db, `UPDATE audit_head SET hash = ? WHERE id = 1`, strings.Repeat("f", 64))
		}, n + 1, n, []string{"head was altered"}},
		{"delete the head", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			exec(t, db, `DELETE FROM audit_head`)
		}, 1, 0, []string{"head is missing"}},
		{"delete every row and the head", func(t *testing.T, db *sqldb.DB, _ []*lodestar.AuditEvent) {
			exec(t, db, `DELETE FROM audit_log`)
			exec(t, db, `DELETE FROM audit_head`)
		}, 1, 0, []string{"head is missing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			forEachDB(t, func(t *testing.T, db *sqldb.DB) {
				evs := appendN(t, db, n)
				mustVerify(t, db, n)
				testdb.DropAuditTriggers(t, db)
				tt.tamper(t, db, evs)
				got, brk, err := audit.Verify(context.Background(), db)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if brk == nil {
					t.Fatalf("Verify: got no break after tampering, want a break at %d", tt.wantSeq)
				}
				if brk.Seq != tt.wantSeq {
					t.Errorf("break at %d (%s), want %d", brk.Seq, brk.Reason, tt.wantSeq)
				}
				if got != tt.wantN {
					t.Errorf("got %d entries verified before the break, want %d", got, tt.wantN)
				}
				for _, want := range tt.wantReason {
					if !strings.Contains(brk.Reason, want) {
						t.Errorf("reason %q does not contain %q", brk.Reason, want)
					}
				}
			})
		})
	}
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		appendN(t, db, 3)
		ctx := context.Background()
		stmts := []string{
			`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`,
			`UPDATE audit_log SET after_json = ''`,
			`DELETE FROM audit_log WHERE seq = 3`,
			`DELETE FROM audit_log`,
		}
		for _, q := range stmts {
			_, err := db.ExecContext(ctx, q)
			if err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: got %v, want an error saying audit_log is append-only", q, err)
			}
		}
		if got := testdb.Count(t, db, "audit_log"); got != 3 {
			t.Errorf("got %d rows, want 3", got)
		}
		mustVerify(t, db, 3)
	})
}

func TestAppendRollsBackWithItsTransaction(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		boom := errors.New("boom")
		fail := func() {
			t.Helper()
			err := db.InTx(ctx, func(tx *sqldb.Tx) error {
				if _, err := audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "thing", EntityID: 99}); err != nil {
					return err
				}
				return boom // the change after the audit entry fails
			})
			if !errors.Is(err, boom) {
				t.Fatalf("InTx: got %v, want %v", err, boom)
			}
		}

		fail() // on an empty log: the seeded head must stay at the genesis
		var headSeq int64
		if err := db.QueryRow(ctx, `SELECT seq FROM audit_head WHERE id = 1`).Scan(&headSeq); err != nil || headSeq != 0 {
			t.Errorf("after a rolled-back first append: head at %d (%v), want 0", headSeq, err)
		}
		if got := testdb.Count(t, db, "audit_log"); got != 0 {
			t.Errorf("after a rolled-back first append: got %d audit rows, want 0", got)
		}
		mustVerify(t, db, 0)

		evs := appendN(t, db, 2)
		fail()
		if got := testdb.Count(t, db, "audit_log"); got != 2 {
			t.Errorf("after a rolled-back append: got %d rows, want 2", got)
		}
		mustVerify(t, db, 2)
		next := appendN(t, db, 1)[0]
		if next.Seq != 3 || next.PrevHash != evs[1].Hash {
			t.Errorf("append after rollback: got seq %d prev %s, want 3 and %s", next.Seq, next.PrevHash, evs[1].Hash)
		}
		mustVerify(t, db, 3)
	})
}

func TestAppendRejectsUnencodable(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			_, err := audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "thing", EntityID: 1, After: make(chan int)})
			return err
		})
		if err == nil || !strings.Contains(err.Error(), "audit encode") {
			t.Errorf("got %v, want an audit encode error", err)
		}
		if got := testdb.Count(t, db, "audit_log"); got != 0 {
			t.Errorf("got %d rows, want 0", got)
		}
	})
}

func TestFind(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		appendN(t, db, 6) // odd seqs: system creates thing seq; even: ada updates thing seq-1
		tests := []struct {
			name string
			f    lodestar.AuditFilter
			want []int64
		}{
			{"all", lodestar.AuditFilter{}, []int64{6, 5, 4, 3, 2, 1}},
			{"by actor", lodestar.AuditFilter{Actor: "ada@example.com"}, []int64{6, 4, 2}},
			{"by action", lodestar.AuditFilter{Action: "create"}, []int64{5, 3, 1}},
			{"by entity", lodestar.AuditFilter{EntityType: "thing", EntityID: "3"}, []int64{4, 3}},
			{"by entity type", lodestar.AuditFilter{EntityType: "user"}, nil},
			{"before cursor", lodestar.AuditFilter{Before: 4}, []int64{3, 2, 1}},
			{"limit", lodestar.AuditFilter{Limit: 2}, []int64{6, 5}},
			{"cursor and limit", lodestar.AuditFilter{Before: 6, Limit: 2}, []int64{5, 4}},
			{"combined", lodestar.AuditFilter{Actor: "system", Action: "create", Before: 5}, []int64{3, 1}},
			{"no match", lodestar.AuditFilter{Actor: "nobody"}, nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				evs, err := audit.Find(context.Background(), db, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, ev := range evs {
					got = append(got, ev.Seq)
					if ev.Hash != audit.Hash(ev) {
						t.Errorf("event %d read back with a hash that does not match its content", ev.Seq)
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("got seqs %v, want %v", got, tt.want)
				}
			})
		}
	})
}

// TestVerifyWhileAppending checks that Verify, run while other connections
// append, never reports a break: the chain it reads and the head it checks
// against must come from the same moment.
func TestVerifyWhileAppending(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		appendN(t, db, 3)
		const writers, each = 3, 15
		done, errs := startWriters(ctx, db, writers, each)
		checks := 0
	loop:
		for {
			select {
			case <-done:
				break loop
			default:
			}
			n, brk, err := audit.Verify(ctx, db)
			if err != nil || brk != nil {
				t.Errorf("Verify during appends: got (%d, %+v, %v), want no break and no error", n, brk, err)
				break
			}
			checks++
		}
		for err := range errs {
			t.Errorf("append: %v", err)
		}
		mustVerify(t, db, 3+writers*each)
		t.Logf("%d verifications ran during the appends", checks)
	})
}

// startWriters starts writers goroutines appending each entries apiece, in
// a transaction each; done closes when all have ended, and errs (closed
// then) holds what went wrong.
func startWriters(ctx context.Context, db *sqldb.DB, writers, each int) (done <-chan struct{}, errs <-chan error) {
	var wg sync.WaitGroup
	fail := make(chan error, writers)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				err := db.InTx(ctx, func(tx *sqldb.Tx) error {
					_, err := audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "thing", EntityID: int64(w*100 + i)})
					return err
				})
				if err != nil {
					fail <- err
					return
				}
			}
		})
	}
	end := make(chan struct{})
	go func() { wg.Wait(); close(fail); close(end) }()
	return end, fail
}

// TestFindByTimeRange checks From (inclusive) and To (exclusive) on both
// databases, alone, together and with the other filters, including
// events within the same second.
func TestFindByTimeRange(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		clock := testdb.UseClock(db)
		day := func(d int) time.Time { return time.Date(2026, 3, d, 9, 0, 0, 0, time.UTC) }
		// Seqs 1–6 on March 1, 2, 2 (half a second later), 3, 4, 5.
		for i, at := range []time.Time{day(1), day(2), day(2).Add(500 * time.Millisecond), day(3), day(4), day(5)} {
			clock.Set(at)
			appendOne(t, db, i+1)
		}
		for _, tt := range []struct {
			name string
			f    lodestar.AuditFilter
			want []int64
		}{
			{"from", lodestar.AuditFilter{From: day(3)}, []int64{6, 5, 4}},
			{"to", lodestar.AuditFilter{To: day(3)}, []int64{3, 2, 1}},
			{"both", lodestar.AuditFilter{From: day(2), To: day(4)}, []int64{4, 3, 2}},
			{"inside one second", lodestar.AuditFilter{From: day(2).Add(time.Millisecond), To: day(2).Add(time.Second)}, []int64{3}},
			{"with a cursor", lodestar.AuditFilter{From: day(2), Before: 4}, []int64{3, 2}},
			{"with an action", lodestar.AuditFilter{From: day(2), To: day(5), Action: "update"}, []int64{4, 2}},
			{"empty", lodestar.AuditFilter{From: day(6)}, nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				evs, err := audit.Find(context.Background(), db, tt.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []int64
				for _, ev := range evs {
					got = append(got, ev.Seq)
				}
				if fmt.Sprint(got) != fmt.Sprint(tt.want) {
					t.Errorf("got seqs %v, want %v", got, tt.want)
				}
			})
		}
	})
}

// appendOne appends appendN's i-th event alone.
func appendOne(t *testing.T, db *sqldb.DB, i int) {
	t.Helper()
	ctx := context.Background()
	c := audit.Change{Action: "create", EntityType: "thing", EntityID: int64(i), After: thing{"t" + strconv.Itoa(i), i}}
	if i%2 == 0 {
		c = audit.Change{Action: "update", EntityType: "thing", EntityID: int64(i - 1), After: thing{"t" + strconv.Itoa(i-1), i}}
	}
	if err := db.InTx(ctx, func(tx *sqldb.Tx) error { _, err := audit.Append(ctx, tx, c); return err }); err != nil {
		t.Fatalf("append %d: %v", i, err)
	}
}
