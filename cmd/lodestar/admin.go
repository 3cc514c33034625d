package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// withStore opens the database for a management command that writes, runs
// fn with the CLI as the actor, and closes it. A data directory with no
// database in it is given a new one.
func (e *cmdEnv) withStore(fn func(*store.Store) error) error {
	return e.storeFor(dbWrite, fn)
}

// storeFor opens the database for mode, runs fn on it and closes it.
func (e *cmdEnv) storeFor(mode dbMode, fn func(*store.Store) error) error {
	db, err := e.openDB(mode)
	if err != nil {
		return err
	}
	defer db.Close()
	return fn(store.New(db))
}

// requireDB refuses a command on a data directory with no Lodestar
// database in it that must find one there — one that reads (a list, a
// status, a check, an export) or changes a record: opening one creates
// it, directory and all, so a mistyped --data printed an empty list and
// left a new, migrated database behind. Commands that create (user add,
// import, serve, migrate up) still create it, as the README's first steps
// do. PostgreSQL is not checked: its database is made by its owner.
func (e *cmdEnv) requireDB(nothing string) error {
	if e.cfg.DatabaseURL != "" {
		return nil
	}
	if _, err := os.Stat(filepath.Join(e.cfg.DataDir, sqldb.SQLiteFile)); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("no Lodestar database here (%s has no %s): %s; check --data (or LODESTAR_DATA)", e.cfg.DataDir, sqldb.SQLiteFile, nothing)
	}
	return nil
}

// readStore is for a command that only reads: it refuses a data directory
// with no database rather than create one, and opens the database
// read-only (dbRead): nothing is written, the schema is not migrated.
func (e *cmdEnv) readStore(nothing string, fn func(*store.Store) error) error {
	if err := e.requireDB(nothing); err != nil {
		return err
	}
	db, err := e.openDB(dbRead)
	if err != nil {
		return noDatabase(err, nothing)
	}
	defer db.Close()
	return fn(store.New(db))
}

// changeStore is for a command that changes a record that must be there
// (a role, a switch, a monitor): like readStore it refuses a data
// directory with no database, but opens it to write.
func (e *cmdEnv) changeStore(nothing string, fn func(*store.Store) error) error {
	if err := e.requireDB(nothing); err != nil {
		return err
	}
	return e.storeFor(dbWrite, fn)
}

// newPassword is the password user add and set-password give: --password,
// else LODESTAR_USER_PASSWORD (out of the process list), else a generated
// one, which the caller prints once.
func (e *cmdEnv) newPassword(flag string) (pw string, generated bool, err error) {
	if pw = flag; pw == "" {
		pw = e.getenv("LODESTAR_USER_PASSWORD")
	}
	if pw != "" {
		return pw, false, nil
	}
	pw, err = auth.GeneratePassword()
	return pw, true, err
}

func (e *cmdEnv) cliCtx() lodestar.Actor {
	return lodestar.Actor{Label: "cli"}
}

const migrateHelp = `Usage: lodestar migrate up|status [--data DIR | --database URL]

  up      apply the pending migrations (on a fresh --data directory, creates the database)
  status  list the migrations and when each was applied
`

