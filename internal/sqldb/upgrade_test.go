package sqldb_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// hasTable reports whether db holds table.
func hasTable(t *testing.T, db *sqldb.DB, table string) bool {
	t.Helper()
	var found bool
	var err error
	if db.Dialect == sqldb.Postgres {
		err = db.QueryRow(context.Background(), `SELECT to_regclass(?) IS NOT NULL`, table).Scan(&found)
	} else {
		var n int
		err = db.QueryRow(context.Background(), `SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&n)
		found = n > 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// TestStatusWritesNothing: asking an empty database its schema's version
// (Status, SchemaVersion, CheckCurrent) creates no schema_migrations
// table: it only reads. Migrate then creates it.
func TestStatusWritesNothing(t *testing.T) {
	t.Parallel()
	forEachEmptyDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		known, err := sqldb.Migrations(db.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		st, err := db.Status(ctx)
		if err != nil || len(st) != len(known) || st[0].AppliedAt != "" {
			t.Fatalf("Status: %d entries, %v; want %d pending", len(st), err, len(known))
		}
		if have, k, err := db.SchemaVersion(ctx); err != nil || have != 0 || k != len(known) {
			t.Errorf("SchemaVersion: (%d, %d, %v), want (0, %d, nil)", have, k, err, len(known))
		}
		if err := db.CheckCurrent(ctx); err == nil {
			t.Error("CheckCurrent on an empty database: nil, want an error")
		}
		if hasTable(t, db, "schema_migrations") {
			t.Fatal("reading the schema's version created schema_migrations")
		}
		if n, err := db.Migrate(ctx); err != nil || n != len(known) {
			t.Fatalf("Migrate: (%d, %v)", n, err)
		}
		if have, _, err := db.SchemaVersion(ctx); err != nil || have != len(known) {
			t.Errorf("SchemaVersion after Migrate: (%d, %v), want %d", have, err, len(known))
		}
	})
}

// TestMigrateWithReportsEach: MigrateWith tells of each migration it
// applies, in order, as it begins and once applied; a second run applies
// and tells of none.
func TestMigrateWithReportsEach(t *testing.T) {
	t.Parallel()
	forEachEmptyDB(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		known, err := sqldb.Migrations(db.Dialect)
		if err != nil {
			t.Fatal(err)
		}
		var events []string
		p := sqldb.MigrateProgress{
			Applying: func(m sqldb.Migration) { events = append(events, "applying "+m.Name) },
			Applied: func(m sqldb.Migration, took time.Duration) {
				if took < 0 {
					t.Errorf("%s took %v", m.Name, took)
				}
				events = append(events, "applied "+m.Name)
			},
		}
		n, err := db.MigrateWith(ctx, p)
		if err != nil || n != len(known) {
			t.Fatalf("MigrateWith: (%d, %v), want (%d, nil)", n, err, len(known))
		}
		var want []string
		for _, m := range known {
			want = append(want, "applying "+m.Name, "applied "+m.Name)
		}
		if !slices.Equal(events, want) {
			t.Errorf("told\n%q\nwant\n%q", events, want)
		}
		events = nil
		if n, err := db.MigrateWith(ctx, p); err != nil || n != 0 || len(events) != 0 {
			t.Errorf("second MigrateWith: (%d, %v), told %q; want nothing", n, err, events)
		}
	})
}

// TestRowRoleRunsMigratedDatabase: a role with row privileges only (no
// CREATE on the schema) reads a migrated database's schema version and
// migrates it without error when there is nothing to apply; on a
// database that needs migrating, Migrate says which privilege is missing
// and that the schema's owner is to run `lodestar migrate up`. Skipped
// without LODESTAR_TEST_POSTGRES.
func TestRowRoleRunsMigratedDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	owner := testdb.PostgresURL(t)
	odb, err := sqldb.Open(ctx, "", owner)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { odb.Close() })
	if _, err := odb.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	db, err := sqldb.Open(ctx, "", testdb.RowRoleURL(t, owner))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	known, _ := sqldb.Migrations(sqldb.Postgres)
	if have, _, err := db.SchemaVersion(ctx); err != nil || have != len(known) {
		t.Errorf("SchemaVersion as the row role: (%d, %v), want %d", have, err, len(known))
	}
	if err := db.CheckCurrent(ctx); err != nil {
		t.Errorf("CheckCurrent as the row role: %v", err)
	}
	if n, err := db.Migrate(ctx); err != nil || n != 0 {
		t.Errorf("Migrate as the row role with nothing to apply: (%d, %v), want (0, nil)", n, err)
	}

	// A database that is not migrated: the role may not.
	empty := testdb.PostgresURL(t)
	edb, err := sqldb.Open(ctx, "", testdb.RowRoleURL(t, empty))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { edb.Close() })
	if have, _, err := edb.SchemaVersion(ctx); err != nil || have != 0 {
		t.Errorf("SchemaVersion of an empty database as the row role: (%d, %v), want 0", have, err)
	}
	_, err = edb.Migrate(ctx)
	var np *sqldb.ErrNoSchemaPrivilege
	if !errors.As(err, &np) {
		t.Fatalf("Migrate as the row role on an empty database: %v (%T), want *sqldb.ErrNoSchemaPrivilege", err, err)
	}
	for _, want := range []string{"permission denied", "CREATE on the schema", "run `lodestar migrate up` as the schema's owner"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
}

// TestOpenReadOnlyWritesNothing: OpenReadOnly reads a migrated database
// whose file (0440) and directory (0550) are read-only, and leaves them as
// they were: no write probe, no -wal or -shm, the file's mode, time and
// bytes unchanged; a write through it fails. (Run as root, whom the modes
// do not bind, the read-only open is what keeps the file unchanged.)
func TestOpenReadOnlyWritesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := testdb.Open(t)
	if err := src.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Dir(src.Where)
	path := filepath.Join(dir, sqldb.SQLiteFile)
	if err := os.Chmod(path, 0o440); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o550); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o750) })
	before := testdb.DirState(t, dir)

	db, err := sqldb.OpenReadOnly(ctx, dir, "")
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	known, _ := sqldb.Migrations(sqldb.SQLite)
	if have, _, err := db.SchemaVersion(ctx); err != nil || have != len(known) {
		t.Errorf("SchemaVersion: (%d, %v), want %d", have, err, len(known))
	}
	if len(db.Tightened) != 0 || !db.ReadOnly {
		t.Errorf("Tightened %v ReadOnly %v, want none and true", db.Tightened, db.ReadOnly)
	}
	if _, err := db.ExecContext(ctx, `DELETE FROM use_cases`); err == nil {
		t.Error("a DELETE through the read-only database succeeded")
	}
	err = db.InTx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'x', '')`)
		return err
	})
	if err == nil {
		t.Error("an INSERT in a transaction through the read-only database succeeded")
	}
	if during := testdb.DirState(t, dir); !slices.Equal(during, before) {
		t.Errorf("while open: the directory holds\n%q\nwas\n%q", during, before)
	}
	if err := db.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if after := testdb.DirState(t, dir); !slices.Equal(after, before) {
		t.Errorf("after: the directory holds\n%q\nwas\n%q", after, before)
	}
}
