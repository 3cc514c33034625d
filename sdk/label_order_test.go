package sdk_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// An event is reported, then its label. The events endpoint answers 503
// once (a brief blip), so the event's batch waits in backoff; meanwhile the
// label queue flushes on its own ticker, reaches the server first, is
// answered "unknown", and is never retried: the label is lost although the
// event was reported before it through the same Reporter.
func TestLabelWaitsForItsEvent(t *testing.T) {
	s := newIngest(t)
	s.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n == 0 && strings.HasSuffix(r.URL.Path, "/events") {
			apiError(w, 503, "unavailable", "blip")
			return true
		}
		return false
	}
	r := s.reporter("credit-risk", sdk.WithFlushInterval(10*time.Millisecond), sdk.WithRetry(8, 200*time.Millisecond, time.Second))
	if err := r.Report(event("loan-1", 0.3)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the event's first attempt has failed; it waits to retry
	if err := r.ReportLabel("loan-1", sdk.Number(1)); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // the label queue's next tick sends it; the event is still in backoff
	closeReporter(t, r)
	s.mu.Lock()
	_, labelled := s.labels["loan-1"]
	s.mu.Unlock()
	if st := r.Stats(); !labelled {
		t.Fatalf("label of loan-1 lost: event stored=%v, stats %+v", st.Sent == 1, st)
	}
}
