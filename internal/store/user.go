package store

import (
	"context"
	"net/mail"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

const userColumns = `id, email, name, role, locale, disabled, created_at, updated_at, last_login_at`

func scanUser(s interface{ Scan(...any) error }) (*lodestar.User, error) {
	u := &lodestar.User{}
	var role string
	err := s.Scan(&u.ID, &u.Email, &u.Name, &role, &u.Locale, &u.Disabled,
		sqldb.Time{T: &u.CreatedAt}, sqldb.Time{T: &u.UpdatedAt}, sqldb.Time{T: &u.LastLoginAt})
	u.Role = lodestar.Role(role)
	return u, err
}

// checkPassword returns what is wrong with a new password, or "".
func checkPassword(pw string) string {
	switch {
	case utf8.RuneCountInString(pw) < auth.MinPasswordLength:
		return "Password must be at least 12 characters."
	case len(pw) > 1024:
		return "Password must be at most 1024 bytes."
	}
	return ""
}

func validateNewUser(u *lodestar.NewUser) error {
	fields := map[string]string{}
	u.Email = lodestar.NormalizeEmail(u.Email)
	if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email || len(u.Email) > maxEmailBytes {
		fields["email"] = "Enter a valid e-mail address."
	}
	u.Name = strings.TrimSpace(u.Name)
	if u.Name == "" {
		u.Name, _, _ = strings.Cut(u.Email, "@")
	}
	if utf8.RuneCountInString(u.Name) > 200 {
		fields["name"] = "Name must be at most 200 characters."
	}
	if !u.Role.Valid() {
		fields["role"] = "Unknown role; use one of admin, committee, business_owner, ai_team, risk_officer, data_steward, viewer."
	}
	if msg := checkPassword(u.Password); msg != "" {
		fields["password"] = msg
	}
	if u.Locale != "" && u.Locale != "en" && u.Locale != "zh-CN" {
		fields["locale"] = "Locale must be en or zh-CN."
	}
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The user could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

// maxEmailBytes is the longest address a user may have (RFC 5321's limit
// on a path).
const maxEmailBytes = 254

// CreateUser implements lodestar.UserService.
func (s *Store) CreateUser(ctx context.Context, in lodestar.NewUser) (*lodestar.User, error) {
	if err := validateNewUser(&in); err != nil {
		return nil, err
	}
	hash, err := auth.HashPassword(in.Password)
	if err != nil {
		return nil, err
	}
	var u *lodestar.User
	err = s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		now := sqldb.FormatTime(tx.Now)
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO users (email, name, role, password_hash, locale, disabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			in.Email, in.Name, string(in.Role), hash, in.Locale, false, now, now).Scan(&id)
		if sqldb.IsUniqueViolation(err) {
			return &lodestar.Error{Code: lodestar.EConflict, Message: "A user with this e-mail already exists.",
				Fields: map[string]string{"email": "A user with this e-mail already exists."}}
		} else if err != nil {
			return err
		}
		if u, err = findUser(ctx, tx, "id = ?", id); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: "user", EntityID: id, After: u})
		return err
	})
	return u, wrap("create user", err)
}

