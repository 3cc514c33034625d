//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package httpx

import (
	"errors"
	"os"
	"syscall"
)

// canLock: flock is there to tell a running server's upload directory
// from a dead one's.
const canLock = true

// lockFile takes an exclusive advisory lock (flock) on f, held until f is
// closed or its process ends, however it ends. Without wait, a lock that
// another process holds is errLocked.
func lockFile(f *os.File, wait bool) error {
	how := syscall.LOCK_EX
	if !wait {
		how |= syscall.LOCK_NB
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return errLocked
		}
		return err
	}
}

// openDir opens directory dir to lock it, never through a symbolic link.
func openDir(dir string) (*os.File, error) {
	return os.OpenFile(dir, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
}

// ownDir reports whether the open directory d belongs to this process's
// user.
func ownDir(d *os.File) bool {
	fi, err := d.Stat()
	if err != nil {
		return false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Getuid()
}
