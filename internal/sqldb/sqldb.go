// Package sqldb opens Lodestar's database — embedded SQLite by default, or
// PostgreSQL for a postgres:// URL — and runs its embedded migrations. Both
// dialects share one query set written with '?' placeholders; Tx rebinds
// them for PostgreSQL.
package sqldb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	lodestar "github.com/lodestar-hq/lodestar"
	"modernc.org/sqlite" // registers the "sqlite" driver
)

// Dialect names the SQL flavour of a DB.
type Dialect string

// The supported dialects.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// SQLiteFile is the database file's name inside the data directory.
const SQLiteFile = "lodestar.db"

// DB is an open database with its dialect and the clock its writes use.
type DB struct {
	*sql.DB
	Dialect Dialect
	// Now is the clock used for timestamps; tests replace it.
	Now func() time.Time
	// Where describes the database for messages, without credentials.
	Where string
	// FlushLog, when set, is how SyncLog flushes a file to the disk
	// instead of (*os.File).Sync: tests watch it (that ingestion flushes
	// before it acknowledges) and fail it. Set it before the database is
	// used.
	FlushLog func(*os.File) error
	// stop ends the SQLite checkpointer; done tells it has ended.
	stop, done chan struct{}
	// walSeen is the write-ahead log file whose name SyncLog has flushed
	// (its directory synced); walMu guards it.
	walMu   sync.Mutex
	walSeen os.FileInfo
	// writer, on SQLite, lets one InTx at a time take the write lock:
	// queued here, a writer starts the moment the one before commits,
	// where SQLite's busy handler would have it sleep 1, 2, 5 … 100 ms
	// between tries.
	writer chan struct{}
	// stmts holds the statements Tx.Prepared prepared on the pool, by
	// query (SQLite): each is prepared once per connection and kept until
	// Close; preparing marks the queries being prepared or prepared.
	stmts, preparing sync.Map
	// url is PostgreSQL's, for Listen's connection of its own.
	url string
	// AuditKeys are the keys the audit log is appended and checked under
	// (an *audit.Keyring, set by audit.UseKeys; nil: none). Held by the
	// database rather than a global, so each open database has its own.
	AuditKeys any
	// ReadOnly is a database OpenReadOnly opened: every write fails.
	ReadOnly bool
	// Tightened lists the SQLite files Open found readable or writable by
	// others and narrowed to their owner (or failed to): the caller logs a
	// warning for each.
	Tightened []Tightened
}

// Tightened is one database file whose permissions Open narrowed.
type Tightened struct {
	Path     string
	Was, Now fs.FileMode
	// Err is why the file could not be changed (it keeps Was).
	Err error
}

// IsPostgresURL reports whether s selects PostgreSQL.
func IsPostgresURL(s string) bool {
	return strings.HasPrefix(s, "postgres://") || strings.HasPrefix(s, "postgresql://")
}

// Open opens PostgreSQL when databaseURL is set, else SQLite in dataDir,
// and checks that the database answers. It does not migrate.
func Open(ctx context.Context, dataDir, databaseURL string) (*DB, error) {
	if databaseURL != "" {
		if !IsPostgresURL(databaseURL) {
			return nil, lodestar.Errorf(lodestar.EInvalid, "database URL must start with postgres:// or postgresql://")
		}
		return openPostgres(ctx, databaseURL)
	}
	return openSQLite(ctx, dataDir)
}