func findUser(ctx context.Context, tx *sqldb.Tx, where string, arg any) (*lodestar.User, error) {
	u, err := scanUser(tx.QueryRowContext(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if isNoRows(err) {
		return nil, notFound("User")
	}
	return u, err
}

func (s *Store) findUserRO(ctx context.Context, where string, arg any) (*lodestar.User, error) {
	u, err := scanUser(s.DB.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE `+where, arg))
	if isNoRows(err) {
		return nil, notFound("User")
	}
	return u, wrap("find user", err)
}

// FindUserByID implements lodestar.UserService.
func (s *Store) FindUserByID(ctx context.Context, id int64) (*lodestar.User, error) {
	return s.findUserRO(ctx, "id = ?", id)
}

// FindUserByEmail implements lodestar.UserService.
func (s *Store) FindUserByEmail(ctx context.Context, email string) (*lodestar.User, error) {
	return s.findUserRO(ctx, "email = ?", lodestar.NormalizeEmail(email))
}

// ListUsers implements lodestar.UserService.
func (s *Store) ListUsers(ctx context.Context) ([]*lodestar.User, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, wrap("list users", err)
	}
	defer rows.Close()
	var out []*lodestar.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// CountUsers implements lodestar.UserService.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, wrap("count users", err)
}

// updateUser loads a user by e-mail, applies change, writes the columns it
// names and records before and after.
func (s *Store) updateUser(ctx context.Context, email, action, set string, arg any) (*lodestar.User, error) {
	var after *lodestar.User
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		before, err := findUser(ctx, tx, "email = ?", lodestar.NormalizeEmail(email))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET `+set+`, updated_at = ? WHERE id = ?`,
			arg, sqldb.FormatTime(tx.Now), before.ID); err != nil {
			return err
		}
		// A role change or disabling that leaves no active admin (nobody
		// could manage users any more) is refused: the transaction, and
		// so the change, is undone.
		if before.Role == lodestar.RoleAdmin && !before.Disabled && (action == "set_role" || action == "disable") {
			// Two admins demoting each other at once, at PostgreSQL's
			// read-committed isolation, would each see the other still
			// there: such changes take turns (SQLite's writers do already).
			if tx.Dialect() == sqldb.Postgres {
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, lockAdmins); err != nil {
					return err
				}
			}
			var admins int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE role = ? AND disabled = ?`, string(lodestar.RoleAdmin), false).Scan(&admins); err != nil {
				return err
			}
			if admins == 0 {
				return lodestar.Errorf(lodestar.EConflict, "Lodestar needs at least one active admin: make another user an admin first.")
			}
		}
		if after, err = findUser(ctx, tx, "id = ?", before.ID); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: action, EntityType: "user", EntityID: before.ID, Before: before, After: after})
		return err
	})
	return after, wrap(action+" user", err)
}

// lockAdmins is the advisory lock taken while an active admin's role or
// state changes.
const lockAdmins = 7210004

// SetRole implements lodestar.UserService.
func (s *Store) SetRole(ctx context.Context, email string, role lodestar.Role) (*lodestar.User, error) {
	if !role.Valid() {
		return nil, lodestar.FieldError("role", "Unknown role; use one of admin, committee, business_owner, ai_team, risk_officer, data_steward, viewer.")
	}
	return s.updateUser(ctx, email, "set_role", "role = ?", string(role))
}

// SetDisabled implements lodestar.UserService. Disabling a user ends their
// sessions at once, since ResolveSession checks the flag.
func (s *Store) SetDisabled(ctx context.Context, email string, disabled bool) (*lodestar.User, error) {
	action := "enable"
	if disabled {
		action = "disable"
	}
	return s.updateUser(ctx, email, action, "disabled = ?", disabled)
}

// SetPassword implements lodestar.UserService: it gives a user a new
// password (hashed with argon2id) and ends every session they have,
// audited in one transaction (the entry holds no hash). It is how an
// administrator replaces a password shown at start or forgotten.
func (s *Store) SetPassword(ctx context.Context, email, password string) (*lodestar.User, error) {
	if msg := checkPassword(password); msg != "" {
		return nil, lodestar.FieldError("password", msg)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, err
	}
	var u *lodestar.User
	err = s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		before, err := findUser(ctx, tx, "email = ?", lodestar.NormalizeEmail(email))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?`,
			hash, sqldb.FormatTime(tx.Now), before.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ?`, before.ID); err != nil {
			return err
		}
		if u, err = findUser(ctx, tx, "id = ?", before.ID); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "set_password", EntityType: "user", EntityID: before.ID, Before: before, After: u})
		return err
	})
	return u, wrap("set password", err)
}

// ChangePassword implements lodestar.UserService: a signed-in user's own
// change of password. current must be the user's password — a wrong one
// is counted like a failed sign-in, under a key of the user's own, and
// too many lock the change for the lockout period — and next a password
// CreateUser would take. The new hash (argon2id), the end of every other
// session of the user's (keep, the session making the change, stays) and
// an audit entry holding no password or hash are one transaction; a
// refusal changes nothing.
func (s *Store) ChangePassword(ctx context.Context, userID, keep int64, current, next string) (*lodestar.User, error) {
	if msg := checkPassword(next); msg != "" {
		return nil, lodestar.FieldError("new_password", msg)
	}
	if err := s.sweepAttempts(ctx); err != nil {
		return nil, err
	}
	key := "password|" + strconv.FormatInt(userID, 10)
	if err := s.reserveAttempt(ctx, key, s.Throttle.MaxFailures); err != nil {
		if lodestar.ErrorCode(err) == lodestar.ETooManyRequests {
			msg := "Too many wrong current passwords. Try again later."
			return nil, &lodestar.Error{Code: lodestar.ETooManyRequests, Message: msg, Fields: map[string]string{"current_password": msg}}
		}
		return nil, err
	}
	var hash string
	if err := s.DB.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = ?`, userID).Scan(&hash); isNoRows(err) {
		return nil, notFound("User")
	} else if err != nil {
		return nil, wrap("change password", err)
	}
	ok, err := auth.CheckPassword(hash, current)
	if err != nil {
		return nil, wrap("change password", err)
	}
	if !ok {
		return nil, lodestar.FieldError("current_password", "The current password is wrong.")
	}
	newHash, err := auth.HashPassword(next)
	if err != nil {
		return nil, err
	}
	var u *lodestar.User
	err = s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		before, err := findUser(ctx, tx, "id = ?", userID)
		if err != nil {
			return err
		}
		// Changed meanwhile (another session, an administrator): this
		// change was checked against a password that is no longer it.
		res, err := tx.ExecContext(ctx, `UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ? AND password_hash = ?`,
			newHash, sqldb.FormatTime(tx.Now), userID, hash)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return lodestar.FieldError("current_password", "The current password is wrong.")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = ? AND id <> ?`, userID, keep); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM login_attempts WHERE key = ?`, key); err != nil {
			return err
		}
		if u, err = findUser(ctx, tx, "id = ?", userID); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "change_password", EntityType: "user", EntityID: userID, Before: before, After: u})
		return err
	})
	return u, wrap("change password", err)
}

