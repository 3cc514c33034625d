// Package testdb gives tests a fresh, migrated database on either dialect:
// SQLite in a temporary directory always, and PostgreSQL when the
// environment variable LODESTAR_TEST_POSTGRES holds a DSN (a postgres:// URL
// to a database the tests may create schemas in). Every PostgreSQL test gets
// its own schema, selected through search_path and dropped in t.Cleanup, so
// tests are isolated and may run in parallel.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// EnvPostgres names the environment variable holding the PostgreSQL DSN.
const EnvPostgres = "LODESTAR_TEST_POSTGRES"

// Dialects lists the dialects ForEach runs, in order.
var Dialects = []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres}

// Open returns a fresh, migrated SQLite database in t.TempDir().
func Open(t testing.TB) *sqldb.DB {
	t.Helper()
	return OpenDialect(t, sqldb.SQLite)
}

// OpenPostgres returns a fresh, migrated PostgreSQL database in a schema of
// its own; it skips the test when LODESTAR_TEST_POSTGRES is empty.
func OpenPostgres(t testing.TB) *sqldb.DB {
	t.Helper()
	return OpenDialect(t, sqldb.Postgres)
}

// OpenDialect returns a fresh, migrated database of dialect d.
func OpenDialect(t testing.TB, d sqldb.Dialect) *sqldb.DB {
	t.Helper()
	var db *sqldb.DB
	if d == sqldb.SQLite {
		db = openSQLiteCopy(t)
	} else {
		db = OpenEmpty(t, d)
	}
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatalf("testdb: migrate %s: %v", d, err)
	}
	return db
}

// OpenEmpty returns a fresh database of dialect d that is not migrated.
func OpenEmpty(t testing.TB, d sqldb.Dialect) *sqldb.DB {
	t.Helper()
	var db *sqldb.DB
	var err error
	switch d {
	case sqldb.SQLite:
		db, err = sqldb.Open(context.Background(), t.TempDir(), "")
	case sqldb.Postgres:
		db, err = sqldb.Open(context.Background(), "", PostgresURL(t))
	default:
		t.Fatalf("testdb: unknown dialect %q", d)
	}
	if err != nil {
		t.Fatalf("testdb: open %s: %v", d, err)
	}
	// Registered after PostgresURL's cleanup, so it runs first: the pool is
	// closed before its schema is dropped.
	t.Cleanup(func() { db.Close() })
	return db
}

// ForEach runs fn as the subtests "sqlite" and "postgres", each on a fresh
// migrated database. The postgres subtest is skipped, and only skipped,
// when LODESTAR_TEST_POSTGRES is empty.
func ForEach(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			fn(t, OpenDialect(t, d))
		})
	}
}

// ForEachEmpty is ForEach with databases that are not migrated.
func ForEachEmpty(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			fn(t, OpenEmpty(t, d))
		})
	}
}

var template struct {
	once sync.Once
	file []byte
	err  error
}

