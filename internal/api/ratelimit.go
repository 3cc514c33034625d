package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// IngestLimiter holds each caller of the ingestion API (a token, or a
// signed-in user) to Rate lines a second, events and labels alike: a
// token bucket per caller, refilled at Rate a second and holding at most
// one second's worth or a whole batch (lodestar.MaxIngestLines),
// whichever is more, so that a client sending full batches at the rate
// is never refused. A batch over what its caller's bucket holds is
// refused whole, before anything of it is stored. A nil limiter, or a
// Rate of 0, limits nothing.
type IngestLimiter struct {
	// Rate is the lines a second each caller may send.
	Rate int
	// Now is the clock (time.Now when nil); tests drive it.
	Now func() time.Time

	mu        sync.Mutex
	buckets   map[string]*bucket
	lastSweep time.Time
}

// bucket is one caller's allowance: tokens as of at.
type bucket struct {
	tokens float64
	at     time.Time
}

func (l *IngestLimiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// burst is the most a bucket holds.
func (l *IngestLimiter) burst() float64 {
	return float64(max(l.Rate, lodestar.MaxIngestLines))
}

// refillTime is how long an emptied bucket takes to fill again: a bucket
// idle that long is full, the same as no bucket, and is dropped.
func (l *IngestLimiter) refillTime() time.Duration {
	return time.Duration(l.burst() / float64(l.Rate) * float64(time.Second))
}

// Take takes n lines from key's bucket. It returns 0 when they were
// taken, else how long until the bucket would hold n (nothing taken).
func (l *IngestLimiter) Take(key string, n int) time.Duration {
	if l == nil || l.Rate <= 0 {
		return 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[string]*bucket{}
	}
	full := l.burst()
	// Entries idle long enough to be full again are dropped, at most once
	// per refill time: the map holds only the callers of the last one.
	if idle := l.refillTime(); now.Sub(l.lastSweep) >= idle {
		for k, b := range l.buckets {
			if now.Sub(b.at) >= idle {
				delete(l.buckets, k)
			}
		}
		l.lastSweep = now
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{tokens: full, at: now}
		l.buckets[key] = b
	}
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = min(full, b.tokens+elapsed.Seconds()*float64(l.Rate))
		b.at = now
	}
	if float64(n) <= b.tokens {
		b.tokens -= float64(n)
		return 0
	}
	// More than the burst never fits (no batch is: ingest refuses one of
	// over MaxIngestLines first); it is refused as an empty bucket is.
	need := min(float64(n)-b.tokens, full)
	return max(time.Duration(need/float64(l.Rate)*float64(time.Second)), time.Nanosecond)
}

// size is how many callers have a bucket, for tests.
func (l *IngestLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

// ingestKey names the caller whose bucket a request draws on: its token,
// else its signed-in user.
func ingestKey(r *http.Request) string {
	id := httpx.IdentityFrom(r.Context())
	switch {
	case id.Token != nil:
		return "token:" + strconv.FormatInt(id.Token.ID, 10)
	case id.User != nil:
		return "user:" + strconv.FormatInt(id.User.ID, 10)
	}
	return "anonymous"
}

// admit takes a batch of n lines from the caller's allowance, or refuses
// it (429, with Retry-After in whole seconds, at least 1).
func (s *Server) admit(w http.ResponseWriter, r *http.Request, n int) error {
	wait := s.IngestLimit.Take(ingestKey(r), n)
	if wait <= 0 {
		return nil
	}
	secs := max(1, int(math.Ceil(wait.Seconds())))
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	return lodestar.Errorf(lodestar.ETooManyRequests, "Over the ingestion rate limit of %d lines a second per token: nothing of this batch was stored; retry in %d s.", s.IngestLimit.Rate, secs)
}
