package main

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestUserSetPassword: an administrator replaces a password (one shown at
// the first start, or forgotten): the new one signs in, the old one does
// not, the user's sessions end, the change is audited without the hash;
// a short password or an unknown user changes nothing.
func TestUserSetPassword(t *testing.T) {
	forEachTransferDB(t, func(t *testing.T, d *transferDB) {
		const old, fresh = "the-first-password-1", "a-new-admin-password-2"
		u, err := d.s.CreateUser(d.ctx, lodestar.NewUser{Email: "ops@example.com", Role: lodestar.RoleAdmin, Password: old})
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := d.s.CreateSession(d.ctx, u.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range [][]string{
			{"user", "set-password", "--email", "ops@example.com", "--password", "short"},
			{"user", "set-password", "--email", "nobody@example.com", "--password", fresh},
		} {
			if code, _, _ := transferRun(t, append(bad, d.args...)...); code != 1 {
				t.Errorf("%v: exit %d, want 1", bad, code)
			}
		}
		if code, _, errOut := transferRun(t, append([]string{"user", "set-password"}, d.args...)...); code != 2 || !strings.Contains(errOut, "--email is required") {
			t.Errorf("no --email: exit %d, %s", code, errOut)
		}
		if _, err := d.s.Authenticate(d.ctx, u.Email, old, "127.0.0.1"); err != nil {
			t.Fatalf("refused calls changed the password: %v", err)
		}
		code, out, errOut := transferRun(t, append([]string{"user", "set-password", "--email", "OPS@example.com", "--password", fresh}, d.args...)...)
		if code != 0 || !strings.Contains(out, "new password set for ops@example.com") {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, out, errOut)
		}
		if _, err := d.s.Authenticate(d.ctx, u.Email, fresh, "127.0.0.1"); err != nil {
			t.Errorf("the new password does not sign in: %v", err)
		}
		if _, err := d.s.Authenticate(d.ctx, u.Email, old, "127.0.0.1"); err == nil {
			t.Error("the old password still signs in")
		}
		if _, _, err := d.s.ResolveSession(d.ctx, secret); err == nil {
			t.Error("a session from before the change still works")
		}
		entries, err := d.s.FindEvents(d.ctx, lodestar.AuditFilter{EntityType: "user", EntityID: strconv.FormatInt(u.ID, 10)})
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, e := range entries {
			if e.Action == "set_password" {
				found = true
				if strings.Contains(e.After+e.Before, "argon2") || strings.Contains(e.After+e.Before, fresh) {
					t.Errorf("the audit entry holds the password or its hash: %s", e.After)
				}
			}
		}
		if !found {
			t.Error("no set_password audit entry")
		}
		// Without --password or LODESTAR_USER_PASSWORD, one is generated
		// and printed once.
		code, out, _ = transferRun(t, append([]string{"user", "set-password", "--email", u.Email}, d.args...)...)
		pw, ok := strings.CutPrefix(strings.TrimSpace(out[strings.LastIndex(out, "password (shown once): "):]), "password (shown once): ")
		if code != 0 || !ok || len(pw) < 12 {
			t.Fatalf("generated: exit %d, %s", code, out)
		}
		if _, err := d.s.Authenticate(d.ctx, u.Email, pw, "127.0.0.1"); err != nil {
			t.Errorf("the generated password does not sign in: %v", err)
		}
	})
}

// TestAuditVerifyWritesNothing: verifying does not migrate the database
// it inspects (a newer binary would upgrade the schema), and a directory
// with no Lodestar database in it says so.
func TestAuditVerifyWritesNothing(t *testing.T) {
	dir := t.TempDir()
	code, _, errOut := runCLI(t, "audit", "verify", "--data", dir)
	if code != 1 || !strings.Contains(errOut, "no Lodestar database here") {
		t.Errorf("empty directory: exit %d, %s", code, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("audit verify wrote %d file(s) into an empty data directory", len(entries))
	}
	missing := filepath.Join(dir, "not-yet")
	if code, _, _ := runCLI(t, "audit", "verify", "--data", missing); code != 1 {
		t.Errorf("missing directory: exit %d, want 1", code)
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("audit verify created the data directory it was asked to check")
	}
	if code, _, errOut := runCLI(t, "migrate", "status", "--data", dir); code != 1 || !strings.Contains(errOut, "no Lodestar database here") {
		t.Errorf("migrate status on the empty directory: exit %d, %s", code, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("migrate status wrote %d file(s) into an empty data directory", len(entries))
	}
}

// TestAuditVerifyAnchor: verify prints an anchor (the last entry's number
// and hash); with --expect, a log rebuilt from scratch by someone who can
// write the database — a valid chain, but another history — is refused,
// and so is a log cut shorter than the anchor.
func TestAuditVerifyAnchor(t *testing.T) {
	forEachTransferDB(t, func(t *testing.T, d *transferDB) {
		if _, err := d.s.CreateUser(d.ctx, lodestar.NewUser{Email: "a@example.com", Role: lodestar.RoleAdmin, Password: "a-long-password-1"}); err != nil {
			t.Fatal(err)
		}
		code, out, errOut := transferRun(t, append([]string{"audit", "verify"}, d.args...)...)
		anchor := regexp.MustCompile(`anchor: (\d+:[0-9a-f]{64})`).FindStringSubmatch(out)
		if code != 0 || anchor == nil {
			t.Fatalf("verify: exit %d\n%s%s", code, out, errOut)
		}
		if code, out, _ := transferRun(t, append([]string{"audit", "verify", "--expect", anchor[1]}, d.args...)...); code != 0 || !strings.Contains(out, "matches") {
			t.Errorf("the anchor just taken: exit %d, %s", code, out)
		}
		for _, bad := range []string{"x", "1:abc", "0:" + strings.Repeat("a", 64)} {
			if code, _, _ := transferRun(t, append([]string{"audit", "verify", "--expect", bad}, d.args...)...); code != 2 {
				t.Errorf("--expect %q: exit %d, want 2", bad, code)
			}
		}
		// Someone with write access drops the guards and rebuilds the log
		// as another history, head and all: a valid chain.
		for _, q := range []string{`DROP TRIGGER audit_log_no_delete`, `DELETE FROM audit_log`, `UPDATE audit_head SET seq = 0, hash = '` + strings.Repeat("0", 64) + `'`} {
			if d.db.Dialect == sqldb.Postgres {
				q = strings.Replace(q, "DROP TRIGGER audit_log_no_delete", "DROP TRIGGER audit_log_no_change ON audit_log", 1)
			}
			if _, err := d.db.ExecContext(d.ctx, q); err != nil {
				t.Skipf("cannot stage the rewrite here (%v)", err)
			}
		}
		if _, err := d.s.CreateUser(d.ctx, lodestar.NewUser{Email: "b@example.com", Role: lodestar.RoleAdmin, Password: "a-long-password-2"}); err != nil {
			t.Fatal(err)
		}
		if code, out, _ := transferRun(t, append([]string{"audit", "verify"}, d.args...)...); code != 0 {
			t.Fatalf("the rebuilt chain should verify as a chain: exit %d %s", code, out)
		}
		code, _, errOut = transferRun(t, append([]string{"audit", "verify", "--expect", anchor[1]}, d.args...)...)
		if code != 1 || !strings.Contains(errOut, "REWRITTEN") {
			t.Errorf("rebuilt log with the old anchor: exit %d, %s; want 1 and REWRITTEN", code, errOut)
		}
	})
}

// TestReadOnlyCommandsCreateNothing: a command that only reads, given a
// --data directory with no database (a typo), says so and exits 1; it
// printed an empty list and left a new migrated database behind, creating
// the directory too. Commands that write still create one on a fresh
// directory, as the README's first steps do.
func TestReadOnlyCommandsCreateNothing(t *testing.T) {
	for _, args := range [][]string{
		{"user", "list"}, {"token", "list"}, {"model", "list"}, {"migrate", "status"}, {"export", "use-cases"}, {"audit", "verify"},
	} {
		empty := t.TempDir()
		for _, dir := range []string{filepath.Join(empty, "dZ"), empty} {
			code, out, errOut := runCLI(t, append(args, "--data", dir)...)
			if code != 1 || !strings.Contains(errOut, "no Lodestar database here ("+dir+" has no lodestar.db)") || out != "" {
				t.Errorf("%v --data %s: exit %d, stdout %q, stderr %q; want exit 1, no Lodestar database here", args, dir, code, out, errOut)
			}
		}
		if entries, _ := os.ReadDir(empty); len(entries) != 0 {
			t.Errorf("%v created %d file(s) or directories", args, len(entries))
		}
	}
	fresh := filepath.Join(t.TempDir(), "new")
	if code, _, errOut := runCLI(t, "user", "add", "--data", fresh, "--email", "a@example.com", "--role", "admin", "--password", "correct horse battery"); code != 0 {
		t.Fatalf("user add on a fresh directory: exit %d, %s", code, errOut)
	}
	for _, args := range [][]string{{"user", "list"}, {"token", "list"}, {"model", "list"}, {"migrate", "status"}, {"export", "use-cases"}} {
		if code, out, errOut := runCLI(t, append(args, "--data", fresh)...); code != 0 || out == "" {
			t.Errorf("%v after user add: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
	// Listing the tokens of a user who is not there says so (a misspelt
	// address printed an empty list).
	if code, _, errOut := runCLI(t, "token", "list", "--data", fresh, "--user", "nobody@example.com"); code != 1 || !strings.Contains(errOut, "not found") {
		t.Errorf("token list --user nobody: exit %d, stderr %q; want 1 saying the user was not found", code, errOut)
	}
	// Exporting onto a directory is a usage error naming it, and writes
	// nothing there.
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, "export", "use-cases", "--data", fresh, "--output", dir); code != 1 || !strings.Contains(errOut, "is a directory") {
		t.Errorf("export --output DIR: exit %d, stderr %q; want 1 saying it is a directory", code, errOut)
	}
	// A JSON export is not an import: said plainly, not as a CSV quoting
	// fault of its first line.
	js := filepath.Join(t.TempDir(), "uc.json")
	if code, _, errOut := runCLI(t, "export", "use-cases", "--data", fresh, "--format", "json", "--output", js); code != 0 {
		t.Fatalf("export json: %d %s", code, errOut)
	}
	if code, _, errOut := runCLI(t, "import", "use-cases", js, "--data", fresh); code != 1 || !strings.Contains(errOut, "is JSON; import reads CSV or XLSX") {
		t.Errorf("import of a JSON export: exit %d, stderr %q", code, errOut)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("export onto a directory left %d files in it", len(entries))
	}
}

// TestServeChecksTLSFilesFirst: a missing certificate fails serve before
// it opens the database or announces an address (it said "serving on
// https://…", then failed).
func TestServeChecksTLSFilesFirst(t *testing.T) {
	data := filepath.Join(t.TempDir(), "d")
	code, out, errOut := runCLI(t, "serve", "--addr", "127.0.0.1:0", "--data", data, "--tls-cert", filepath.Join(data, "none.pem"), "--tls-key", filepath.Join(data, "none.key"))
	if code != 1 || strings.Contains(out, "serving on") || !strings.Contains(errOut, "TLS certificate") {
		t.Errorf("serve with missing TLS files: exit %d, stdout %q, stderr %q; want exit 1 naming the certificate, nothing announced", code, out, errOut)
	}
	if _, err := os.Stat(data); err == nil {
		t.Errorf("serve with missing TLS files created its data directory")
	}
}

// TestCommandsOnRecordsCreateNothing: a command that acts on a user, a
// token or a model that must already be there, given a --data directory
// with no database (the README's token create run from another
// directory), says so and leaves nothing behind; token create made a new,
// empty database and then said only "User not found." On a database
// without the user, token create names the address and the way out.
func TestCommandsOnRecordsCreateNothing(t *testing.T) {
	for _, args := range [][]string{
		{"token", "create", "--user", "ml@example.com", "--name", "svc", "--scope", "ingest"},
		{"token", "revoke", "--id", "1"},
		{"user", "set-role", "--email", "a@example.com", "--role", "viewer"},
		{"user", "set-password", "--email", "a@example.com", "--password", "correct horse battery"},
		{"user", "disable", "--email", "a@example.com"},
		{"user", "enable", "--email", "a@example.com"},
		{"model", "add", "--use-case", "1", "--key", "churn", "--name", "Churn"},
		{"model", "version", "--key", "churn", "--version", "1.0"},
		{"model", "status", "--key", "churn", "--version", "1.0", "--status", "staging", "--reason", "ok", "--as", "ai@example.com"},
	} {
		empty := t.TempDir()
		code, out, errOut := runCLI(t, append(args, "--data", empty)...)
		if code != 1 || !strings.Contains(errOut, "no Lodestar database here ("+empty+" has no lodestar.db)") || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want exit 1, no Lodestar database here", args, code, out, errOut)
		}
		if entries, _ := os.ReadDir(empty); len(entries) != 0 {
			t.Errorf("%v created %d file(s) or directories", args, len(entries))
		}
	}
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, "user", "add", "--data", dir, "--email", "a@example.com", "--role", "admin", "--password", "correct horse battery"); code != 0 {
		t.Fatalf("user add: exit %d, %s", code, errOut)
	}
	code, out, errOut := runCLI(t, "token", "create", "--data", dir, "--user", "ml@example.com", "--name", "svc")
	if code != 1 || out != "" || !strings.Contains(errOut, "no user ml@example.com") || !strings.Contains(errOut, "lodestar user list") {
		t.Errorf("token create for a user who is not there: exit %d, stdout %q, stderr %q; want 1 naming the address and user list", code, out, errOut)
	}
	if code, out, _ := runCLI(t, "token", "list", "--data", dir); code != 0 || strings.Count(out, "\n") > 1 {
		t.Errorf("token list after the refusal: exit %d, %q; want no token", code, out)
	}
}
