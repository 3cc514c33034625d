//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package httpx

import "os"

// canLock: no flock here (Windows, among others). A server's upload
// directory is not locked, and none is removed at start-up, so that a
// server never removes another's uploads; what a killed one left stays
// (README: Uploads).
const canLock = false

func lockFile(f *os.File, wait bool) error { return errLocked }

func openDir(dir string) (*os.File, error) { return os.Open(dir) }

func ownDir(d *os.File) bool { return false }
