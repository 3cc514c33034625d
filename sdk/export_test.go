package sdk

import "time"

// SetInitTimeout shortens the OpenFeature initialisation's default bound
// for a test and returns the function that restores it.
func SetInitTimeout(d time.Duration) func() {
	old := initTimeout
	initTimeout = d
	return func() { initTimeout = old }
}
