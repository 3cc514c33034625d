package store_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// forEachDB runs fn on a fresh migrated SQLite database and, when
// LODESTAR_TEST_POSTGRES is set, on a fresh migrated PostgreSQL one.
func forEachDB(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	testdb.ForEach(t, fn)
}

// goodPassword is every test user's password. Argon2id makes each hash
// and check cost tens of milliseconds, so tests create few users.
const goodPassword = "correct horse battery staple"

var adminActor = lodestar.Actor{ID: 1000, Label: "root@example.com", Role: lodestar.RoleAdmin}

// fixture is a store on a fresh database with a fake clock, and a context
// whose actor is adminActor.
type fixture struct {
	t     *testing.T
	db    *sqldb.DB
	s     *store.Store
	clock *testdb.Clock
	ctx   context.Context
}

func newFixture(t *testing.T, db *sqldb.DB) *fixture {
	t.Helper()
	clock := testdb.UseClock(db)
	return &fixture{t: t, db: db, s: store.New(db), clock: clock, ctx: lodestar.WithActor(context.Background(), adminActor)}
}

// seedHash is an argon2id hash of goodPassword, computed once per test
// binary.
var seedHash = sync.OnceValue(func() string {
	h, err := auth.HashPassword(goodPassword)
	if err != nil {
		panic(err)
	}
	return h
})

// seedUser writes a user with goodPassword straight into the users table,
// without an audit entry. Argon2id is slow under -race, and most tests need
// a user rather than the creation of one; those that test creation use
// createUser.
func (f *fixture) seedUser(email string, role lodestar.Role) *lodestar.User {
	f.t.Helper()
	now := sqldb.FormatTime(f.clock.Now())
	name, _, _ := strings.Cut(email, "@")
	_, err := f.db.ExecContext(context.Background(), f.db.Rebind(`INSERT INTO users
		(email, name, role, password_hash, locale, disabled, created_at, updated_at) VALUES (?, ?, ?, ?, '', ?, ?, ?)`),
		email, name, string(role), seedHash(), false, now, now)
	if err != nil {
		f.t.Fatalf("seed user %s: %v", email, err)
	}
	u, err := f.s.FindUserByEmail(context.Background(), email)
	if err != nil {
		f.t.Fatalf("seed user %s: %v", email, err)
	}
	return u
}

// createUser creates a user through the service, audited.
func (f *fixture) createUser(email string, role lodestar.Role) *lodestar.User {
	f.t.Helper()
	u, err := f.s.CreateUser(f.ctx, lodestar.NewUser{Email: email, Role: role, Password: goodPassword})
	if err != nil {
		f.t.Fatalf("CreateUser(%s): %v", email, err)
	}
	return u
}

// tables are the ones whose row counts the tests watch.
var tables = []string{"users", "sessions", "api_tokens", "login_attempts", "use_cases", "audit_log", "audit_head"}

// counts returns the number of rows of every watched table.
func (f *fixture) counts() map[string]int {
	f.t.Helper()
	out := map[string]int{}
	for _, table := range tables {
		out[table] = testdb.Count(f.t, f.db, table)
	}
	return out
}

// wantUnchanged fails unless every watched table has the rows it had.
func (f *fixture) wantUnchanged(before map[string]int) {
	f.t.Helper()
	after := f.counts()
	for _, table := range tables {
		if after[table] != before[table] {
			f.t.Errorf("table %s: got %d rows, want %d (nothing written)", table, after[table], before[table])
		}
	}
}

func (f *fixture) auditCount() int {
	f.t.Helper()
	return testdb.Count(f.t, f.db, "audit_log")
}

// lastEvent returns the newest audit event.
func (f *fixture) lastEvent() *lodestar.AuditEvent {
	f.t.Helper()
	evs, err := f.s.FindEvents(context.Background(), lodestar.AuditFilter{Limit: 1})
	if err != nil {
		f.t.Fatalf("FindEvents: %v", err)
	}
	if len(evs) != 1 {
		f.t.Fatalf("FindEvents: got %d events, want 1", len(evs))
	}
	return evs[0]
}

