package sqldb

import "os"

// SetFlushLog replaces the flush SyncLog makes until the returned func
// restores it.
func SetFlushLog(fn func(*os.File) error) (restore func()) {
	was := flushLog
	flushLog = fn
	return func() { flushLog = was }
}
