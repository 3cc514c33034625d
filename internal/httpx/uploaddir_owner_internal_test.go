//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package httpx

import (
	"os"
	"path/filepath"
	"testing"
)

// TestUploadDirSweepLeavesOtherUsers: on PostgreSQL the upload base is
// the shared $TMPDIR (/tmp), where any local user may make a
// lodestar-uploads-* directory of their own. The sweep leaves such a
// directory alone, whatever its mode, and starts: it took the lock of
// any directory it could open, so a directory another user made readable
// (0755) was "a stopped server's", and removing it failed in the sticky
// /tmp (EPERM) — serve refused to start, for anyone who made one — or,
// run as root, removed that user's files. Needs root to make a directory
// another user owns.
func TestUploadDirSweepLeavesOtherUsers(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("only root can make a directory another user owns")
	}
	base := filepath.Join(t.TempDir(), "tmp")
	if err := os.MkdirAll(base, 0o700); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(base, runPrefix+"someone-else")
	if err := os.Mkdir(other, 0o755); err != nil {
		t.Fatal(err)
	}
	theirs := filepath.Join(other, "theirs")
	if err := os.WriteFile(theirs, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{theirs, other} {
		if err := os.Lchown(p, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	d, n, err := OpenUploadDir(base, nil)
	if err != nil {
		t.Fatalf("another user's directory stopped the start: %v", err)
	}
	defer d.Close()
	if _, err := os.Stat(theirs); n != 0 || err != nil {
		t.Errorf("removed %d directories; another user's file: %v", n, err)
	}
}
