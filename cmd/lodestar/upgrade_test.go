package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// oldDatabase makes, in a new directory, a SQLite database at schema
// version v: the first v migrations applied, as an older build left it.
func oldDatabase(t *testing.T, v int) string {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	db, err := sqldb.Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	testdb.MigrateTo(t, db, v)
	return dir
}

// schemaOf is the newest migration applied to the SQLite database in dir.
func schemaOf(t *testing.T, dir string) int {
	t.Helper()
	db, err := sqldb.OpenReadOnly(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	have, _, err := db.SchemaVersion(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return have
}

// TestOldSchemaNotUpgradedUnasked: on a database an older build left
// (schema 14), every command but serve and migrate up — those that read
// and those that write — exits 1 saying the schema's version, the
// build's and what to do, and leaves the schema at 14; migrate status
// lists the pending migrations and changes nothing either.
func TestOldSchemaNotUpgradedUnasked(t *testing.T) {
	t.Parallel()
	dir := oldDatabase(t, 14)
	ms, _ := sqldb.Migrations(sqldb.SQLite)
	want := fmt.Sprintf("lodestar: database schema is at version 14, this build needs %d: back up, then run `lodestar migrate up` (or start `lodestar serve`)\n", len(ms))
	for _, args := range [][]string{
		{"user", "list"},
		{"user", "add", "--email", "a@example.com", "--role", "viewer", "--password", "a-long-password-1"},
		{"user", "set-role", "--email", "a@example.com", "--role", "admin"},
		{"token", "list"},
		{"switch", "list"},
		{"model", "list"},
		{"monitor", "list"},
		{"alert", "list"},
		{"export", "use-cases"},
	} {
		code, out, errOut := runIn(dir)(args...)
		if code != 1 || errOut != want || out != "" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 1 and %q", strings.Join(args, " "), code, out, errOut, want)
		}
	}
	code, out, errOut := runIn(dir)("migrate", "status")
	if code != 0 || !regexp.MustCompile(`0014\s+\S+\s+2026-11-01`).MatchString(out) ||
		!regexp.MustCompile(`0015\s+\S+\s+pending`).MatchString(out) {
		t.Errorf("migrate status: exit %d\n%s%s\nwant 0014 applied and 0015 pending", code, out, errOut)
	}
	if v := schemaOf(t, dir); v != 14 {
		t.Errorf("after the commands the schema is at %d, want 14", v)
	}
}

// TestMigrateUpNamesEach: migrate up prints each migration as it begins
// and once applied with its time, in order, then the count and the
// version; run again it says there is nothing to apply.
func TestMigrateUpNamesEach(t *testing.T) {
	t.Parallel()
	dir := oldDatabase(t, 14)
	ms, _ := sqldb.Migrations(sqldb.SQLite)
	code, out, errOut := runIn(dir)("migrate", "up")
	if code != 0 {
		t.Fatalf("migrate up: exit %d\n%s%s", code, out, errOut)
	}
	var want []string
	for _, m := range ms[14:] {
		want = append(want, fmt.Sprintf("applying %04d_%s …", m.Version, m.Name), fmt.Sprintf("applied %04d_%s in ", m.Version, m.Name))
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(want)+1 {
		t.Fatalf("migrate up printed\n%s\nwant %d lines", out, len(want)+1)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("line %d: %q, want it to begin %q", i+1, lines[i], w)
		}
		if strings.HasPrefix(w, "applied ") && !regexp.MustCompile(`in [0-9.]+(µs|ms|s)$`).MatchString(lines[i]) {
			t.Errorf("line %d: %q names no time", i+1, lines[i])
		}
	}
	if last := lines[len(lines)-1]; last != fmt.Sprintf("applied %d migration(s) to %s: schema version %d", len(ms)-14, filepath.Join(dir, sqldb.SQLiteFile), len(ms)) {
		t.Errorf("last line %q", last)
	}
	if v := schemaOf(t, dir); v != len(ms) {
		t.Errorf("schema at %d after migrate up, want %d", v, len(ms))
	}
	code, out, _ = runIn(dir)("migrate", "up")
	if code != 0 || out != fmt.Sprintf("%s is up to date: schema version %d, nothing to apply\n", filepath.Join(dir, sqldb.SQLiteFile), len(ms)) {
		t.Errorf("second migrate up: exit %d, %q", code, out)
	}
	// Now current, the other commands run.
	if code, out, errOut := runIn(dir)("user", "list"); code != 0 {
		t.Errorf("user list after migrate up: exit %d %s%s", code, out, errOut)
	}
}

// startServe runs serve with args until it announces its address, and
// returns its output so far and a stop that ends it and returns its exit
// code and whole stderr.
func startServe(t *testing.T, args ...string) (url string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout := &watchBuffer{want: "serving on", seen: make(chan struct{})}
	seen := stdout.seen
	stderr := &watchBuffer{}
	done := make(chan int)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", "127.0.0.1:0", "--monitor-interval", "0"}, args...), stdout, stderr, noEnv)
	}()
	select {
	case <-seen:
	case code := <-done:
		cancel()
		t.Fatalf("serve exited %d before serving: %s%s", code, stdout, stderr)
	case <-time.After(2 * time.Minute):
		cancel()
		t.Fatalf("serve did not start: %s%s", stdout, stderr)
	}
	url = regexp.MustCompile(`serving on (\S+)`).FindStringSubmatch(stdout.String())[1]
	return url, func() (int, string) {
		cancel()
		return <-done, stderr.String()
	}
}

