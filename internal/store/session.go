package store

import (
	"context"
	"database/sql"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// CreateSession implements lodestar.SessionService. Expired sessions are
// swept on the way, so the table does not grow without bound.
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (*lodestar.Session, string, error) {
	secret, err := auth.NewSecret("lss_")
	if err != nil {
		return nil, "", err
	}
	csrf, err := auth.NewSecret("")
	if err != nil {
		return nil, "", err
	}
	sess := &lodestar.Session{UserID: userID, CSRFToken: csrf}
	err = s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		sess.CreatedAt, sess.ExpiresAt = tx.Now, tx.Now.Add(ttl)
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at < ?`, sqldb.FormatTime(tx.Now)); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `INSERT INTO sessions (user_id, secret_hash, csrf_token, created_at, expires_at, last_seen_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, userID, auth.HashSecret(secret), csrf,
			sqldb.FormatTime(sess.CreatedAt), sqldb.FormatTime(sess.ExpiresAt), sqldb.FormatTime(sess.CreatedAt)).Scan(&sess.ID)
	})
	if err != nil {
		return nil, "", wrap("create session", err)
	}
	return sess, secret, nil
}

// ResolveSession implements lodestar.SessionService. A session unused
// for SessionIdle has ended (and is deleted, so that a longer timeout set
// later does not bring it back); a session in use has its last use
// recorded at most once a minute, so reads do not turn into writes on
// every request.
func (s *Store) ResolveSession(ctx context.Context, secret string) (*lodestar.Session, *lodestar.User, error) {
	if secret == "" {
		return nil, nil, lodestar.Errorf(lodestar.EUnauthorized, "Sign in to continue.")
	}
	sess := &lodestar.Session{}
	var seen time.Time
	row := s.DB.QueryRow(ctx, `SELECT s.id, s.user_id, s.csrf_token, s.created_at, s.expires_at, s.last_seen_at, `+prefixed("u.", userColumns)+`
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.secret_hash = ?`, auth.HashSecret(secret))
	u := &lodestar.User{}
	var role string
	err := row.Scan(&sess.ID, &sess.UserID, &sess.CSRFToken, sqldb.Time{T: &sess.CreatedAt}, sqldb.Time{T: &sess.ExpiresAt}, sqldb.Time{T: &seen},
		&u.ID, &u.Email, &u.Name, &role, &u.Locale, &u.Disabled,
		sqldb.Time{T: &u.CreatedAt}, sqldb.Time{T: &u.UpdatedAt}, sqldb.Time{T: &u.LastLoginAt})
	u.Role = lodestar.Role(role)
	if isNoRows(err) {
		return nil, nil, lodestar.Errorf(lodestar.EUnauthorized, "Your session has ended. Sign in again.")
	} else if err != nil {
		return nil, nil, wrap("resolve session", err)
	}
	now := s.DB.Now()
	if !now.Before(sess.ExpiresAt) || u.Disabled {
		return nil, nil, lodestar.Errorf(lodestar.EUnauthorized, "Your session has ended. Sign in again.")
	}
	if seen.IsZero() { // made before last uses were recorded
		seen = sess.CreatedAt
	}
	if s.SessionIdle > 0 && now.Sub(seen) >= s.SessionIdle {
		if _, err := s.DB.ExecContext(ctx, s.DB.Rebind(`DELETE FROM sessions WHERE id = ?`), sess.ID); err != nil {
			return nil, nil, wrap("resolve session", err)
		}
		return nil, nil, lodestar.Errorf(lodestar.EUnauthorized, "Your session has ended. Sign in again.")
	}
	// Last use is recorded at most once a minute — or once a quarter of
	// the idle timeout when that is shorter: a session used every 40 s
	// under a 1-minute timeout would otherwise end while in use.
	every := time.Minute
	if s.SessionIdle > 0 {
		every = min(every, s.SessionIdle/4)
	}
	if now.Sub(seen) > every {
		if _, err := s.DB.ExecContext(ctx, s.DB.Rebind(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`), sqldb.FormatTime(now), sess.ID); err != nil {
			return nil, nil, wrap("resolve session", err)
		}
	}
	return sess, u, nil
}

// DeleteSession implements lodestar.SessionService: signing out is
// recorded in the audit log under the session's user.
func (s *Store) DeleteSession(ctx context.Context, secret string) error {
	return wrap("delete session", s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		var userID int64
		err := tx.QueryRowContext(ctx, `SELECT user_id FROM sessions WHERE secret_hash = ?`, auth.HashSecret(secret)).Scan(&userID)
		if isNoRows(err) {
			return nil // already gone: signing out twice is not an error
		} else if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE secret_hash = ?`, auth.HashSecret(secret)); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "logout", EntityType: "user", EntityID: userID})
		return err
	}))
}

