package testdb

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// Queries counts the statements a database runs: every query and every
// statement executed through database/sql reaches the driver as one call,
// counted here, whether run alone, in a transaction or prepared.
type Queries struct{ n atomic.Int64 }

// Count returns how many statements ran since the database was opened or
// Reset last.
func (q *Queries) Count() int64 { return q.n.Load() }

// Reset starts the count again from zero.
func (q *Queries) Reset() { q.n.Store(0) }

// OpenCounting is OpenDialect with every statement the database runs
// counted: a test can tell how many queries an operation costs, on the
// real driver and database (nothing is faked; the driver's connections
// are wrapped, passing each call on). Unlike a database from sqldb.Open,
// its SQLite writers are not queued in-process nor its WAL checkpointed by
// a goroutine: for tests that count, not for concurrency.
func OpenCounting(t testing.TB, d sqldb.Dialect) (*sqldb.DB, *Queries) {
	t.Helper()
	var driverName, dsn string
	switch d {
	case sqldb.SQLite:
		file, err := sqliteTemplate()
		if err != nil {
			t.Fatalf("testdb: template database: %v", err)
		}
		path := filepath.Join(t.TempDir(), sqldb.SQLiteFile)
		if err := os.WriteFile(path, file, 0o600); err != nil {
			t.Fatalf("testdb: %v", err)
		}
		driverName, dsn = "sqlite", sqldb.SQLiteDSN(path)
	case sqldb.Postgres:
		driverName, dsn = "pgx", PostgresURL(t)
	default:
		t.Fatalf("testdb: unknown dialect %q", d)
	}
	// The registered driver, found through a pool that is never used.
	probe, err := sql.Open(driverName, dsn)
	if err != nil {
		t.Fatalf("testdb: open %s: %v", d, err)
	}
	drv := probe.Driver()
	probe.Close()
	q := &Queries{}
	pool := sql.OpenDB(&countingConnector{drv: &countingDriver{Driver: drv, q: q}, dsn: dsn})
	t.Cleanup(func() { pool.Close() })
	db := &sqldb.DB{DB: pool, Dialect: d, Now: time.Now, Where: string(d) + " (counting)"}
	if d == sqldb.Postgres {
		if _, err := db.Migrate(context.Background()); err != nil {
			t.Fatalf("testdb: migrate %s: %v", d, err)
		}
	}
	q.Reset()
	return db, q
}

type countingConnector struct {
	drv *countingDriver
	dsn string
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	return c.drv.Open(c.dsn)
}

func (c *countingConnector) Driver() driver.Driver { return c.drv }

type countingDriver struct {
	driver.Driver
	q *Queries
}

func (d *countingDriver) Open(name string) (driver.Conn, error) {
	c, err := d.Driver.Open(name)
	if err != nil {
		return nil, err
	}
	return &countingConn{c: c, q: d.q}, nil
}

// countingConn passes each call on to the driver's connection, counting
// those that run a statement. Where the driver lacks an optional method,
// it answers driver.ErrSkip, and database/sql does without, as it would
// with the driver's own connection.
type countingConn struct {
	c driver.Conn
	q *Queries
}

func (c *countingConn) Prepare(query string) (driver.Stmt, error) {
	return c.PrepareContext(context.Background(), query)
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	var st driver.Stmt
	var err error
	if p, ok := c.c.(driver.ConnPrepareContext); ok {
		st, err = p.PrepareContext(ctx, query)
	} else {
		st, err = c.c.Prepare(query)
	}
	if err != nil {
		return nil, err
	}
	return &countingStmt{s: st, q: c.q}, nil
}

func (c *countingConn) Close() error { return c.c.Close() }

func (c *countingConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *countingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	if b, ok := c.c.(driver.ConnBeginTx); ok {
		return b.BeginTx(ctx, opts)
	}
	return c.c.Begin() //nolint:staticcheck // the driver has nothing else
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	qc, ok := c.c.(driver.QueryerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	rows, err := qc.QueryContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.q.n.Add(1)
	}
	return rows, err
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	ec, ok := c.c.(driver.ExecerContext)
	if !ok {
		return nil, driver.ErrSkip
	}
	res, err := ec.ExecContext(ctx, query, args)
	if err != driver.ErrSkip {
		c.q.n.Add(1)
	}
	return res, err
}

func (c *countingConn) CheckNamedValue(v *driver.NamedValue) error {
	if nc, ok := c.c.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

func (c *countingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.c.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *countingConn) IsValid() bool {
	if v, ok := c.c.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *countingConn) Ping(ctx context.Context) error {
	if p, ok := c.c.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

// countingStmt counts each execution of a prepared statement.
type countingStmt struct {
	s driver.Stmt
	q *Queries
}

func (s *countingStmt) Close() error  { return s.s.Close() }
func (s *countingStmt) NumInput() int { return s.s.NumInput() }

func (s *countingStmt) Exec(args []driver.Value) (driver.Result, error) {
	s.q.n.Add(1)
	return s.s.Exec(args) //nolint:staticcheck // database/sql calls it only when the driver has nothing else
}

func (s *countingStmt) Query(args []driver.Value) (driver.Rows, error) {
	s.q.n.Add(1)
	return s.s.Query(args) //nolint:staticcheck // as Exec
}

func (s *countingStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	if ec, ok := s.s.(driver.StmtExecContext); ok {
		s.q.n.Add(1)
		return ec.ExecContext(ctx, args)
	}
	vs, err := values(args)
	if err != nil {
		return nil, err
	}
	return s.Exec(vs)
}

func (s *countingStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	if qc, ok := s.s.(driver.StmtQueryContext); ok {
		s.q.n.Add(1)
		return qc.QueryContext(ctx, args)
	}
	vs, err := values(args)
	if err != nil {
		return nil, err
	}
	return s.Query(vs)
}

func (s *countingStmt) CheckNamedValue(v *driver.NamedValue) error {
	if nc, ok := s.s.(driver.NamedValueChecker); ok {
		return nc.CheckNamedValue(v)
	}
	return driver.ErrSkip
}

// values is args without their names, for a statement that takes no
// names.
func values(args []driver.NamedValue) ([]driver.Value, error) {
	vs := make([]driver.Value, len(args))
	for i, a := range args {
		if a.Name != "" {
			return nil, driver.ErrSkip
		}
		vs[i] = a.Value
	}
	return vs, nil
}