// TestServeLogsEachMigration: serve on an old database applies the
// pending migrations and logs each by name as it begins and once applied
// with its time, then the schema's version; on a current database it
// applies and logs none.
func TestServeLogsEachMigration(t *testing.T) {
	t.Parallel()
	dir := oldDatabase(t, 14)
	ms, _ := sqldb.Migrations(sqldb.SQLite)
	_, stop := startServe(t, "--data", dir)
	code, log := stop()
	if code != 0 {
		t.Fatalf("serve: exit %d\n%s", code, log)
	}
	for _, m := range ms[14:] {
		name := fmt.Sprintf("%04d_%s", m.Version, m.Name)
		if !strings.Contains(log, `msg="applying migration" migration=`+name+"\n") ||
			!regexp.MustCompile(`msg="migration applied" migration=`+name+` took=[0-9.]+(µs|ms|s)\n`).MatchString(log) {
			t.Errorf("serve's log does not name migration %s as applying and applied:\n%s", name, log)
		}
	}
	for _, m := range ms[:14] {
		if strings.Contains(log, fmt.Sprintf("%04d_%s", m.Version, m.Name)) {
			t.Errorf("serve's log names migration %d, applied before", m.Version)
		}
	}
	if !strings.Contains(log, fmt.Sprintf("schema_version=%d migrations_applied=%d", len(ms), len(ms)-14)) {
		t.Errorf("database ready does not give the schema version and the count:\n%s", log)
	}
	_, stop = startServe(t, "--data", dir)
	code, log = stop()
	if code != 0 || strings.Contains(log, "migration") && !strings.Contains(log, "migrations_applied=0") ||
		strings.Contains(log, "applying migration") {
		t.Errorf("second serve: exit %d, logged a migration:\n%s", code, log)
	}
}

// TestReadOnlyCommandsWriteNothing: the commands that only read run on a
// backup kept read-only — its directory 0550, its file 0440 (group-read)
// — and leave it as it was: no write probe, no -wal or -shm, the file's
// mode not narrowed to 0600, its time and bytes unchanged. (As root, whom
// the modes do not bind, what is checked is that nothing was written.)
func TestReadOnlyCommandsWriteNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if code, out, errOut := runIn(dir)("user", "add", "--email", "a@example.com", "--role", "admin", "--password", "a-long-password-1"); code != 0 {
		t.Fatalf("user add: exit %d %s%s", code, out, errOut)
	}
	if err := os.Chmod(filepath.Join(dir, sqldb.SQLiteFile), 0o440); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o550); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o750) })
	before := testdb.DirState(t, dir)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "verify"}, "audit chain intact: 1 entries verified"},
		{[]string{"audit", "export"}, "a@example.com"},
		{[]string{"migrate", "status"}, "0001"},
		{[]string{"user", "list"}, "a@example.com"},
		{[]string{"token", "list"}, "ID"},
		{[]string{"switch", "list"}, ""},
		{[]string{"model", "list"}, ""},
		{[]string{"monitor", "list"}, ""},
		{[]string{"alert", "list"}, ""},
		{[]string{"export", "use-cases"}, ""},
	} {
		code, out, errOut := runIn(dir)(c.args...)
		if code != 0 || !strings.Contains(out, c.want) || errOut != "" {
			t.Errorf("%s: exit %d\n%s%s\nwant 0 and %q, nothing on stderr", strings.Join(c.args, " "), code, out, errOut, c.want)
		}
		if after := testdb.DirState(t, dir); !slices.Equal(after, before) {
			t.Fatalf("%s changed the data directory:\n%q\nwas\n%q", strings.Join(c.args, " "), after, before)
		}
	}
}

