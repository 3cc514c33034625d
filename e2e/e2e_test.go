package e2e

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver, to create the PostgreSQL test database
)

// TestEndToEnd runs the whole operator and user flow against SQLite, and
// against PostgreSQL when LODESTAR_TEST_POSTGRES is set.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	onEachDatabase(t, endToEnd)
}

func endToEnd(t *testing.T, db []string) {
	srv := startServer(t, serverOpts{dbArgs: db, env: withAdmin()})
	srv.waitStdout(t, regexp.MustCompile(`(?m)^Sign in as `+regexp.QuoteMeta(adminEmail)+` with the password from LODESTAR_ADMIN_PASSWORD$`))
	c := newClient(t)

	// Probes and metrics.
	if code, body := get(t, c, srv.URL+"/healthz"); code != http.StatusOK {
		t.Errorf("GET /healthz: %d %s", code, body)
	}
	if code, body := get(t, c, srv.URL+"/readyz"); code != http.StatusOK {
		t.Errorf("GET /readyz: %d %s", code, body)
	}
	if code, body := get(t, c, srv.URL+"/metrics"); code != http.StatusOK || !strings.Contains(body, "lodestar_http_requests_total") {
		t.Errorf("GET /metrics: status %d, want 200 with lodestar_http_requests_total in\n%.2000s", code, body)
	}

	// Sign in through the HTML form.
	code, home := login(t, c, srv.URL, adminEmail, adminPassword)
	if code != http.StatusOK || !strings.Contains(home, `id="nav"`) || !strings.Contains(home, "Administrator") {
		t.Fatalf("sign-in: status %d, want 200 and the home page with its nav:\n%.3000s", code, home)
	}
	if code, _ := get(t, c, srv.URL+"/use-cases"); code != http.StatusOK {
		t.Errorf("GET /use-cases after sign-in: %d", code)
	}

	// An API token from the CLI; the secret is alone on the last line.
	r := mustRun(t, append([]string{"token", "create", "--user", adminEmail, "--name", "ci"}, db...)...)
	token := lastLine(r.stdout)
	if !regexp.MustCompile(`^lst_[A-Za-z0-9_-]+$`).MatchString(token) {
		t.Fatalf("token create: last stdout line %q is not just an lst_ token\n%s", token, r)
	}
	m := regexp.MustCompile(`created token (\d+) `).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("token create: no token ID in\n%s", r)
	}
	tokenID := m[1]
	if strings.Contains(r.stderr, token) {
		t.Errorf("token create printed the secret on stderr")
	}

	// Create a use case through the API and read it back.
	bearer := []string{"Authorization", "Bearer " + token}
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/use-cases",
		strings.NewReader(`{"title":"Invoice triage","description":"Route supplier invoices with an LLM."}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(bearer[0], bearer[1])
	code, body := do(t, http.DefaultClient, req)
	if code != http.StatusCreated {
		t.Fatalf("POST /api/v1/use-cases: status %d, want 201\n%s", code, body)
	}
	var uc struct {
		ID    int64  `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(body), &uc); err != nil || uc.ID < 1 {
		t.Fatalf("POST /api/v1/use-cases: bad body %q: %v", body, err)
	}
	ucURL := srv.URL + "/api/v1/use-cases/" + strconv.FormatInt(uc.ID, 10)
	code, body = get(t, http.DefaultClient, ucURL, bearer...)
	if code != http.StatusOK || !strings.Contains(body, `"title":"Invoice triage"`) {
		t.Fatalf("GET %s: status %d\n%s", ucURL, code, body)
	}
	if code, body := get(t, c, srv.URL+"/use-cases/"+strconv.FormatInt(uc.ID, 10)); code != http.StatusOK || !strings.Contains(body, "Invoice triage") {
		t.Errorf("HTML page of the new use case: status %d\n%.2000s", code, body)
	}

	// The audit chain holds everything so far.
	r = mustRun(t, append([]string{"audit", "verify"}, db...)...)
	if !strings.Contains(r.stdout, "intact") {
		t.Errorf("audit verify: want \"intact\"\n%s", r)
	}

	// Revoking the token locks the API out at once.
	r = mustRun(t, append([]string{"token", "revoke", "--id", tokenID}, db...)...)
	if !strings.Contains(r.stdout, "revoked token "+tokenID) {
		t.Errorf("token revoke: unexpected output\n%s", r)
	}
	if code, body := get(t, http.DefaultClient, ucURL, bearer...); code != http.StatusUnauthorized {
		t.Errorf("GET with a revoked token: status %d, want 401\n%s", code, body)
	}

	userCommands(t, db)

	r = mustRun(t, append([]string{"audit", "verify"}, db...)...)
	if !strings.Contains(r.stdout, "intact") {
		t.Errorf("audit verify at the end: want \"intact\"\n%s", r)
	}
}

