package httpx

import "time"

// SetFormRecordPause sets the first wait between tries to record a
// form's outcome, for the length of a test.
func SetFormRecordPause(d time.Duration) (restore func()) {
	old := formRecordPause
	formRecordPause = d
	return func() { formRecordPause = old }
}
