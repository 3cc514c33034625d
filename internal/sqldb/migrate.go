package sqldb

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationsFS embed.FS

// Migration is one numbered schema change. Files are named
// NNNN_name.sql under migrations/<dialect>; both dialects carry the same
// numbers.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// MigrationStatus is one migration and whether it has been applied.
type MigrationStatus struct {
	Migration
	AppliedAt string
}

// Migrations returns the embedded migrations for d in order.
func Migrations(d Dialect) ([]Migration, error) {
	dir := path.Join("migrations", string(d))
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
		}
		body, err := fs.ReadFile(migrationsFS, path.Join(dir, name))
		if err != nil {
			return nil, err
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migrations for %s are not numbered 1..n: found %d at position %d", d, m.Version, i+1)
		}
	}
	return out, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER PRIMARY KEY,
	name TEXT NOT NULL,
	applied_at TEXT NOT NULL
)`

// migrationLock is the PostgreSQL advisory lock held while the migrations
// table is created and while each migration is applied.
const migrationLock = "7210001"

// appliedVersions returns version → applied_at.
func (db *DB) appliedVersions(ctx context.Context) (map[int]string, error) {
	create := func() error { _, err := db.ExecContext(ctx, createMigrationsTable); return err }
	if db.Dialect == Postgres {
		// Replicas starting at once on an empty database would race to
		// create the table: PostgreSQL's IF NOT EXISTS is no guard
		// against a concurrent CREATE, and the loser failed on pg_type's
		// unique index. The migrations' lock serialises them.
		create = func() error {
			return db.InTx(ctx, func(tx *Tx) error {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+migrationLock+`)`); err != nil {
					return err
				}
				_, err := tx.ExecContext(ctx, createMigrationsTable)
				return err
			})
		}
	}
	if err := create(); err != nil {
		return nil, fmt.Errorf("create schema_migrations: %w", err)
	}
	rows, err := db.Query(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int]string{}
	for rows.Next() {
		var v int
		var at string
		if err := rows.Scan(&v, &at); err != nil {
			return nil, err
		}
		out[v] = at
	}
	return out, rows.Err()
}

// ErrSchemaTooNew is returned when the database holds migrations this
// binary does not know: it was written by a newer Lodestar.
type ErrSchemaTooNew struct{ DBVersion, Known int }

func (e *ErrSchemaTooNew) Error() string {
	return fmt.Sprintf("the database schema is at version %d but this lodestar binary knows only up to %d; "+
		"it was written by a newer Lodestar — upgrade the binary (refusing to start so no data is damaged)", e.DBVersion, e.Known)
}

// Status lists every known migration with when it was applied, and fails
// with *ErrSchemaTooNew when the database is ahead of the binary.
func (db *DB) Status(ctx context.Context) ([]MigrationStatus, error) {
	ms, err := Migrations(db.Dialect)
	if err != nil {
		return nil, err
	}
	applied, err := db.appliedVersions(ctx)
	if err != nil {
		return nil, err
	}
	for v := range applied {
		if v > len(ms) {
			return nil, &ErrSchemaTooNew{DBVersion: maxKey(applied), Known: len(ms)}
		}
	}
	out := make([]MigrationStatus, len(ms))
	for i, m := range ms {
		out[i] = MigrationStatus{Migration: m, AppliedAt: applied[m.Version]}
	}
	return out, nil
}

func maxKey(m map[int]string) int {
	n := 0
	for k := range m {
		n = max(n, k)
	}
	return n
}

// Migrate applies every pending migration, each in its own transaction with
// its record, and returns how many it applied.
func (db *DB) Migrate(ctx context.Context) (int, error) {
	st, err := db.Status(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, s := range st {
		if s.AppliedAt != "" {
			continue
		}
		err := db.InTx(ctx, func(tx *Tx) error {
			if db.Dialect == Postgres {
				// Serialise concurrent starts of several replicas.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(`+migrationLock+`)`); err != nil {
					return err
				}
			}
			// Another process may have applied it since Status was read
			// (SQLite's immediate transaction, like the lock, serialises).
			var done int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, s.Version).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				return nil
			}
			if _, err := tx.ExecContext(ctx, s.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				s.Version, s.Name, FormatTime(tx.Now))
			return err
		})
		if err != nil {
			return n, fmt.Errorf("migration %04d_%s: %w", s.Version, s.Name, err)
		}
		n++
	}
	return n, nil
}

// CheckCurrent fails unless every known migration is applied and none is
// unknown; serve uses it after migrating.
func (db *DB) CheckCurrent(ctx context.Context) error {
	st, err := db.Status(ctx)
	if err != nil {
		return err
	}
	for _, s := range st {
		if s.AppliedAt == "" {
			return fmt.Errorf("migration %04d_%s is not applied; run `lodestar migrate up`", s.Version, s.Name)
		}
	}
	return nil
}
