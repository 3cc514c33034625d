package sdk_test

import (
	"errors"
	"math"
	"testing"

	"github.com/lodestar-hq/lodestar/sdk"
)

// After Close, Report and ReportLabel return ErrClosed whatever else is
// wrong: a reporter with a bad URL answered its URL error, and an invalid
// event or label its ErrInvalidEvent, so code stopping on ErrClosed went
// on reporting into a closed reporter.
func TestReporterAfterCloseSaysClosed(t *testing.T) {
	s := newIngest(t)
	for _, r := range []*sdk.Reporter{
		s.reporter("credit-risk"),
		sdk.NewReporter("localhost:8080", ingestToken, "credit-risk"),
	} {
		closeReporter(t, r)
		for name, err := range map[string]error{
			"an event":           r.Report(event("e-1", 0.5)),
			"an invalid event":   r.Report(sdk.Event{Prediction: sdk.Number(math.NaN())}),
			"a label":            r.ReportLabel("e-1", sdk.Number(1)),
			"a label with no ID": r.ReportLabel("", sdk.Value{}),
		} {
			if !errors.Is(err, sdk.ErrClosed) {
				t.Errorf("%s after Close: %v, want ErrClosed", name, err)
			}
		}
		if st := r.Stats(); st.Dropped != 2 || st.Labels.Dropped != 2 || st.Failed != 0 || st.Rejected != 0 {
			t.Errorf("stats %+v, want the 2 events and 2 labels dropped", st)
		}
	}
	if _, reqs := s.count(); reqs != 0 {
		t.Errorf("%d requests after Close", reqs)
	}
}
