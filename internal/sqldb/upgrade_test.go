package sqldb_test

import (
	"context"
	"errors"
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
