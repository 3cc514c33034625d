//go:build unix

package config

import "syscall"

// OpenFileLimit is the process's limit on open file descriptors
// (RLIMIT_NOFILE's soft limit, which Go raises to the hard one as it
// starts), or 0 when it cannot be read.
func OpenFileLimit() int {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 0
	}
	return int(min(rl.Cur, 1<<30)) // unlimited reads as a huge number
}
