package main

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestEnsureAdminReplicasStartTogether: replicas starting at once on an
// empty database make one first admin, and none of them fails to start.
func TestEnsureAdminReplicasStartTogether(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		a, err := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "system"})
		env := &cmdEnv{ctx: ctx, getenv: func(k string) string {
			if k == "LODESTAR_ADMIN_PASSWORD" {
				return "the-first-admin-password"
			}
			return ""
		}}
		var wg sync.WaitGroup
		errs := make([]error, 3)
		for i := range errs {
			wg.Go(func() { _, _, errs[i] = env.ensureAdmin(ctx, a) })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("replica %d: %v", i, err)
			}
		}
		if n, err := a.Store.CountUsers(ctx); err != nil || n != 1 {
			t.Errorf("users after three replicas started: %d (%v), want 1", n, err)
		}
	})
}
