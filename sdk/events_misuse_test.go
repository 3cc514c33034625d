package sdk_test

import (
	"context"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

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
		sdk.NewReporter(s.srv.URL, "", "credit-risk"),
		s.reporter(""),
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

// A reporter without a token or a model key can send nothing: every batch
// was refused (401, 404) and counted failed, Report returning nil, with
// nothing said unless a logger was given. Report says so, as it does for
// a URL without its scheme.
func TestReporterRefusesWhatCanNeverBeSent(t *testing.T) {
	s := newIngest(t)
	for _, tc := range []struct {
		name, token, key, want string
	}{
		{"no token", "", "credit-risk", "no token"},
		{"a blank token", " \n", "credit-risk", "no token"},
		{"no model key", ingestToken, "", "no model key"},
	} {
		r := sdk.NewReporter(s.srv.URL, tc.token, tc.key)
		if err := r.Report(event("e-1", 0.5)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Report returned %v, want %q", tc.name, err, tc.want)
		}
		if err := r.ReportLabel("e-1", sdk.Number(1)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: ReportLabel returned %v, want %q", tc.name, err, tc.want)
		}
		closeReporter(t, r)
		if st := r.Stats(); st.Failed != 1 || st.Labels.Failed != 1 {
			t.Errorf("%s: stats %+v, want the event and the label failed", tc.name, st)
		}
	}
	if _, reqs := s.count(); reqs != 0 {
		t.Errorf("%d requests sent that could only be refused", reqs)
	}
}

// A Reporter not made by NewReporter (a nil one, or a struct field left
// zero) panicked on every method; it now says what is wrong and sends
// nothing.
func TestReporterNotMadeByNewReporter(t *testing.T) {
	var zero sdk.Reporter
	for name, r := range map[string]*sdk.Reporter{"nil": nil, "zero": &zero} {
		if err := r.Report(event("e-1", 0.5)); err == nil || !strings.Contains(err.Error(), "NewReporter") {
			t.Errorf("%s reporter: Report returned %v, want it to name NewReporter", name, err)
		}
		if err := r.ReportLabel("e-1", sdk.Number(1)); err == nil || !strings.Contains(err.Error(), "NewReporter") {
			t.Errorf("%s reporter: ReportLabel returned %v, want it to name NewReporter", name, err)
		}
		if st := r.Stats(); st != (sdk.Stats{}) {
			t.Errorf("%s reporter: stats %+v, want zero", name, st)
		}
		if err := r.Close(context.Background()); err != nil {
			t.Errorf("%s reporter: Close returned %v", name, err)
		}
	}
}

// Close whose ctx has already ended, with nothing left to send, has lost
// nothing: it said "close gave up with items undelivered" (and said it
// again on every later Close) with Failed at 0.
func TestReporterCloseWithNothingLeftToSend(t *testing.T) {
	s := newIngest(t)
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	for i := range 10 { // the queues' ends race ctx's: try it often
		idle := s.reporter("credit-risk")
		if err := idle.Close(ended); err != nil {
			t.Fatalf("run %d: an unused reporter's Close with an ended ctx: %v", i, err)
		}
		sent := s.reporter("credit-risk", sdk.WithFlushInterval(time.Millisecond))
		if err := sent.Report(event("", 0.5)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the event to be sent", func() bool { return sent.Stats().Sent == 1 })
		if err := sent.Close(ended); err != nil {
			t.Fatalf("run %d: Close with an ended ctx after everything was sent: %v", i, err)
		}
		if err := sent.Close(context.Background()); err != nil {
			t.Fatalf("run %d: a second Close: %v", i, err)
		}
	}
}

// An option left nil (chosen conditionally: var opt sdk.ReporterOption;
// if debug { opt = sdk.WithLogger(l) }) panicked in NewReporter; it is
// skipped.
func TestReporterSkipsANilOption(t *testing.T) {
	s := newIngest(t)
	var opt sdk.ReporterOption
	r := s.reporter("credit-risk", opt, sdk.WithBatchSize(1))
	if err := r.Report(event("e-1", 0.5)); err != nil {
		t.Fatal(err)
	}
	closeReporter(t, r)
	if st := r.Stats(); st.Sent != 1 {
		t.Errorf("stats %+v, want the event sent", st)
	}
}
