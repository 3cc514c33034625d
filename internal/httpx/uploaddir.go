package httpx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// UploadDir is the directory where one running server keeps the temporary
// files of its streamed uploads (Route.FileLimit), so that a server killed
// mid-upload (SIGKILL, a power cut), which removes nothing, does not leave
// them in the system's temporary directory for ever: the next server
// started on the same base finds them and removes them.
//
// Each server has a directory of its own under the base, named
// lodestar-uploads-*, owner-only (0700), which it keeps locked (flock on
// the directory itself) while it runs. OpenUploadDir removes the
// directories of the base whose lock nobody holds — their server is
// gone, since the kernel lets go of a dead process's locks — and never
// one whose server runs:
// two servers may share a base (PostgreSQL replicas on one machine, both
// in $TMPDIR), and each keeps its own files. The lock is the directory's,
// not a file's in it: an age-based cleaner of /tmp (systemd-tmpfiles,
// 10 days by default) leaves a directory it cannot lock alone, but would
// remove an idle lock file, then the emptied directory, under a server
// that runs.
type UploadDir struct {
	path string
	lock *os.File
}

// Names under an upload base. A directory is made under setupPrefix and
// renamed to runPrefix once its lock is held, so that a server starting
// alongside never sees it unlocked and takes it for a dead one's.
const (
	runPrefix   = "lodestar-uploads-"
	setupPrefix = ".lodestar-uploads-setup-"
	// setupAbandoned is how old a setup directory must be to be taken
	// for a server's killed as it made it (it takes microseconds).
	setupAbandoned = 10 * time.Minute
)

// OpenUploadDir makes this server's upload directory under base (made,
// owner-only, when missing), after removing what servers that are gone
// left there. It reports how many such directories it removed.
func OpenUploadDir(base string) (*UploadDir, int, error) {
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, 0, fmt.Errorf("upload directory: %w", err)
	}
	if !canLock {
		// No lock to tell a dead server's directory from a running
		// one's: none is removed, and none is locked.
		dir, err := os.MkdirTemp(base, runPrefix+"*")
		if err != nil {
			return nil, 0, fmt.Errorf("upload directory: %w", err)
		}
		return &UploadDir{path: dir}, 0, nil
	}
	removed, err := sweepUploads(base)
	if err != nil {
		return nil, removed, err
	}
	setup, err := os.MkdirTemp(base, setupPrefix+"*")
	if err != nil {
		return nil, removed, fmt.Errorf("upload directory: %w", err)
	}
	lock, err := openDir(setup)
	if err == nil {
		err = lockFile(lock, true)
		if err != nil {
			lock.Close()
		}
	}
	if err != nil {
		os.RemoveAll(setup)
		return nil, removed, fmt.Errorf("upload directory: lock: %w", err)
	}
	dir := filepath.Join(base, runPrefix+strings.TrimPrefix(filepath.Base(setup), setupPrefix))
	if err := os.Rename(setup, dir); err != nil {
		lock.Close()
		os.RemoveAll(setup)
		return nil, removed, fmt.Errorf("upload directory: %w", err)
	}
	return &UploadDir{path: dir, lock: lock}, removed, nil
}

// Path is the directory uploads are written to (Guard.UploadDir).
func (d *UploadDir) Path() string { return d.path }

// Close removes the directory and what is in it, and lets go of its lock:
// call it once no request is served any more.
func (d *UploadDir) Close() error {
	err := os.RemoveAll(d.path)
	if d.lock == nil {
		return err
	}
	if cerr := d.lock.Close(); err == nil {
		err = cerr
	}
	return err
}

// sweepUploads removes base's upload directories whose server is gone:
// those whose lock it can take. A directory whose lock another process
// holds, that it cannot open, or that another user owns is left alone.
func sweepUploads(base string) (int, error) {
	ents, err := os.ReadDir(base)
	if err != nil {
		return 0, fmt.Errorf("upload directory: %w", err)
	}
	removed := 0
	for _, e := range ents {
		name := e.Name()
		run := strings.HasPrefix(name, runPrefix)
		if !e.IsDir() || !run && !strings.HasPrefix(name, setupPrefix) {
			continue // a symbolic link is no directory here: never followed
		}
		dir := filepath.Join(base, name)
		if !run {
			// Killed between its making and its renaming: nothing was
			// ever written there.
			if fi, err := e.Info(); err != nil || time.Since(fi.ModTime()) < setupAbandoned {
				continue
			}
		}
		lock, err := openDir(dir)
		if err != nil {
			continue
		}
		if !ownDir(lock) {
			// Another user's (the base may be the shared /tmp): not a
			// directory of this server's kind, whatever its name.
			lock.Close()
			continue
		}
		if err := lockFile(lock, false); err != nil {
			lock.Close()
			if errors.Is(err, errLocked) {
				continue // its server runs
			}
			return removed, fmt.Errorf("upload directory %s: %w", dir, err)
		}
		err = os.RemoveAll(dir)
		lock.Close()
		if err != nil {
			return removed, fmt.Errorf("upload directory: remove what a stopped server left: %w", err)
		}
		removed++
	}
	return removed, nil
}

// errLocked: another process holds the lock.
var errLocked = errors.New("locked by another process")
