package sqldb_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// forEachDB runs fn on a fresh migrated SQLite database and, when
// LODESTAR_TEST_POSTGRES is set, on a fresh migrated PostgreSQL one.
func forEachDB(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	testdb.ForEach(t, fn)
}

// forEachEmptyDB is forEachDB without migrations.
func forEachEmptyDB(t *testing.T, fn func(t *testing.T, db *sqldb.DB)) {
	t.Helper()
	testdb.ForEachEmpty(t, fn)
}

var foundationTables = []string{"users", "sessions", "api_tokens", "login_attempts", "use_cases", "audit_log", "audit_head"}

func TestMigrate(t *testing.T) {
	t.Parallel()
	forEachEmptyDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := testdb.UseClock(db)
		known, err := sqldb.Migrations(db.Dialect)
		if err != nil {
			t.Fatalf("Migrations: %v", err)
		}
		if len(known) == 0 {
			t.Fatalf("got 0 embedded migrations for %s, want at least 1", db.Dialect)
		}
		for i, m := range known {
			if m.Version != i+1 || m.Name == "" || m.SQL == "" {
				t.Errorf("migration %d: got version %d name %q (%d bytes SQL), want version %d with a name and SQL",
					i, m.Version, m.Name, len(m.SQL), i+1)
			}
		}

		st, err := db.Status(ctx)
		if err != nil {
			t.Fatalf("Status before Migrate: %v", err)
		}
		if len(st) != len(known) {
			t.Fatalf("Status before Migrate: got %d entries, want %d", len(st), len(known))
		}
		for _, s := range st {
			if s.AppliedAt != "" {
				t.Errorf("Status before Migrate: migration %d applied at %q, want pending", s.Version, s.AppliedAt)
			}
		}
		if err := db.CheckCurrent(ctx); err == nil || !strings.Contains(err.Error(), "is not applied") {
			t.Errorf("CheckCurrent before Migrate: got %v, want an error saying a migration is not applied", err)
		}

		n, err := db.Migrate(ctx)
		if err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		if n != len(known) {
			t.Errorf("first Migrate: got %d applied, want %d", n, len(known))
		}
		st, err = db.Status(ctx)
		if err != nil {
			t.Fatalf("Status after Migrate: %v", err)
		}
		wantAt := sqldb.FormatTime(clock.Now())
		for _, s := range st {
			if s.AppliedAt != wantAt {
				t.Errorf("Status after Migrate: migration %04d_%s applied at %q, want %q", s.Version, s.Name, s.AppliedAt, wantAt)
			}
		}
		if err := db.CheckCurrent(ctx); err != nil {
			t.Errorf("CheckCurrent after Migrate: got %v, want nil", err)
		}
		for _, table := range foundationTables {
			want := 0
			if table == "audit_head" {
				want = 1 // seeded at the genesis hash
			}
			if got := testdb.Count(t, db, table); got != want {
				t.Errorf("table %s: got %d rows, want %d", table, got, want)
			}
		}

		n, err = db.Migrate(ctx)
		if err != nil || n != 0 {
			t.Errorf("second Migrate: got (%d, %v), want (0, nil)", n, err)
		}
		if got := testdb.Count(t, db, "schema_migrations"); got != len(known) {
			t.Errorf("schema_migrations: got %d rows, want %d", got, len(known))
		}
	})
}

