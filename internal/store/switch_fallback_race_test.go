package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestSwitchFallbackLoopAtOnce: "a falls back to b" and "b falls back to
// a", flipped at once on PostgreSQL, do not both commit — each checks
// that the other's switch is on, so without a lock on what the check
// reads both read "on" and the two models fall back to each other. One
// flip is made; the other is refused as it is when made second (the
// fallback's switch is not on), and neither is a deadlock. The two are
// lined up by a transaction holding both switches until each flip waits
// on a lock. Skipped without LODESTAR_TEST_POSTGRES (SQLite's writers are
// one at a time).
func TestSwitchFallbackLoopAtOnce(t *testing.T) {
	db := testdb.OpenPostgres(t)
	s := store.New(db)
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "system"})
	uc, err := s.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Credit"})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int64{}
	for _, key := range []string{"model-a", "model-b"} {
		m, err := s.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: key, Name: key})
		if err != nil {
			t.Fatal(err)
		}
		ids[key] = m.ID
		v, err := s.CreateModelVersion(ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
			if _, err := s.SetModelVersionStatus(ctx, v.ID, st, "lifecycle"); err != nil {
				t.Fatal(err)
			}
		}
	}
	waiting := func() int {
		var n int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for round := range 5 {
		hold, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := hold.ExecContext(ctx, `SELECT 1 FROM switches WHERE model_id IN (?, ?) FOR UPDATE`, ids["model-a"], ids["model-b"]); err != nil {
			t.Fatal(err)
		}
		errs := map[string]error{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for key, fallback := range map[string]string{"model-a": "model-b", "model-b": "model-a"} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := s.FlipSwitch(ctx, key, lodestar.SwitchFallback, fallback, "failover drill")
				mu.Lock()
				errs[key] = err
				mu.Unlock()
			}()
		}
		// Both flips have begun and wait on the held switches.
		for deadline := time.Now().Add(30 * time.Second); waiting() < 2; time.Sleep(5 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the two flips never waited on the held switches", round)
			}
		}
		if err := hold.Rollback(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		made, refused := 0, 0
		for key, err := range errs {
			switch {
			case err == nil:
				made++
			case lodestar.ErrorCode(err) == lodestar.EInvalid && lodestar.ErrorFields(err)["fallback"] == "That model's own switch is not on: it may not serve instead.":
				refused++
			default:
				t.Errorf("round %d: flip of %s: %v", round, key, err)
			}
		}
		if made != 1 || refused != 1 {
			t.Fatalf("round %d: %d flips made, %d refused; want one of each (errors %v)", round, made, refused, errs)
		}
		fallbacks := 0
		for key := range ids {
			sw, err := s.FindSwitch(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			if sw.State == lodestar.SwitchFallback {
				fallbacks++
			}
			// On again for the next round.
			if _, err := s.FlipSwitch(ctx, key, lodestar.SwitchOn, "", "drill over"); err != nil {
				t.Fatal(err)
			}
		}
		if fallbacks != 1 {
			t.Fatalf("round %d: %d switches at fallback, want 1", round, fallbacks)
		}
	}
}
