package store

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
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

// tokenSelect reads tokens (as t) with how many models each is bound to,
// so that a token bound to none — every token made before binding, and
// most since — costs no second query to resolve.
var tokenSelect = `SELECT ` + prefixed("t.", tokenColumns) +
	`, (SELECT COUNT(*) FROM api_token_models tm WHERE tm.token_id = t.id) FROM api_tokens t`

// scannedToken is a token as read, with the number of its models, which
// loadTokenModels fills in.
type scannedToken struct {
	*lodestar.APIToken
	models int
}

func scanToken(s interface{ Scan(...any) error }) (scannedToken, error) {
	t := &lodestar.APIToken{}
	var scopes string
	var models int
	err := s.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &scopes,
		sqldb.Time{T: &t.CreatedAt}, sqldb.Time{T: &t.LastUsedAt}, sqldb.Time{T: &t.RevokedAt}, sqldb.Time{T: &t.ExpiresAt}, &models)
	t.Scopes = strings.Split(scopes, ",")
	return scannedToken{t, models}, err
}

// queryFunc runs a query written with '?' placeholders: a transaction's
// or the database's.
type queryFunc func(ctx context.Context, query string, args ...any) (*sql.Rows, error)

// loadTokenModels fills in the models of the tokens bound to any, by key;
// nothing is read when none is.
func loadTokenModels(ctx context.Context, query queryFunc, toks ...scannedToken) ([]*lodestar.APIToken, error) {
	if len(toks) == 0 {
		return nil, nil
	}
	out := make([]*lodestar.APIToken, len(toks))
	byID := map[int64]*lodestar.APIToken{}
	var ids []any
	for i, t := range toks {
		out[i] = t.APIToken
		if t.models > 0 {
			byID[t.ID] = t.APIToken
			ids = append(ids, t.ID)
		}
	}
	// In chunks, well inside both databases' parameter limits.
	for len(ids) > 0 {
		n := min(len(ids), 500)
		rows, err := query(ctx, `SELECT tm.token_id, m.id, m.key FROM api_token_models tm JOIN models m ON m.id = tm.model_id
			WHERE tm.token_id IN (?`+strings.Repeat(", ?", n-1)+`) ORDER BY tm.token_id, m.key`, ids[:n]...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var tid int64
			var m lodestar.TokenModel
			if err := rows.Scan(&tid, &m.ID, &m.Key); err != nil {
				rows.Close()
				return nil, err
			}
			byID[tid].Models = append(byID[tid].Models, m)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

// findToken reads one token, its models filled in.
func findToken(ctx context.Context, tx *sqldb.Tx, where string, args ...any) (*lodestar.APIToken, error) {
	t, err := scanToken(tx.QueryRowContext(ctx, tokenSelect+` WHERE `+where, args...))
	if err != nil {
		return nil, err
	}
	toks, err := loadTokenModels(ctx, tx.QueryContext, t)
	if err != nil {
		return nil, err
	}
	return toks[0], nil
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
	return s.CreateTokenFor(ctx, lodestar.NewToken{Email: email, Name: name, Scopes: scopes, Expires: expires})
}

// CreateTokenFor implements lodestar.TokenService.
func (s *Store) CreateTokenFor(ctx context.Context, nt lodestar.NewToken) (*lodestar.APIToken, string, error) {
	name := strings.TrimSpace(nt.Name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return nil, "", lodestar.FieldError("name", "Token name is required, at most 100 characters.")
	}
	scopes, err := NormalizeScopes(nt.Scopes)
	if err != nil {
		return nil, "", err
	}
	if err := checkBindable(scopes, nt.Models); err != nil {
		return nil, "", err
	}
	expires := nt.Expires
	secret, err := auth.NewSecret(TokenPrefix)
	if err != nil {
		return nil, "", err
	}
	var tok *lodestar.APIToken
	err = s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		u, err := findUser(ctx, tx, "email = ?", lodestar.NormalizeEmail(nt.Email))
		if err != nil {
			return err
		}
		if u.Disabled {
			return lodestar.Errorf(lodestar.EInvalid, "User %s is disabled.", u.Email)
		}
		// A scope the user's role can never use makes a token every request
		// of which is refused (a viewer's ingest token): refuse it now.
		for _, sc := range scopes {
			if !auth.ScopeUsable(u.Role, sc) {
				return lodestar.FieldError("scope", fmt.Sprintf("Only the roles %s may use the %s scope; %s has the role %s, so the token could never be used.",
					auth.RoleList(auth.ScopeRoles(sc)), sc, u.Email, u.Role))
			}
		}
		switch {
		case expires.IsZero():
		case !expires.After(tx.Now):
			return lodestar.FieldError("expires", "The expiry must be in the future.")
		case expires.Sub(tx.Now) > lodestar.MaxTokenLifetime:
			return lodestar.FieldError("expires", "The expiry can be at most five years ahead; choose no expiry for a token that should not expire.")
		}
		models, err := bindModels(ctx, tx, nt.Models)
		if err != nil {
			return err
		}
		var id int64
		err = tx.QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, prefix, secret_hash, scopes, created_at, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, u.ID, name, secret[:len(TokenPrefix)+6],
			auth.HashSecret(secret), strings.Join(scopes, ","), sqldb.FormatTime(tx.Now), sqldb.FormatTime(expires.UTC())).Scan(&id)
		if err != nil {
			return err
		}
		for _, m := range models {
			if _, err := tx.ExecContext(ctx, `INSERT INTO api_token_models (token_id, model_id) VALUES (?, ?)`, id, m.ID); err != nil {
				return err
			}
		}
		if tok, err = findToken(ctx, tx, "t.id = ?", id); err != nil {
			return err
		}
		// The entry's after names the models the token is bound to.
		_, err = audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "api_token", EntityID: id, After: tok})
		return err
	})
	if err != nil {
		return nil, "", wrap("create token", err)
	}
	return tok, secret, nil
}

