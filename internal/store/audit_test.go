package store_test

import (
	"context"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestAuditTrail runs one change after another, each with its own actor,
// and checks that every change appends exactly one event naming that
// actor, the action and the entity, and that reads and failures append
// nothing.
func TestAuditTrail(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		as := func(id int64, label string) (context.Context, lodestar.Actor) {
			a := lodestar.Actor{ID: id, Label: label, Role: lodestar.RoleAdmin}
			return lodestar.WithActor(context.Background(), a), a
		}
		var (
			user     *lodestar.User
			tokenID  int64
			useCase  *lodestar.UseCase
			entityID = func() int64 { return 0 }
		)
		steps := []struct {
			name       string
			actorID    int64
			do         func(ctx context.Context) error
			events     int    // appended by the step
			action     string // of the event, when events == 1
			entityType string
			entityID   func() int64
			actorIsNew bool // the event's actor is the user just signed in
		}{
			{"create user", 1, func(ctx context.Context) (err error) {
				user, err = f.s.CreateUser(ctx, lodestar.NewUser{Email: "mia@example.com", Role: lodestar.RoleViewer, Password: goodPassword})
				return err
			}, 1, "create", "user", func() int64 { return user.ID }, false},
			{"set role", 2, func(ctx context.Context) error {
				_, err := f.s.SetRole(ctx, "mia@example.com", lodestar.RoleRiskOfficer)
				return err
			}, 1, "set_role", "user", func() int64 { return user.ID }, false},
			{"set locale", 3, func(ctx context.Context) error { return f.s.SetLocale(ctx, user.ID, "en") },
				1, "set_locale", "user", func() int64 { return user.ID }, false},
			{"disable", 4, func(ctx context.Context) error { _, err := f.s.SetDisabled(ctx, "mia@example.com", true); return err },
				1, "disable", "user", func() int64 { return user.ID }, false},
			{"enable", 5, func(ctx context.Context) error { _, err := f.s.SetDisabled(ctx, "mia@example.com", false); return err },
				1, "enable", "user", func() int64 { return user.ID }, false},
			{"sign in", 6, func(ctx context.Context) error {
				_, err := f.s.Authenticate(ctx, "mia@example.com", goodPassword, "203.0.113.1")
				return err
			}, 1, "login", "user", func() int64 { return user.ID }, true},
			{"create token", 7, func(ctx context.Context) error {
				tok, _, err := f.s.CreateToken(ctx, "mia@example.com", "laptop", nil)
				if tok != nil {
					tokenID = tok.ID
				}
				return err
			}, 1, "create", "api_token", func() int64 { return tokenID }, false},
			{"revoke token", 8, func(ctx context.Context) error { return f.s.RevokeToken(ctx, tokenID) },
				1, "revoke", "api_token", func() int64 { return tokenID }, false},
			{"create use case", 9, func(ctx context.Context) (err error) {
				useCase, err = f.s.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Churn forecast"})
				return err
			}, 1, "create", "use_case", func() int64 { return useCase.ID }, false},
			// Reads, sessions and failures leave no trace in the log.
			{"reads", 10, func(ctx context.Context) error {
				if _, err := f.s.FindUserByEmail(ctx, "mia@example.com"); err != nil {
					return err
				}
				if _, err := f.s.ListUsers(ctx); err != nil {
					return err
				}
				if _, _, err := f.s.FindUseCases(ctx, lodestar.UseCaseFilter{Limit: 5}); err != nil {
					return err
				}
				_, err := f.s.FindEvents(ctx, lodestar.AuditFilter{})
				return err
			}, 0, "", "", entityID, false},
			{"session", 11, func(ctx context.Context) error {
				_, secret, err := f.s.CreateSession(ctx, user.ID, time.Hour)
				if err != nil {
					return err
				}
				if _, _, err := f.s.ResolveSession(ctx, secret); err != nil {
					return err
				}
				return f.s.DeleteSession(ctx, secret)
			}, 1, "logout", "user", func() int64 { return user.ID }, false},
			{"failed sign-in", 12, func(ctx context.Context) error {
				if _, err := f.s.Authenticate(ctx, "mia@example.com", "wrong password!", "203.0.113.2"); lodestar.ErrorCode(err) != lodestar.EUnauthorized {
					t.Errorf("failed sign-in: got %v, want unauthorized", err)
				}
				return nil
			}, 0, "", "", entityID, false},
			{"failed changes", 13, func(ctx context.Context) error {
				_, err1 := f.s.SetRole(ctx, "mia@example.com", "nope")
				_, err2 := f.s.CreateUseCase(ctx, lodestar.NewUseCase{})
				err3 := f.s.RevokeToken(ctx, tokenID)
				_, _, err4 := f.s.CreateToken(ctx, "mia@example.com", "x", []string{"root"})
				for _, err := range []error{err1, err2, err3, err4} {
					if err == nil {
						t.Errorf("failed changes: got nil error, want one")
					}
				}
				return nil
			}, 0, "", "", entityID, false},
		}
		for _, st := range steps {
			ctx, actor := as(st.actorID, "actor"+string(rune('A'+st.actorID))+"@example.com")
			f.clock.Advance(time.Second)
			n := f.auditCount()
			if err := st.do(ctx); err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if got := f.auditCount(); got != n+st.events {
				t.Errorf("%s: appended %d audit events, want %d", st.name, got-n, st.events)
				continue
			}
			if st.events == 0 {
				continue
			}
			ev := f.lastEvent()
			if st.actorIsNew {
				actor = lodestar.Actor{ID: user.ID, Label: user.Email}
			}
			wantEvent(t, ev, actor, st.action, st.entityType, st.entityID())
			if ev.Seq != int64(n+1) || !ev.At.Equal(f.clock.Now()) {
				t.Errorf("%s: event seq %d at %v, want %d at %v", st.name, ev.Seq, ev.At, n+1, f.clock.Now())
			}
		}
		f.verify(10)

		// The service's FindEvents filters as the audit package does.
		evs, err := f.s.FindEvents(context.Background(), lodestar.AuditFilter{EntityType: "api_token"})
		if err != nil || len(evs) != 2 || evs[0].Action != "revoke" || evs[1].Action != "create" {
			t.Errorf("FindEvents(api_token): got %d events (%v), want revoke then create", len(evs), err)
		}
	})
}

