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

func TestSessions(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		ivan := f.seedUser("ivan@example.com", lodestar.RoleCommittee)
		audits := f.auditCount()

		s1, secret1, err := f.s.CreateSession(ctx, ivan.ID, time.Hour)
		if err != nil {
			t.Fatalf("CreateSession: %v", err)
		}
		if !strings.HasPrefix(secret1, "lss_") || len(secret1) != len("lss_")+43 {
			t.Errorf("secret: got %q, want lss_ and 43 characters", secret1)
		}
		if s1.ID <= 0 || s1.UserID != ivan.ID || len(s1.CSRFToken) != 43 || s1.CSRFToken == secret1 ||
			!s1.CreatedAt.Equal(f.clock.Now()) || !s1.ExpiresAt.Equal(f.clock.Now().Add(time.Hour)) {
			t.Errorf("CreateSession: got %+v, want user %d, a CSRF token, created now and expiring in 1h", *s1, ivan.ID)
		}
		var hash, csrf string
		if err := db.QueryRow(ctx, `SELECT secret_hash, csrf_token FROM sessions WHERE id = ?`, s1.ID).Scan(&hash, &csrf); err != nil {
			t.Fatal(err)
		}
		if hash != auth.HashSecret(secret1) || strings.Contains(hash, secret1) || csrf != s1.CSRFToken {
			t.Errorf("stored session: got hash %q csrf %q, want the secret's hash and the CSRF token", hash, csrf)
		}

		resolve := func(secret string) (*lodestar.Session, *lodestar.User, error) {
			t.Helper()
			return f.s.ResolveSession(ctx, secret)
		}
		wantOK := func(step, secret string, want *lodestar.Session) {
			t.Helper()
			got, u, err := resolve(secret)
			if err != nil {
				t.Fatalf("%s: ResolveSession: %v", step, err)
			}
			if got.ID != want.ID || got.UserID != ivan.ID || got.CSRFToken != want.CSRFToken ||
				!got.ExpiresAt.Equal(want.ExpiresAt) || u.ID != ivan.ID || u.Email != ivan.Email {
				t.Errorf("%s: got session %+v user %+v, want session %+v of %s", step, *got, *u, *want, ivan.Email)
			}
		}
		wantDenied := func(step, secret string) {
			t.Helper()
			s, u, err := resolve(secret)
			if s != nil || u != nil {
				t.Errorf("%s: got session %v user %v, want none", step, s, u)
			}
			wantError(t, err, lodestar.EUnauthorized)
		}
		wantOK("fresh", secret1, s1)

		for _, bad := range []string{"", "lss_", "lss_nope", secret1 + "x", secret1[:len(secret1)-1], strings.ToUpper(secret1), hash} {
			wantDenied("bad secret "+bad, bad)
		}

		s2, secret2, err := f.s.CreateSession(ctx, ivan.ID, 2*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if secret2 == secret1 || s2.CSRFToken == s1.CSRFToken {
			t.Errorf("two sessions share a secret or CSRF token")
		}

		f.clock.Advance(time.Hour - time.Second)
		wantOK("one second before expiry", secret1, s1)
		f.clock.Advance(time.Second)
		wantDenied("at expiry", secret1)
		wantOK("other session", secret2, s2)

		// Creating a session sweeps the expired ones.
		f.clock.Advance(time.Second)
		_, secret3, err := f.s.CreateSession(ctx, ivan.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if got := testdb0(t, f, `SELECT COUNT(*) FROM sessions WHERE id = ?`, s1.ID); got != 0 {
			t.Errorf("expired session still stored after a sweep")
		}
		if got := testdb0(t, f, `SELECT COUNT(*) FROM sessions`); got != 2 {
			t.Errorf("got %d sessions, want 2", got)
		}

		// Disabling the user ends the sessions at once; enabling restores them.
		if _, err := f.s.SetDisabled(f.ctx, ivan.Email, true); err != nil {
			t.Fatal(err)
		}
		wantDenied("disabled user", secret2)
		wantDenied("disabled user", secret3)
		if _, err := f.s.SetDisabled(f.ctx, ivan.Email, false); err != nil {
			t.Fatal(err)
		}
		wantOK("enabled again", secret2, s2)

		if err := f.s.DeleteSession(ctx, secret2); err != nil {
			t.Fatalf("DeleteSession: %v", err)
		}
		wantDenied("deleted", secret2)
		if _, _, err := resolve(secret3); err != nil {
			t.Errorf("deleting one session ended another: %v", err)
		}
		if err := f.s.DeleteSession(ctx, "lss_unknown"); err != nil {
			t.Errorf("DeleteSession(unknown): got %v, want nil", err)
		}
		if got := testdb0(t, f, `SELECT COUNT(*) FROM sessions`); got != 1 {
			t.Errorf("got %d sessions, want 1", got)
		}

		// A session for a user who does not exist is refused, and nothing stays.
		before := f.counts()
		if s, _, err := f.s.CreateSession(ctx, ivan.ID+1000, time.Hour); err == nil {
			t.Errorf("CreateSession(unknown user): got %+v, want an error", s)
		}
		f.wantUnchanged(before)

		// Creating and resolving sessions is not audited; signing out (one
		// DeleteSession of a live session) and the two SetDisabled calls are.
		if got := f.auditCount(); got != audits+3 {
			t.Errorf("got %d audit entries, want %d", got, audits+3)
		}
	})
}

// TestSessionIdle checks the idle timeout: a session not used for
// SessionIdle ends even though its lifetime has not, while one in use
// lives on (its last use is recorded at most once a minute); zero turns
// the timeout off.
func TestSessionIdle(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		judy := f.seedUser("judy@example.com", lodestar.RoleViewer)
		f.s.SessionIdle = time.Hour
		_, secret, err := f.s.CreateSession(ctx, judy.ID, 12*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for i, step := range []time.Duration{50 * time.Minute, 50 * time.Minute, time.Hour - time.Second} {
			f.clock.Advance(step)
			if _, _, err := f.s.ResolveSession(ctx, secret); err != nil {
				t.Fatalf("use %d, %s after the one before: %v, want the session alive", i+1, step, err)
			}
		}
		f.clock.Advance(time.Hour + time.Second)
		if _, _, err := f.s.ResolveSession(ctx, secret); lodestar.ErrorCode(err) != lodestar.EUnauthorized {
			t.Fatalf("an hour idle: got %v, want unauthorized", err)
		}
		// Ended for good: a longer timeout set later does not bring it back.
		f.s.SessionIdle = 24 * time.Hour
		if _, _, err := f.s.ResolveSession(ctx, secret); lodestar.ErrorCode(err) != lodestar.EUnauthorized {
			t.Errorf("after the timeout was raised: got %v, want unauthorized", err)
		}

		// The shortest timeout allowed, 1 minute: a session used every
		// 40 s stays alive (its use is recorded often enough to count).
		f.s.SessionIdle = time.Minute
		_, secret, err = f.s.CreateSession(ctx, judy.ID, 12*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			f.clock.Advance(40 * time.Second)
			if _, _, err := f.s.ResolveSession(ctx, secret); err != nil {
				t.Fatalf("1-minute timeout, use %d 40 s after the last: %v, want the session alive", i+1, err)
			}
		}

		f.s.SessionIdle = 0
		_, secret, err = f.s.CreateSession(ctx, judy.ID, 12*time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(11 * time.Hour)
		if _, _, err := f.s.ResolveSession(ctx, secret); err != nil {
			t.Errorf("no idle timeout, 11 hours idle: %v, want the session alive", err)
		}
	})
}