func TestSchemaTooNew(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		known, err := sqldb.Migrations(db.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`),
			9999, "from_the_future", sqldb.FormatTime(time.Now())); err != nil {
			t.Fatalf("insert version 9999: %v", err)
		}
		calls := []struct {
			name string
			call func() error
		}{
			{"Status", func() error { _, err := db.Status(ctx); return err }},
			{"Migrate", func() error { _, err := db.Migrate(ctx); return err }},
			{"CheckCurrent", func() error { return db.CheckCurrent(ctx) }},
		}
		for _, c := range calls {
			t.Run(c.name, func(t *testing.T) {
				err := c.call()
				var tooNew *sqldb.ErrSchemaTooNew
				if !errors.As(err, &tooNew) {
					t.Fatalf("got %v (%T), want *sqldb.ErrSchemaTooNew", err, err)
				}
				if tooNew.DBVersion != 9999 || tooNew.Known != len(known) {
					t.Errorf("got DBVersion %d Known %d, want 9999 and %d", tooNew.DBVersion, tooNew.Known, len(known))
				}
				msg := err.Error()
				for _, want := range []string{"9999", fmt.Sprintf("only up to %d", len(known)), "newer", "upgrade"} {
					if !strings.Contains(msg, want) {
						t.Errorf("message %q does not contain %q", msg, want)
					}
				}
			})
		}
		if got := testdb.Count(t, db, "schema_migrations"); got != len(known)+1 {
			t.Errorf("schema_migrations after refusing: got %d rows, want %d", got, len(known)+1)
		}
	})
}

func TestOpenErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "plain-file")
	if err := os.WriteFile(file, []byte("not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	dbIsDir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dbIsDir, sqldb.SQLiteFile), 0o750); err != nil {
		t.Fatal(err)
	}
	const password = "Sup3rS3cretPw"
	tests := []struct {
		name        string
		dataDir     string
		url         string
		wantCode    string   // lodestar error code; EInternal for plain errors
		wantContain []string // substrings of the message
	}{
		{"data dir is a regular file", file, "", lodestar.EInternal,
			[]string{"cannot create data directory", file, "not a directory"}},
		{"data dir below a regular file", filepath.Join(file, "sub"), "", lodestar.EInternal,
			[]string{"cannot create data directory", file}},
		{"database file is a directory", dbIsDir, "", lodestar.EInternal,
			[]string{"open SQLite", filepath.Join(dbIsDir, sqldb.SQLiteFile)}},
		{"no data dir and no URL", "", "", lodestar.EInvalid, []string{"data directory is not set"}},
		{"mysql URL", "", "mysql://u:" + password + "@127.0.0.1/lodestar", lodestar.EInvalid,
			[]string{"postgres://"}},
		{"sqlite URL", "", "sqlite:///var/lib/lodestar.db", lodestar.EInvalid, []string{"postgres://"}},
		{"scheme without slashes", "", "postgres:lodestar", lodestar.EInvalid, []string{"postgres://"}},
		{"unreachable, password in user info", "", "postgres://lodestar:" + password + "@127.0.0.1:1/lodestar?sslmode=disable&connect_timeout=5",
			lodestar.EInternal, []string{"cannot reach PostgreSQL", "lodestar:***@127.0.0.1:1"}},
		{"unreachable, password in query", "", "postgresql://lodestar@127.0.0.1:1/lodestar?password=" + password + "&connect_timeout=5",
			lodestar.EInternal, []string{"cannot reach PostgreSQL", "127.0.0.1:1", "password=***"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, err := sqldb.Open(context.Background(), tt.dataDir, tt.url)
			if err == nil {
				db.Close()
				t.Fatalf("got a database, want an error")
			}
			if got := lodestar.ErrorCode(err); got != tt.wantCode {
				t.Errorf("got code %q, want %q (error %v)", got, tt.wantCode, err)
			}
			msg := err.Error()
			for _, want := range tt.wantContain {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not contain %q", msg, want)
				}
			}
			if strings.Contains(msg, password) {
				t.Errorf("message %q reveals the password", msg)
			}
		})
	}
}

func TestOpenWhere(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "new", "data")
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatalf("Open on a missing directory: %v", err)
	}
	defer db.Close()
	if want := filepath.Join(dir, sqldb.SQLiteFile); db.Where != want || db.Dialect != sqldb.SQLite {
		t.Errorf("got Where %q dialect %q, want %q and sqlite", db.Where, db.Dialect, want)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".write-probe-") {
			t.Errorf("write probe %s left behind", e.Name())
		}
	}
}

func TestRebind(t *testing.T) {
	t.Parallel()
	pg := &sqldb.DB{Dialect: sqldb.Postgres}
	lite := &sqldb.DB{Dialect: sqldb.SQLite}
	tests := []struct {
		name   string
		db     *sqldb.DB
		in     string
		wanted string
	}{
		{"postgres, none", pg, "SELECT 1", "SELECT 1"},
		{"postgres, one", pg, "SELECT * FROM t WHERE id = ?", "SELECT * FROM t WHERE id = $1"},
		{"postgres, several", pg, "INSERT INTO t (a, b, c) VALUES (?, ?,?)", "INSERT INTO t (a, b, c) VALUES ($1, $2,$3)"},
		{"postgres, two digits", pg, strings.Repeat("?,", 11) + "?",
			"$1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12"},
		{"postgres, unicode around", pg, "SELECT '数据' WHERE a = ? AND b = 'é'", "SELECT '数据' WHERE a = $1 AND b = 'é'"},
		{"sqlite keeps ?", lite, "SELECT * FROM t WHERE a = ? AND b = ?", "SELECT * FROM t WHERE a = ? AND b = ?"},
		{"sqlite, none", lite, "SELECT 1", "SELECT 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.db.Rebind(tt.in); got != tt.wanted {
				t.Errorf("Rebind(%q) = %q, want %q", tt.in, got, tt.wanted)
			}
		})
	}
}

func TestIsPostgresURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want bool
	}{
		{"postgres://h/db", true},
		{"postgresql://h/db", true},
		{"postgres:/h/db", false},
		{"mysql://h/db", false},
		{"", false},
		{"/var/lib/lodestar", false},
	}
	for _, tt := range tests {
		if got := sqldb.IsPostgresURL(tt.in); got != tt.want {
			t.Errorf("IsPostgresURL(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestTxRebindCommitRollback(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		clock := testdb.UseClock(db)
		clock.Set(time.Date(2031, 5, 6, 7, 8, 9, 123456789, time.FixedZone("UTC+8", 8*3600)))
		insert := func(tx *sqldb.Tx, title string) (int64, error) {
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO use_cases (title, description, created_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?) RETURNING id`, title, "d", 1, sqldb.FormatTime(tx.Now), sqldb.FormatTime(tx.Now)).Scan(&id)
			return id, err
		}

		var id int64
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			if tx.Dialect() != db.Dialect {
				t.Errorf("tx dialect: got %q, want %q", tx.Dialect(), db.Dialect)
			}
			if want := clock.Now().UTC(); !tx.Now.Equal(want) || tx.Now.Location() != time.UTC {
				t.Errorf("tx.Now: got %v, want %v in UTC", tx.Now, want)
			}
			var err error
			if id, err = insert(tx, "kept"); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE use_cases SET description = ? WHERE id = ? AND title = ?`, "changed", id, "kept"); err != nil {
				return err
			}
			rows, err := tx.QueryContext(ctx, `SELECT title FROM use_cases WHERE id = ? AND description = ?`, id, "changed")
			if err != nil {
				return err
			}
			defer rows.Close()
			if !rows.Next() {
				return errors.New("the updated row is not visible in its transaction")
			}
			return rows.Err()
		})
		if err != nil {
			t.Fatalf("InTx: %v", err)
		}
		var title, desc, created string
		if err := db.QueryRow(ctx, `SELECT title, description, created_at FROM use_cases WHERE id = ?`, id).Scan(&title, &desc, &created); err != nil {
			t.Fatalf("read committed row: %v", err)
		}
		if title != "kept" || desc != "changed" || created != "2031-05-05T23:08:09.123456Z" {
			t.Errorf("committed row: got (%q, %q, %q), want (kept, changed, 2031-05-05T23:08:09.123456Z)", title, desc, created)
		}

		boom := errors.New("boom")
		err = db.InTx(ctx, func(tx *sqldb.Tx) error {
			if _, err := insert(tx, "rolled back"); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Errorf("InTx returning an error: got %v, want %v", err, boom)
		}
		if got := testdb.Count(t, db, "use_cases"); got != 1 {
			t.Errorf("after rollback: got %d use cases, want 1", got)
		}

		// A failing statement rolls back the statements before it.
		err = db.InTx(ctx, func(tx *sqldb.Tx) error {
			if _, err := insert(tx, "also rolled back"); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO no_such_table (x) VALUES (?)`, 1)
			return err
		})
		if err == nil {
			t.Errorf("InTx with a bad statement: got nil, want an error")
		}
		if got := testdb.Count(t, db, "use_cases"); got != 1 {
			t.Errorf("after failed statement: got %d use cases, want 1", got)
		}
	})
}

