package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/sdk"
)

// eventBatch is n event lines with IDs prefix-0 … prefix-(n-1).
func eventBatch(prefix string, n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, `{"id":"%s-%d","version":"1.0","features":{"x":%d},"prediction":0.5}`+"\n", prefix, i, i%7)
	}
	return b.String()
}

// TestIngestRateLimit: with --ingest-rate, a token sending more lines
// than its bucket holds has the whole batch refused (429, Retry-After,
// the error shape) with nothing of it stored, events and labels alike;
// another token is limited apart; time refills the bucket. The clock is
// the fixture's: nothing sleeps.
func TestIngestRateLimit(t *testing.T) {
	f := start(t, fixtureOpts{options: app.Options{IngestRate: 1000}})
	m := f.model("Recommendations", "recsys", "Recommender")
	_, tokA := f.token(f.user(lodestar.RoleAITeam, "a@example.com"), lodestar.ScopeIngest)
	_, tokB := f.token(f.user(lodestar.RoleAITeam, "b@example.com"), lodestar.ScopeIngest)
	events := func() int {
		t.Helper()
		n, err := f.app.Store.CountEvents(sys(), m.ID)
		if err != nil {
			t.Fatal(err)
		}
		return int(n)
	}
	const path = "/api/v1/models/recsys/events"

	// The burst is a full batch (10,000 lines > a second's 1,000): taken
	// at once, all stored.
	if r := f.ndjson(path, tokA, eventBatch("a", lodestar.MaxIngestLines)); r.StatusCode != 200 {
		t.Fatalf("a full batch under the limit: got %d %s, want 200", r.StatusCode, r.body)
	}
	if n := events(); n != lodestar.MaxIngestLines {
		t.Fatalf("stored after the first batch: got %d, want %d", n, lodestar.MaxIngestLines)
	}

	// Token A's bucket is empty: a batch of 3,000 lines (two of them bad)
	// is refused whole, told to come back in 3 s.
	batch := eventBatch("late", 2998) + "not json\n{\"id\":\"late-x\"}\n"
	r := f.ndjson(path, tokA, batch)
	d := wantAPIError(t, r, http.StatusTooManyRequests, lodestar.ETooManyRequests)
	if got := r.Header.Get("Retry-After"); got != "3" {
		t.Errorf("Retry-After for 3,000 lines at 1,000/s: got %q, want \"3\"", got)
	}
	if !strings.Contains(d.Message, "rate limit of 1000 lines a second") {
		t.Errorf("429 message does not name the limit: %q", d.Message)
	}
	if n := events(); n != lodestar.MaxIngestLines {
		t.Errorf("stored after the refused batch: got %d, want %d (nothing of it)", n, lodestar.MaxIngestLines)
	}
	// Labels draw on the same bucket: refused, and nothing attached.
	r = f.ndjson("/api/v1/models/recsys/labels", tokA, `{"id":"a-1","label":1}`+"\n")
	wantAPIError(t, r, http.StatusTooManyRequests, lodestar.ETooManyRequests)
	if got := r.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After for one line: got %q, want \"1\" (whole seconds, at least 1)", got)
	}
	if n := f.count("event_labels"); n != 0 {
		t.Errorf("labels stored from a refused batch: got %d, want 0", n)
	}

	// Token B has its own bucket, full.
	if r := f.ndjson(path, tokB, eventBatch("b", lodestar.MaxIngestLines)); r.StatusCode != 200 {
		t.Fatalf("another token's full batch: got %d %s, want 200", r.StatusCode, r.body)
	}
	if n := events(); n != 2*lodestar.MaxIngestLines {
		t.Errorf("stored after token B's batch: got %d, want %d", n, 2*lodestar.MaxIngestLines)
	}

	// Two seconds later A has 2,000 lines: still short of 3,000, refused
	// with the second it still lacks.
	f.clock.Advance(2 * time.Second)
	r = f.ndjson(path, tokA, batch)
	wantAPIError(t, r, http.StatusTooManyRequests, lodestar.ETooManyRequests)
	if got := r.Header.Get("Retry-After"); got != "1" {
		t.Errorf("Retry-After with 2,000 of 3,000 lines: got %q, want \"1\"", got)
	}
	// The refusal took nothing: a second on, the same batch goes in.
	f.clock.Advance(time.Second)
	r = f.ndjson(path, tokA, batch)
	if r.StatusCode != 200 {
		t.Fatalf("the refused batch once the bucket holds it: got %d %s, want 200", r.StatusCode, r.body)
	}
	res := decodeInto[lodestar.IngestResult](t, r)
	if res.Accepted != 2998 || len(res.Rejected) != 2 {
		t.Errorf("retried batch: got accepted %d rejected %d, want 2998 and 2", res.Accepted, len(res.Rejected))
	}
	if n := events(); n != 2*lodestar.MaxIngestLines+2998 {
		t.Errorf("stored at the end: got %d, want %d", n, 2*lodestar.MaxIngestLines+2998)
	}
}

