package store

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TokenPrefix starts every API token, so leaked tokens are easy to spot
// by secret scanners.
const TokenPrefix = "lst_"

const tokenColumns = `id, user_id, name, prefix, scopes, created_at, last_used_at, revoked_at, expires_at`

func scanToken(s interface{ Scan(...any) error }) (*lodestar.APIToken, error) {
	t := &lodestar.APIToken{}
	var scopes string
	err := s.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &scopes,
		sqldb.Time{T: &t.CreatedAt}, sqldb.Time{T: &t.LastUsedAt}, sqldb.Time{T: &t.RevokedAt}, sqldb.Time{T: &t.ExpiresAt})
	t.Scopes = strings.Split(scopes, ",")
	return t, err
}

// NormalizeScopes validates scopes; none means full write access.
func NormalizeScopes(scopes []string) ([]string, error) {
	if len(scopes) == 0 {
		return []string{lodestar.ScopeWrite}, nil
	}
	seen := map[string]bool{}
	var out []string
	for _, sc := range scopes {
		sc = strings.TrimSpace(sc)
		if sc != lodestar.ScopeRead && sc != lodestar.ScopeWrite && sc != lodestar.ScopeIngest {
			return nil, lodestar.FieldError("scope", "Unknown scope "+quote(sc)+"; use read, write or ingest.")
		}
		if !seen[sc] {
			seen[sc] = true
			out = append(out, sc)
		}
	}
	return out, nil
}

func quote(s string) string { return "\"" + s + "\"" }

// CreateToken implements lodestar.TokenService.
func (s *Store) CreateToken(ctx context.Context, email, name string, scopes []string) (*lodestar.APIToken, string, error) {
	return s.CreateTokenUntil(ctx, email, name, scopes, time.Time{})
}

// CreateTokenUntil implements lodestar.TokenService.
func (s *Store) CreateTokenUntil(ctx context.Context, email, name string, scopes []string, expires time.Time) (*lodestar.APIToken, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return nil, "", lodestar.FieldError("name", "Token name is required, at most 100 characters.")
	}
	scopes, err := NormalizeScopes(scopes)
	if err != nil {
		return nil, "", err
	}
	secret, err := auth.NewSecret(TokenPrefix)
	if err != nil {
		return nil, "", err
	}
	var tok *lodestar.APIToken
	err = s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		u, err := findUser(ctx, tx, "email = ?", lodestar.NormalizeEmail(email))
		if err != nil {
			return err
		}
		if u.Disabled {
			return lodestar.Errorf(lodestar.EInvalid, "User %s is disabled.", u.Email)
		}
		switch {
		case expires.IsZero():
		case !expires.After(tx.Now):
			return lodestar.FieldError("expires", "The expiry must be in the future.")
		case expires.Sub(tx.Now) > lodestar.MaxTokenLifetime:
			return lodestar.FieldError("expires", "The expiry can be at most five years ahead; choose no expiry for a token that should not expire.")
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, prefix, secret_hash, scopes, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.ID, name, secret[:len(TokenPrefix)+6],
			auth.HashSecret(secret), strings.Join(scopes, ","), sqldb.FormatTime(tx.Now), sqldb.FormatTime(expires.UTC())).Scan(&id)
		if err != nil {
			return err
		}
		if tok, err = scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = ?`, id)); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "api_token", EntityID: id, After: tok})
		return err
	})
	if err != nil {
		return nil, "", wrap("create token", err)
	}
	return tok, secret, nil
}

// ResolveToken implements lodestar.TokenService. It records last use at
// most once a minute, so reads do not turn into writes on every request.
func (s *Store) ResolveToken(ctx context.Context, secret string) (*lodestar.APIToken, *lodestar.User, error) {
	denied := lodestar.Errorf(lodestar.EUnauthorized, "The API token is invalid or revoked.")
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, nil, denied
	}
	tok, err := scanToken(s.DB.QueryRow(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE secret_hash = ?`, auth.HashSecret(secret)))
	if isNoRows(err) {
		return nil, nil, denied
	} else if err != nil {
		return nil, nil, wrap("resolve token", err)
	}
	if !tok.RevokedAt.IsZero() {
		return nil, nil, denied
	}
	now := s.DB.Now().UTC()
	if tok.Expired(now) {
		return nil, nil, lodestar.Errorf(lodestar.EUnauthorized, "The API token expired at %s.", tok.ExpiresAt.UTC().Format(time.RFC3339))
	}
	u, err := s.FindUserByID(ctx, tok.UserID)
	if err != nil || u.Disabled {
		return nil, nil, denied
	}
	if now.Sub(tok.LastUsedAt) > time.Minute {
		_, err = s.DB.ExecContext(ctx, s.DB.Rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), sqldb.FormatTime(now), tok.ID)
		if err != nil {
			return nil, nil, wrap("resolve token", err)
		}
	}
	return tok, u, nil
}

// RevokeToken implements lodestar.TokenService.
func (s *Store) RevokeToken(ctx context.Context, id int64) error {
	return wrap("revoke token", s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		before, err := scanToken(tx.QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE id = ?`, id))
		if isNoRows(err) {
			return notFound("Token")
		} else if err != nil {
			return err
		}
		if !before.RevokedAt.IsZero() {
			return lodestar.Errorf(lodestar.EConflict, "Token %d is already revoked.", id)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ?`, sqldb.FormatTime(tx.Now), id); err != nil {
			return err
		}
		after := *before
		after.RevokedAt = tx.Now
		_, err = audit.Append(ctx, tx, audit.Change{Action: "revoke", EntityType: "api_token", EntityID: id, Before: before, After: &after})
		return err
	}))
}

// ListTokens implements lodestar.TokenService; "" lists every user's.
func (s *Store) ListTokens(ctx context.Context, email string) ([]*lodestar.APIToken, error) {
	q := `SELECT ` + prefixed("t.", tokenColumns) + ` FROM api_tokens t JOIN users u ON u.id = t.user_id`
	var args []any
	if email != "" {
		q += ` WHERE u.email = ?`
		args = append(args, lodestar.NormalizeEmail(email))
	}
	rows, err := s.DB.Query(ctx, q+` ORDER BY t.id`, args...)
	if err != nil {
		return nil, wrap("list tokens", err)
	}
	defer rows.Close()
	var out []*lodestar.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = alias + p
	}
	return strings.Join(parts, ", ")
}
