package sdk

import (
	"context"
	"testing"
	"time"
)

// A maximum wait below the minimum was replaced by the 30 s default, or
// (a minimum above 30 s with no maximum) capped every wait below the
// minimum asked for. It is raised to the minimum; zero or less keeps the
// default.
func TestRetryBoundsResolve(t *testing.T) {
	for _, tc := range []struct {
		name             string
		opt              ReporterOption
		wantMin, wantMax time.Duration
		wantRetries      int
	}{
		{"defaults", nil, 200 * time.Millisecond, 30 * time.Second, 8},
		{"max below min", WithRetry(3, 10*time.Millisecond, 5*time.Millisecond), 10 * time.Millisecond, 10 * time.Millisecond, 3},
		{"min above the default max", WithRetry(3, time.Minute, 0), time.Minute, time.Minute, 3},
		{"negatives keep the defaults", WithRetry(-1, -time.Second, -time.Second), 200 * time.Millisecond, 30 * time.Second, 8},
		{"no retries", WithRetry(0, 0, time.Second), 200 * time.Millisecond, time.Second, 0},
	} {
		r := NewReporter("http://127.0.0.1:1", "lst_x", "m", tc.opt)
		if r.cfg.minBackoff != tc.wantMin || r.cfg.maxBackoff != tc.wantMax || r.cfg.maxRetries != tc.wantRetries {
			t.Errorf("%s: retries %d, waits %s to %s; want %d, %s to %s", tc.name, r.cfg.maxRetries, r.cfg.minBackoff, r.cfg.maxBackoff, tc.wantRetries, tc.wantMin, tc.wantMax)
		}
		r.Close(context.Background())
	}
}

func TestSwitchBackoffBoundsResolve(t *testing.T) {
	for _, tc := range []struct {
		name             string
		min, max         time.Duration
		wantMin, wantMax time.Duration
	}{
		{"defaults", 0, 0, 250 * time.Millisecond, 30 * time.Second},
		{"max below min", 10 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 10 * time.Millisecond},
		{"min above the default max", time.Minute, 0, time.Minute, time.Minute},
		{"negatives", -time.Second, -time.Second, 250 * time.Millisecond, 30 * time.Second},
	} {
		c := NewSwitches(context.Background(), Options{URL: "http://127.0.0.1:1", Token: "lst_x", MinBackoff: tc.min, MaxBackoff: tc.max})
		c.Close()
		if c.opt.MinBackoff != tc.wantMin || c.opt.MaxBackoff != tc.wantMax {
			t.Errorf("%s: waits %s to %s, want %s to %s", tc.name, c.opt.MinBackoff, c.opt.MaxBackoff, tc.wantMin, tc.wantMax)
		}
	}
}