// OpenReadOnly opens the database for a command that only reads (a list,
// a status, a check, an export). On SQLite it writes nothing to the data
// directory: no write probe, no change of the files' modes, and the file is
// opened read-only (SQLite's mode=ro, with query_only) — so a read-only
// backup, or a file others may read by group, can be checked as it is.
// When no -wal file is beside the database, no process has it open in WAL
// mode (a writer keeps one for as long as it is open), and it is opened
// immutable, so that reading creates no -wal and -shm either (SQLite
// cannot remove them from a read-only connection); a -wal there (a server
// running) is read through, as the server's other readers do. The
// database file must exist. On PostgreSQL it is Open.
func OpenReadOnly(ctx context.Context, dataDir, databaseURL string) (*DB, error) {
	if databaseURL != "" {
		return Open(ctx, dataDir, databaseURL)
	}
	if dataDir == "" {
		return nil, lodestar.Errorf(lodestar.EInvalid, "data directory is not set")
	}
	path := filepath.Join(dataDir, SQLiteFile)
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	_, err := os.Lstat(path + "-wal")
	immutable := errors.Is(err, fs.ErrNotExist)
	sqlDB, err := sql.Open("sqlite", SQLiteReadOnlyDSN(path, immutable))
	if err != nil {
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	sqlDB.SetMaxOpenConns(8)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		// A file this user may not read is that file's own error
		// ("permission denied"), which SQLite words as it words the rest.
		for _, name := range []string{path, path + "-wal"} {
			if f, oerr := os.Open(name); oerr == nil {
				f.Close()
			} else if name == path || !errors.Is(oerr, fs.ErrNotExist) {
				return nil, fmt.Errorf("open SQLite %s: %w", path, oerr)
			}
		}
		var se *sqlite.Error
		if _, serr := os.Lstat(path + "-shm"); !immutable && errors.Is(serr, fs.ErrNotExist) &&
			errors.As(err, &se) && se.Code()&0xff == sqliteCantOpen {
			// SQLite's own words ("unable to open database file (14)")
			// do not say which file or what to do.
			return nil, fmt.Errorf("open SQLite %s: %w", path, &noSHMError{dir: dataDir, err: err})
		}
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	return &DB{DB: sqlDB, Dialect: SQLite, Now: time.Now, Where: path, ReadOnly: true}, nil
}

// sqliteCantOpen is SQLite's SQLITE_CANTOPEN, the primary code of a file
// it could not open or create.
const sqliteCantOpen = 14

// noSHMError is the failure to read a database that has a write-ahead log
// (lodestar.db-wal) but no shared-memory index (lodestar.db-shm): SQLite
// must create the index beside the database to read the log, which a user
// who may not write to the directory cannot — a data directory copied
// while the server ran, then read by another user.
type noSHMError struct {
	dir string
	err error
}

func (e *noSHMError) Error() string {
	return fmt.Sprintf("it has a write-ahead log (%[1]s-wal) but no %[1]s-shm, which SQLite must create in %[2]s to read the log, and could not (%[3]v); run this as a user who may write to %[2]s, or copy the data directory while the server is stopped or with 'lodestar backup'",
		SQLiteFile, e.dir, e.err)
}

func (e *noSHMError) Unwrap() error { return e.err }

// SQLiteReadOnlyDSN is the driver's name of the SQLite database file at
// path opened to read only: mode=ro and query_only (every write fails),
// immutable when no process can be writing it; no journal mode is set
// (setting one is a write) and transactions begin deferred.
func SQLiteReadOnlyDSN(path string, immutable bool) string {
	dsn := sqliteURI(path) + "?mode=ro&_txlock=deferred&_pragma=query_only(1)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=cache_size(-32000)&_pragma=temp_store(MEMORY)"
	if immutable {
		dsn += "&immutable=1"
	}
	return dsn
}

func openPostgres(ctx context.Context, url string) (*DB, error) {
	where := lodestar.RedactDSN(url)
	sqlDB, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("open PostgreSQL at %s: %w", where, err)
	}
	sqlDB.SetMaxOpenConns(20)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("cannot reach PostgreSQL at %s: %w", where, err)
	}
	return &DB{DB: sqlDB, Dialect: Postgres, Now: time.Now, Where: where, url: url}, nil
}

