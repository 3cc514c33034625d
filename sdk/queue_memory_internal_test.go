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
