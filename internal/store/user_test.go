package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

func TestCreateUser(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		u, err := f.s.CreateUser(f.ctx, lodestar.NewUser{
			Email: "  Alice.Liddell@Example.COM ", Role: lodestar.RoleBusinessOwner, Password: goodPassword, Locale: "zh-CN"})
		if err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
		want := lodestar.User{ID: u.ID, Email: "alice.liddell@example.com", Name: "alice.liddell", Role: lodestar.RoleBusinessOwner,
			Locale: "zh-CN", CreatedAt: f.clock.Now(), UpdatedAt: f.clock.Now()}
		if u.ID <= 0 || u.Email != want.Email || u.Name != want.Name || u.Role != want.Role || u.Locale != want.Locale ||
			u.Disabled || !u.CreatedAt.Equal(want.CreatedAt) || !u.UpdatedAt.Equal(want.UpdatedAt) || !u.LastLoginAt.IsZero() {
			t.Errorf("CreateUser: got %+v, want %+v", *u, want)
		}

		for _, email := range []string{"alice.liddell@example.com", "ALICE.LIDDELL@example.com", " Alice.Liddell@Example.COM"} {
			got, err := f.s.FindUserByEmail(f.ctx, email)
			if err != nil || got.ID != u.ID {
				t.Errorf("FindUserByEmail(%q): got (%+v, %v), want user %d", email, got, err, u.ID)
			}
		}
		if got, err := f.s.FindUserByID(f.ctx, u.ID); err != nil || got.Email != want.Email {
			t.Errorf("FindUserByID(%d): got (%+v, %v), want %s", u.ID, got, err, want.Email)
		}
		_, err = f.s.FindUserByID(f.ctx, u.ID+1000)
		wantError(t, err, lodestar.ENotFound)
		_, err = f.s.FindUserByEmail(f.ctx, "nobody@example.com")
		wantError(t, err, lodestar.ENotFound)

		var hash string
		if err := db.QueryRow(context.Background(), `SELECT password_hash FROM users WHERE id = ?`, u.ID).Scan(&hash); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(hash, "$argon2id$") || strings.Contains(hash, goodPassword) {
			t.Errorf("stored password: got %q, want an argon2id hash", hash)
		}
		if ok, err := auth.CheckPassword(hash, goodPassword); !ok || err != nil {
			t.Errorf("stored hash does not match the password: (%v, %v)", ok, err)
		}

		if got := f.auditCount(); got != 1 {
			t.Errorf("got %d audit entries, want 1", got)
		}
		ev := f.lastEvent()
		wantEvent(t, ev, adminActor, "create", "user", u.ID)
		if ev.Before != "" || !strings.Contains(ev.After, `"email":"alice.liddell@example.com"`) {
			t.Errorf("audit before/after: got %q / %q, want empty / the new user", ev.Before, ev.After)
		}
		if strings.Contains(ev.After, "argon2") || strings.Contains(ev.After, goodPassword) {
			t.Errorf("audit after %q holds the password or its hash", ev.After)
		}
		f.verify(1)
	})
}

func TestCreateUserInvalid(t *testing.T) {
	t.Parallel()
	valid := lodestar.NewUser{Email: "bob@example.com", Role: lodestar.RoleViewer, Password: goodPassword}
	tests := []struct {
		name   string
		change func(u *lodestar.NewUser)
		fields []string
	}{
		{"empty email", func(u *lodestar.NewUser) { u.Email = "" }, []string{"email"}},
		{"no at sign", func(u *lodestar.NewUser) { u.Email = "bob.example.com" }, []string{"email"}},
		{"display name form", func(u *lodestar.NewUser) { u.Email = "Bob <bob@example.com>" }, []string{"email"}},
		{"email too long", func(u *lodestar.NewUser) { u.Email = "b@" + repeat("e", 250) + ".com" }, []string{"email"}},
		{"empty role", func(u *lodestar.NewUser) { u.Role = "" }, []string{"role"}},
		{"unknown role", func(u *lodestar.NewUser) { u.Role = "superuser" }, []string{"role"}},
		{"role in capitals", func(u *lodestar.NewUser) { u.Role = "ADMIN" }, []string{"role"}},
		{"short password", func(u *lodestar.NewUser) { u.Password = "short" }, []string{"password"}},
		{"11-character password", func(u *lodestar.NewUser) { u.Password = "abcdefghijk" }, []string{"password"}},
		{"huge password", func(u *lodestar.NewUser) { u.Password = repeat("p", 1025) }, []string{"password"}},
		{"name too long", func(u *lodestar.NewUser) { u.Name = repeat("名", 201) }, []string{"name"}},
		{"unknown locale", func(u *lodestar.NewUser) { u.Locale = "fr" }, []string{"locale"}},
		{"everything wrong", func(u *lodestar.NewUser) {
			*u = lodestar.NewUser{Email: "nope", Role: "root", Password: "x", Locale: "de"}
		}, []string{"email", "role", "password", "locale"}},
	}
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		before := f.counts()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := valid
				tt.change(&in)
				u, err := f.s.CreateUser(f.ctx, in)
				if u != nil {
					t.Errorf("got user %+v, want none", *u)
				}
				wantError(t, err, lodestar.EInvalid, tt.fields...)
			})
		}
		f.wantUnchanged(before)
	})
}

func TestCreateUserDuplicate(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		first := f.createUser("carol@example.com", lodestar.RoleViewer)
		before := f.counts()
		u, err := f.s.CreateUser(f.ctx, lodestar.NewUser{Email: " CAROL@example.com", Role: lodestar.RoleAdmin, Password: goodPassword + "!"})
		if u != nil {
			t.Errorf("got user %+v, want none", *u)
		}
		wantError(t, err, lodestar.EConflict, "email")
		f.wantUnchanged(before) // in particular: no audit entry for the failed insert
		got, err := f.s.FindUserByEmail(f.ctx, "carol@example.com")
		if err != nil || got.ID != first.ID || got.Role != lodestar.RoleViewer {
			t.Errorf("the first user changed: got (%+v, %v), want %+v", got, err, first)
		}
		f.verify(1)
	})
}

func TestUpdateUser(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		dave := f.seedUser("dave@example.com", lodestar.RoleBusinessOwner)
		erin := f.seedUser("erin@example.com", lodestar.RoleViewer)
		created := f.clock.Now()
		f.clock.Advance(time.Hour)
		other := lodestar.Actor{ID: dave.ID, Label: dave.Email, Role: lodestar.RoleAdmin}
		octx := lodestar.WithActor(context.Background(), other)

		steps := []struct {
			name       string
			do         func() (*lodestar.User, error)
			actor      lodestar.Actor
			action     string
			before     string // substring of the audit before JSON
			after      string // substring of the audit after JSON
			wantRole   lodestar.Role
			wantOff    bool
			wantLocale string
		}{
			{"set role", func() (*lodestar.User, error) { return f.s.SetRole(f.ctx, "DAVE@example.com", lodestar.RoleCommittee) },
				adminActor, "set_role", `"role":"business_owner"`, `"role":"committee"`, lodestar.RoleCommittee, false, ""},
			{"disable", func() (*lodestar.User, error) { return f.s.SetDisabled(octx, "dave@example.com", true) },
				other, "disable", `"disabled":false`, `"disabled":true`, lodestar.RoleCommittee, true, ""},
			{"enable", func() (*lodestar.User, error) { return f.s.SetDisabled(f.ctx, "dave@example.com", false) },
				adminActor, "enable", `"disabled":true`, `"disabled":false`, lodestar.RoleCommittee, false, ""},
			{"set locale", func() (*lodestar.User, error) {
				return nil, f.s.SetLocale(octx, dave.ID, "zh-CN")
			}, other, "set_locale", `"locale":""`, `"locale":"zh-CN"`, lodestar.RoleCommittee, false, "zh-CN"},
		}
		for _, st := range steps {
			n := f.auditCount()
			u, err := st.do()
			if err != nil {
				t.Fatalf("%s: %v", st.name, err)
			}
			if u != nil && (u.Role != st.wantRole || u.Disabled != st.wantOff) {
				t.Errorf("%s: returned role %q disabled %v, want %q %v", st.name, u.Role, u.Disabled, st.wantRole, st.wantOff)
			}
			got, err := f.s.FindUserByID(f.ctx, dave.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Role != st.wantRole || got.Disabled != st.wantOff || got.Locale != st.wantLocale {
				t.Errorf("%s: stored role %q disabled %v locale %q, want %q %v %q",
					st.name, got.Role, got.Disabled, got.Locale, st.wantRole, st.wantOff, st.wantLocale)
			}
			if !got.UpdatedAt.Equal(f.clock.Now()) || !got.CreatedAt.Equal(created) {
				t.Errorf("%s: created %v updated %v, want %v and %v", st.name, got.CreatedAt, got.UpdatedAt, created, f.clock.Now())
			}
			if got := f.auditCount(); got != n+1 {
				t.Errorf("%s: got %d audit entries, want %d", st.name, got, n+1)
			}
			ev := f.lastEvent()
			wantEvent(t, ev, st.actor, st.action, "user", dave.ID)
			if !strings.Contains(ev.Before, st.before) || !strings.Contains(ev.After, st.after) {
				t.Errorf("%s: audit before %s after %s, want them to hold %s and %s", st.name, ev.Before, ev.After, st.before, st.after)
			}
		}

		failures := []struct {
			name   string
			do     func() error
			code   string
			fields []string
		}{
			{"set unknown role", func() error { _, err := f.s.SetRole(f.ctx, "erin@example.com", "owner"); return err },
				lodestar.EInvalid, []string{"role"}},
			{"set role of nobody", func() error { _, err := f.s.SetRole(f.ctx, "nobody@example.com", lodestar.RoleAdmin); return err },
				lodestar.ENotFound, nil},
			{"disable nobody", func() error { _, err := f.s.SetDisabled(f.ctx, "nobody@example.com", true); return err },
				lodestar.ENotFound, nil},
			{"unknown locale", func() error { return f.s.SetLocale(f.ctx, erin.ID, "fr") }, lodestar.EInvalid, []string{"locale"}},
			{"locale of nobody", func() error { return f.s.SetLocale(f.ctx, erin.ID+1000, "en") }, lodestar.ENotFound, nil},
		}
		before := f.counts()
		for _, tt := range failures {
			t.Run(tt.name, func(t *testing.T) {
				wantError(t, tt.do(), tt.code, tt.fields...)
			})
		}
		f.wantUnchanged(before)
		if got, _ := f.s.FindUserByID(f.ctx, erin.ID); got.Role != lodestar.RoleViewer || got.Locale != "" {
			t.Errorf("erin changed: got role %q locale %q, want viewer and none", got.Role, got.Locale)
		}

		users, err := f.s.ListUsers(f.ctx)
		if err != nil || len(users) != 2 || users[0].Email != "dave@example.com" || users[1].Email != "erin@example.com" {
			t.Errorf("ListUsers: got (%v, %v), want dave then erin", users, err)
		}
		if n, err := f.s.CountUsers(f.ctx); n != 2 || err != nil {
			t.Errorf("CountUsers: got (%d, %v), want (2, nil)", n, err)
		}
		f.verify(int64(len(steps)))
	})
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		frank := f.seedUser("frank@example.com", lodestar.RoleAITeam)
		grace := f.seedUser("grace@example.com", lodestar.RoleViewer)
		if _, err := f.s.SetDisabled(f.ctx, grace.Email, true); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Minute)

		tests := []struct {
			name, email, password string
			code                  string // "" for success
		}{
			{"right password", "frank@example.com", goodPassword, ""},
			{"e-mail in other case", "  FRANK@Example.com ", goodPassword, ""},
			{"wrong password", "frank@example.com", goodPassword + "x", lodestar.EUnauthorized},
			{"empty password", "frank@example.com", "", lodestar.EUnauthorized},
			{"unknown e-mail", "nobody@example.com", goodPassword, lodestar.EUnauthorized},
			{"disabled user", "grace@example.com", goodPassword, lodestar.EUnauthorized},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n := f.auditCount()
				// A client of its own, so failures do not add up to a lock.
				u, err := f.s.Authenticate(context.Background(), tt.email, tt.password, "192.0.2."+string(rune('1'+i)))
				if tt.code != "" {
					wantError(t, err, tt.code)
					if u != nil {
						t.Errorf("got user %+v, want none", *u)
					}
					if msg := lodestar.ErrorMessage(err); tt.code == lodestar.EUnauthorized && msg != "Wrong e-mail or password." {
						t.Errorf("got message %q, want the same message for every bad credential", msg)
					}
					if got := f.auditCount(); got != n {
						t.Errorf("got %d audit entries, want %d", got, n)
					}
					return
				}
				if err != nil {
					t.Fatalf("Authenticate: %v", err)
				}
				if u.ID != frank.ID || !u.LastLoginAt.Equal(f.clock.Now()) {
					t.Errorf("got user %d last login %v, want %d at %v", u.ID, u.LastLoginAt, frank.ID, f.clock.Now())
				}
				if got := f.auditCount(); got != n+1 {
					t.Errorf("got %d audit entries, want %d", got, n+1)
				}
				wantEvent(t, f.lastEvent(), lodestar.Actor{ID: frank.ID, Label: frank.Email}, "login", "user", frank.ID)
			})
		}
		f.verify(int64(f.auditCount()))
	})
}

func TestAuthenticateThrottle(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		heidi := f.seedUser("heidi@example.com", lodestar.RoleViewer)
		ctx := context.Background()
		const client, other = "198.51.100.7", "198.51.100.8"
		type attempt struct {
			email, password, client string
			code                    string // "" for success
		}
		run := func(step string, attempts ...attempt) {
			t.Helper()
			for i, a := range attempts {
				u, err := f.s.Authenticate(ctx, a.email, a.password, a.client)
				if a.code == "" {
					if err != nil || u == nil || u.ID != heidi.ID {
						t.Fatalf("%s, attempt %d (%s from %s): got (%v, %v), want heidi signed in", step, i+1, a.email, a.client, u, err)
					}
					continue
				}
				if lodestar.ErrorCode(err) != a.code {
					t.Fatalf("%s, attempt %d (%s from %s): got %v, want code %s", step, i+1, a.email, a.client, err, a.code)
				}
			}
		}
		wrong, right := goodPassword+"?", goodPassword
		th := store.DefaultThrottle
		if th.MaxFailures != 5 || th.Window != 15*time.Minute || th.Lockout != 15*time.Minute {
			t.Errorf("DefaultThrottle: got %+v, want 5 failures in 15m lock 15m", th)
		}

		// Five failures, with the e-mail spelt differently, lock the pair.
		run("failures",
			attempt{"heidi@example.com", wrong, client, lodestar.EUnauthorized},
			attempt{"HEIDI@example.com", wrong, client, lodestar.EUnauthorized},
			attempt{" heidi@example.com", wrong, client, lodestar.EUnauthorized},
			attempt{"heidi@EXAMPLE.com", wrong, client, lodestar.EUnauthorized},
			attempt{"heidi@example.com", wrong, client, lodestar.EUnauthorized},
		)
		n := f.auditCount()
		run("locked",
			attempt{"heidi@example.com", right, client, lodestar.ETooManyRequests},
			attempt{"heidi@example.com", wrong, client, lodestar.ETooManyRequests},
		)
		if got := f.auditCount(); got != n {
			t.Errorf("locked attempts wrote %d audit entries, want 0", got-n)
		}
		run("other client", attempt{"heidi@example.com", right, other, ""})
		f.clock.Advance(th.Lockout - time.Second)
		run("still locked", attempt{"heidi@example.com", right, client, lodestar.ETooManyRequests})
		f.clock.Advance(2 * time.Second)
		run("lock expired", attempt{"heidi@example.com", right, client, ""})
		if got := testdb0(t, f, `SELECT COUNT(*) FROM login_attempts WHERE key = ?`, "pair|"+client+"|heidi@example.com"); got != 0 {
			t.Errorf("after a successful sign-in: got %d throttle rows for the pair, want 0", got)
		}

		// A tighter throttle keeps the rest fast: argon2id checks are slow.
		f.s.Throttle = store.Throttle{MaxFailures: 2, Window: time.Minute, Lockout: time.Minute}

		// Failures older than the window are forgotten.
		run("old failure", attempt{"heidi@example.com", wrong, client, lodestar.EUnauthorized})
		f.clock.Advance(time.Minute + time.Second)
		run("new failure", attempt{"heidi@example.com", wrong, client, lodestar.EUnauthorized})
		if got := testdb0(t, f, `SELECT failures FROM login_attempts WHERE key = ?`, "pair|"+client+"|heidi@example.com"); got != 1 {
			t.Errorf("after the window: got %d failures counted, want 1", got)
		}
		run("not locked", attempt{"heidi@example.com", right, client, ""})

		// Unknown e-mails are throttled as well.
		run("unknown e-mail",
			attempt{"ghost@example.com", right, client, lodestar.EUnauthorized},
			attempt{"ghost@example.com", right, client, lodestar.EUnauthorized},
			attempt{"ghost@example.com", right, client, lodestar.ETooManyRequests},
			attempt{"heidi@example.com", right, client, ""},
		)
	})
}

// testdb0 runs a one-number query.
func testdb0(t *testing.T, f *fixture, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.db.QueryRow(context.Background(), q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}