func openSQLite(ctx context.Context, dataDir string) (*DB, error) {
	if dataDir == "" {
		return nil, lodestar.Errorf(lodestar.EInvalid, "data directory is not set")
	}
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("cannot create data directory %s: %w", dataDir, err)
	}
	// Probe for write permission now, so the user gets a plain message
	// instead of a driver error on the first write.
	probe, err := os.CreateTemp(dataDir, ".write-probe-*")
	if err != nil {
		return nil, fmt.Errorf("data directory %s is not writable: %w", dataDir, err)
	}
	probe.Close()
	os.Remove(probe.Name())

	path := filepath.Join(dataDir, SQLiteFile)
	tightened, err := restrictFiles(path)
	if err != nil {
		return nil, err
	}
	dsn := SQLiteDSN(path)
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	sqlDB.SetMaxOpenConns(8)
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open SQLite %s: %w", path, err)
	}
	db := &DB{DB: sqlDB, Dialect: SQLite, Now: time.Now, Where: path, stop: make(chan struct{}), done: make(chan struct{}), writer: make(chan struct{}, 1),
		Tightened: tightened}
	go db.checkpoint(checkpointEvery)
	return db, nil
}

// SyncLog makes the transactions committed so far survive a crash of the
// machine — power lost, the system halted — not only of the process. On
// SQLite a commit writes the write-ahead log without waiting for the disk
// (synchronous NORMAL: one fsync per commit would queue every writer behind
// the disk); SyncLog flushes the log to it, outside the write lock, so
// concurrent callers' flushes overlap. Ingestion calls it before it
// acknowledges a batch. On PostgreSQL a commit already waits for its log
// (synchronous_commit on): nothing to do.
func (db *DB) SyncLog() error {
	if db.Dialect != SQLite || db.ReadOnly {
		return nil
	}
	f, err := os.Open(db.Where + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		return nil // no log: every commit is in the database file, synced by the checkpoint that emptied it
	}
	if err != nil {
		return fmt.Errorf("sync the write-ahead log: %w", err)
	}
	defer f.Close()
	flush := flushLog
	if db.FlushLog != nil {
		flush = db.FlushLog
	}
	if err := flush(f); err != nil {
		return fmt.Errorf("sync the write-ahead log: %w", err)
	}
	// A log file new since the last flush (the server started, or SQLite
	// removed the log when its last connection closed) is on the disk
	// only once its name is: the directory is flushed too, once per file.
	fi, err := f.Stat()
	if err != nil {
		return fmt.Errorf("sync the write-ahead log: %w", err)
	}
	db.walMu.Lock()
	defer db.walMu.Unlock()
	if db.walSeen != nil && os.SameFile(db.walSeen, fi) {
		return nil
	}
	d, err := os.Open(filepath.Dir(db.Where))
	if err != nil {
		return fmt.Errorf("sync the data directory: %w", err)
	}
	defer d.Close()
	if err := flush(d); err != nil {
		return fmt.Errorf("sync the data directory: %w", err)
	}
	db.walSeen = fi
	return nil
}

// flushLog flushes the write-ahead log to the disk (tests watch it; a
// database's FlushLog, when set, stands in for it).
var flushLog = (*os.File).Sync

// fileMode is the database files' permissions: the owner's only. They
// hold password hashes, session and token hashes and the audit log.
const fileMode fs.FileMode = 0o600

// restrictFiles makes the database file at path readable and writable by
// its owner only: it creates the file with fileMode when it does not
// exist (SQLite would make it 0644), and narrows an existing one — and its
// -wal, -shm and -journal — that others can read or write. SQLite creates
// the -wal, -shm and -journal with the database file's mode, so a new
// database's are owner-only too.
func restrictFiles(path string) ([]Tightened, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
	switch {
	case err == nil:
		// An empty file is an empty database to SQLite.
		if err := f.Close(); err != nil {
			return nil, fmt.Errorf("create SQLite %s: %w", path, err)
		}
	case !errors.Is(err, fs.ErrExist):
		return nil, fmt.Errorf("create SQLite %s: %w", path, err)
	}
	var out []Tightened
	if runtime.GOOS == "windows" {
		// No Unix permission bits: the data directory's ACL decides.
		return nil, nil
	}
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("open SQLite %s: %w", p, err)
		}
		was := fi.Mode().Perm()
		if was&0o077 == 0 {
			continue
		}
		t := Tightened{Path: p, Was: was, Now: was &^ 0o077}
		if err := os.Chmod(p, t.Now); err != nil {
			t.Now, t.Err = was, err
		}
		out = append(out, t)
	}
	return out, nil
}