// sqliteTemplate returns the bytes of a freshly migrated SQLite database.
func sqliteTemplate() ([]byte, error) {
	template.once.Do(func() {
		ctx := context.Background()
		dir, err := os.MkdirTemp("", "lodestar-testdb-")
		if err != nil {
			template.err = err
			return
		}
		defer os.RemoveAll(dir)
		db, err := sqldb.Open(ctx, dir, "")
		if err != nil {
			template.err = err
			return
		}
		_, err = db.Migrate(ctx)
		if err == nil {
			// Fold the write-ahead log into the database file.
			_, err = db.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`)
		}
		if cerr := db.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			template.err = err
			return
		}
		template.file, template.err = os.ReadFile(filepath.Join(dir, sqldb.SQLiteFile))
	})
	return template.file, template.err
}

// openSQLiteCopy opens, in t.TempDir(), a copy of a database migrated once
// per test binary. Migrating costs most of a second under -race, since the
// SQLite engine is Go code the race detector instruments; copying the file
// costs next to nothing. Each test still gets a database of its own.
func openSQLiteCopy(t testing.TB) *sqldb.DB {
	t.Helper()
	file, err := sqliteTemplate()
	if err != nil {
		t.Fatalf("testdb: template database: %v", err)
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, sqldb.SQLiteFile), file, 0o600); err != nil {
		t.Fatalf("testdb: %v", err)
	}
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatalf("testdb: open sqlite: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var admin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// adminDB is one shared connection pool to the DSN's database, used only to
// create and drop the per-test schemas.
func adminDB(dsn string) (*sql.DB, error) {
	admin.once.Do(func() {
		admin.db, admin.err = sql.Open("pgx", dsn)
		if admin.err == nil {
			admin.db.SetMaxOpenConns(4)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			admin.err = admin.db.PingContext(ctx)
		}
	})
	return admin.db, admin.err
}

// PostgresURL creates an empty schema for t and returns a DSN whose
// search_path selects it; the schema is dropped when t ends. It skips t
// when LODESTAR_TEST_POSTGRES is empty.
func PostgresURL(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(EnvPostgres)
	if dsn == "" {
		t.Skip(EnvPostgres + " is not set; skipping PostgreSQL")
	}
	u, err := url.Parse(dsn)
	if err != nil || !sqldb.IsPostgresURL(dsn) {
		t.Fatalf("testdb: %s must be a postgres:// URL (got parse error %v)", EnvPostgres, err)
	}
	adb, err := adminDB(dsn)
	if err != nil {
		t.Fatalf("testdb: connect to %s: %v", EnvPostgres, err)
	}
	b := make([]byte, 8)
	rand.Read(b)
	schema := "t_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := adb.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("testdb: create schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := adb.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("testdb: drop schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Clock is a settable clock for sqldb.DB.Now, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Epoch is where a new Clock starts.
var Epoch = time.Date(2030, time.March, 4, 5, 6, 7, 0, time.UTC)

// UseClock installs a Clock starting at Epoch as db's clock and returns it.
// Call it before the database is used concurrently.
func UseClock(db *sqldb.DB) *Clock {
	c := &Clock{now: Epoch}
	db.Now = c.Now
	return c
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Set moves the clock to at.
func (c *Clock) Set(at time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = at
}

// Count returns the number of rows in table.
func Count(t testing.TB, db *sqldb.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(context.Background(), "SELECT COUNT(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// DropAuditTriggers removes the append-only triggers from audit_log, so a
// test can tamper with it the way someone with direct database access could.
func DropAuditTriggers(t testing.TB, db *sqldb.DB) {
	t.Helper()
	var stmts []string
	switch db.Dialect {
	case sqldb.SQLite:
		stmts = []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`, `DROP TRIGGER audit_head_no_delete`}
	case sqldb.Postgres:
		stmts = []string{`DROP TRIGGER audit_log_no_change ON audit_log`, `DROP TRIGGER audit_head_no_delete ON audit_head`}
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(context.Background(), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// RowRoleURL returns url (a PostgresURL) signed in as a new role that may
// use the schema url selects and read and write the rows of its tables —
// SELECT, INSERT, UPDATE, DELETE on every table, USAGE and SELECT on every
// sequence, now and made later by url's user — but neither create in the
// schema nor alter its tables: an application's least-privilege role. The
// role is dropped when t ends. Call it after migrating.
func RowRoleURL(t testing.TB, dsn string) string {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	schema := u.Query().Get("search_path")
	if schema == "" {
		t.Fatalf("testdb: RowRoleURL needs a PostgresURL (with its search_path)")
	}
	adb, err := adminDB(os.Getenv(EnvPostgres))
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	role := "app_" + hex.EncodeToString(b)
	ctx := context.Background()
	for _, q := range []string{
		"CREATE ROLE " + role + " LOGIN",
		"REVOKE CREATE ON SCHEMA " + schema + " FROM PUBLIC",
		"GRANT USAGE ON SCHEMA " + schema + " TO " + role,
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + schema + " TO " + role,
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA " + schema + " TO " + role,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO " + role,
		"ALTER DEFAULT PRIVILEGES IN SCHEMA " + schema + " GRANT USAGE, SELECT ON SEQUENCES TO " + role,
	} {
		if _, err := adb.ExecContext(ctx, q); err != nil {
			t.Fatalf("testdb: %s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		// Its sessions are ended first: a pool not yet closed would keep
		// the role from being dropped.
		adb.ExecContext(context.Background(), "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1", role)
		for _, q := range []string{"DROP OWNED BY " + role, "DROP ROLE " + role} {
			if _, err := adb.ExecContext(context.Background(), q); err != nil {
				t.Errorf("testdb: %s: %v", q, err)
			}
		}
	})
	u.User = url.User(role)
	return u.String()
}

// MigrateTo applies the first v migrations to the empty database db, each
// recorded, as a build that knew no more left it: a database an upgrade
// starts from.
func MigrateTo(t testing.TB, db *sqldb.DB, v int) {
	t.Helper()
	ctx := context.Background()
	ms, err := sqldb.Migrations(db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(ctx, `CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
		t.Fatalf("testdb: create schema_migrations: %v", err)
	}
	for _, m := range ms[:v] {
		if _, err := db.ExecContext(ctx, m.SQL); err != nil {
			t.Fatalf("testdb: migration %d: %v", m.Version, err)
		}
		if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`), m.Version, m.Name, "2026-11-01T00:00:00.000000Z"); err != nil {
			t.Fatalf("testdb: record migration %d: %v", m.Version, err)
		}
	}
}
