package store_test

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestFormClaimStates: a form's claim is held (a second claim sees it not
// yet acted on), then finished (a second claim sees it acted on, and
// where) or given back (a second claim takes it). A claim never acted on
// is taken for abandoned after a while — its process stopped mid-handler
// — and may be claimed again; one acted on stays refused for a day.
func TestFormClaimStates(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		u := f.seedUser("ann@example.com", lodestar.RoleAdmin)
		const a, b = "0123456789abcdef0123456789abcdef", "fedcba9876543210fedcba9876543210"
		type state struct {
			claimed, acted bool
			see            string
		}
		claim := func(form string) state {
			t.Helper()
			c, ac, see, err := f.s.ClaimForm(f.ctx, u.ID, form)
			if err != nil {
				t.Fatal(err)
			}
			return state{c, ac, see}
		}
		check := func(what string, got, want state) {
			t.Helper()
			if got != want {
				t.Errorf("%s: got %+v, want %+v", what, got, want)
			}
		}
		check("first claim", claim(a), state{claimed: true})
		check("claim while the first is at work", claim(a), state{})
		if err := f.s.FinishForm(f.ctx, u.ID, a, "/use-cases/7"); err != nil {
			t.Fatal(err)
		}
		check("claim after the first was acted on", claim(a), state{acted: true, see: "/use-cases/7"})

		check("another form", claim(b), state{claimed: true})
		if err := f.s.ReleaseForm(f.ctx, u.ID, b); err != nil {
			t.Fatal(err)
		}
		check("claim after the first was refused", claim(b), state{claimed: true})

		// b is held, never finished; a was acted on.
		f.clock.Advance(11 * time.Minute)
		check("a claim left at work for 11 minutes", claim(b), state{claimed: true})
		check("a form acted on 11 minutes ago", claim(a), state{acted: true, see: "/use-cases/7"})
		f.clock.Advance(24 * time.Hour)
		check("a form acted on a day ago", claim(a), state{claimed: true})
	})
}
