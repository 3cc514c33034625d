package sdk

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// A batch's buffer is sized from its first line (batchSize × 1.25 × that
// line, up to 8 MiB) and never shrinks to what it holds. When a batch
// opens with one large event followed by small ones, an 80 KB batch holds
// an 8 MiB buffer; while the server is down these batches pile up, so the
// memory held is ~100× the WithMaxQueued byte bound.
func TestQueueMemoryBoundHolds(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-block // the server hangs: the first batch stays in flight
	}))
	defer srv.Close()
	defer close(block)
	const bound = 1 << 20 // 1 MiB of queued events
	r := NewReporter(srv.URL, "tok", "m", WithBatchSize(100), WithFlushInterval(time.Hour),
		WithMaxQueued(100_000, bound), WithHTTPClient(&http.Client{Timeout: time.Minute}))
	defer r.cancel()
	big := map[string]any{"embedding": strings.Repeat("x", 70_000)}
	small := map[string]any{"age": 31}
	for i := 0; ; i++ {
		f := small
		if i%100 == 0 {
			f = big // the first event of every batch is large
		}
		if err := r.Report(Event{Version: "1", Prediction: Number(0.5), Features: f}); err == ErrQueueFull {
			break
		} else if err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(50 * time.Millisecond)
	q := r.events
	q.mu.Lock()
	held, used := 0, q.qbytes
	for _, b := range q.ready {
		held += cap(b.buf)
	}
	if q.cur != nil {
		held += cap(q.cur.buf)
	}
	n := len(q.ready)
	q.mu.Unlock()
	if held > 4*bound {
		t.Fatalf("queue holds %d MiB of buffers (%d batches waiting) for %d bytes of events; the WithMaxQueued byte bound is %d",
			held>>20, n, used, bound)
	}
}

// After a burst of large events the sent batches' buffers kept for reuse
// stay within an eighth of the byte bound together: each was allowed up
// to an eighth, so four 8 MiB buffers (32 MiB with the default 64 MiB
// bound) stayed held by an idle reporter.
func TestQueueIdleBuffersBounded(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release // a backlog builds while the server is slow
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"accepted":10}`)) // taken: counted as sent
	}))
	defer srv.Close()
	const bound = 8 << 20
	r := NewReporter(srv.URL, "tok", "m", WithBatchSize(10), WithFlushInterval(time.Hour), WithMaxQueued(100_000, bound))
	big := map[string]any{"blob": strings.Repeat("x", 50_000)}
	for r.Report(Event{Version: "1", Prediction: Number(0.5), Features: big}) == nil {
	}
	close(release)
	if err := r.Close(t.Context()); err != nil { // sends the backlog, the last batch too
		t.Fatal(err)
	}
	q := r.events
	q.mu.Lock()
	held := 0
	for _, b := range q.free {
		held += cap(b.buf)
	}
	n, counted := len(q.free), q.freeBytes
	q.mu.Unlock()
	if held > bound/8 || held != counted {
		t.Errorf("idle: %d free buffers hold %d KiB (counted %d KiB); want at most %d KiB, an eighth of the byte bound", n, held>>10, counted>>10, bound/8>>10)
	}
}

// While the server is away, the flush interval seals a batch however few
// events it holds, and each kept the buffer sized for a full batch (1,000
// lines like its first): at a few events a second, every 2 s another
// batch of a few lines held ~125 KiB, and the batches piling up during an
// outage held tens of times the WithMaxQueued byte bound long before the
// bound was reached (an hour at 5 events a second: ~650 MiB held for
// 5 MiB of events, against a 64 MiB bound).
func TestQueueSealedBatchesHoldWhatTheyCarry(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-block // the server hangs: the first batch stays in flight
	}))
	defer srv.Close()
	defer close(block)
	const bound = 1 << 20
	r := NewReporter(srv.URL, "tok", "m", WithFlushInterval(time.Hour),
		WithMaxQueued(100_000, bound), WithHTTPClient(&http.Client{Timeout: time.Minute}))
	defer r.cancel()
	q := r.events
	for range 200 { // each event alone in its batch, as the flush interval seals them at a trickle
		if err := r.Report(Event{Version: "1", Prediction: Number(0.5), Features: map[string]any{"age": 31, "region": "north"}}); err != nil {
			t.Fatal(err)
		}
		q.mu.Lock()
		q.seal()
		q.mu.Unlock()
	}
	q.mu.Lock()
	held, used := 0, q.qbytes
	for _, b := range q.ready {
		held += cap(b.buf)
	}
	if q.cur != nil {
		held += cap(q.cur.buf)
	}
	for _, b := range q.free {
		held += cap(b.buf)
	}
	n := len(q.ready)
	q.mu.Unlock()
	// What the batches carry, and the buffers kept for reuse (at most an
	// eighth of the bound, or 256 KiB).
	if limit := 2*used + max(256<<10, bound/8); held > limit {
		t.Fatalf("%d batches waiting hold %d KiB of buffers for %d KiB of events (want at most %d KiB); the byte bound is %d KiB",
			n, held>>10, used>>10, limit>>10, bound>>10)
	}
}

// The buffer of a batch sealed far from full is copied to one of its
// size, and the large one kept to refill; the copy, once sent, is not
// kept: refilled, it would grow by doubling, Report allocating at a
// trickle of events where it allocates nothing.
func TestQueueRefillsWithFullSizedBuffers(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"accepted":1}`))
	}))
	defer srv.Close()
	r := NewReporter(srv.URL, "tok", "m", WithFlushInterval(time.Hour))
	defer r.cancel()
	q := r.events
	ev := Event{ID: "e", Version: "1", Prediction: Number(0.5), Features: map[string]any{"age": 31, "region": "north"}}
	for i := range 20 { // a trickle: each event alone in its batch, sent before the next
		if err := r.Report(ev); err != nil {
			t.Fatal(err)
		}
		q.mu.Lock()
		q.seal()
		q.mu.Unlock()
		q.waitFinished(t.Context(), int64(i+1))
	}
	// The next batch fills a buffer with room for a full batch, as a new
	// one has: not the cut copy of a sent one, which grows by doubling.
	// (Measured, not counted with AllocsPerRun: under the race detector
	// the encoding's sync.Pool drops buffers at random.)
	if err := r.Report(ev); err != nil {
		t.Fatal(err)
	}
	q.mu.Lock()
	room, line := cap(q.cur.buf), len(q.cur.buf)
	q.mu.Unlock()
	if room < r.cfg.batchSize*line {
		t.Errorf("the batch filling after a trickle of batches has room for %d lines, want a full batch (%d)", room/line, r.cfg.batchSize)
	}
}