// userCommands checks `lodestar user …`, and that bad input changes nothing.
func userCommands(t *testing.T, db []string) {
	user := func(args ...string) result {
		t.Helper()
		return lodestar(t, append(append([]string{"user"}, args...), db...)...)
	}
	list := func() string {
		t.Helper()
		r := user("list")
		if r.code != 0 {
			t.Fatalf("user list:\n%s", r)
		}
		return r.stdout
	}
	auditCount := func() string {
		t.Helper()
		r := mustRun(t, append([]string{"audit", "verify"}, db...)...)
		return r.stdout
	}
	const alice = "alice@example.com"

	r := user("add", "--email", alice, "--name", "Alice Liddell", "--role", "viewer", "--password", "looking-glass-42")
	if r.code != 0 || !strings.Contains(r.stdout, "created user") || strings.Contains(r.stdout, "password (shown once)") {
		t.Fatalf("user add:\n%s", r)
	}
	if l := list(); !rowHas(l, alice, "Alice Liddell", "viewer", "active") || !rowHas(l, adminEmail, "admin") {
		t.Fatalf("user list after add:\n%s", l)
	}
	if r := user("set-role", "--email", alice, "--role", "committee"); r.code != 0 || !strings.Contains(r.stdout, alice+" is now committee") {
		t.Errorf("user set-role:\n%s", r)
	}
	if r := user("disable", "--email", alice); r.code != 0 || !strings.Contains(r.stdout, alice+" disabled") {
		t.Errorf("user disable:\n%s", r)
	}
	if l := list(); !rowHas(l, alice, "committee", "disabled") {
		t.Errorf("user list after set-role and disable:\n%s", l)
	}
	// A generated password is printed once.
	r = user("add", "--email", "gen@example.com", "--role", "ai_team")
	if r.code != 0 || !regexp.MustCompile(`(?m)^password \(shown once\): \S{12,}$`).MatchString(r.stdout) {
		t.Errorf("user add without --password: want a generated password on stdout\n%s", r)
	}

	before, beforeAudit := list(), auditCount()
	bad := []struct {
		name string
		args []string
		code int // 0: any non-zero
		msg  string
	}{
		{"unknown role", []string{"add", "--email", "bob@example.com", "--role", "wizard", "--password", "long-enough-pw-1"}, 1, "Unknown role"},
		{"unknown role on set-role", []string{"set-role", "--email", alice, "--role", "wizard"}, 1, "Unknown role"},
		{"short password", []string{"add", "--email", "bob@example.com", "--role", "viewer", "--password", "short"}, 1, "at least 12 characters"},
		{"bad email", []string{"add", "--email", "not-an-address", "--role", "viewer", "--password", "long-enough-pw-1"}, 1, "valid e-mail"},
		{"duplicate email", []string{"add", "--email", alice, "--role", "viewer", "--password", "long-enough-pw-1"}, 1, "already exists"},
		{"missing --email", []string{"add", "--role", "viewer", "--password", "long-enough-pw-1"}, 2, "--email is required"},
		{"missing --role", []string{"add", "--email", "bob@example.com"}, 2, "--role is required"},
		{"unknown user", []string{"disable", "--email", "nobody@example.com"}, 1, "not found"},
		{"unknown subcommand", []string{"frobnicate"}, 2, `unknown subcommand "frobnicate"`},
		{"unknown flag", []string{"add", "--email", "bob@example.com", "--role", "viewer", "--bogus"}, 2, "flag provided but not defined: -bogus"},
		{"stray argument", []string{"list", "extra"}, 2, `unexpected argument "extra"`},
	}
	for _, tc := range bad {
		r := user(tc.args...)
		if r.code == 0 || (tc.code != 0 && r.code != tc.code) {
			t.Errorf("user %s (%s): want exit %d\n%s", strings.Join(tc.args, " "), tc.name, tc.code, r)
		}
		if !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("user %s (%s): stderr lacks %q\n%s", strings.Join(tc.args, " "), tc.name, tc.msg, r)
		}
		if strings.TrimSpace(r.stdout) != "" {
			t.Errorf("user %s (%s): want nothing on stdout\n%s", strings.Join(tc.args, " "), tc.name, r)
		}
	}
	if after := list(); after != before {
		t.Errorf("bad user commands changed the user list:\n--- before:\n%s--- after:\n%s", before, after)
	}
	if after := auditCount(); after != beforeAudit {
		t.Errorf("bad user commands wrote to the audit log: before %q, after %q", beforeAudit, after)
	}
}