// sqliteURI is the URI filename of the file at path: "file:" and the
// path with the characters a URI gives a meaning to escaped, so that a
// data directory named "d#1" or "a?b" or "x%41" is that directory ("#"
// began a fragment: the database went to "d", readable by all, and an
// empty file was left in "d#1").
func sqliteURI(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath()
}

// SQLiteDSN is the driver's name of the SQLite database file at path, with
// the settings Lodestar runs it with.
func SQLiteDSN(path string) string {
	// _txlock=immediate takes the write lock at BEGIN, so concurrent writers
	// queue on busy_timeout instead of failing mid-transaction.
	return sqliteURI(path) + "?_txlock=immediate" +
		"&_pragma=journal_mode(WAL)&_pragma=busy_timeout(10000)" +
		"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)" +
		// A larger page cache and memory-mapped reads keep list and
		// dashboard queries off read syscalls at 10,000 use cases.
		"&_pragma=cache_size(-32000)&_pragma=mmap_size(268435456)&_pragma=temp_store(MEMORY)" +
		// Writers do not checkpoint (copy the WAL back into the database
		// file, then fsync it): a goroutine does, off their path. A
		// checkpoint inside a commit stalled each writer tens of ms.
		"&_pragma=wal_autocheckpoint(0)&_pragma=journal_size_limit(67108864)"
}

// checkpointEvery is how often the checkpointer looks at the WAL.
const checkpointEvery = 250 * time.Millisecond

// walLimit is the WAL size past which the checkpointer makes writers wait
// until it has copied the WAL and can start it again: sustained writes
// faster than it copies must not grow the file without bound.
const walLimit = 256 << 20

// checkpoint copies committed WAL frames into the database file every
// tick, without blocking writers (PASSIVE), until Close. A write that
// finds the whole WAL copied starts it again from the beginning, so it
// stays small while the checkpointer keeps up; when it has not (the WAL
// is past walLimit), a RESTART checkpoint holds writers back until it has.
func (db *DB) checkpoint(every time.Duration) {
	defer close(db.done)
	t := time.NewTicker(every)
	defer t.Stop()
	wal := strings.TrimPrefix(db.Where, "file:") + "-wal"
	for {
		select {
		case <-db.stop:
			return
		case <-t.C:
			mode := "PASSIVE"
			if fi, err := os.Stat(wal); err == nil && fi.Size() > walLimit {
				mode = "RESTART"
			}
			// An error (the database closing, a busy checkpointer in
			// another process) is retried at the next tick.
			db.DB.Exec(`PRAGMA wal_checkpoint(` + mode + `)`)
		}
	}
}

