//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package httpx

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUploadDirNameTakenFirst: on PostgreSQL the upload base is the
// shared /tmp, where another local user sees the setup directory being
// made. The final name was made from the setup name, so such a user could
// make it first, and the rename failed: serve exited. The final name is
// random now, and one taken anyway — here made by the name source itself,
// as an attacker racing would, as a directory with a file, an empty
// directory (which rename(2) would replace), a file and a symbolic link —
// is passed over, never replaced, and the server starts.
func TestUploadDirNameTakenFirst(t *testing.T) {
	base := filepath.Join(t.TempDir(), "tmp")
	outside := t.TempDir()
	obstacles := []func(p string) error{
		func(p string) error {
			if err := os.Mkdir(p, 0o755); err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(p, "theirs"), []byte("x"), 0o644)
		},
		func(p string) error { return os.Mkdir(p, 0o755) },
		func(p string) error { return os.WriteFile(p, []byte("x"), 0o644) },
		func(p string) error { return os.Symlink(outside, p) },
	}
	var taken []string
	calls := 0
	defer func(f func() (string, error)) { runName = f }(runName)
	runName = func() (string, error) {
		calls++
		name := fmt.Sprintf("%staken-%d", runPrefix, calls)
		if calls > len(obstacles) {
			return runPrefix + "free", nil
		}
		p := filepath.Join(base, name)
		if err := obstacles[calls-1](p); err != nil {
			t.Fatal(err)
		}
		taken = append(taken, p)
		return name, nil
	}
	d, _, err := OpenUploadDir(base, nil)
	if err != nil {
		t.Fatalf("a name made first stopped the start: %v", err)
	}
	defer d.Close()
	if want := filepath.Join(base, runPrefix+"free"); d.Path() != want {
		t.Errorf("upload directory %s, want %s", d.Path(), want)
	}
	// What was there is as it was: not replaced, not removed.
	if b, err := os.ReadFile(filepath.Join(taken[0], "theirs")); err != nil || string(b) != "x" {
		t.Errorf("the directory made first: %q %v", b, err)
	}
	if ents, err := os.ReadDir(taken[1]); err != nil || len(ents) != 0 {
		t.Errorf("the empty directory made first was replaced: %v %v", ents, err)
	}
	if fi, err := os.Stat(taken[1]); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("the empty directory made first was replaced: %v %v", fi, err)
	}
	if b, err := os.ReadFile(taken[2]); err != nil || string(b) != "x" {
		t.Errorf("the file made first: %q %v", b, err)
	}
	if l, err := os.Readlink(taken[3]); err != nil || l != outside {
		t.Errorf("the link made first: %q %v", l, err)
	}
	f, err := os.CreateTemp(d.Path(), "lodestar-upload-*")
	if err != nil {
		t.Fatalf("an upload: %v", err)
	}
	f.Close()

	// Every name taken (by the file: a directory of this user's, not
	// locked, is swept first): an error naming the base, and nothing of
	// this server's left behind.
	runName = func() (string, error) { return filepath.Base(taken[2]), nil }
	if d2, _, err := OpenUploadDir(base, nil); err == nil {
		d2.Close()
		t.Fatal("opened with every name taken")
	} else if !strings.Contains(err.Error(), "upload directory: cannot make this server's directory in "+base) {
		t.Errorf("error %q does not say what failed", err)
	}
	// (The sweep took the two directories made first: this user's, not
	// locked, as a killed server's are.)
	want := []string{runPrefix + "free", filepath.Base(taken[2]), filepath.Base(taken[3])}
	if got := names(t, base); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("base holds %q, want %q: the failed start left its setup directory", got, want)
	}
}

// TestUploadDirNamesRandom: two servers' names share nothing a watcher
// could derive one from: the default name source is random.
func TestUploadDirNamesRandom(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		n, err := runName()
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(n, runPrefix) || len(n) != len(runPrefix)+32 || seen[n] {
			t.Fatalf("name %q (seen before: %v)", n, seen[n])
		}
		seen[n] = true
	}
}
