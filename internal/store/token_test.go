package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// tokenRow returns every column of an api_tokens row as text.
func tokenRow(t *testing.T, db *sqldb.DB, id int64) []string {
	t.Helper()
	var uid, tid int64
	cols := make([]string, 8)
	err := db.QueryRow(context.Background(), `SELECT id, user_id, name, prefix, secret_hash, scopes, created_at, last_used_at, revoked_at
		FROM api_tokens WHERE id = ?`, id).Scan(&tid, &uid, &cols[0], &cols[1], &cols[2], &cols[3], &cols[4], &cols[5], &cols[6])
	if err != nil {
		t.Fatalf("read token %d: %v", id, err)
	}
	return cols[:7]
}

func TestTokens(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		judy := f.seedUser("judy@example.com", lodestar.RoleAITeam)

		n := f.auditCount()
		tok, secret, err := f.s.CreateToken(f.ctx, " JUDY@example.com ", "  ci bot ", []string{"read", " read "})
		if err != nil {
			t.Fatalf("CreateToken: %v", err)
		}
		body := strings.TrimPrefix(secret, store.TokenPrefix)
		if store.TokenPrefix != "lst_" || !strings.HasPrefix(secret, "lst_") || len(body) != 43 {
			t.Errorf("secret: got %q, want lst_ and 43 characters", secret)
		}
		if tok.ID <= 0 || tok.UserID != judy.ID || tok.Name != "ci bot" || !slices.Equal(tok.Scopes, []string{"read"}) ||
			tok.Prefix != secret[:10] || !tok.CreatedAt.Equal(f.clock.Now()) || !tok.LastUsedAt.IsZero() || !tok.RevokedAt.IsZero() {
			t.Errorf("CreateToken: got %+v, want judy's token \"ci bot\" with scope read and prefix %q", *tok, secret[:10])
		}

		// Only the hash is stored: no column holds the secret or its random part.
		row := tokenRow(t, db, tok.ID)
		for i, col := range row {
			if strings.Contains(col, secret) || strings.Contains(col, body) {
				t.Errorf("api_tokens column %d = %q holds the secret", i, col)
			}
		}
		if row[2] != auth.HashSecret(secret) {
			t.Errorf("stored secret_hash: got %q, want %q", row[2], auth.HashSecret(secret))
		}
		if got := f.auditCount(); got != n+1 {
			t.Errorf("got %d audit entries, want %d", got, n+1)
		}
		ev := f.lastEvent()
		wantEvent(t, ev, adminActor, "create", "api_token", tok.ID)
		if strings.Contains(ev.After, body) || strings.Contains(ev.After, row[2]) {
			t.Errorf("audit after %q holds the secret or its hash", ev.After)
		}

		tok2, secret2, err := f.s.CreateToken(f.ctx, judy.Email, "default scopes", nil)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(tok2.Scopes, []string{lodestar.ScopeWrite}) || secret2 == secret {
			t.Errorf("default scopes: got %v, want [write] and a new secret", tok2.Scopes)
		}

		got, u, err := f.s.ResolveToken(ctx, secret)
		if err != nil || got.ID != tok.ID || u.ID != judy.ID || !slices.Equal(got.Scopes, []string{"read"}) {
			t.Fatalf("ResolveToken: got (%+v, %+v, %v), want token %d of judy", got, u, err, tok.ID)
		}
		lastUsed := func() string { return tokenRow(t, db, tok.ID)[5] }
		first := sqldb.FormatTime(f.clock.Now())
		if lastUsed() != first {
			t.Errorf("last_used_at: got %q, want %q", lastUsed(), first)
		}
		f.clock.Advance(30 * time.Second) // within a minute: not rewritten
		if _, _, err := f.s.ResolveToken(ctx, secret); err != nil || lastUsed() != first {
			t.Errorf("resolve 30s later: got (%v, last used %q), want (nil, %q)", err, lastUsed(), first)
		}
		f.clock.Advance(31 * time.Second)
		if _, _, err := f.s.ResolveToken(ctx, secret); err != nil || lastUsed() != sqldb.FormatTime(f.clock.Now()) {
			t.Errorf("resolve 61s later: got (%v, last used %q), want (nil, %q)", err, lastUsed(), sqldb.FormatTime(f.clock.Now()))
		}

		for _, bad := range []string{"", "lst_", "lst_nope", body, secret + "x", "Bearer " + secret, strings.ToUpper(secret), row[2]} {
			tk, u, err := f.s.ResolveToken(ctx, bad)
			if tk != nil || u != nil {
				t.Errorf("ResolveToken(%q): got a token, want none", bad)
			}
			wantError(t, err, lodestar.EUnauthorized)
		}

		list := func(email string) []int64 {
			t.Helper()
			toks, err := f.s.ListTokens(ctx, email)
			if err != nil {
				t.Fatalf("ListTokens(%q): %v", email, err)
			}
			var ids []int64
			for _, x := range toks {
				ids = append(ids, x.ID)
			}
			return ids
		}
		for _, tt := range []struct {
			email string
			want  []int64
		}{{"judy@example.com", []int64{tok.ID, tok2.ID}}, {"JUDY@example.com", []int64{tok.ID, tok2.ID}}, {"", []int64{tok.ID, tok2.ID}}, {"nobody@example.com", nil}} {
			if got := list(tt.email); !slices.Equal(got, tt.want) {
				t.Errorf("ListTokens(%q): got %v, want %v", tt.email, got, tt.want)
			}
		}

		// Revoke: one audit entry with before and after; the secret stops working.
		f.clock.Advance(time.Minute)
		n = f.auditCount()
		if err := f.s.RevokeToken(f.ctx, tok.ID); err != nil {
			t.Fatalf("RevokeToken: %v", err)
		}
		if got := f.auditCount(); got != n+1 {
			t.Errorf("revoke: got %d audit entries, want %d", got, n+1)
		}
		ev = f.lastEvent()
		wantEvent(t, ev, adminActor, "revoke", "api_token", tok.ID)
		if strings.Contains(ev.Before, "revoked_at") || !strings.Contains(ev.After, `"revoked_at":"`+f.clock.Now().Format(time.RFC3339)) {
			t.Errorf("revoke audit: before %s after %s, want revoked_at only after, at %v", ev.Before, ev.After, f.clock.Now())
		}
		if got := tokenRow(t, db, tok.ID)[6]; got != sqldb.FormatTime(f.clock.Now()) {
			t.Errorf("revoked_at: got %q, want %q", got, sqldb.FormatTime(f.clock.Now()))
		}
		_, _, err = f.s.ResolveToken(ctx, secret)
		wantError(t, err, lodestar.EUnauthorized)
		if _, _, err := f.s.ResolveToken(ctx, secret2); err != nil {
			t.Errorf("revoking one token broke another: %v", err)
		}

		before := f.counts()
		wantError(t, f.s.RevokeToken(f.ctx, tok.ID), lodestar.EConflict)
		wantError(t, f.s.RevokeToken(f.ctx, tok2.ID+1000), lodestar.ENotFound)
		f.wantUnchanged(before)

		// A disabled user's tokens stop working.
		if _, err := f.s.SetDisabled(f.ctx, judy.Email, true); err != nil {
			t.Fatal(err)
		}
		_, _, err = f.s.ResolveToken(ctx, secret2)
		wantError(t, err, lodestar.EUnauthorized)
		f.verify(int64(f.auditCount()))
	})
}

func TestCreateTokenInvalid(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		f.seedUser("kim@example.com", lodestar.RoleViewer)
		off := f.seedUser("leo@example.com", lodestar.RoleViewer)
		if _, err := f.s.SetDisabled(f.ctx, off.Email, true); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name, email, tokenName string
			scopes                 []string
			code                   string
			fields                 []string
		}{
			{"unknown scope", "kim@example.com", "ci", []string{"admin"}, lodestar.EInvalid, []string{"scope"}},
			{"one bad scope among good", "kim@example.com", "ci", []string{"read", "delete"}, lodestar.EInvalid, []string{"scope"}},
			{"empty scope", "kim@example.com", "ci", []string{""}, lodestar.EInvalid, []string{"scope"}},
			{"scope in capitals", "kim@example.com", "ci", []string{"READ"}, lodestar.EInvalid, []string{"scope"}},
			{"empty name", "kim@example.com", "", nil, lodestar.EInvalid, []string{"name"}},
			{"blank name", "kim@example.com", "   ", nil, lodestar.EInvalid, []string{"name"}},
			{"name too long", "kim@example.com", repeat("令", 101), nil, lodestar.EInvalid, []string{"name"}},
			{"unknown user", "nobody@example.com", "ci", nil, lodestar.ENotFound, nil},
			{"disabled user", "leo@example.com", "ci", nil, lodestar.EInvalid, nil},
		}
		before := f.counts()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				tok, secret, err := f.s.CreateToken(f.ctx, tt.email, tt.tokenName, tt.scopes)
				if tok != nil || secret != "" {
					t.Errorf("got token %+v secret %q, want none", tok, secret)
				}
				wantError(t, err, tt.code, tt.fields...)
			})
		}
		f.wantUnchanged(before)

		// The longest name allowed still works.
		if _, _, err := f.s.CreateToken(f.ctx, "kim@example.com", repeat("令", 100), []string{"write", "read"}); err != nil {
			t.Errorf("CreateToken with a 100-character name: %v", err)
		}
	})
}