func (e *cmdEnv) migrate(args []string) error {
	if len(args) == 0 {
		return errUsage{"migrate: want 'up' or 'status'"}
	}
	sub := args[0]
	fs := e.flags("migrate " + sub)
	e.cfg.DatabaseFlags(fs)
	if err := subcommandHelp(fs, sub, migrateHelp); err != nil {
		return err
	}
	if sub != "up" && sub != "status" {
		// Before opening the database, so a typo creates nothing on disk.
		return errUsage{fmt.Sprintf("migrate: unknown subcommand %q; want up or status", sub)}
	}
	if err := parse(fs, args[1:], 0); err != nil {
		return err
	}
	mode := dbMigrate
	if sub == "status" {
		if err := e.requireDB("nothing to show ('lodestar migrate up' creates one)"); err != nil {
			return err
		}
		mode = dbStatus
	}
	db, err := e.openDB(mode)
	if err != nil {
		return err
	}
	defer db.Close()
	switch sub {
	case "up":
		// Each migration is named as it begins and as it ends, with its
		// time: one can take seconds on a large database.
		n, err := db.MigrateWith(e.ctx, sqldb.MigrateProgress{
			Applying: func(m sqldb.Migration) { fmt.Fprintln(e.stdout, e.out("migrate.applying", m.Version, m.Name)) },
			Applied: func(m sqldb.Migration, took time.Duration) {
				fmt.Fprintln(e.stdout, e.out("migrate.applied_one", m.Version, m.Name, roundDuration(took)))
			},
		})
		if err != nil {
			return err
		}
		have, _, err := db.SchemaVersion(e.ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			fmt.Fprintln(e.stdout, e.out("migrate.up_to_date", db.Where, have))
			return nil
		}
		fmt.Fprintln(e.stdout, e.out("migrate.applied", n, db.Where, have))
		return nil
	case "status":
		st, err := db.Status(e.ctx)
		if err != nil {
			return err
		}
		rows := [][]string{e.cols("version", "name", "applied")}
		for _, s := range st {
			at := s.AppliedAt
			if at == "" {
				at = e.out("migrate.pending")
			}
			rows = append(rows, []string{fmt.Sprintf("%04d", s.Version), s.Name, at})
		}
		return writeRows(e.stdout, rows)
	}
	return errUsage{fmt.Sprintf("migrate: unknown subcommand %q; want up or status", sub)}
}

const userHelp = `Usage: lodestar user SUBCOMMAND [flags]

  add           --email E --role R [--name N] [--password P]: create a user
                (the password is generated and printed once when not given)
  list          list the users
  set-role      --email E --role R: change a user's role
  set-password  --email E [--password P]: set a new password (generated when
                not given) and end the user's sessions
  disable       --email E: stop a user signing in (their tokens stop too)
  enable        --email E: let a disabled user sign in again
`