// Close stops the checkpointer, copies the WAL into the database file and
// closes the database.
func (db *DB) Close() error {
	if db.stop != nil {
		select {
		case <-db.stop:
		default:
			close(db.stop)
			<-db.done
			// PASSIVE: never waits, so a command closing while a server
			// writes does not stall its writers (TRUNCATE took the write
			// lock and waited out the readers, up to busy_timeout). The
			// last connection to close checkpoints and removes the WAL
			// itself.
			db.DB.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
	db.stmts.Range(func(q, st any) bool {
		st.(*sql.Stmt).Close()
		db.stmts.Delete(q)
		return true
	})
	return db.DB.Close()
}

// Tx is a transaction that rebinds '?' placeholders for its dialect and
// carries the time at which it began, so every row it writes agrees.
type Tx struct {
	*sql.Tx
	db  *DB
	Now time.Time
}

// Prepared returns query (with ? placeholders) prepared for use in the
// transaction. On SQLite the statement is prepared once per connection of
// the pool and kept, for the statements a hot path runs in every
// transaction, whose preparation costs as much as running them (a
// 1,000-row INSERT's parse took 2.5 ms); queries must come from a bounded
// set. Until the pool has it, and always on PostgreSQL (whose driver
// keeps its own cache), it is prepared on the transaction's connection:
// waiting for a second connection while holding one could wait forever,
// were every connection held by a transaction doing the same.
func (t *Tx) Prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	query = t.db.Rebind(query)
	if t.db.Dialect == SQLite {
		if v, ok := t.db.stmts.Load(query); ok {
			return t.StmtContext(ctx, v.(*sql.Stmt)), nil
		}
		t.db.prepareLater(query)
	}
	return t.PrepareContext(ctx, query)
}

// prepareLater prepares query on the pool, once, on a goroutine of its
// own, for Prepared's later calls; a failure leaves it to be tried again.
func (db *DB) prepareLater(query string) {
	if _, started := db.preparing.LoadOrStore(query, true); started {
		return
	}
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		st, err := db.DB.PrepareContext(ctx, query)
		if err != nil {
			db.preparing.Delete(query)
			return
		}
		db.stmts.Store(query, st)
	}()
}

// BeginTx starts a transaction.
func (db *DB) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	tx, err := db.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: tx, db: db, Now: db.Now().UTC()}, nil
}

// dryRunKey marks a context whose transactions are checked, not kept.
type dryRunKey struct{}

// WithDryRun returns ctx saying that a transaction InTx runs under it is
// to check and not to write: fn runs as ever, every statement and check
// included, and the transaction is then rolled back even when fn
// succeeded. A service call made with it answers what it would refuse
// and changes nothing (the web forms check so the fields that did parse
// when others did not, to report every bad field at once).
func WithDryRun(ctx context.Context) context.Context {
	return context.WithValue(ctx, dryRunKey{}, true)
}

// IsDryRun reports whether ctx was made by WithDryRun.
func IsDryRun(ctx context.Context) bool { dry, _ := ctx.Value(dryRunKey{}).(bool); return dry }

// InTx runs fn in a transaction, committing when it returns nil and rolling
// back otherwise, so a failed write leaves the data as it was. Under a
// dry run (WithDryRun) it rolls back in either case.
func (db *DB) InTx(ctx context.Context, fn func(*Tx) error) error {
	if db.writer != nil {
		select {
		case db.writer <- struct{}{}:
			defer func() { <-db.writer }()
		case <-ctx.Done():
			return fmt.Errorf("begin: %w", ctx.Err())
		}
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	if IsDryRun(ctx) {
		return nil // (rolled back by the deferred Rollback)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// LockRow takes row id of table for the rest of the transaction, before
// it is read and checked: on PostgreSQL (read-committed) two transactions
// changing one record otherwise both check the state each read and the
// later overwrites the earlier — a stage move past a retired one, a stale
// "latest reading". SQLite's writers are one at a time already. table is
// a constant of the caller's, never input.
func (tx *Tx) LockRow(ctx context.Context, table string, id int64) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	_, err := tx.Tx.ExecContext(ctx, `SELECT 1 FROM `+table+` WHERE id = $1 FOR UPDATE`, id)
	return err
}

// IsUnavailable reports whether err says the database could not be
// reached — the connection refused or lost, the server shutting down or
// not yet accepting connections — rather than that a statement failed:
// the request may succeed in a moment (a 503, not a 500).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, driver.ErrBadConn) {
		return true
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	type sqlStater interface{ SQLState() string }
	var s sqlStater
	if errors.As(err, &s) {
		// Class 08: connection exception; 57P0x: the server is shutting
		// down, crashed, or cannot accept connections yet.
		c := s.SQLState()
		return strings.HasPrefix(c, "08") || strings.HasPrefix(c, "57P")
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// IsConcurrentChange reports whether err is PostgreSQL giving up on a
// transaction for another's sake: a deadlock between two writers, or a
// serialization failure. Trying again is the answer.
func IsConcurrentChange(err error) bool {
	type sqlStater interface{ SQLState() string }
	var s sqlStater
	return err != nil && errors.As(err, &s) && (s.SQLState() == "40P01" || s.SQLState() == "40001")
}

// Dialect returns the transaction's dialect.
func (tx *Tx) Dialect() Dialect { return tx.db.Dialect }

// DB returns the database the transaction runs on.
func (tx *Tx) DB() *DB { return tx.db }

// ExecContext runs a statement written with '?' placeholders.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.Tx.ExecContext(ctx, tx.db.Rebind(query), args...)
}

// QueryContext runs a query written with '?' placeholders.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.Tx.QueryContext(ctx, tx.db.Rebind(query), args...)
}

// QueryRowContext runs a one-row query written with '?' placeholders.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.Tx.QueryRowContext(ctx, tx.db.Rebind(query), args...)
}