// TestDryRunWritesNothing: under WithDryRun a transaction runs whole,
// its statements seeing their own writes, and is rolled back though it
// succeeded; a refusal is returned as ever.
func TestDryRunWritesNothing(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := sqldb.WithDryRun(context.Background())
		if !sqldb.IsDryRun(ctx) || sqldb.IsDryRun(context.Background()) {
			t.Fatal("IsDryRun does not tell a dry run")
		}
		before := testdb.Count(t, db, "use_cases")
		err := db.InTx(ctx, func(tx *sqldb.Tx) error {
			if _, err := tx.ExecContext(ctx, `INSERT INTO use_cases (title, description, created_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?)`, "checked", "d", 1, sqldb.FormatTime(tx.Now), sqldb.FormatTime(tx.Now)); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM use_cases WHERE title = ?`, "checked").Scan(&n); err != nil || n != 1 {
				return fmt.Errorf("the row is not visible in its transaction: %d, %v", n, err)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("InTx under a dry run: %v", err)
		}
		if got := testdb.Count(t, db, "use_cases"); got != before {
			t.Errorf("after a dry run: got %d use cases, want %d", got, before)
		}
		boom := errors.New("boom")
		if err := db.InTx(ctx, func(*sqldb.Tx) error { return boom }); !errors.Is(err, boom) {
			t.Errorf("a refused dry run: got %v, want %v", err, boom)
		}
	})
}

func TestIsUniqueViolation(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		ins := db.Rebind(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`)
		_, dup := db.ExecContext(ctx, ins, 1, "again", "x")
		_, syntax := db.ExecContext(ctx, "SELEC 1")
		_, notNull := db.ExecContext(ctx, ins, 500, nil, "x")
		tests := []struct {
			name string
			err  error
			want bool
		}{
			{"duplicate primary key", dup, true},
			{"wrapped duplicate", fmt.Errorf("create: %w", dup), true},
			{"syntax error", syntax, false},
			{"not-null violation", notNull, false},
			{"nil", nil, false},
			{"plain error", errors.New("boom"), false},
		}
		for _, tt := range tests {
			if got := sqldb.IsUniqueViolation(tt.err); got != tt.want {
				t.Errorf("%s: IsUniqueViolation(%v) = %v, want %v", tt.name, tt.err, got, tt.want)
			}
		}
		if dup == nil || syntax == nil || notNull == nil {
			t.Errorf("got errors (%v, %v, %v), want three failures", dup, syntax, notNull)
		}
	})
}

