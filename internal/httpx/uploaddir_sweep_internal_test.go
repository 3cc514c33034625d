//go:build linux

package httpx

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// fsImmutableFL is FS_IMMUTABLE_FL of linux/fs.h (chattr +i).
const fsImmutableFL = 0x10

// keepFromRemoval makes path impossible to remove for this process: a
// directory read-only to its owner, or, for root, whom no mode stops,
// an immutable file (FS_IMMUTABLE_FL) in it. Undone at the test's end.
func keepFromRemoval(t *testing.T, dir string) {
	t.Helper()
	if os.Getuid() != 0 {
		if err := os.Chmod(dir, 0o500); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o700) })
		return
	}
	f, err := os.Open(filepath.Join(dir, "f"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	flags, err := unix.IoctlGetUint32(int(f.Fd()), unix.FS_IOC_GETFLAGS)
	if err == nil {
		err = unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags|fsImmutableFL))
	}
	if err != nil {
		t.Skipf("root, and no immutable files here (%v): nothing stops a removal", err)
	}
	t.Cleanup(func() {
		if f, err := os.Open(filepath.Join(dir, "f")); err == nil {
			unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, int(flags))
			f.Close()
		}
	})
}

// TestUploadDirSweepFailureStartsAnyway: a stopped server's directory the
// sweep cannot remove is logged and kept, the others are removed, and the
// server starts with a directory of its own. Any such failure stopped the
// start: "upload directory: remove what a stopped server left: …", serve
// exited.
func TestUploadDirSweepFailureStartsAnyway(t *testing.T) {
	base := filepath.Join(t.TempDir(), "tmp")
	var dead []string
	var servers []*UploadDir
	for range 2 {
		d, _, err := OpenUploadDir(base, nil)
		if err != nil {
			t.Fatal(err)
		}
		sub := filepath.Join(d.Path(), "sub")
		if err := os.Mkdir(sub, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, "f"), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		servers = append(servers, d)
		dead = append(dead, d.Path())
	}
	for _, d := range servers {
		d.lock.Close() // killed: its lock let go, its files left
	}
	stuck := dead[0]
	keepFromRemoval(t, filepath.Join(stuck, "sub"))

	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	d, n, err := OpenUploadDir(base, log)
	if err != nil {
		t.Fatalf("a leftover that cannot be removed stopped the start: %v", err)
	}
	defer d.Close()
	if n != 1 {
		t.Errorf("removed %d directories, want 1", n)
	}
	if _, err := os.Stat(dead[1]); !os.IsNotExist(err) {
		t.Errorf("the removable leftover %s: %v; want it removed", dead[1], err)
	}
	if _, err := os.Stat(filepath.Join(stuck, "sub", "f")); err != nil {
		t.Errorf("the leftover that cannot be removed: %v", err)
	}
	out := logs.String()
	if strings.Count(out, "\n") != 1 || !strings.Contains(out, "level=WARN") ||
		!strings.Contains(out, "cannot remove what a stopped server left") || !strings.Contains(out, stuck) {
		t.Errorf("log %q; want one warning naming %s", out, stuck)
	}
	f, err := os.CreateTemp(d.Path(), "lodestar-upload-*")
	if err != nil {
		t.Fatalf("an upload: %v", err)
	}
	f.Close()
}
