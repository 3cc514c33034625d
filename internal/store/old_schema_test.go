package store_test

import (
	"context"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// atOldSchema leaves the empty database db at schema version, as an older
// Lodestar did, and returns a store over it holding one use case ("Old"),
// with how many migrations upgrading it then runs: for the tests that
// store data the old way and upgrade it.
func atOldSchema(t *testing.T, db *sqldb.DB, version int) (context.Context, *store.Store, *lodestar.UseCase, int) {
	t.Helper()
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
	testdb.MigrateTo(t, db, version)
	ms, err := sqldb.Migrations(db.Dialect)
	if err != nil {
		t.Fatal(err)
	}
	s := store.New(db)
	uc, err := s.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Old"})
	if err != nil {
		t.Fatal(err)
	}
	return ctx, s, uc, len(ms) - version
}