func (e *cmdEnv) user(args []string) error {
	if len(args) == 0 {
		return errUsage{"user: want add, list, set-role, set-password, disable or enable"}
	}
	sub := args[0]
	fs := e.flags("user " + sub)
	e.cfg.DatabaseFlags(fs)
	email := fs.String("email", "", "the user's e-mail")
	name := fs.String("name", "", "display name (add)")
	role := fs.String("role", "", "role: "+roleList())
	password := fs.String("password", "", "password, at least 12 characters (add, set-password; or env LODESTAR_USER_PASSWORD, kept out of the process list; generated and printed once when empty)")
	if err := subcommandHelp(fs, sub, userHelp); err != nil {
		return err
	}
	if err := parse(fs, args[1:], 0); err != nil {
		if sub == "list" {
			return err
		}
		return flagHint(err, fs, "email", "the user")
	}
	ctx := lodestar.WithActor(e.ctx, e.cliCtx())
	need := func(flags ...string) error {
		for _, f := range flags {
			if fs.Lookup(f).Value.String() == "" {
				return errUsage{fmt.Sprintf("user %s: --%s is required", sub, f)}
			}
		}
		return nil
	}
	switch sub {
	case "add":
		if err := need("email", "role"); err != nil {
			return err
		}
		pw, generated, err := e.newPassword(*password)
		if err != nil {
			return err
		}
		return e.withStore(func(s *store.Store) error {
			u, err := s.CreateUser(ctx, lodestar.NewUser{Email: *email, Name: *name, Role: lodestar.Role(*role), Password: pw})
			if err != nil {
				return describe(err)
			}
			_, werr := fmt.Fprintln(e.stdout, e.out("user.created", u.ID, u.Email, u.Role))
			if generated && werr == nil {
				_, werr = fmt.Fprintln(e.stdout, e.out("user.password_once", pw))
			}
			if werr != nil && generated {
				return fmt.Errorf("user %s was created, but its generated password could not be written (%v) and is lost: give one with 'lodestar user set-password --email %s'", u.Email, werr, u.Email)
			}
			return nil // any other write error is run's to report
		})
	case "list":
		return e.readStore("no users to list", func(s *store.Store) error {
			users, err := s.ListUsers(ctx)
			if err != nil {
				return err
			}
			rows := [][]string{e.cols("id", "email", "name", "role", "status", "last_login")}
			for _, u := range users {
				status := e.out("user.active")
				if u.Disabled {
					status = e.out("user.disabled")
				}
				rows = append(rows, []string{strconv.FormatInt(u.ID, 10), u.Email, orDash(oneLine(u.Name)), string(u.Role), status, orDash(sqldb.FormatTime(u.LastLoginAt))})
			}
			return writeRows(e.stdout, rows, 0)
		})
	case "set-role":
		if err := need("email", "role"); err != nil {
			return err
		}
		return e.changeStore("no user to change", func(s *store.Store) error {
			u, err := s.SetRole(ctx, *email, lodestar.Role(*role))
			if err != nil {
				return describe(err)
			}
			fmt.Fprintln(e.stdout, e.out("user.role_now", u.Email, u.Role))
			return nil
		})
	case "set-password":
		if err := need("email"); err != nil {
			return err
		}
		pw, generated, err := e.newPassword(*password)
		if err != nil {
			return err
		}
		return e.changeStore("no user to change", func(s *store.Store) error {
			u, err := s.SetPassword(ctx, *email, pw)
			if err != nil {
				return describe(err)
			}
			_, werr := fmt.Fprintln(e.stdout, e.out("user.password_set", u.Email))
			if generated && werr == nil {
				_, werr = fmt.Fprintln(e.stdout, e.out("user.password_once", pw))
			}
			if werr != nil && generated {
				return fmt.Errorf("a new password was set for %s, but it could not be written (%v) and is lost: run 'lodestar user set-password --email %s' again", u.Email, werr, u.Email)
			}
			return nil // any other write error is run's to report
		})
	case "disable", "enable":
		if err := need("email"); err != nil {
			return err
		}
		return e.changeStore("no user to change", func(s *store.Store) error {
			u, err := s.SetDisabled(ctx, *email, sub == "disable")
			if err != nil {
				return describe(err)
			}
			fmt.Fprintln(e.stdout, e.out("user.done_"+sub, u.Email))
			return nil
		})
	}
	return errUsage{fmt.Sprintf("user: unknown subcommand %q; want add, list, set-role, set-password, disable or enable", sub)}
}