// rowHas reports whether one line of table holds every field.
func rowHas(table string, fields ...string) bool {
	for _, line := range strings.Split(table, "\n") {
		ok := true
		for _, f := range fields {
			ok = ok && strings.Contains(line, f)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestGeneratedAdminPassword starts on an empty database without
// LODESTAR_ADMIN_PASSWORD: serve prints a generated password once on stdout,
// it works, and it never reaches the logs. The logs are JSON here, so the
// test also checks --log-format json.
func TestGeneratedAdminPassword(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	srv := startServer(t, serverOpts{dbArgs: []string{"--data", dir}, args: []string{"--log-format", "json"}})
	m := srv.waitStdout(t, regexp.MustCompile(`(?m)^Sign in as (\S+) with password (\S+) `))
	email, password := m[1], m[2]
	if email != "admin@lodestar.local" {
		t.Errorf("generated admin is %q, want admin@lodestar.local", email)
	}
	if len(password) < 12 {
		t.Errorf("generated password %q is shorter than 12 characters", password)
	}
	c := newClient(t)
	if code, home := login(t, c, srv.URL, email, password); code != http.StatusOK || !strings.Contains(home, `id="nav"`) {
		t.Fatalf("sign-in with the generated password: status %d\n%.2000s", code, home)
	}
	if code, body := login(t, newClient(t), srv.URL, email, password+"x"); code == http.StatusOK && strings.Contains(body, `id="nav"`) {
		t.Errorf("a wrong password signed in")
	}
	srv.Stop()

	logs := srv.stderr.String()
	if strings.Contains(logs, password) {
		t.Errorf("the generated password appears in the logs (stderr):\n%s", logs)
	}
	lines := strings.Split(strings.TrimRight(logs, "\n"), "\n")
	if len(lines) < 3 {
		t.Errorf("want several log lines, got:\n%s", logs)
	}
	for _, l := range lines {
		var v map[string]any
		if err := json.Unmarshal([]byte(l), &v); err != nil {
			t.Errorf("--log-format json: stderr line is not JSON: %q: %v", l, err)
			continue
		}
		if v["msg"] == nil || v["level"] == nil || v["time"] == nil {
			t.Errorf("--log-format json: line lacks time, level or msg: %q", l)
		}
	}

	// A second start finds the admin and prints no password.
	srv2 := startServer(t, serverOpts{dbArgs: []string{"--data", dir}})
	srv2.Stop() // all of stdout is in once it has exited
	if out := srv2.stdout.String(); strings.Contains(out, "password") {
		t.Errorf("second start printed a password line:\n%s", out)
	}
}

// postgresDatabase creates an empty database on the LODESTAR_TEST_POSTGRES
// server for one test, returns its URL, and drops it when the test ends.
// It skips the test when the variable is empty.
// onEachDatabase runs run as two parallel subtests: on SQLite (a fresh
// data directory) and on PostgreSQL (a fresh database), run given the
// server's flags for it.
func onEachDatabase(t *testing.T, run func(t *testing.T, db []string)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		run(t, []string{"--data", t.TempDir()})
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		run(t, []string{"--database", postgresDatabase(t)})
	})
}

func postgresDatabase(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("LODESTAR_TEST_POSTGRES")
	if dsn == "" {
		t.Skip("LODESTAR_TEST_POSTGRES is not set; skipping PostgreSQL")
	}
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("LODESTAR_TEST_POSTGRES must be a postgres:// URL (parse error: %v)", err)
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b := make([]byte, 6)
	rand.Read(b)
	name := "e2e_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s on LODESTAR_TEST_POSTGRES: %v", name, err)
	}
	// Registered before the server starts, so it runs after the server
	// has stopped; FORCE ends any connection left over anyway.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, err := admin.ExecContext(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
		if err != nil { // PostgreSQL before 13 has no FORCE
			_, err = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name)
		}
		if err != nil {
			t.Errorf("drop database %s: %v", name, err)
		}
	})
	u.Path = "/" + name
	return u.String()
}
