package store_test

import (
	"sync"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
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
