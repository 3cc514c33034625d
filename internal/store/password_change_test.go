package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// passwordHash reads a user's stored hash.
func passwordHash(t *testing.T, db *sqldb.DB, id int64) string {
	t.Helper()
	var hash string
	if err := db.QueryRow(context.Background(), `SELECT password_hash FROM users WHERE id = ?`, id).Scan(&hash); err != nil {
		t.Fatal(err)
	}
	return hash
}

// TestChangePassword: a user's own change needs their current password
// and a new one CreateUser would take; it stores an argon2id hash of the
// new one, ends every other session of theirs (the one making the change
// stays, as do other users'), and is audited under the user without the
// password or hash. A refusal — weak new password, wrong current one —
// changes nothing, and wrong current passwords are throttled like
// sign-ins: past the limit even the right one is refused until the
// lockout ends.
func TestChangePassword(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		u := f.seedUser("ann@example.com", lodestar.RoleViewer)
		other := f.seedUser("bob@example.com", lodestar.RoleViewer)
		keep, _, err := f.s.CreateSession(f.ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, stale, err := f.s.CreateSession(f.ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		_, bobs, err := f.s.CreateSession(f.ctx, other.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		ctx := lodestar.WithActor(context.Background(), lodestar.Actor{ID: u.ID, Label: u.Email, Role: u.Role})
		const next = "a brand new passphrase"

		oldHash := passwordHash(t, db, u.ID)
		before := f.counts()
		_, err = f.s.ChangePassword(ctx, u.ID, keep.ID, goodPassword, "short")
		wantError(t, err, lodestar.EInvalid, "new_password")
		if e, ok := err.(*lodestar.Error); !ok || e.Fields["new_password"] != "Password must be at least 12 characters." {
			t.Errorf("weak new password: got %v, want the length rule", err)
		}
		f.wantUnchanged(before)
		_, err = f.s.ChangePassword(ctx, u.ID, keep.ID, "not my password", next)
		wantError(t, err, lodestar.EInvalid, "current_password")
		if got := passwordHash(t, db, u.ID); got != oldHash {
			t.Error("a wrong current password changed the hash")
		}
		if _, _, err := f.s.ResolveSession(f.ctx, stale); err != nil {
			t.Errorf("a refused change ended a session: %v", err)
		}

		got, err := f.s.ChangePassword(ctx, u.ID, keep.ID, goodPassword, next)
		if err != nil {
			t.Fatalf("ChangePassword: %v", err)
		}
		if got.ID != u.ID {
			t.Errorf("got user %d, want %d", got.ID, u.ID)
		}
		hash := passwordHash(t, db, u.ID)
		if ok, err := auth.CheckPassword(hash, next); !ok || err != nil || !strings.HasPrefix(hash, "$argon2id$") {
			t.Errorf("stored hash %q does not match the new password (%v, %v)", hash, ok, err)
		}
		if _, err := f.s.Authenticate(f.ctx, u.Email, goodPassword, "192.0.2.1"); lodestar.ErrorCode(err) != lodestar.EUnauthorized {
			t.Errorf("sign-in with the old password: %v, want refused", err)
		}
		var sessions []int64
		rows, err := db.Query(context.Background(), `SELECT id FROM sessions WHERE user_id = ?`, u.ID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			sessions = append(sessions, id)
		}
		rows.Close()
		if len(sessions) != 1 || sessions[0] != keep.ID {
			t.Errorf("the user's sessions after the change: %v, want only the one that made it (%d)", sessions, keep.ID)
		}
		if _, _, err := f.s.ResolveSession(f.ctx, stale); lodestar.ErrorCode(err) != lodestar.EUnauthorized {
			t.Errorf("the user's other session: %v, want ended", err)
		}
		if _, _, err := f.s.ResolveSession(f.ctx, bobs); err != nil {
			t.Errorf("another user's session: %v, want kept", err)
		}
		ev := f.lastEvent()
		wantEvent(t, ev, lodestar.Actor{ID: u.ID, Label: u.Email}, "change_password", "user", u.ID)
		if strings.Contains(ev.Before+ev.After, "argon2") || strings.Contains(ev.Before+ev.After, next) || strings.Contains(ev.Before+ev.After, goodPassword) {
			t.Errorf("audit entry holds a password or hash: %s / %s", ev.Before, ev.After)
		}

		// Throttled: MaxFailures wrong tries, then the right one is refused
		// too until the lockout has passed.
		for i := 0; i < f.s.Throttle.MaxFailures; i++ {
			_, err := f.s.ChangePassword(ctx, u.ID, keep.ID, "wrong guess", goodPassword)
			wantError(t, err, lodestar.EInvalid, "current_password")
		}
		_, err = f.s.ChangePassword(ctx, u.ID, keep.ID, next, goodPassword)
		wantError(t, err, lodestar.ETooManyRequests, "current_password")
		if got := passwordHash(t, db, u.ID); got != hash {
			t.Error("a throttled change changed the hash")
		}
		f.clock.Set(f.clock.Now().Add(f.s.Throttle.Lockout + time.Minute))
		if _, err := f.s.ChangePassword(ctx, u.ID, keep.ID, next, goodPassword); err != nil {
			t.Errorf("after the lockout: %v, want the change made", err)
		}
		f.verify(2) // the two changes
	})
}