func roleList() string {
	var s []string
	for _, r := range lodestar.Roles {
		s = append(s, string(r))
	}
	return strings.Join(s, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// describe turns a service error into a CLI message naming the fields.
func describe(err error) error {
	if lodestar.ErrorCode(err) == lodestar.EInternal {
		return err
	}
	d := describedError{text: fmt.Sprintf("%s%s", lodestar.ErrorMessage(err), fieldText(err)), msg: lodestar.ErrorMessage(err)}
	var le *lodestar.Error
	if errors.As(err, &le) {
		d.fields = le.Fields
	}
	return d
}

// describedError is describe's message: in English, the service's message
// then each field it names (fieldText). In another language (localized)
// the service's message and each field's are translated one by one, as
// the web translates them, and the field names are kept as they are.
type describedError struct {
	text   string
	msg    string
	fields map[string]string
}

func (d describedError) Error() string { return d.text }

func (d describedError) localized(lang string) string {
	s := errorText(lang, d.msg)
	b := reportBundle()
	for _, f := range slices.Sorted(maps.Keys(d.fields)) {
		if m := d.fields[f]; m == d.msg {
			s += b.T(lang, "clierror.field_named", f)
		} else {
			s += b.T(lang, "clierror.field", f, errorText(lang, m))
		}
	}
	return s
}

const tokenHelp = `Usage: lodestar token SUBCOMMAND [flags]

  create  --user E --name N [--scope read,write,ingest] [--expires WHEN]
          [--models K1,K2]:
          create an API token acting as the user; its secret is printed
          once. WHEN: Nd (N days from now), a date YYYY-MM-DD (the token
          stops working at its start, UTC), an RFC 3339 time, or never
          (the default); at most five years ahead. --models binds an
          ingest token to those models (their keys, as in
          /api/v1/models/KEY/events): it may send events and labels to
          them only. Without it, a token may send to every model its
          user's role may. Binding needs --scope ingest (read may be
          added; write may not)
  list    [--user E]: list the tokens (never their secrets); MODELS is
          what each may send events and labels to
  revoke  --id N: revoke a token
`

func (e *cmdEnv) token(args []string) error {
	if len(args) == 0 {
		return errUsage{"token: want create, list or revoke"}
	}
	sub := args[0]
	fs := e.flags("token " + sub)
	e.cfg.DatabaseFlags(fs)
	email := fs.String("user", "", "the e-mail of the user the token acts as")
	name := fs.String("name", "", "a name for the token (create)")
	scope := fs.String("scope", "", "comma-separated scopes: read, write, ingest (create; default write)")
	id := fs.String("id", "", "token ID (revoke)")
	expires := fs.String("expires", "never", "when the token stops working: Nd, YYYY-MM-DD, an RFC 3339 time, or never (create)")
	models := fs.String("models", "", "comma-separated model keys the token may send events and labels to; none: every model (create; needs --scope ingest)")
	if err := subcommandHelp(fs, sub, tokenHelp); err != nil {
		return err
	}
	if err := parse(fs, args[1:], 0); err != nil {
		if sub == "revoke" {
			return flagHint(err, fs, "id", "the token")
		}
		return flagHint(err, fs, "user", "the user")
	}
	ctx := lodestar.WithActor(e.ctx, e.cliCtx())
	switch sub {
	case "create":
		if *email == "" || *name == "" {
			return errUsage{"token create: --user and --name are required"}
		}
		var scopes []string
		if *scope != "" {
			scopes = strings.Split(*scope, ",")
		}
		if _, err := parseExpiry(*expires, time.Now()); err != nil {
			return errUsage{"token create: --expires " + err.Error()}
		}
		var bound []string
		if flagSet(fs, "models") {
			// An empty --models (a variable that was not set) must not
			// quietly make a token for every model.
			for _, k := range strings.Split(*models, ",") {
				if k = strings.TrimSpace(k); k != "" {
					bound = append(bound, k)
				}
			}
			if len(bound) == 0 {
				return errUsage{"token create: --models names no model; give model keys, or leave --models out for a token that may send to every model"}
			}
		}
		// A token acts as a user who must be there: on a directory with no
		// database this made a new, empty one and then said only "User not
		// found."
		return e.changeStore("no user to create a token for", func(s *store.Store) error {
			// Nd counts from the clock the store checks the expiry against.
			until, _ := parseExpiry(*expires, s.DB.Now())
			tok, secret, err := s.CreateTokenFor(ctx, lodestar.NewToken{Email: *email, Name: *name, Scopes: scopes, Expires: until, Models: bound})
			if lodestar.ErrorCode(err) == lodestar.ENotFound {
				return fmt.Errorf("no user %s in this database; 'lodestar user list' shows the users, 'lodestar user add' adds one (and check --data or --database)", *email)
			}
			if err != nil {
				return describe(err)
			}
			life := e.out("token.no_expiry")
			if !tok.ExpiresAt.IsZero() {
				life = e.out("token.expires_at", tok.ExpiresAt.UTC().Format(time.RFC3339))
			}
			bound := e.out("token.every_model")
			if len(tok.Models) > 0 {
				bound = e.out("token.bound_to", strings.Join(tok.ModelKeys(), ","))
			}
			_, werr := fmt.Fprintln(e.stdout, e.out("token.created", tok.ID, tok.Name, *email, strings.Join(tok.Scopes, ","), bound, life))
			if werr == nil {
				_, werr = fmt.Fprintln(e.stdout, secret)
			}
			if werr != nil {
				// The secret's only copy is gone: say which token to revoke.
				return fmt.Errorf("token %d was created, but its secret could not be written (%v) and is lost: revoke it with 'lodestar token revoke --id %d' and create another", tok.ID, werr, tok.ID)
			}
			return nil
		})
	case "list":
		return e.readStore("no tokens to list", func(s *store.Store) error {
			if *email != "" {
				// A user who is not there has no tokens to list: say so
				// (a misspelt address printed an empty list).
				if _, err := s.FindUserByEmail(ctx, *email); err != nil {
					return err
				}
			}
			toks, err := s.ListTokens(ctx, *email)
			if err != nil {
				return err
			}
			// USER is the e-mail, which --user filters by (it was the
			// user's numeric ID).
			users, err := s.ListUsers(ctx)
			if err != nil {
				return err
			}
			emails := make(map[int64]string, len(users))
			for _, u := range users {
				emails[u.ID] = u.Email
			}
			rows := [][]string{e.cols("id", "user", "name", "prefix", "scopes", "created", "last_used", "revoked", "expires", "models")}
			for _, t := range toks {
				bound := e.out("token.all_models")
				if len(t.Models) > 0 {
					bound = strings.Join(t.ModelKeys(), ",")
				}
				user := emails[t.UserID]
				if user == "" {
					user = strconv.FormatInt(t.UserID, 10)
				}
				rows = append(rows, []string{strconv.FormatInt(t.ID, 10), user, oneLine(t.Name), t.Prefix + "…", strings.Join(t.Scopes, ","),
					sqldb.FormatTime(t.CreatedAt), orDash(sqldb.FormatTime(t.LastUsedAt)), orDash(sqldb.FormatTime(t.RevokedAt)),
					orDash(sqldb.FormatTime(t.ExpiresAt)), bound})
			}
			return writeRows(e.stdout, rows, 0)
		})
	case "revoke":
		n, err := strconv.ParseInt(*id, 10, 64)
		if err != nil || n < 1 {
			return errUsage{"token revoke: --id must be a token ID (see 'lodestar token list')"}
		}
		return e.changeStore("no token to revoke", func(s *store.Store) error {
			if err := s.RevokeToken(ctx, n); err != nil {
				return describe(err)
			}
			fmt.Fprintln(e.stdout, e.out("token.revoked", n))
			return nil
		})
	}
	return errUsage{fmt.Sprintf("token: unknown subcommand %q; want create, list or revoke", sub)}
}

const auditHelp = `Usage: lodestar audit verify [--expect SEQ:HASH] [--audit-key-file FILE] [--data DIR | --database URL]
       lodestar audit export [filters] [--output FILE]: the entries as CSV, with
       their hashes ('lodestar audit export -h' lists its flags)

verify checks the audit log's hash chain, writing nothing, and prints an anchor
(the last entry's number and hash) to keep outside the database; a later
verify with --expect shows the log still holds that entry.
Keyed entries (written under an audit key, by the server or by a command
that writes) are checked with the keys in LODESTAR_AUDIT_KEY or
--audit-key-file: give every key the log was keyed under, current and
retired. It prints which entries are unkeyed
and which are keyed under which key id.
Exit status: 0 when the chain is intact and every entry was checked; 1 when
it is broken (an edited, deleted or reordered entry, an unkeyed entry after
a keyed one, an entry under a key id not given, an anchor not matched) or
there is no database; 2 on bad usage; 3 when no break was found but the
chain could not be fully checked: keyed entries and no key given, or keys
given and no entry keyed under them, or the last entry not keyed under the
first key given (the current one).
`

const auditExportHelp = `Usage: lodestar audit export [--from WHEN] [--to WHEN] [--actor E] [--action A]
                            [--entity-type T] [--entity-id ID] [--output FILE]

Writes the audit entries the filters match as CSV, newest first, each with
its hashes (prev_hash, hash), so that a period's log can be handed over and
its chain checked outside Lodestar. WHEN is a date (YYYY-MM-DD, UTC; --to
takes in its whole day) or an RFC 3339 time.
`

func (e *cmdEnv) audit(args []string) error {
	if len(args) > 0 && args[0] == "export" {
		return e.auditExport(args[1:])
	}
	fs := e.flags("audit verify")
	e.cfg.DatabaseFlags(fs)
	expect := fs.String("expect", "", "an anchor SEQ:HASH printed by an earlier verify and kept elsewhere: the log must still hold that entry")
	args = singleHelp(fs, args, "verify", auditHelp)
	if len(args) == 0 || args[0] != "verify" {
		return errUsage{"audit: want 'verify' or 'export'"}
	}
	if err := parse(fs, args[1:], 0); err != nil {
		return err
	}
	var anchorSeq int64
	var anchorHash string
	if *expect != "" {
		seq, hash, ok := strings.Cut(*expect, ":")
		n, err := strconv.ParseInt(seq, 10, 64)
		if !ok || err != nil || n < 1 || !audit.IsHash(hash) {
			return errUsage{"audit verify: --expect must read SEQ:HASH, as verify prints it (an entry number and its hash: 64 hex digits, or hmac-sha256:KEYID:MAC)"}
		}
		anchorSeq, anchorHash = n, hash
	}
	// A check writes nothing: the database is not migrated first (a newer
	// binary would otherwise upgrade the schema it was asked to inspect),
	// and a data directory with no database in it is not given one.
	if err := e.requireDB("nothing to verify"); err != nil {
		return err
	}
	db, err := e.openDB(dbAudit)
	if err != nil {
		return noDatabase(err, "nothing to verify")
	}
	defer db.Close()
	keys := audit.KeysOf(db)
	rep, err := audit.VerifyKeyed(e.ctx, db, keys)
	if err != nil {
		return err
	}
	n := rep.Entries
	if brk := rep.Break; brk != nil {
		return fmt.Errorf("audit chain BROKEN at entry %d: %s (%d entries verified before it)", brk.Seq, brk.Reason, n)
	}
	if anchorSeq > 0 {
		got, err := audit.HashAt(e.ctx, db, anchorSeq)
		if err != nil {
			return err
		}
		if got != anchorHash {
			why := "its hash is " + got
			if got == "" {
				why = "the log has no such entry"
			}
			return fmt.Errorf("audit chain REWRITTEN: the anchor says entry %d has hash %s, but %s — the log was rebuilt or cut since the anchor was taken", anchorSeq, anchorHash, why)
		}
	}
	switch {
	case rep.Unchecked() > 0:
		printSegments(e.stdout, rep, e.lang)
		var ids []string
		for _, s := range rep.Segments {
			if !s.Checked && !slices.Contains(ids, s.KeyID) {
				ids = append(ids, s.KeyID)
			}
		}
		return errExit{3, fmt.Sprintf("audit chain NOT VERIFIED: %d of its %d entries are keyed (key id %s) and no audit key was given, so their hashes "+
			"could not be checked, only that each follows the one before; run again with the key in LODESTAR_AUDIT_KEY or --audit-key-file",
			rep.Unchecked(), n, strings.Join(ids, ", "))}
	case keys != nil && rep.Keyed() == 0:
		printSegments(e.stdout, rep, e.lang)
		return errExit{3, fmt.Sprintf("audit chain NOT VERIFIED as keyed: its %d entries hold as a chain, but none is keyed, though audit keys were given "+
			"(key id %s): either no server or command has written with them yet, or every keyed entry was rewritten without the key; "+
			"compare with an anchor taken since keying began", n, strings.Join(keys.IDs(), ", "))}
	case keys != nil && rep.Segments[len(rep.Segments)-1].KeyID != keys.Current().ID():
		// Every entry checks under a key given, but the newest are not
		// under the current one: whoever holds a retired key can rewrite
		// the log from inside its segment to the end under it.
		printSegments(e.stdout, rep, e.lang)
		return errExit{3, fmt.Sprintf("audit chain NOT VERIFIED under the current key: its %d entries check, but the last is keyed under key id %s, not under "+
			"the current key id %s (the first given): either no server or command has written with it yet, or the entries since the rotation "+
			"were rewritten with a retired key; compare with an anchor taken since the rotation",
			n, rep.Segments[len(rep.Segments)-1].KeyID, keys.Current().ID())}
	}
	if _, err := fmt.Fprintln(e.stdout, e.out("audit.intact", n)); err != nil {
		return fmt.Errorf("audit verify: the chain is intact (%d entries), but the result could not be written: %v", n, err)
	}
	if rep.Keyed() > 0 {
		printSegments(e.stdout, rep, e.lang)
	}
	if n > 0 {
		head, err := audit.HashAt(e.ctx, db, n)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, e.out("audit.anchor", n, head, n, head))
	}
	if anchorSeq > 0 {
		fmt.Fprintln(e.stdout, e.out("audit.anchor_matches", anchorSeq))
	}
	return nil
}

// printSegments lists which entries are unkeyed and which are keyed under
// which key id, and whether their hashes were checked.
func printSegments(w io.Writer, rep *audit.Report, lang string) {
	t := newReportText(lang)
	for _, s := range rep.Segments {
		span := t.T("cliout.audit.entries", s.First, s.Last)
		if s.First == s.Last {
			span = t.T("cliout.audit.entry", s.First)
		}
		switch {
		case s.KeyID == "":
			fmt.Fprintf(w, "  %s\n", t.T("cliout.audit.unkeyed", span))
		case s.Checked:
			fmt.Fprintf(w, "  %s\n", t.T("cliout.audit.keyed_checked", span, s.KeyID))
		default:
			fmt.Fprintf(w, "  %s\n", t.T("cliout.audit.keyed_unchecked", span, s.KeyID))
		}
	}
}

// flagSet reports whether the command line gave the flag, even empty.
func flagSet(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// parseExpiry reads token create's --expires: "never" (zero time), Nd
// (N whole days after now), a date YYYY-MM-DD (its start, UTC) or an
// RFC 3339 time. The store checks that it is ahead and not too far.
func parseExpiry(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "never" {
		return time.Time{}, nil
	}
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 1 || days > 5*366 {
			return time.Time{}, fmt.Errorf("%q: want 1d to %dd", s, 5*366)
		}
		return now.Add(time.Duration(days) * 24 * time.Hour), nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("%q: want Nd (days), a date YYYY-MM-DD, an RFC 3339 time or never", s)
}

func (e *cmdEnv) auditExport(args []string) error {
	fs := e.flags("audit export")
	e.cfg.DatabaseFlags(fs)
	from := fs.String("from", "", "entries at or after: a date (UTC) or an RFC 3339 time")
	to := fs.String("to", "", "entries before: an RFC 3339 time, or a date (UTC) whose whole day is included")
	actor := fs.String("actor", "", "only this actor's entries (an e-mail, or system)")
	action := fs.String("action", "", "only this action (create, update, flip, …)")
	entityType := fs.String("entity-type", "", "only this kind of record (use_case, model, switch, …)")
	entityID := fs.String("entity-id", "", "only this record's entries (with --entity-type)")
	output := fs.String("output", "", "file to write (default: standard output)")
	fs.Usage = func() { printHelp(fs, auditExportHelp, helpFlags) }
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	f0, t0, err := lodestar.ParseTimeRange(*from, *to)
	if err != nil {
		fields, name := lodestar.ErrorFields(err), "from"
		if fields["to"] != "" {
			name = "to"
		}
		return errUsage{fmt.Sprintf("audit export: --%s: %s", name, fields[name])}
	}
	if err := e.requireDB("nothing to export"); err != nil {
		return err
	}
	db, err := e.openDB(dbAudit)
	if err != nil {
		return noDatabase(err, "nothing to export")
	}
	defer db.Close()
	s := store.New(db)
	f := lodestar.AuditFilter{Actor: *actor, Action: *action, EntityType: *entityType, EntityID: *entityID, From: f0, To: t0}
	// Its owner's alone: the log names people and holds every record's
	// contents.
	n, err := e.writeOutput(*output, 0o600, func(w io.Writer) (int, error) {
		return evidence.WriteAuditCSV(e.ctx, s.FindEvents, f, w)
	})
	if err != nil {
		return fmt.Errorf("audit export: %w", err)
	}
	if *output != "" {
		fmt.Fprintln(e.stderr, e.out("export.audit", n, *output))
	}
	return nil
}