// checkBindable applies the rule for binding a token to models: it needs
// the ingest scope, and refuses write, whose token may use every model's
// routes whatever it is bound to. A read scope beside ingest reads as
// before: binding narrows where events and labels go, nothing else.
func checkBindable(scopes, models []string) error {
	if len(models) == 0 {
		return nil
	}
	if !slices.Contains(scopes, lodestar.ScopeIngest) || slices.Contains(scopes, lodestar.ScopeWrite) {
		return lodestar.FieldError("models", "Only a token with the ingest scope, and without write, can be bound to models: binding limits which models it sends events and labels to.")
	}
	return nil
}

// bindModels finds the models a new token is bound to, by key or by ID
// (as the API's paths name them), each once. Any that is not there, or
// is archived, is a field error naming them all.
func bindModels(ctx context.Context, tx *sqldb.Tx, refs []string) ([]lodestar.TokenModel, error) {
	var out []lodestar.TokenModel
	var unknown, archived []string
	for _, ref := range refs {
		ref = strings.TrimSpace(ref)
		if ref == "" {
			return nil, lodestar.FieldError("models", "A model to bind the token to is empty; name each by its key.")
		}
		var m lodestar.TokenModel
		var isArchived bool
		err := tx.QueryRowContext(ctx, `SELECT id, key, archived FROM models WHERE key = ?`, ref).Scan(&m.ID, &m.Key, &isArchived)
		if isNoRows(err) {
			if id, perr := strconv.ParseInt(ref, 10, 64); perr == nil && id > 0 {
				err = tx.QueryRowContext(ctx, `SELECT id, key, archived FROM models WHERE id = ?`, id).Scan(&m.ID, &m.Key, &isArchived)
			}
		}
		switch {
		case isNoRows(err):
			unknown = append(unknown, quote(ref))
			continue
		case err != nil:
			return nil, err
		case isArchived:
			archived = append(archived, quote(m.Key))
			continue
		}
		if !slices.ContainsFunc(out, func(o lodestar.TokenModel) bool { return o.ID == m.ID }) {
			out = append(out, m)
		}
	}
	switch {
	case len(unknown) == 1:
		return nil, lodestar.FieldError("models", fmt.Sprintf("There is no model %s; bind the token to models by their keys.", unknown[0]))
	case len(unknown) > 1:
		return nil, lodestar.FieldError("models", fmt.Sprintf("There are no models %s; bind the token to models by their keys.", strings.Join(unknown, ", ")))
	case len(archived) > 0:
		return nil, lodestar.FieldError("models", fmt.Sprintf("Archived models take no events; do not bind the token to %s.", strings.Join(archived, ", ")))
	}
	return out, nil
}

// ResolveToken implements lodestar.TokenService. It records last use at
// most once a minute, so reads do not turn into writes on every request.
func (s *Store) ResolveToken(ctx context.Context, secret string) (*lodestar.APIToken, *lodestar.User, error) {
	denied := lodestar.Errorf(lodestar.EUnauthorized, "The API token is invalid or revoked.")
	if !strings.HasPrefix(secret, TokenPrefix) {
		return nil, nil, denied
	}
	st, err := scanToken(s.DB.QueryRow(ctx, tokenSelect+` WHERE t.secret_hash = ?`, auth.HashSecret(secret)))
	if isNoRows(err) {
		return nil, nil, denied
	} else if err != nil {
		return nil, nil, wrap("resolve token", err)
	}
	toks, err := loadTokenModels(ctx, s.DB.Query, st)
	if err != nil {
		return nil, nil, wrap("resolve token", err)
	}
	tok := toks[0]
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
		before, err := findToken(ctx, tx, "t.id = ?", id)
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
	q := tokenSelect + ` JOIN users u ON u.id = t.user_id`
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
	var scanned []scannedToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, wrap("list tokens", err)
		}
		scanned = append(scanned, t)
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("list tokens", err)
	}
	rows.Close()
	out, err := loadTokenModels(ctx, s.DB.Query, scanned...)
	return out, wrap("list tokens", err)
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ", ")
	for i, p := range parts {
		parts[i] = alias + p
	}
	return strings.Join(parts, ", ")
}