// verify fails unless the audit chain verifies with want entries.
func (f *fixture) verify(want int64) {
	f.t.Helper()
	n, brk, err := f.s.Verify(context.Background())
	if err != nil || brk != nil || n != want {
		f.t.Errorf("Verify: got (%d, %+v, %v), want (%d, nil, nil)", n, brk, err, want)
	}
}

// wantEvent checks an audit event's actor, action and entity.
func wantEvent(t *testing.T, ev *lodestar.AuditEvent, actor lodestar.Actor, action, entityType string, entityID int64) {
	t.Helper()
	got := fmt.Sprintf("%d/%s %s %s#%s", ev.ActorID, ev.Actor, ev.Action, ev.EntityType, ev.EntityID)
	want := fmt.Sprintf("%d/%s %s %s#%d", actor.ID, actor.Label, action, entityType, entityID)
	if got != want {
		t.Errorf("audit event %d: got %q, want %q", ev.Seq, got, want)
	}
}

// wantError checks that err is a *lodestar.Error with code and, when
// fields are given, that it names exactly those fields.
func wantError(t *testing.T, err error, code string, fields ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("got nil error, want code %q", code)
		return
	}
	if got := lodestar.ErrorCode(err); got != code {
		t.Errorf("got code %q (%v), want %q", got, err, code)
		return
	}
	if len(fields) == 0 {
		return
	}
	var le *lodestar.Error
	errors.As(err, &le)
	got := slices.Sorted(maps.Keys(le.Fields))
	slices.Sort(fields)
	if !slices.Equal(got, fields) {
		t.Errorf("got fields %v, want %v", got, fields)
	}
	for k, msg := range le.Fields {
		if strings.TrimSpace(msg) == "" {
			t.Errorf("field %q has an empty message", k)
		}
	}
}

// injectAuditFailure makes the next audit write fail: at the audit_log
// insert, or at the audit_head write that follows it. It returns a
// function that removes the fault.
func injectAuditFailure(t *testing.T, db *sqldb.DB, table string) (remove func()) {
	t.Helper()
	ctx := context.Background()
	// One connection makes and drops the triggers, named after the table:
	// SQLite checks a CREATE or DROP TRIGGER against the schema the
	// connection has cached, so another pooled connection that last read
	// the schema while an earlier injection's trigger existed refused to
	// create one of the same name ("already exists") — a flaky failure.
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var create, drop []string
	switch db.Dialect {
	case sqldb.SQLite:
		create = []string{
			`CREATE TRIGGER fail_ins_` + table + ` BEFORE INSERT ON ` + table + ` BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END`,
			`CREATE TRIGGER fail_upd_` + table + ` BEFORE UPDATE ON ` + table + ` BEGIN SELECT RAISE(ABORT, 'injected audit failure'); END`,
		}
		drop = []string{`DROP TRIGGER fail_ins_` + table, `DROP TRIGGER fail_upd_` + table}
	case sqldb.Postgres:
		create = []string{
			`CREATE OR REPLACE FUNCTION injected_failure() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN RAISE EXCEPTION 'injected audit failure'; END $$`,
			`CREATE TRIGGER fail_write_` + table + ` BEFORE INSERT OR UPDATE ON ` + table + ` FOR EACH ROW EXECUTE FUNCTION injected_failure()`,
		}
		drop = []string{`DROP TRIGGER fail_write_` + table + ` ON ` + table}
	}
	for _, q := range create {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Close()
			t.Fatalf("inject failure: %s: %v", q, err)
		}
	}
	return func() {
		t.Helper()
		defer conn.Close()
		for _, q := range drop {
			if _, err := conn.ExecContext(ctx, q); err != nil {
				t.Fatalf("remove failure: %s: %v", q, err)
			}
		}
	}
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }
