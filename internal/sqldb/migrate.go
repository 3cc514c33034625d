package sqldb

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
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

// hasMigrationsTable reports whether the database holds the table that
// records the migrations applied. Only looking (not CREATE TABLE IF NOT
// EXISTS) lets a role with row privileges alone, and a read-only SQLite
// file, be asked their schema's version.
func (db *DB) hasMigrationsTable(ctx context.Context) (bool, error) {
	var found bool
	var err error
	if db.Dialect == Postgres {
		// to_regclass follows search_path, as the unqualified queries do.
		err = db.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&found)
	} else {
		var n int
		err = db.QueryRow(ctx, `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
		found = n > 0
	}
	if err != nil {
		return false, fmt.Errorf("read schema_migrations: %w", err)
	}
	return found, nil
}

// createMigrationsTable makes the table that records the migrations, for
// Migrate on a database that has none yet.
func (db *DB) createMigrationsTable(ctx context.Context) error {
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
		return schemaChangeError("create schema_migrations", err)
	}
	return nil
}

// ErrNoSchemaPrivilege is a migration the database's role may not make:
// it has no CREATE on the schema, or does not own the tables a migration
// changes. A role with row privileges alone can run a migrated database
// but not migrate it.
type ErrNoSchemaPrivilege struct {
	// What is the step refused ("create schema_migrations", "migration
	// 0018_name").
	What string
	Err  error
}

func (e *ErrNoSchemaPrivilege) Error() string {
	return fmt.Sprintf("%s: %v: this database role may not change the schema (a migration needs CREATE on the schema and ownership of its tables); "+
		"run `lodestar migrate up` as the schema's owner, then start this build again", e.What, e.Err)
}

func (e *ErrNoSchemaPrivilege) Unwrap() error { return e.Err }

// schemaChangeError labels err, a failed change of the schema, with what;
// a refused privilege says which and who may make it.
func schemaChangeError(what string, err error) error {
	type sqlStater interface{ SQLState() string }
	var s sqlStater
	if errors.As(err, &s) && s.SQLState() == "42501" { // insufficient_privilege
		return &ErrNoSchemaPrivilege{What: what, Err: err}
	}
	return fmt.Errorf("%s: %w", what, err)
}

// appliedVersions returns version → applied_at; none when the database
// has no migrations table yet. It writes nothing.
func (db *DB) appliedVersions(ctx context.Context) (map[int]string, error) {
	ok, err := db.hasMigrationsTable(ctx)
	if err != nil || !ok {
		return map[int]string{}, err
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

// ErrSchemaBehind is a database whose schema is older than this binary's:
// a command other than serve and migrate up refuses it rather than
// upgrade it unasked (older binaries then refuse the database).
type ErrSchemaBehind struct{ DBVersion, Known int }

func (e *ErrSchemaBehind) Error() string {
	return fmt.Sprintf("database schema is at version %d, this build needs %d: back up, then run `lodestar migrate up` (or start `lodestar serve`)", e.DBVersion, e.Known)
}

// SchemaVersion returns the newest migration applied to the database (0:
// none, a new database) and the newest this binary knows; it fails with
// *ErrSchemaTooNew when the database is ahead. It writes nothing.
func (db *DB) SchemaVersion(ctx context.Context) (have, known int, err error) {
	st, err := db.Status(ctx)
	if err != nil {
		return 0, 0, err
	}
	for _, s := range st {
		if s.AppliedAt != "" {
			have = s.Version
		}
	}
	return have, len(st), nil
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
	return db.MigrateWith(ctx, MigrateProgress{})
}

// MigrateProgress is told of each migration Migrate applies: Applying as
// it begins, Applied once it is committed, with how long it took. Either
// may be nil.
type MigrateProgress struct {
	Applying func(m Migration)
	Applied  func(m Migration, took time.Duration)
}

// MigrateWith is Migrate telling p of each migration it applies. One that
// another process applied meanwhile is neither told nor counted.
func (db *DB) MigrateWith(ctx context.Context, p MigrateProgress) (int, error) {
	st, err := db.Status(ctx)
	if err != nil {
		return 0, err
	}
	pending := slices.ContainsFunc(st, func(s MigrationStatus) bool { return s.AppliedAt == "" })
	if !pending {
		return 0, nil
	}
	if ok, err := db.hasMigrationsTable(ctx); err != nil {
		return 0, err
	} else if !ok {
		if err := db.createMigrationsTable(ctx); err != nil {
			return 0, err
		}
	}
	n := 0
	for _, s := range st {
		if s.AppliedAt != "" {
			continue
		}
		began := time.Now()
		applied := false
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
			if p.Applying != nil {
				p.Applying(s.Migration)
			}
			if _, err := tx.ExecContext(ctx, s.SQL); err != nil {
				return err
			}
			applied = true
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				s.Version, s.Name, FormatTime(tx.Now))
			return err
		})
		if err != nil {
			return n, schemaChangeError(fmt.Sprintf("migration %04d_%s", s.Version, s.Name), err)
		}
		if applied {
			n++
			if p.Applied != nil {
				p.Applied(s.Migration, time.Since(began))
			}
		}
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