// TestAuditFailureRollsBack makes the audit write fail, at the audit_log
// insert and after it (at the head update), and checks that the change it
// belonged to is rolled back with it: no row, no audit entry.
func TestAuditFailureRollsBack(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := f.ctx
		nina := f.seedUser("nina@example.com", lodestar.RoleViewer)
		tok, secret, err := f.s.CreateToken(ctx, nina.Email, "kept", nil)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)

		ops := []struct {
			name  string
			do    func() error
			check func(t *testing.T) // the data is as it was
		}{
			{"create user", func() error {
				_, err := f.s.CreateUser(ctx, lodestar.NewUser{Email: "otto@example.com", Role: lodestar.RoleViewer, Password: goodPassword})
				return err
			}, func(t *testing.T) {
				_, err := f.s.FindUserByEmail(ctx, "otto@example.com")
				wantError(t, err, lodestar.ENotFound)
			}},
			{"set role", func() error { _, err := f.s.SetRole(ctx, nina.Email, lodestar.RoleAdmin); return err },
				func(t *testing.T) {
					if u, _ := f.s.FindUserByID(ctx, nina.ID); u.Role != lodestar.RoleViewer || !u.UpdatedAt.Equal(nina.UpdatedAt) {
						t.Errorf("got role %q updated %v, want viewer and %v", u.Role, u.UpdatedAt, nina.UpdatedAt)
					}
				}},
			{"disable", func() error { _, err := f.s.SetDisabled(ctx, nina.Email, true); return err },
				func(t *testing.T) {
					if u, _ := f.s.FindUserByID(ctx, nina.ID); u.Disabled {
						t.Errorf("got disabled user, want enabled")
					}
				}},
			{"sign in", func() error { _, err := f.s.Authenticate(ctx, nina.Email, goodPassword, "192.0.2.9"); return err },
				func(t *testing.T) {
					if u, _ := f.s.FindUserByID(ctx, nina.ID); !u.LastLoginAt.IsZero() {
						t.Errorf("got last login %v, want none", u.LastLoginAt)
					}
				}},
			{"create token", func() error { _, _, err := f.s.CreateToken(ctx, nina.Email, "lost", nil); return err },
				func(t *testing.T) {
					if toks, _ := f.s.ListTokens(ctx, nina.Email); len(toks) != 1 {
						t.Errorf("got %d tokens, want 1", len(toks))
					}
				}},
			{"revoke token", func() error { return f.s.RevokeToken(ctx, tok.ID) },
				func(t *testing.T) {
					if _, _, err := f.s.ResolveToken(ctx, secret); err != nil {
						t.Errorf("token no longer resolves: %v", err)
					}
				}},
			{"create use case", func() error {
				_, err := f.s.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Lost"})
				return err
			}, func(t *testing.T) {
				if _, total, _ := f.s.FindUseCases(ctx, lodestar.UseCaseFilter{Limit: 10}); total != 0 {
					t.Errorf("got %d use cases, want 0", total)
				}
			}},
		}
		for _, at := range []string{"audit_log", "audit_head"} {
			t.Run("fail at "+at, func(t *testing.T) {
				remove := injectAuditFailure(t, db, at)
				// Sign-in attempts are counted before the password check, on
				// purpose (parallel guesses must not slip past the limit), so
				// a sign-in that fails later still leaves its count.
				if _, err := db.ExecContext(ctx, `DELETE FROM login_attempts`); err != nil {
					t.Fatal(err)
				}
				before := f.counts()
				before["login_attempts"] = 3 // the attempt: per e-mail and address, per e-mail, per address
				for _, op := range ops {
					t.Run(op.name, func(t *testing.T) {
						err := op.do()
						if got := lodestar.ErrorCode(err); got != lodestar.EInternal {
							t.Errorf("got %v (code %q), want an internal error", err, got)
						}
						op.check(t)
					})
				}
				f.wantUnchanged(before)
				remove()
			})
		}
		f.verify(1)
		// With the fault gone the same changes go through.
		if _, err := f.s.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Works again"}); err != nil {
			t.Errorf("CreateUseCase after the fault: %v", err)
		}
		f.verify(2)
	})
}
