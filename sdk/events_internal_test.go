package sdk

import (
	"testing"
	"time"
)

// Each wait lies between half and all of the doubled delay, capped at
// the maximum, for any attempt count (no overflow at high attempts or
// long minimums).
func TestBackoffBounds(t *testing.T) {
	for _, tc := range []struct{ min, max time.Duration }{
		{200 * time.Millisecond, 30 * time.Second},
		{time.Hour, 10 * time.Hour},
		{time.Millisecond, time.Millisecond},
	} {
		for attempt := range 80 {
			want := tc.min
			for range attempt {
				want = min(2*want, tc.max)
			}
			for range 20 {
				got := backoff(tc.min, tc.max, attempt)
				if got < want/2 || got > want {
					t.Fatalf("backoff(%s, %s, %d) = %s, want within [%s, %s]", tc.min, tc.max, attempt, got, want/2, want)
				}
			}
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	if got := parseRetryAfter("7"); got != 7*time.Second {
		t.Errorf("seconds: got %s, want 7s", got)
	}
	if got := parseRetryAfter(time.Now().Add(time.Hour).UTC().Format(http1123)); got < 59*time.Minute || got > time.Hour {
		t.Errorf("HTTP date an hour ahead: got %s", got)
	}
	for _, v := range []string{"", "soon", "-3"} {
		if got := parseRetryAfter(v); got != 0 {
			t.Errorf("%q: got %s, want 0", v, got)
		}
	}
}

const http1123 = "Mon, 02 Jan 2006 15:04:05 GMT"