// SetLocale implements lodestar.UserService.
func (s *Store) SetLocale(ctx context.Context, userID int64, locale string) error {
	if locale != "en" && locale != "zh-CN" {
		return lodestar.FieldError("locale", "Locale must be en or zh-CN.")
	}
	u, err := s.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	_, err = s.updateUser(ctx, u.Email, "set_locale", "locale = ?", locale)
	return err
}

// Authenticate implements lodestar.UserService.
func (s *Store) Authenticate(ctx context.Context, email, password, client string) (*lodestar.User, error) {
	email = lodestar.NormalizeEmail(email)
	// No account has a longer address, so nothing is guessed by one; it
	// is refused before it is counted: each attempt is a row keyed by
	// the address (twice), and an "address" as long as the form takes
	// (1 MiB) stored two of them for every try.
	if len(email) > maxEmailBytes {
		return nil, lodestar.Errorf(lodestar.EUnauthorized, "Wrong e-mail or password.")
	}
	if err := s.sweepAttempts(ctx); err != nil {
		return nil, err
	}
	// One client address across all e-mails, so that one password tried
	// on many accounts (spraying) is stopped too; an IPv6 client is
	// counted by its /64, which one host usually holds whole. It is
	// counted first: a client locked here counts nothing against the
	// accounts it names, or it could go on filling their counts (from
	// address after address of its /64) and lock their owners out.
	from := clientKey(client)
	if err := s.reserveAttempt(ctx, from, s.Throttle.MaxFailures*PerClientFactor); err != nil {
		return nil, err
	}
	if !strings.Contains(email, "@") {
		// No account's address lacks an @ (CreateUser checks them); the
		// attempt counts against the client alone. Counted under its own
		// text it could also fill a client's row ("client|…" typed as
		// the e-mail) and lock another's sign-in.
		return nil, lodestar.Errorf(lodestar.EUnauthorized, "Wrong e-mail or password.")
	}
	// Each kind of key has its own prefix, so that no text typed as an
	// e-mail can name another kind's row: under the bare address, an
	// "e-mail" such as "victim@example.com|192.0.2.10" (a valid address)
	// was counted as that account's count from that client.
	key, emailKey := "pair|"+client+"|"+email, "email|"+email
	// Count the attempt before checking the password, in one atomic
	// statement: parallel guesses cannot slip past the limit, and each
	// is counted even while another is still being checked.
	if err := s.reserveAttempt(ctx, key, s.Throttle.MaxFailures); err != nil {
		return nil, err
	}
	// Across all addresses, an e-mail gets more room, but not unlimited
	// (an attacker can rotate addresses, e.g. within an IPv6 /64).
	if err := s.reserveAttempt(ctx, emailKey, s.Throttle.MaxFailures*PerEmailFactor); err != nil {
		return nil, err
	}
	var hash string
	var id int64
	var disabled bool
	err := s.DB.QueryRow(ctx, `SELECT id, password_hash, disabled FROM users WHERE email = ?`, email).Scan(&id, &hash, &disabled)
	ok := false
	switch {
	case isNoRows(err):
		auth.BurnTime(password)
	case err != nil:
		return nil, wrap("authenticate", err)
	default:
		ok, err = auth.CheckPassword(hash, password)
		if err != nil {
			return nil, wrap("authenticate", err)
		}
	}
	if !ok || disabled {
		return nil, lodestar.Errorf(lodestar.EUnauthorized, "Wrong e-mail or password.")
	}
	var u *lodestar.User
	actx := lodestar.WithActor(ctx, lodestar.Actor{ID: id, Label: email})
	err = s.DB.InTx(actx, func(tx *sqldb.Tx) error {
		if _, err := tx.ExecContext(actx, `DELETE FROM login_attempts WHERE key = ? OR key = ?`, key, emailKey); err != nil {
			return err
		}
		// The client's count keeps its failures but not this success:
		// an office behind one address signs in all day. It is not
		// cleared, or one good account would reset a sprayer's count.
		if _, err := tx.ExecContext(actx, `UPDATE login_attempts SET failures = failures - 1 WHERE key = ? AND failures > 0`, from); err != nil {
			return err
		}
		if _, err := tx.ExecContext(actx, `UPDATE users SET last_login_at = ? WHERE id = ?`, sqldb.FormatTime(tx.Now), id); err != nil {
			return err
		}
		var err error
		if u, err = findUser(actx, tx, "id = ?", id); err != nil {
			return err
		}
		_, err = audit.Append(actx, tx, audit.Change{Action: "login", EntityType: "user", EntityID: id})
		return err
	})
	return u, wrap("authenticate", err)
}

