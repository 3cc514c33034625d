package sdk

import (
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
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

// TestUUIDv7 checks the ID layout against RFC 9562's worked example
// (appendix A.6) and that fresh IDs carry the current time and sort by it.
func TestUUIDv7(t *testing.T) {
	got := string(appendUUIDv7(nil, 0x017F22E279B0<<12|0xCC3, 0x18C4DC0C0C07398F))
	if want := "017f22e2-79b0-7cc3-98c4-dc0c0c07398f"; got != want {
		t.Errorf("RFC 9562 A.6: got %s, want %s", got, want)
	}
	before := time.Now().UnixMilli()
	a := NewEventID()
	time.Sleep(2 * time.Millisecond)
	b := NewEventID()
	after := time.Now().UnixMilli()
	for _, id := range []string{a, b} {
		if len(id) != 36 || id[8] != '-' || id[13] != '-' || id[14] != '7' || id[18] != '-' || !strings.ContainsRune("89ab", rune(id[19])) || id[23] != '-' {
			t.Errorf("%s is not a UUIDv7", id)
		}
		ms, err := strconv.ParseInt(strings.ReplaceAll(id[:13], "-", ""), 16, 64)
		if err != nil || ms < before || ms > after {
			t.Errorf("%s: time %d (%v), want within [%d, %d]", id, ms, err, before, after)
		}
	}
	if a >= b {
		t.Errorf("IDs made 2 ms apart do not sort by time: %s then %s", a, b)
	}
}

// TestEventIDsIncrease checks that the IDs a process makes are strictly
// increasing, from each goroutine, and unique across them, and that the
// counter behind them carries into the time and ignores a clock that
// steps back.
func TestEventIDsIncrease(t *testing.T) {
	const goroutines, each = 8, 20000
	ids := make([][]string, goroutines)
	var wg sync.WaitGroup
	for g := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				ids[g] = append(ids[g], NewEventID())
			}
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for g := range ids {
		for i, id := range ids[g] {
			if i > 0 && id <= ids[g][i-1] {
				t.Fatalf("goroutine %d: ID %d %s does not follow %s", g, i, id, ids[g][i-1])
			}
			if seen[id] {
				t.Fatalf("%s made twice", id)
			}
			seen[id] = true
		}
	}

	var stamps atomic.Uint64
	first := nextEventStamp(&stamps, 1000)
	if first>>12 != 1000 || first&0xfff >= 2048 {
		t.Errorf("first stamp %#x: want time 1000 and a counter below 2048", first)
	}
	if got := nextEventStamp(&stamps, 900); got != first+1 {
		t.Errorf("clock stepped back: stamp %#x, want %#x", got, first+1)
	}
	// Within a millisecond the counter counts up by one (method 1), not
	// to a fresh random start each time, which would use up the 4,096
	// values of a millisecond sooner.
	stamps.Store(0)
	prev := nextEventStamp(&stamps, 2000)
	for i := range 100 {
		if got := nextEventStamp(&stamps, 2000); got != prev+1 {
			t.Fatalf("ID %d of a millisecond: stamp %#x, want %#x", i+2, got, prev+1)
		}
		prev++
	}
	stamps.Store(5<<12 | 0xfff)
	if got := nextEventStamp(&stamps, 5); got != 6<<12 {
		t.Errorf("counter past 4,095: stamp %#x, want %#x (carried into the time)", got, 6<<12)
	}
	if got := nextEventStamp(&stamps, 7); got>>12 != 7 {
		t.Errorf("clock ahead of the stamp: stamp %#x, want time 7", got)
	}
	// The ID shows the stamp: time, version 7, then the counter.
	if got := string(appendUUIDv7(nil, 0x0123456789AB<<12|0xCDE, 0)); got[:19] != "01234567-89ab-7cde-" {
		t.Errorf("stamp 0x0123456789AB/0xCDE formats as %s", got)
	}
}
