package sdk_test

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time the calling OS thread has used, so a
// benchmark on a shared machine can report its cost apart from the time
// other processes held the core. The caller locks its OS thread.
func threadCPU() (time.Duration, bool) {
	const rusageThread = 1 // RUSAGE_THREAD
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
