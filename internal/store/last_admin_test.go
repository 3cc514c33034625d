package store_test

import (
	"fmt"
	"sync"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestLastAdminKept: neither a role change nor disabling may leave
// Lodestar without an active admin (nobody could manage users again);
// the refused change is not made. With another admin, both are allowed.
func TestLastAdminKept(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		a := f.seedUser("a@example.com", lodestar.RoleAdmin)
		f.seedUser("viewer@example.com", lodestar.RoleViewer)
		for name, change := range map[string]func() error{
			"demote":  func() error { _, err := f.s.SetRole(f.ctx, a.Email, lodestar.RoleViewer); return err },
			"disable": func() error { _, err := f.s.SetDisabled(f.ctx, a.Email, true); return err },
		} {
			if err := change(); lodestar.ErrorCode(err) != lodestar.EConflict {
				t.Errorf("%s the only admin: got %v, want a conflict", name, err)
			}
			if got, _ := f.s.FindUserByID(f.ctx, a.ID); got.Role != lodestar.RoleAdmin || got.Disabled {
				t.Errorf("%s refused, yet the user is now %s (disabled %v)", name, got.Role, got.Disabled)
			}
		}
		b := f.seedUser("b@example.com", lodestar.RoleAdmin)
		if _, err := f.s.SetRole(f.ctx, a.Email, lodestar.RoleViewer); err != nil {
			t.Errorf("demote one of two admins: %v", err)
		}
		if _, err := f.s.SetDisabled(f.ctx, b.Email, true); lodestar.ErrorCode(err) != lodestar.EConflict {
			t.Errorf("disable the admin left: got %v, want a conflict", err)
		}
		// A disabled admin does not count: re-enabling one is allowed.
		if _, err := f.s.SetRole(f.ctx, a.Email, lodestar.RoleAdmin); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.SetDisabled(f.ctx, a.Email, true); err != nil {
			t.Errorf("disable one of two admins: %v", err)
		}
		if _, err := f.s.SetDisabled(f.ctx, a.Email, false); err != nil {
			t.Errorf("enable an admin: %v", err)
		}
	})
}

// TestLastAdminKeptConcurrently: two admins demoting each other at the
// same moment leave one admin, on either database.
func TestLastAdminKeptConcurrently(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		for round := range 5 {
			a := f.seedUser(fmt.Sprintf("a%d@example.com", round), lodestar.RoleAdmin)
			b := f.seedUser(fmt.Sprintf("b%d@example.com", round), lodestar.RoleAdmin)
			// Only a and b are active admins in this round.
			if _, err := db.ExecContext(f.ctx, db.Rebind(`UPDATE users SET disabled = ? WHERE role = ? AND id NOT IN (?, ?)`), true, "admin", a.ID, b.ID); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, u := range []*lodestar.User{a, b} {
				wg.Go(func() { _, errs[i] = f.s.SetRole(f.ctx, u.Email, lodestar.RoleViewer) })
			}
			wg.Wait()
			var admins int
			if err := db.QueryRowContext(f.ctx, db.Rebind(`SELECT COUNT(*) FROM users WHERE role = ? AND disabled = ?`), "admin", false).Scan(&admins); err != nil {
				t.Fatal(err)
			}
			if admins != 1 || (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("round %d: %d active admins left, errors %v; want one admin, one change refused", round, admins, errs)
			}
		}
	})
}
