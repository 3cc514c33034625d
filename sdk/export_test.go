package sdk

import (
	"context"
	"time"
)

// SetInitTimeout shortens the OpenFeature initialisation's default bound
// for a test and returns the function that restores it.
func SetInitTimeout(d time.Duration) func() {
	old := initTimeout
	initTimeout = d
	return func() { initTimeout = old }
}

// ReconnectWait is how long a client with these options waits to
// reconnect after its first attempt was refused with this Retry-After
// header.
func ReconnectWait(opt Options, retryAfter string) time.Duration {
	c := NewSwitches(context.Background(), opt)
	c.Close()
	return c.wait(0, parseRetryAfter(retryAfter))
}
