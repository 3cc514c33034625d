package store_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// TestThrottleHoldsUnderParallelGuesses sends many wrong passwords at once
// from one address: no more than the limit may be checked, and the right
// password afterwards is refused too.
func TestThrottleHoldsUnderParallelGuesses(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.seedUser("target@example.com", lodestar.RoleViewer)
		var mu sync.Mutex
		codes := map[string]int{}
		var wg sync.WaitGroup
		for i := 0; i < 16; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := f.s.Authenticate(f.ctx, "target@example.com", "wrong-password-123", "203.0.113.9")
				mu.Lock()
				codes[lodestar.ErrorCode(err)]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if codes[lodestar.EUnauthorized] > f.s.Throttle.MaxFailures {
			t.Errorf("parallel guesses: %d were checked (401), want at most %d; codes %v", codes[lodestar.EUnauthorized], f.s.Throttle.MaxFailures, codes)
		}
		if _, err := f.s.Authenticate(f.ctx, "target@example.com", goodPassword, "203.0.113.9"); lodestar.ErrorCode(err) != lodestar.ETooManyRequests {
			t.Errorf("right password after the burst: got %v, want too_many_requests", err)
		}
	})
}

// TestThrottleRowsStayBounded checks that sign-ins cannot grow the
// throttle's table without bound: an address longer than any account's
// is refused without a row (a 1 MiB "e-mail" was stored twice, for good),
// and rows whose window and lock have passed are swept.
func TestThrottleRowsStayBounded(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.seedUser("target@example.com", lodestar.RoleViewer)
		const client = "203.0.113.10"
		rows := func() int { return testdb0(t, f, `SELECT COUNT(*) FROM login_attempts`) }

		long := strings.Repeat("a", 300) + "@example.com"
		if _, err := f.s.Authenticate(f.ctx, long, "wrong-password-123", client); lodestar.ErrorCode(err) != lodestar.EUnauthorized {
			t.Errorf("a 312-byte address: got %v, want unauthorized", err)
		}
		if got := rows(); got != 0 {
			t.Errorf("after a 312-byte address: got %d throttle rows, want 0", got)
		}

		for _, e := range []string{"ghost1@example.com", "ghost2@example.com", "ghost3@example.com"} {
			if _, err := f.s.Authenticate(f.ctx, e, "wrong-password-123", client); lodestar.ErrorCode(err) != lodestar.EUnauthorized {
				t.Fatalf("%s: got %v, want unauthorized", e, err)
			}
		}
		if got := rows(); got != 6 {
			t.Fatalf("three unknown addresses: got %d throttle rows, want 6 (address and address|client)", got)
		}
		// Past the window (and any lock), the rows say nothing any more:
		// the next attempt sweeps them.
		f.clock.Advance(f.s.Throttle.Window + f.s.Throttle.Lockout + time.Minute)
		if _, err := f.s.Authenticate(f.ctx, "ghost4@example.com", "wrong-password-123", client); lodestar.ErrorCode(err) != lodestar.EUnauthorized {
			t.Fatalf("ghost4: got %v, want unauthorized", err)
		}
		if got := rows(); got != 2 {
			t.Errorf("after the window: got %d throttle rows, want 2 (ghost4's)", got)
		}

		// A lock outlives the window: its row is kept until it ends.
		f.s.Throttle = store.Throttle{MaxFailures: 1, Window: time.Minute, Lockout: time.Hour}
		for range 2 {
			_, _ = f.s.Authenticate(f.ctx, "target@example.com", "wrong-password-123", client)
		}
		f.clock.Advance(2 * time.Minute)
		_, _ = f.s.Authenticate(f.ctx, "ghost5@example.com", "wrong-password-123", client)
		if _, err := f.s.Authenticate(f.ctx, "target@example.com", goodPassword, client); lodestar.ErrorCode(err) != lodestar.ETooManyRequests {
			t.Errorf("locked address after a sweep: got %v, want too_many_requests", err)
		}
	})
}
