package sdk_test

import (
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// WithBatchSize(0) — a size left unset in a service's configuration —
// made batches of one event: a request per event, a thousand times the
// requests. It keeps the default, as the other options do with 0.
func TestReporterBatchSizeZeroKeepsTheDefault(t *testing.T) {
	for _, n := range []int{0, -5} {
		s := newIngest(t)
		r := s.reporter("credit-risk", sdk.WithBatchSize(n), sdk.WithFlushInterval(time.Hour))
		for range 5 {
			if err := r.Report(event("", 0.5)); err != nil {
				t.Fatal(err)
			}
		}
		closeReporter(t, r)
		if events, requests := s.count(); events != 5 || requests != 1 {
			t.Errorf("WithBatchSize(%d): %d events in %d requests, want 5 in one batch", n, events, requests)
		}
	}
}
