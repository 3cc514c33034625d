package store_test

import (
	"fmt"
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
		if got := rows(); got != 7 {
			t.Fatalf("three unknown addresses: got %d throttle rows, want 7 (address and address|client each, and the client's)", got)
		}
		// Past the window (and any lock), the rows say nothing any more:
		// the next attempt sweeps them.
		f.clock.Advance(f.s.Throttle.Window + f.s.Throttle.Lockout + time.Minute)
		if _, err := f.s.Authenticate(f.ctx, "ghost4@example.com", "wrong-password-123", client); lodestar.ErrorCode(err) != lodestar.EUnauthorized {
			t.Fatalf("ghost4: got %v, want unauthorized", err)
		}
		if got := rows(); got != 3 {
			t.Errorf("after the window: got %d throttle rows, want 3 (ghost4's two and the client's)", got)
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

// TestThrottleStopsSpraying checks the limit on one client address across
// e-mails: one password tried on many accounts is stopped at
// MaxFailures·PerClientFactor failures, while that client's successful
// sign-ins do not count, other clients are not touched, an IPv6 client is
// one /64, and an "e-mail" spelt like a client's key cannot lock it.
func TestThrottleStopsSpraying(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.s.Throttle = store.Throttle{MaxFailures: 2, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
		limit := f.s.Throttle.MaxFailures * store.PerClientFactor
		f.seedUser("victim@example.com", lodestar.RoleViewer)
		f.seedUser("office@example.com", lodestar.RoleViewer)
		try := func(email, password, client, want string) {
			t.Helper()
			_, err := f.s.Authenticate(f.ctx, email, password, client)
			if got := lodestar.ErrorCode(err); got != want && !(want == "" && err == nil) {
				t.Fatalf("%s from %s: got %v, want %q", email, client, err, want)
			}
		}
		const sprayer = "203.0.113.66"
		for i := range limit {
			try(fmt.Sprintf("user%d@example.com", i), "Winter2026!", sprayer, lodestar.EUnauthorized)
		}
		// The next account, never tried, with its right password: the
		// address is locked, not the account.
		try("victim@example.com", goodPassword, sprayer, lodestar.ETooManyRequests)
		try("victim@example.com", goodPassword, "203.0.113.67", "")

		// An office: many good sign-ins and some failures stay under it.
		const office = "198.51.100.20"
		for range 3 * limit {
			try("office@example.com", goodPassword, office, "")
		}
		for i := range limit - 1 {
			try(fmt.Sprintf("typo%d@example.com", i), "oops", office, lodestar.EUnauthorized)
		}
		try("office@example.com", goodPassword, office, "")

		// IPv6: one /64 is one client; the next /64 another.
		for i := range limit {
			try(fmt.Sprintf("v6-%d@example.com", i), "x", fmt.Sprintf("2001:db8:1:2::%x", i+1), lodestar.EUnauthorized)
		}
		try("victim@example.com", goodPassword, "2001:db8:1:2:ffff::1", lodestar.ETooManyRequests)
		try("victim@example.com", goodPassword, "2001:db8:1:3::1", "")

		// The client's key typed as an e-mail, from elsewhere, many times:
		// counted against the typist, never against the address named.
		const named = "192.0.2.44"
		for range limit + 5 {
			_, _ = f.s.Authenticate(f.ctx, "client|"+named, "x", "192.0.2.45")
		}
		try("victim@example.com", goodPassword, named, "")
		try("victim@example.com", goodPassword, "192.0.2.45", lodestar.ETooManyRequests)
	})
}

// TestThrottleLockedClientSparesAccounts checks that a client locked for
// spraying counts nothing more against the accounts it goes on naming:
// from fresh addresses of its /64 (each a new address|e-mail pair) it
// would otherwise fill an account's own count and lock its owner out.
func TestThrottleLockedClientSparesAccounts(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.s.Throttle = store.Throttle{MaxFailures: 2, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
		f.seedUser("victim@example.com", lodestar.RoleViewer)
		limit := f.s.Throttle.MaxFailures * store.PerClientFactor
		for i := range limit {
			if _, err := f.s.Authenticate(f.ctx, fmt.Sprintf("user%d@example.com", i), "Winter2026!", fmt.Sprintf("2001:db8:7::%x", i+1)); lodestar.ErrorCode(err) != lodestar.EUnauthorized {
				t.Fatalf("attempt %d: got %v, want unauthorized", i, err)
			}
		}
		// Locked as a client, it goes on at the victim, past the
		// e-mail's own limit, each time from a new address of its /64.
		for i := range f.s.Throttle.MaxFailures*store.PerEmailFactor + 2 {
			if _, err := f.s.Authenticate(f.ctx, "victim@example.com", "Winter2026!", fmt.Sprintf("2001:db8:7::1:%x", i+1)); lodestar.ErrorCode(err) != lodestar.ETooManyRequests {
				t.Fatalf("locked client, attempt %d: got %v, want too many requests", i, err)
			}
		}
		if _, err := f.s.Authenticate(f.ctx, "victim@example.com", goodPassword, "192.0.2.10"); err != nil {
			t.Fatalf("the victim from its own address: %v; a locked client must not lock the accounts it names", err)
		}
	})
}

// TestThrottleKeysDoNotCollide checks that an "e-mail" spelt like another
// key — an account's address, "|" and a client address, itself a valid
// address — is counted under its own name, not the account's count from
// that client: typed from elsewhere, it locked the account's owner out
// of their own address in MaxFailures tries.
func TestThrottleKeysDoNotCollide(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.s.Throttle = store.Throttle{MaxFailures: 2, Window: 15 * time.Minute, Lockout: 15 * time.Minute}
		f.seedUser("victim@example.com", lodestar.RoleViewer)
		const home = "192.0.2.10"
		for range f.s.Throttle.MaxFailures + 1 {
			_, _ = f.s.Authenticate(f.ctx, "victim@example.com|"+home, "x", "198.51.100.9")
		}
		if _, err := f.s.Authenticate(f.ctx, "victim@example.com", goodPassword, home); err != nil {
			t.Fatalf("the victim from its own address: %v", err)
		}
	})
}