// TestIngestRateLimitOff: without --ingest-rate (0, the default) a token
// is never refused, however much it sends at one instant.
func TestIngestRateLimitOff(t *testing.T) {
	f := start(t, fixtureOpts{})
	m := f.model("Recommendations", "recsys", "Recommender")
	_, tok := f.token(f.user(lodestar.RoleAITeam, "a@example.com"), lodestar.ScopeIngest)
	for i := range 3 {
		r := f.ndjson("/api/v1/models/recsys/events", tok, eventBatch("e"+strconv.Itoa(i), lodestar.MaxIngestLines))
		if r.StatusCode != 200 || r.Header.Get("Retry-After") != "" {
			t.Fatalf("batch %d with no limit: got %d %s", i, r.StatusCode, r.body)
		}
	}
	if r := f.ndjson("/api/v1/models/recsys/labels", tok, `{"id":"e0-1","label":1}`+"\n"); r.StatusCode != 200 {
		t.Errorf("labels with no limit: got %d %s", r.StatusCode, r.body)
	}
	if n, _ := f.app.Store.CountEvents(sys(), m.ID); n != 3*lodestar.MaxIngestLines {
		t.Errorf("stored: got %d, want %d", n, 3*lodestar.MaxIngestLines)
	}
}

// TestSDKReporterUnderIngestRateLimit: the Go SDK's reporter, sending
// more than a token's burst, is refused with 429 and Retry-After, waits
// and resends; in the end every event is stored once. The server's
// clock is moved on by the Retry-After of each refusal (the reporter
// itself waits it out in real time: a second).
func TestSDKReporterUnderIngestRateLimit(t *testing.T) {
	f := start(t, fixtureOpts{options: app.Options{IngestRate: 1000}})
	m := f.model("Recommendations", "recsys", "Recommender")
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	var refused atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.app.Handler.ServeHTTP(&advanceOn429{ResponseWriter: w, f: f, refused: &refused}, r)
	}))
	t.Cleanup(srv.Close)

	const total = lodestar.MaxIngestLines + 1000
	rep := sdk.NewReporter(srv.URL, tok, "recsys", sdk.WithBatchSize(1000), sdk.WithFlushInterval(20*time.Millisecond))
	for i := range total {
		if err := rep.Report(sdk.Event{ID: fmt.Sprintf("ev-%05d", i), Version: "1.0", Features: map[string]any{"x": float64(i % 9)}, Prediction: sdk.Number(0.5)}); err != nil {
			t.Fatalf("Report %d: %v", i, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := rep.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	st := rep.Stats()
	if st.Sent != total || st.Duplicates != 0 || st.Rejected != 0 || st.Dropped != 0 || st.Failed != 0 {
		t.Errorf("stats: got %+v, want %d sent and nothing else", st, total)
	}
	if refused.Load() == 0 {
		t.Errorf("no batch was refused: the test did not exercise the limit")
	}
	if n, _ := f.app.Store.CountEvents(sys(), m.ID); n != total {
		t.Errorf("stored events: got %d, want %d", n, total)
	}
}

// advanceOn429 moves the fixture's clock on by a 429's Retry-After, as
// that much time passes before the client sends again.
type advanceOn429 struct {
	http.ResponseWriter
	f       *fixture
	refused *atomic.Int64
}

func (w *advanceOn429) WriteHeader(code int) {
	if code == http.StatusTooManyRequests {
		w.refused.Add(1)
		if s, err := strconv.Atoi(w.Header().Get("Retry-After")); err == nil {
			w.f.clock.Advance(time.Duration(s) * time.Second)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}
