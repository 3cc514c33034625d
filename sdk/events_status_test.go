package sdk_test

import (
	"bytes"
	"context"
	"errors"
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

// What the server refuses whatever its state — an ID over 128 characters,
// a version over 64, one of white space, a time outside 1970–9999 — is
// refused by Report at once, with the reason; it was sent, refused line
// by line a flush later, and seen only as a count in Rejected. What is
// just within the limits (checked against the real API) is stored.
func TestReporterRefusesWhatTheServerWould(t *testing.T) {
	ts, err := newTestServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ts.stop)
	r := sdk.NewReporter(ts.srv.URL, ts.serviceToken, "credit-risk", sdk.WithFlushInterval(time.Hour))
	shanghai := time.FixedZone("CST", 8*3600)
	ok := func(e sdk.Event) sdk.Event { e.Prediction = sdk.Number(0.5); return e }
	for _, tc := range []struct {
		name string
		e    sdk.Event
	}{
		{"ID over 128", ok(sdk.Event{ID: strings.Repeat("i", 129), Version: "2.0"})},
		{"ID over 128 characters", ok(sdk.Event{ID: strings.Repeat("标", 129), Version: "2.0"})},
		{"ID of spaces", ok(sdk.Event{ID: "  ", Version: "2.0"})},
		{"version over 64", ok(sdk.Event{Version: strings.Repeat("v", 65)})},
		{"version of spaces", ok(sdk.Event{Version: " \t"})},
		{"time before 1970 in UTC", ok(sdk.Event{Version: "2.0", Time: time.Date(1970, 1, 1, 7, 0, 0, 0, shanghai)})},
		{"time after 9999", ok(sdk.Event{Version: "2.0", Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)})},
	} {
		if err := r.Report(tc.e); !errors.Is(err, sdk.ErrInvalidEvent) {
			t.Errorf("%s: got %v, want ErrInvalidEvent", tc.name, err)
		}
	}
	if err := r.ReportLabel(strings.Repeat("i", 129), sdk.Number(1)); !errors.Is(err, sdk.ErrInvalidEvent) {
		t.Errorf("label of an ID over 128: got %v, want ErrInvalidEvent", err)
	}
	// Within the limits: the server stores them.
	for _, e := range []sdk.Event{
		ok(sdk.Event{ID: strings.Repeat("标", 128), Version: strings.Repeat("版", 64)}),
		ok(sdk.Event{ID: strings.Repeat("i", 128), Version: "2.0", Time: time.Date(1970, 1, 1, 8, 0, 0, 0, shanghai)}),
	} {
		if err := r.Report(e); err != nil {
			t.Errorf("%.20s…: %v", e.ID, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Rejected != 7 || st.Sent != 2 || st.Failed != 0 || st.Labels.Rejected != 1 {
		t.Errorf("stats %+v; want 7 refused by Report, the 2 within the limits stored, 1 label refused", st)
	}
}