// TestRowRoleRunsCommands: on a PostgreSQL database migrated by its
// owner, a role with row privileges only (no CREATE on the schema) runs
// serve (its open path: the first admin, the audit log, the switches'
// LISTEN; /healthz answers), audit verify, migrate status, migrate up
// (nothing to apply) and user list. On a database that is not migrated,
// its migrate up says what privilege it lacks and who may migrate.
// Skipped without LODESTAR_TEST_POSTGRES.
func TestRowRoleRunsCommands(t *testing.T) {
	t.Parallel()
	owner := testdb.PostgresURL(t)
	if code, out, errOut := runWith(noEnv, "migrate", "up", "--database", owner); code != 0 {
		t.Fatalf("migrate up as the owner: exit %d %s%s", code, out, errOut)
	}
	role := testdb.RowRoleURL(t, owner)
	url, stop := startServe(t, "--database", role)
	resp, err := http.Get(url + "/healthz")
	if err != nil {
		t.Errorf("healthz: %v", err)
	} else {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("healthz: %d %s", resp.StatusCode, body)
		}
	}
	if code, log := stop(); code != 0 || !strings.Contains(log, "database ready") {
		t.Fatalf("serve as the row role: exit %d\n%s", code, log)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"audit", "verify"}, "audit chain intact"},
		{[]string{"migrate", "status"}, "0001"},
		{[]string{"migrate", "up"}, "is up to date"},
		{[]string{"user", "list"}, DefaultAdminEmail},
	} {
		code, out, errOut := runWith(noEnv, append(c.args, "--database", role)...)
		if code != 0 || !strings.Contains(out, c.want) {
			t.Errorf("%s as the row role: exit %d\n%s%s\nwant 0 and %q", strings.Join(c.args, " "), code, out, errOut, c.want)
		}
	}

	empty := testdb.RowRoleURL(t, testdb.PostgresURL(t))
	code, out, errOut := runWith(noEnv, "migrate", "up", "--database", empty)
	if code != 1 || !strings.Contains(errOut, "permission denied") || !strings.Contains(errOut, "CREATE on the schema") ||
		!strings.Contains(errOut, "run `lodestar migrate up` as the schema's owner") {
		t.Errorf("migrate up as the row role on an empty database: exit %d\n%s%s", code, out, errOut)
	}
}

// TestAuditReadsOlderSchema: audit verify and export read the log of a
// database an older build left, as long as its audit log has its present
// form (migration 0013 on): the chain is checked before an upgrade, with
// the new build, and the schema left as it was. Older still, they say
// the schema is behind.
func TestAuditReadsOlderSchema(t *testing.T) {
	t.Parallel()
	dir := oldDatabase(t, 14)
	if code, out, errOut := runIn(dir)("audit", "verify"); code != 0 || !strings.Contains(out, "audit chain intact") {
		t.Errorf("audit verify at schema 14: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, errOut := runIn(dir)("audit", "export"); code != 0 || !strings.HasPrefix(strings.TrimPrefix(out, "\ufeff"), "seq,") {
		t.Errorf("audit export at schema 14: exit %d\n%.200s%s", code, out, errOut)
	}
	if v := schemaOf(t, dir); v != 14 {
		t.Errorf("after the audit commands the schema is at %d, want 14", v)
	}
	older := oldDatabase(t, 12)
	for _, args := range [][]string{{"audit", "verify"}, {"audit", "export"}} {
		if code, out, errOut := runIn(older)(args...); code != 1 || out != "" || !strings.Contains(errOut, "database schema is at version 12") {
			t.Errorf("%s at schema 12: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errOut)
		}
	}
}
