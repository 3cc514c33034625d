package main

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestBackupCommand: lodestar backup writes a data directory a restore
// can use as it is — its users there, its audit chain intact with the
// anchor backup printed — and refuses, writing nothing, a missing --to,
// a directory that holds anything, a data directory with no database,
// and PostgreSQL (pg_dump's work).
func TestBackupCommand(t *testing.T) {
	dir := t.TempDir()
	if code, _, errOut := runCLI(t, "user", "add", "--data", dir, "--email", "a@example.com", "--role", "admin", "--password", "correct horse battery"); code != 0 {
		t.Fatal(errOut)
	}
	to := filepath.Join(t.TempDir(), "backup")
	code, out, errOut := runCLI(t, "backup", "--data", dir, "--to", to)
	if code != 0 || !strings.Contains(out, "backup written: "+filepath.Join(to, "lodestar.db")) || !strings.Contains(errOut, "backing up") {
		t.Fatalf("backup: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	anchor := regexp.MustCompile(`anchor: (\d+:[0-9a-f]{64})`).FindStringSubmatch(out)
	if anchor == nil {
		t.Fatalf("backup printed no anchor: %s", out)
	}
	// The backup is a data directory: verified with the anchor, listed.
	if code, out, errOut := runCLI(t, "audit", "verify", "--data", to, "--expect", anchor[1]); code != 0 || !strings.Contains(out, "audit chain intact") {
		t.Errorf("audit verify of the backup with its anchor: exit %d %s %s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "user", "list", "--data", to); code != 0 || !strings.Contains(out, "a@example.com") {
		t.Errorf("user list of the backup: exit %d %s %s", code, out, errOut)
	}

	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no --to", []string{"backup", "--data", dir}, 2, "backup: --to is required"},
		{"onto the backup", []string{"backup", "--data", dir, "--to", to}, 1, "is not empty (it holds lodestar.db)"},
		{"no database", []string{"backup", "--data", t.TempDir(), "--to", filepath.Join(t.TempDir(), "b")}, 1, "nothing to back up"},
		{"PostgreSQL", []string{"backup", "--database", "postgres://u@127.0.0.1:1/x", "--to", filepath.Join(t.TempDir(), "b")}, 2, "pg_dump"},
	} {
		code, out, errOut := runCLI(t, c.args...)
		if code != c.code || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit %d and %q", c.name, code, out, errOut, c.code, c.want)
		}
	}
	if names, _ := os.ReadDir(to); len(names) != 1 {
		t.Errorf("the backup directory holds %d entries after the refusals, want its 1", len(names))
	}
	// An older schema is backed up as it is, not upgraded: the backup to
	// take before an upgrade.
	old := oldDatabase(t, 14)
	oldTo := filepath.Join(t.TempDir(), "old")
	code, out, errOut = runCLI(t, "backup", "--data", old, "--to", oldTo)
	if code != 0 || !strings.Contains(out, "schema version 14)") || !strings.Contains(out, "not checked: its schema version 14") {
		t.Errorf("backup of a schema-14 database: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	if v := schemaOf(t, old); v != 14 {
		t.Errorf("the backed-up database is at schema %d now, want 14", v)
	}
	if v := schemaOf(t, oldTo); v != 14 {
		t.Errorf("its backup is at schema %d, want 14", v)
	}

	// A database a newer build migrated is copied too, unchecked; a
	// file named lodestar.db with no migration in it is no database.
	newer := oldDatabase(t, 14)
	code, _, errOut = runCLI(t, "migrate", "up", "--data", newer)
	if code != 0 {
		t.Fatal(errOut)
	}
	db, err := sqldb.Open(context.Background(), newer, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(context.Background(), `INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', '2030-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	code, out, errOut = runCLI(t, "backup", "--data", newer, "--to", filepath.Join(t.TempDir(), "newer"))
	if code != 0 || !strings.Contains(out, "schema version 999)") || !strings.Contains(out, "not checked") {
		t.Errorf("backup of a newer schema: exit %d\nstdout %s\nstderr %s", code, out, errOut)
	}
	empty := t.TempDir()
	if err := os.WriteFile(filepath.Join(empty, "lodestar.db"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "backup", "--data", empty, "--to", filepath.Join(t.TempDir(), "e")); code != 1 || out != "" || !strings.Contains(errOut, "no Lodestar database here") || !strings.Contains(errOut, "nothing to back up") {
		t.Errorf("backup of an empty lodestar.db: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// A refused --to is refused before the backup says it begins.
	if _, _, errOut := runCLI(t, "backup", "--data", dir, "--to", to); strings.Contains(errOut, "backing up") {
		t.Errorf("refused --to, yet stderr says it is backing up: %q", errOut)
	}

	code, _, errOut = runWith(zhEnvOf, "backup", "--data", dir, "--to", to)
	if code != 1 || !strings.Contains(errOut, "不是空目录") {
		t.Errorf("in Chinese: exit %d, stderr %q", code, errOut)
	}
	code, _, errOut = runWith(zhEnvOf, "backup", "--data", t.TempDir(), "--to", filepath.Join(t.TempDir(), "z"))
	if code != 1 || !strings.Contains(errOut, "没有可备份的内容") || strings.Contains(errOut, "nothing") {
		t.Errorf("nothing to back up, in Chinese: exit %d, stderr %q", code, errOut)
	}
}
