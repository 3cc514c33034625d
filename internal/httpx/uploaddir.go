package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
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
// renamed to runPrefix and a random name (runName) once its lock is held,
// so that a server starting alongside never sees it unlocked and takes it
// for a dead one's.
const (
	runPrefix   = "lodestar-uploads-"
	setupPrefix = ".lodestar-uploads-setup-"
	// setupAbandoned is how old a setup directory must be to be taken
	// for a server's killed as it made it (it takes microseconds).
	setupAbandoned = 10 * time.Minute
)

// OpenUploadDir makes this server's upload directory under base (made,
// owner-only, when missing), after removing what servers that are gone
// left there. It reports how many such directories it removed. Only this
// server's own directory not being made is an error: a leftover that
// cannot be locked or removed (nor a base that cannot be listed) is
// logged on log (nil: not logged) and left, and the server starts.
func OpenUploadDir(base string, log *slog.Logger) (*UploadDir, int, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	fail := func(err error) error {
		return fmt.Errorf("upload directory: cannot make this server's directory in %s: %w", base, err)
	}
	if err := os.MkdirAll(base, 0o700); err != nil {
		return nil, 0, fail(err)
	}
	if !canLock {
		// No lock to tell a dead server's directory from a running
		// one's: none is removed, and none is locked.
		dir, err := os.MkdirTemp(base, runPrefix+"*")
		if err != nil {
			return nil, 0, fail(err)
		}
		return &UploadDir{path: dir}, 0, nil
	}
	removed := sweepUploads(base, log)
	setup, err := os.MkdirTemp(base, setupPrefix+"*")
	if err != nil {
		return nil, removed, fail(err)
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
		return nil, removed, fail(fmt.Errorf("lock: %w", err))
	}
	dir, err := renameLocked(base, setup)
	if err != nil {
		lock.Close()
		os.RemoveAll(setup)
		return nil, removed, fail(err)
	}
	return &UploadDir{path: dir, lock: lock}, removed, nil
}

// runName is the name a locked setup directory is renamed to: random, so
// that nobody can make it first — the setup name is in sight (the base
// may be the shared /tmp), and a final name made from it could be taken
// by another local user between the two, failing the start. A variable
// for the tests.
var runName = func() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return runPrefix + hex.EncodeToString(b[:]), nil
}

// renameTries is how many names renameLocked tries.
const renameTries = 100

// renameLocked renames setup to a new name of runName under base, which
// it returns. It never replaces what is there: a name taken (by anyone,
// whatever it is) is passed over for another.
func renameLocked(base, setup string) (string, error) {
	var err error
	for range renameTries {
		var name string
		if name, err = runName(); err != nil {
			return "", err
		}
		dir := filepath.Join(base, name)
		if err = renameNoReplace(setup, dir); err == nil {
			return dir, nil
		}
		if _, lerr := os.Lstat(dir); lerr != nil {
			return "", err // not a name taken: the rename's own failure
		}
	}
	return "", fmt.Errorf("no free name after %d tries: %w", renameTries, err)
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
// holds, that it cannot open, or that another user owns is left alone;
// one it cannot lock or remove is logged and left (what was removed of
// it stays removed), and the next start tries again.
func sweepUploads(base string, log *slog.Logger) int {
	ents, err := os.ReadDir(base)
	if err != nil {
		log.Warn("upload directory: cannot look for what stopped servers left", "where", base, "err", err)
		return 0
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
			if !errors.Is(err, errLocked) { // else its server runs
				log.Warn("upload directory: cannot lock what a stopped server left; kept", "dir", dir, "err", err)
			}
			continue
		}
		err = os.RemoveAll(dir)
		lock.Close()
		if err != nil {
			log.Warn("upload directory: cannot remove what a stopped server left; kept", "dir", dir, "err", err)
			continue
		}
		removed++
	}
	return removed
}

// errLocked: another process holds the lock.
var errLocked = errors.New("locked by another process")

// renameChecked renames from to to unless to exists. Between the check
// and the rename another could make to, an empty directory rename would
// then replace: to is a random name (runName), which nobody knows before.
func renameChecked(from, to string) error {
	if _, err := os.Lstat(to); err == nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: os.ErrExist}
	}
	return os.Rename(from, to)
}