// PerEmailFactor is how many times MaxFailures one e-mail may fail across
// all client addresses within the window.
const PerEmailFactor = 4

// PerClientFactor is how many times MaxFailures one client address may
// fail across all e-mails within the window (50 by default: an office
// behind one address mistypes, a sprayer tries hundreds of accounts).
// Behind a reverse proxy every client has the proxy's address unless
// serve is told to trust it (--trusted-proxies).
const PerClientFactor = 10

// clientKey is the throttle key of a client address: "client|" and the
// address, an IPv6 one cut to its /64.
func clientKey(client string) string {
	if a, err := netip.ParseAddr(client); err == nil {
		if a = a.Unmap(); a.Is6() {
			if p, err := a.Prefix(64); err == nil {
				return "client|" + p.String()
			}
		}
		return "client|" + a.String()
	}
	return "client|" + client
}

// sweepEvery is how often a process removes stale throttle rows.
const sweepEvery = time.Minute

// sweepAttempts deletes the throttle rows whose window and lock have both
// passed: they count for nothing any more (reserveAttempt would start
// their key afresh), and guesses at ever new addresses, which no sign-in
// clears, would otherwise keep their rows for good. It runs at most once
// every sweepEvery per process.
func (s *Store) sweepAttempts(ctx context.Context) error {
	now := s.DB.Now().UTC()
	last := s.attemptsSwept.Load()
	if d := now.UnixNano() - last; d >= 0 && d < int64(sweepEvery) || !s.attemptsSwept.CompareAndSwap(last, now.UnixNano()) {
		return nil
	}
	nowS := sqldb.FormatTime(now)
	_, err := s.DB.ExecContext(ctx, s.DB.Rebind(`DELETE FROM login_attempts WHERE first_at < ? AND locked_until < ?`),
		sqldb.FormatTime(now.Add(-s.Throttle.Window)), nowS)
	return wrap("authenticate", err)
}

// reserveAttempt counts one sign-in attempt under key and refuses it when
// the key is locked or has used up its attempts in the window; the count
// is cleared by a successful sign-in. Reaching the limit locks the key for
// the lockout period.
func (s *Store) reserveAttempt(ctx context.Context, key string, limit int) error {
	t := s.Throttle
	now := s.DB.Now().UTC()
	nowS, windowStart := sqldb.FormatTime(now), sqldb.FormatTime(now.Add(-t.Window))
	var failures int
	var locked string
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		return tx.QueryRowContext(ctx, `INSERT INTO login_attempts (key, failures, first_at, locked_until) VALUES (?, 1, ?, '')
			ON CONFLICT (key) DO UPDATE SET
				failures = CASE WHEN login_attempts.first_at < ? AND login_attempts.locked_until < ? THEN 1 ELSE login_attempts.failures + 1 END,
				first_at = CASE WHEN login_attempts.first_at < ? AND login_attempts.locked_until < ? THEN excluded.first_at ELSE login_attempts.first_at END
			RETURNING failures, locked_until`, key, nowS, windowStart, nowS, windowStart, nowS).Scan(&failures, &locked)
	})
	if err != nil {
		return wrap("authenticate", err)
	}
	if locked > nowS || failures > limit {
		if locked <= nowS {
			// Lock from the first refused attempt for the lockout period.
			_, err := s.DB.ExecContext(ctx, s.DB.Rebind(`UPDATE login_attempts SET locked_until = ? WHERE key = ? AND locked_until <= ?`),
				sqldb.FormatTime(now.Add(t.Lockout)), key, nowS)
			if err != nil {
				return wrap("authenticate", err)
			}
		}
		return lodestar.Errorf(lodestar.ETooManyRequests, "Too many failed sign-ins. Try again later.")
	}
	return nil
}
