package sdk_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// bodyLimit is a proxy in front of the real API that refuses bodies over
// limit bytes with 413 and an HTML page, as nginx does over its
// client_max_body_size (1 MiB by default), and counts what it refused.
func bodyLimit(t *testing.T, backend http.Handler, limit int) (url string, refused *atomic.Int64) {
	t.Helper()
	refused = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if len(body) > limit {
			refused.Add(1)
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusRequestEntityTooLarge)
			io.WriteString(w, "<html><body><h1>413 Request Entity Too Large</h1></body></html>")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		backend.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, refused
}

// A proxy that takes less than the server refuses whole batches with 413:
// every full batch was counted failed, for good. The reporter sends a
// refused batch in halves instead, down to single lines, and only an
// event too large on its own fails; labels are split the same way.
func TestReporterSplitsWhatAProxyRefusesAsTooLarge(t *testing.T) {
	ts, err := newTestServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.stop)
	const limit = 4 << 10
	url, refused := bodyLimit(t, ts.srv.Config.Handler, limit)
	var buf syncBuffer
	r := sdk.NewReporter(url, ts.serviceToken, "credit-risk", sdk.WithFlushInterval(time.Hour),
		sdk.WithRetry(2, time.Millisecond, 2*time.Millisecond), sdk.WithLogger(slog.New(slog.NewTextHandler(&buf, nil))))
	var ids []string
	for i := range 200 { // about 150 bytes each: 30 KB, over seven times the limit
		id := sdk.NewEventID()
		ids = append(ids, id)
		if err := r.Report(sdk.Event{ID: id, Version: "2.0", Features: map[string]any{"age": i, "region": "north"}, Prediction: sdk.Number(0.5)}); err != nil {
			t.Fatal(err)
		}
	}
	// One event larger than the limit by itself: it alone cannot pass.
	if err := r.Report(sdk.Event{Version: "2.0", Features: map[string]any{"note": strings.Repeat("x", limit)}, Prediction: sdk.Number(0.5)}); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		if err := r.ReportLabel(id, sdk.Number(float64(i%2))); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := r.Stats()
	if st.Sent != 200 || st.Failed != 1 || st.Rejected != 0 || st.Dropped != 0 || st.Queued != 0 {
		t.Errorf("stats %+v; want the 200 events stored and only the one too large on its own failed", st)
	}
	if l := st.Labels; l.Sent != 200 || l.Failed != 0 || l.Unknown != 0 {
		t.Errorf("label stats %+v; want the 200 labels matched", l)
	}
	if refused.Load() == 0 {
		t.Error("the proxy refused nothing: the test did not exercise a 413")
	}
	if n := strings.Count(buf.String(), "refused as too large"); n != 1 {
		t.Errorf("the split was logged %d times, want once:\n%s", n, buf.String())
	}
	// The server holds each event once.
	m, err := ts.app.Store.FindModelByRef(context.Background(), "credit-risk")
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ts.app.Store.CountEvents(context.Background(), m.ID); err != nil || n != 200 {
		t.Errorf("the server holds %d events (%v), want 200", n, err)
	}
}

// A 408 (a proxy's or load balancer's request timeout) says nothing
// about the batch: it is retried, as a 5xx is, not counted failed.
func TestReporterRetriesRequestTimeout(t *testing.T) {
	s := newIngest(t)
	s.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 0 {
			http.Error(w, "request timeout", http.StatusRequestTimeout)
			return true
		}
		return false
	}
	r := s.reporter("credit-risk", sdk.WithRetry(3, time.Millisecond, 2*time.Millisecond))
	for i := range 5 {
		r.Report(event(fmt.Sprint("e-", i), 0.5))
	}
	closeReporter(t, r)
	if st := r.Stats(); st.Sent != 5 || st.Retries != 1 || st.Failed != 0 {
		t.Errorf("stats %+v; want the 5 events sent after one retry", st)
	}
}
