package httpx

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// names lists dir's entries.
func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// TestUploadDirSweepsOnlyTheDead: a server's upload directory is its own,
// owner-only; the next server on the same base removes what a server that
// is gone left there (its lock let go, as the kernel lets go of a killed
// process's), and never the directory or files of a server that runs.
// A killed server is played by closing the lock without removing
// anything: flock locks are the open file's, so one process holds them
// against its own other opens as against another process.
func TestUploadDirSweepsOnlyTheDead(t *testing.T) {
	if !canLock {
		t.Skip("no flock here: nothing is swept")
	}
	base := filepath.Join(t.TempDir(), "tmp")
	live, n, err := OpenUploadDir(base, nil)
	if err != nil || n != 0 {
		t.Fatalf("first open: %d removed, %v", n, err)
	}
	fi, err := os.Stat(live.Path())
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o700 || filepath.Dir(live.Path()) != base || !strings.HasPrefix(filepath.Base(live.Path()), "lodestar-uploads-") {
		t.Fatalf("upload directory %s, mode %v; want lodestar-uploads-* in %s, 0700", live.Path(), fi.Mode().Perm(), base)
	}
	if fi, err := os.Stat(base); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("base %v %v, want 0700", fi, err)
	}
	inUse := filepath.Join(live.Path(), "lodestar-upload-1")
	if err := os.WriteFile(inUse, []byte("a\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	// A server killed mid-upload: its lock let go, its directory and file left.
	dead, _, err := OpenUploadDir(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	left := filepath.Join(dead.Path(), "lodestar-upload-2")
	if err := os.WriteFile(left, []byte("b\n2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dead.lock.Close()
	// A setup directory whose server was killed before it renamed it, made
	// long ago; and one of a server that is making it right now.
	oldSetup := filepath.Join(base, setupPrefix+"old")
	newSetup := filepath.Join(base, setupPrefix+"new")
	for _, d := range []string{oldSetup, newSetup} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	long := time.Now().Add(-time.Hour)
	if err := os.Chtimes(oldSetup, long, long); err != nil {
		t.Fatal(err)
	}
	// Not an upload directory: another program's, a symbolic link to one.
	other := filepath.Join(base, "someone-else")
	if err := os.WriteFile(other, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	outside := t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "kept"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(base, runPrefix+"link")); err != nil {
		t.Fatal(err)
	}

	next, n, err := OpenUploadDir(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("removed %d directories, want 2 (the killed server's and the abandoned setup)", n)
	}
	for _, gone := range []string{dead.Path(), oldSetup} {
		if _, err := os.Lstat(gone); !os.IsNotExist(err) {
			t.Errorf("%s is still there (%v): a stopped server's leftovers were kept", gone, err)
		}
	}
	for _, kept := range []string{inUse, newSetup, other, filepath.Join(base, runPrefix+"link"), filepath.Join(outside, "kept")} {
		if _, err := os.Lstat(kept); err != nil {
			t.Errorf("%s was removed: %v", kept, err)
		}
	}
	if next.Path() == live.Path() || next.Path() == dead.Path() {
		t.Errorf("the new server's directory %s is another's", next.Path())
	}

	// A server stopped gracefully removes its own directory, no other.
	if err := next.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(next.Path()); !os.IsNotExist(err) {
		t.Errorf("closed: %s is still there (%v)", next.Path(), err)
	}
	if _, err := os.Stat(inUse); err != nil {
		t.Errorf("another server's close removed a running server's file: %v", err)
	}
	live.Close()
	want := []string{newSetup, other, filepath.Join(base, runPrefix+"link")}
	var got []string
	for _, n := range names(t, base) {
		got = append(got, filepath.Join(base, n))
	}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("base holds %q, want %q", got, want)
	}
}

// TestUploadDirCannotBeMade: a base that cannot be made is an error at
// start-up, not a failure of every upload later.
func TestUploadDirCannotBeMade(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if d, _, err := OpenUploadDir(filepath.Join(file, "tmp"), nil); err == nil {
		d.Close()
		t.Fatal("an upload directory under a regular file was made")
	}
}