// formClaimTTL is how long a form's claim is kept: a page left open
// longer than this may send its form again.
const formClaimTTL = 24 * time.Hour

// formPendingTTL is how long a claim may stay not yet acted on before it
// is taken for abandoned (the process acting on it stopped) and may be
// claimed again. The guard gives a claimed submission far less to finish
// (httpx's formActTimeout), so a claim this old is held by no request.
const formPendingTTL = 10 * time.Minute

// ClaimForm claims the form formID for userID, so that this submission is
// the one acted on: claimed is true when this call holds the claim now.
// Otherwise another submission of the form holds it, and actedOn says
// whether that one was acted on (FinishForm) — false: it is still being
// acted on — and see is where its result can be seen ("" when not
// known). Claims older than formClaimTTL, and those never acted on older
// than formPendingTTL, are removed as it goes.
func (s *Store) ClaimForm(ctx context.Context, userID int64, formID string) (claimed, actedOn bool, see string, err error) {
	err = s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM form_submissions WHERE created_at < ? OR (acted_at IS NULL AND created_at < ?)`,
			sqldb.FormatTime(tx.Now.Add(-formClaimTTL)), sqldb.FormatTime(tx.Now.Add(-formPendingTTL))); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `INSERT INTO form_submissions (user_id, form_id, created_at) VALUES (?, ?, ?)
			ON CONFLICT (user_id, form_id) DO NOTHING`, userID, formID, sqldb.FormatTime(tx.Now))
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil || n == 1 {
			claimed = n == 1
			return err
		}
		var acted sql.NullString
		err = tx.QueryRowContext(ctx, `SELECT acted_at, see FROM form_submissions WHERE user_id = ? AND form_id = ?`, userID, formID).Scan(&acted, &see)
		if isNoRows(err) {
			// (PostgreSQL: a claim given back between the insert's wait
			// and this read.) The caller asks again.
			return nil
		}
		actedOn = acted.Valid
		return err
	})
	if !claimed && !actedOn {
		see = ""
	}
	return claimed, actedOn, see, wrap("claim form", err)
}

// FinishForm records that the submission holding formID's claim was acted
// on, and where its result can be seen (see, "" when not known): a second
// send of the form is refused from now on, and pointed there.
func (s *Store) FinishForm(ctx context.Context, userID int64, formID, see string) error {
	return wrap("finish form", s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE form_submissions SET acted_at = ?, see = ? WHERE user_id = ? AND form_id = ?`,
			sqldb.FormatTime(tx.Now), see, userID, formID)
		return err
	}))
}

// ReleaseForm gives a claim back: the submission was refused, and the
// form may be sent again once corrected.
func (s *Store) ReleaseForm(ctx context.Context, userID int64, formID string) error {
	return wrap("release form", s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM form_submissions WHERE user_id = ? AND form_id = ?`, userID, formID)
		return err
	}))
}

// DemoLoaded reports whether the demo enterprise was loaded whole.
func (s *Store) DemoLoaded(ctx context.Context) (bool, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM demo_state`).Scan(&n)
	return n > 0, err
}

// MarkDemoLoaded records that the demo enterprise was loaded whole.
func (s *Store) MarkDemoLoaded(ctx context.Context) error {
	return s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO demo_state (id, loaded_at) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, sqldb.FormatTime(tx.Now))
		return err
	})
}