func TestTimeFormat(t *testing.T) {
	t.Parallel()
	at := time.Date(2030, 1, 2, 3, 4, 5, 678901234, time.FixedZone("CET", 3600))
	s := sqldb.FormatTime(at)
	if want := "2030-01-02T02:04:05.678901Z"; s != want {
		t.Errorf("FormatTime: got %q, want %q", s, want)
	}
	back, err := sqldb.ParseTime(s)
	if err != nil || !back.Equal(at.Truncate(time.Microsecond)) {
		t.Errorf("ParseTime(%q): got (%v, %v), want %v", s, back, err, at.Truncate(time.Microsecond))
	}
	if got := sqldb.FormatTime(time.Time{}); got != "" {
		t.Errorf("FormatTime(zero): got %q, want empty", got)
	}
	if got, err := sqldb.ParseTime(""); err != nil || !got.IsZero() {
		t.Errorf("ParseTime(\"\"): got (%v, %v), want zero time", got, err)
	}
	if _, err := sqldb.ParseTime("yesterday"); err == nil {
		t.Errorf("ParseTime(yesterday): got nil error, want one")
	}

	tests := []struct {
		name    string
		in      any
		want    time.Time
		wantErr bool
	}{
		{"string", s, at.Truncate(time.Microsecond), false},
		{"bytes", []byte(s), at.Truncate(time.Microsecond), false},
		{"nil", nil, time.Time{}, false},
		{"empty", "", time.Time{}, false},
		{"int", int64(5), time.Time{}, true},
		{"garbage", "2030-13-45", time.Time{}, true},
	}
	for _, tt := range tests {
		got := time.Unix(1, 0) // must be overwritten unless an error
		err := sqldb.Time{T: &got}.Scan(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("%s: Scan error %v, want error %v", tt.name, err, tt.wantErr)
			continue
		}
		if !tt.wantErr && !got.Equal(tt.want) {
			t.Errorf("%s: Scan got %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Concurrent writers queue for SQLite's single write lock and all commit;
// one whose context ends while it waits gives up with the context's error
// and writes nothing. After Close, the WAL has been copied into the
// database file.
func TestWritersQueue(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `CREATE TABLE n (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	held, release := make(chan struct{}), make(chan struct{})
	go db.InTx(ctx, func(tx *sqldb.Tx) error {
		close(held)
		<-release
		return nil
	})
	<-held
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err = db.InTx(short, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO n VALUES (-1)`)
		return err
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a writer whose context ends while it waits: got %v, want the deadline", err)
	}
	close(release)
	const writers = 24
	errs := make(chan error, writers)
	for i := range writers {
		go func() {
			errs <- db.InTx(ctx, func(tx *sqldb.Tx) error {
				_, err := tx.ExecContext(ctx, `INSERT INTO n VALUES (?)`, i)
				return err
			})
		}()
	}
	for range writers {
		if err := <-errs; err != nil {
			t.Errorf("writer: %v", err)
		}
	}
	var n, neg int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(CASE WHEN v < 0 THEN 1 END) FROM n`).Scan(&n, &neg); err != nil || n != writers || neg != 0 {
		t.Errorf("rows: %d (%d from the writer that gave up), %v; want %d and 0", n, neg, err, writers)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(filepath.Join(dir, sqldb.SQLiteFile+"-wal")); err == nil && fi.Size() > 0 {
		t.Errorf("WAL after Close: %d bytes, want none", fi.Size())
	}
}

// TestListenOwnConnection: Listen takes no connection of the pool, so
// notifications arrive (and its callbacks may query) while every pooled
// connection is held; it calls ready once it listens, so a notification
// sent from ready is received.
func TestListenOwnConnection(t *testing.T) {
	db := testdb.OpenPostgres(t)
	db.SetMaxOpenConns(1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	held, err := db.Conn(ctx) // the pool's only connection
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	got := make(chan string, 16)
	lctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	ready := func() error {
		_, err := held.ExecContext(ctx, `SELECT pg_notify('lodestar_listen_test', 'hello')`)
		return err
	}
	go func() {
		done <- db.Listen(lctx, "lodestar_listen_test", ready, func(p string) error { got <- p; return nil })
	}()
	select {
	case p := <-got:
		if p != "hello" {
			t.Errorf("payload %q", p)
		}
	case <-ctx.Done():
		t.Fatal("no notification while the pool's connection was held")
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("Listen after its context ended: %v", err)
	}
}

// TestListenStopsWhenTheCallerCannotAct: a catch-up (ready) or a
// notification (fn) its caller could not act on ends Listen with the
// error, so the caller listens again and catches up, instead of going on
// listening with a flip unread until the connection happens to drop.
func TestListenStopsWhenTheCallerCannotAct(t *testing.T) {
	db := testdb.OpenPostgres(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	boom := errors.New("database away")
	err := db.Listen(ctx, "lodestar_listen_fail", func() error { return boom }, func(string) error { return nil })
	if !errors.Is(err, boom) {
		t.Errorf("ready failing: Listen returned %v, want the error", err)
	}
	ready := func() error {
		_, err := db.ExecContext(ctx, `SELECT pg_notify('lodestar_listen_fail', 'flip')`)
		return err
	}
	err = db.Listen(ctx, "lodestar_listen_fail", ready, func(string) error { return boom })
	if !errors.Is(err, boom) {
		t.Errorf("fn failing: Listen returned %v, want the error", err)
	}
	if ctx.Err() != nil {
		t.Error("Listen waited for its context instead of returning the failure")
	}
}

// A new SQLite database and its -wal and -shm are readable and writable
// by their owner only: they hold password, session and token hashes.
func TestNewDatabaseFilesOwnerOnly(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	dir := t.TempDir()
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if len(db.Tightened) != 0 {
		t.Errorf("new database: got Tightened %+v, want none", db.Tightened)
	}
	// A write makes the -wal; the open connection holds the -shm.
	if _, err := db.ExecContext(context.Background(), `CREATE TABLE n (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, sqldb.SQLiteFile)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: got mode %04o, want 0600", filepath.Base(p), got)
		}
	}
}