// Rebind turns '?' placeholders into '$n' for PostgreSQL. Lodestar's SQL
// never holds a literal '?', so a plain scan is enough.
func (db *DB) Rebind(query string) string {
	if db.Dialect != Postgres || !strings.Contains(query, "?") {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for i := 0; i < len(query); i++ {
		if query[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(query[i])
	}
	return b.String()
}

// Query runs a read outside a transaction, with '?' placeholders.
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.DB.QueryContext(ctx, db.Rebind(query), args...)
}

// QueryRow runs a one-row read outside a transaction.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.DB.QueryRowContext(ctx, db.Rebind(query), args...)
}

// TimeLayout is how timestamps are stored: fixed-width UTC text, so they
// sort as strings and hash the same on both dialects.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// FormatTime renders t for storage; the zero time is stored as "".
func FormatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(TimeLayout)
}

// ParseTime reads a stored timestamp; "" is the zero time.
func ParseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(TimeLayout, s)
}

// Time scans a stored timestamp column into a time.Time.
type Time struct{ T *time.Time }

// Scan implements sql.Scanner.
func (t Time) Scan(v any) error {
	var s string
	switch x := v.(type) {
	case nil:
		*t.T = time.Time{}
		return nil
	case string:
		s = x
	case []byte:
		s = string(x)
	default:
		return fmt.Errorf("sqldb.Time: cannot scan %T", v)
	}
	p, err := ParseTime(s)
	if err != nil {
		return err
	}
	*t.T = p
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint failure on
// either dialect.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	type sqlStater interface{ SQLState() string }
	var s sqlStater
	if errors.As(err, &s) && s.SQLState() == "23505" {
		return true
	}
	return strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// Listen holds one PostgreSQL connection LISTENing on channel and calls fn
// with each notification's payload until ctx ends, the connection fails,
// or ready or fn fails; it returns the error (nil when ctx ended). Once it
// listens it calls ready (when not nil): notifications sent before then
// were missed, so ready reads what they would have told. A failing ready
// or fn means something told was not acted on: the caller listens again,
// and its ready catches up. The connection is its own, not one of the
// pool's: fn may query the pool without holding a connection while it
// waits for another. On SQLite, a single process owns the database, so
// there is nothing to listen to: Listen waits for ctx.
func (db *DB) Listen(ctx context.Context, channel string, ready func() error, fn func(payload string) error) error {
	if db.Dialect != Postgres {
		<-ctx.Done()
		return nil
	}
	c, err := pgx.Connect(ctx, db.url)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	defer c.Close(context.Background())
	if _, err := c.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if ready != nil {
		if err := ready(); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("catching up: %w", err)
		}
	}
	for {
		n, err := c.WaitForNotification(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		if err := fn(n.Payload); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("acting on a notification: %w", err)
		}
	}
}
