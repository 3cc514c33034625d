package api

import (
	"fmt"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestIngestLimiter drives the token buckets with a hand-moved clock.
func TestIngestLimiter(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &IngestLimiter{Rate: 20000, Now: func() time.Time { return now }}
	// The burst is a second's worth when that is more than a batch.
	if w := l.Take("a", 20000); w != 0 {
		t.Fatalf("a second's worth at once: got wait %s, want 0", w)
	}
	if w := l.Take("a", 5000); w != 250*time.Millisecond {
		t.Errorf("5,000 more from an empty bucket at 20,000/s: got wait %s, want 250ms", w)
	}
	// A refusal takes nothing.
	now = now.Add(250 * time.Millisecond)
	if w := l.Take("a", 5000); w != 0 {
		t.Errorf("5,000 after 250ms: got wait %s, want 0", w)
	}
	if w := l.Take("b", 1); w != 0 {
		t.Errorf("another key: got wait %s, want 0", w)
	}
	// The bucket never holds more than its burst, however long idle.
	now = now.Add(time.Hour)
	if w := l.Take("a", 20001); w <= 0 {
		t.Errorf("more than the burst after an hour idle: got wait %s, want > 0", w)
	}

	// A small rate still takes a whole batch at once.
	small := &IngestLimiter{Rate: 10, Now: func() time.Time { return now }}
	if w := small.Take("a", lodestar.MaxIngestLines); w != 0 {
		t.Errorf("a full batch at rate 10: got wait %s, want 0", w)
	}
	if w := small.Take("a", 25); w != 2500*time.Millisecond {
		t.Errorf("25 lines at 10/s from empty: got wait %s, want 2.5s", w)
	}

	// Off: nil, or a rate of 0, never refuses.
	var none *IngestLimiter
	for _, off := range []*IngestLimiter{none, {Rate: 0}} {
		for range 3 {
			if w := off.Take("a", lodestar.MaxIngestLines); w != 0 {
				t.Errorf("limiter %+v: got wait %s, want 0", off, w)
			}
		}
	}
}

// TestIngestLimiterDropsIdleBuckets: buckets idle long enough to be full
// again are dropped, so the map holds only recent callers.
func TestIngestLimiterDropsIdleBuckets(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &IngestLimiter{Rate: 1000, Now: func() time.Time { return now }}
	for i := range 500 {
		l.Take(fmt.Sprintf("token:%d", i), 10)
	}
	if n := l.size(); n != 500 {
		t.Fatalf("buckets after 500 callers: got %d, want 500", n)
	}
	// 10,000 lines at 1,000/s refill in 10 s.
	now = now.Add(9 * time.Second)
	l.Take("token:0", 1)
	if n := l.size(); n != 500 {
		t.Errorf("buckets before the refill time: got %d, want 500", n)
	}
	now = now.Add(2 * time.Second)
	l.Take("token:new", 1)
	// token:0 was used 2 s ago, token:new just now; the rest are gone.
	if n := l.size(); n != 2 {
		t.Errorf("buckets after the refill time: got %d, want 2", n)
	}
	// A dropped bucket comes back full.
	if w := l.Take("token:1", lodestar.MaxIngestLines); w != 0 {
		t.Errorf("a dropped caller's full batch: got wait %s, want 0", w)
	}
}
