package main

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestDatabaseFileModeWarning: a command that finds the database file
// readable by others narrows it to 0600 and says so on stderr, naming the
// file and its mode; the next command, finding it narrowed, says nothing.
func TestDatabaseFileModeWarning(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("no Unix permission bits")
	}
	dir := t.TempDir()
	add := func(email string) string {
		t.Helper()
		code, out, errOut := runEnv(t, nil, "user", "add", "--email", email, "--role", "viewer", "--password", "a-long-password-1", "--data", dir)
		if code != 0 {
			t.Fatalf("user add %s: exit %d %s%s", email, code, out, errOut)
		}
		return errOut
	}
	if errOut := add("a@example.com"); strings.Contains(errOut, "warning") {
		t.Errorf("new database: stderr %q, want no warning", errOut)
	}
	path := filepath.Join(dir, sqldb.SQLiteFile)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("new database file: %v %v, want mode 0600", fi.Mode(), err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	errOut := add("b@example.com")
	if want := "warning: database file " + path + " could be read by others (mode 0644): changed to mode 0600"; !strings.Contains(errOut, want) {
		t.Errorf("wide database: stderr %q, want it to hold %q", errOut, want)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("after the command: %v %v, want mode 0600", fi.Mode(), err)
	}
	if errOut := add("c@example.com"); strings.Contains(errOut, "warning") {
		t.Errorf("narrowed database: stderr %q, want no warning", errOut)
	}
}
