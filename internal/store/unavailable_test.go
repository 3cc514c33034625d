package store_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// TestDatabaseAwayIsUnavailable: with the PostgreSQL server away (nothing
// listens on the port: the connection is refused), a read and a write are
// "unavailable" — a 503 to retry — not an internal fault, and the message
// says so without the connection's details.
func TestDatabaseAwayIsUnavailable(t *testing.T) {
	raw, err := sql.Open("pgx", "postgres://lodestar@127.0.0.1:1/none?connect_timeout=2&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	s := store.New(&sqldb.DB{DB: raw, Dialect: sqldb.Postgres, Now: time.Now})
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "system"})
	_, _, err = s.FindUseCases(ctx, lodestar.UseCaseFilter{Limit: 1})
	if lodestar.ErrorCode(err) != lodestar.EUnavailable || lodestar.ErrorMessage(err) != "The database cannot be reached at the moment; try again shortly." {
		t.Errorf("a read: got %v (%s), want unavailable", err, lodestar.ErrorCode(err))
	}
	_, err = s.CreateUseCase(ctx, lodestar.NewUseCase{Title: "x", Description: "y"})
	if lodestar.ErrorCode(err) != lodestar.EUnavailable {
		t.Errorf("a write: got %v (%s), want unavailable", err, lodestar.ErrorCode(err))
	}
	if _, _, err := s.ResolveToken(ctx, store.TokenPrefix+"whatever"); lodestar.ErrorCode(err) != lodestar.EUnavailable {
		t.Errorf("a token check: got %v (%s), want unavailable (not a 401 for a token that may be good)", err, lodestar.ErrorCode(err))
	}
}