// An existing database whose files others can read or write (made by an
// older release, or copied in) is narrowed to its owner at Open, and each
// file narrowed is reported; a file already owner-only is left as it is.
func TestOpenNarrowsWideDatabaseFiles(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	dir := t.TempDir()
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(context.Background(), `CREATE TABLE n (v INTEGER)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	path := filepath.Join(dir, sqldb.SQLiteFile)
	// An empty -wal is a WAL with nothing in it.
	if err := os.WriteFile(path+"-wal", nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for p, m := range map[string]os.FileMode{path: 0o666, path + "-wal": 0o644} {
		if err := os.Chmod(p, m); err != nil {
			t.Fatal(err)
		}
	}
	db, err = sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	want := []sqldb.Tightened{{Path: path, Was: 0o666, Now: 0o600}, {Path: path + "-wal", Was: 0o644, Now: 0o600}}
	if !reflect.DeepEqual(db.Tightened, want) {
		t.Errorf("got Tightened %+v, want %+v", db.Tightened, want)
	}
	if _, err := db.ExecContext(context.Background(), `INSERT INTO n VALUES (1)`); err != nil {
		t.Fatalf("write after narrowing: %v", err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got := fi.Mode().Perm(); got != 0o600 {
			t.Errorf("%s: got mode %04o, want 0600", filepath.Base(p), got)
		}
	}
}
