//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package httpx

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestUploadDirOutlivesTmpCleaner: a running server's upload directory
// survives an age-based cleaner of the temporary directory (on
// PostgreSQL it lies in $TMPDIR, /tmp, which systemd-tmpfiles-clean ages
// out after 10 days by default). Such a cleaner leaves alone a directory
// it cannot take a BSD lock on — the convention systemd-tmpfiles follows
// — and removes what else is old: played here by trying LOCK_SH|LOCK_NB
// on the directory and, when it is taken, removing the old lock file and
// then the emptied directory, as two cleaning runs do. Locking a file
// inside instead let the cleaner remove the lock file after 10 idle days,
// then the directory: every upload then failed (500), and the directory
// the server made after was never swept.
func TestUploadDirOutlivesTmpCleaner(t *testing.T) {
	base := filepath.Join(t.TempDir(), "tmp")
	live, _, err := OpenUploadDir(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	clean := func() {
		d, err := os.Open(live.Path())
		if err != nil {
			return // nothing left to clean
		}
		defer d.Close()
		if err := syscall.Flock(int(d.Fd()), syscall.LOCK_SH|syscall.LOCK_NB); err != nil {
			return // locked: skipped
		}
		ents, _ := d.ReadDir(-1)
		for _, e := range ents {
			os.Remove(filepath.Join(live.Path(), e.Name()))
		}
		os.Remove(live.Path())
	}
	clean()
	clean()
	f, err := os.CreateTemp(live.Path(), "lodestar-upload-*")
	if err != nil {
		t.Fatalf("an upload after the cleaner ran: %v", err)
	}
	f.Close()
	// Another server starting on the same base still sees it running.
	next, n, err := OpenUploadDir(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if _, err := os.Stat(f.Name()); n != 0 || err != nil {
		t.Errorf("the next server removed %d directories; the running server's upload: %v", n, err)
	}
}
