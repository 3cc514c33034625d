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

// A Retry-After is waited out in full, within MaxBackoff, and spread over
// up to half as long again: the clients a full server refused together
// come back apart, not in one instant to meet the same cap.
func TestSwitchWaitHonoursRetryAfter(t *testing.T) {
	c := &Switches{opt: Options{MinBackoff: 10 * time.Millisecond, MaxBackoff: 30 * time.Second}}
	seen := map[time.Duration]bool{}
	for range 200 {
		d := c.wait(0, 10*time.Second)
		if d < 10*time.Second || d > 15*time.Second {
			t.Fatalf("wait after Retry-After 10 s: %s, want within [10 s, 15 s]", d)
		}
		seen[d/time.Millisecond] = true
	}
	if len(seen) < 150 {
		t.Errorf("200 waits after one Retry-After fell on %d distinct milliseconds, want them spread", len(seen))
	}
	if d := c.wait(0, time.Hour); d != 30*time.Second {
		t.Errorf("wait after Retry-After 1 h: %s, want MaxBackoff (30 s)", d)
	}
	if d := c.wait(20, 0); d < 15*time.Second || d > 30*time.Second {
		t.Errorf("wait after 20 failures without Retry-After: %s, want the backoff, within [15 s, 30 s]", d)
	}
	if d := c.wait(20, time.Second); d < 15*time.Second {
		t.Errorf("wait after 20 failures and Retry-After 1 s: %s, want the longer backoff", d)
	}
}
