package store_test

import (
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestTokenScopeTheRoleCannotUse: an ingest token only sends events and
// labels, which only admin and ai_team may; for any other role it would be
// refused on every request, so it is not made. The refusal names the
// roles that may hold the scope and writes nothing. Read and write tokens
// are made for every role (each may at least read).
func TestTokenScopeTheRoleCannotUse(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		users := map[lodestar.Role]*lodestar.User{}
		for _, r := range []lodestar.Role{lodestar.RoleViewer, lodestar.RoleRiskOfficer, lodestar.RoleAITeam, lodestar.RoleAdmin} {
			users[r] = f.seedUser(string(r)+"@example.com", r)
		}
		before := f.counts()
		for _, r := range []lodestar.Role{lodestar.RoleViewer, lodestar.RoleRiskOfficer} {
			for _, scopes := range [][]string{{"ingest"}, {"read", "ingest"}} {
				_, secret, err := f.s.CreateTokenFor(f.ctx, lodestar.NewToken{Email: users[r].Email, Name: "svc", Scopes: scopes})
				wantError(t, err, lodestar.EInvalid, "scope")
				want := "Only the roles admin, ai_team may use the ingest scope; " + users[r].Email + " has the role " + string(r) + ", so the token could never be used."
				if e, ok := err.(*lodestar.Error); !ok || e.Fields["scope"] != want || secret != "" {
					t.Errorf("%s %v: got %v (secret %q), want field scope %q", r, scopes, err, secret, want)
				}
			}
		}
		f.wantUnchanged(before)

		for _, c := range []struct {
			role   lodestar.Role
			scopes []string
		}{
			{lodestar.RoleViewer, []string{"read"}},
			{lodestar.RoleViewer, []string{"write"}},
			{lodestar.RoleRiskOfficer, nil}, // no scope: write
			{lodestar.RoleAITeam, []string{"ingest"}},
			{lodestar.RoleAdmin, []string{"ingest", "read"}},
		} {
			if _, _, err := f.s.CreateTokenFor(f.ctx, lodestar.NewToken{Email: users[c.role].Email, Name: "ok", Scopes: c.scopes}); err != nil {
				t.Errorf("%s %v: %v, want the token made", c.role, c.scopes, err)
			}
		}
	})
}
