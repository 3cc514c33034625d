package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/sdk"
)

// losses records what a reporter's error handler is told, and whether it
// was ever called twice at once or after Close returned.
type losses struct {
	mu      sync.Mutex
	got     []sdk.ReportError
	busy    atomic.Int32
	overlap atomic.Bool
	closed  atomic.Bool // set once Close has returned
	late    atomic.Int32
}

func (l *losses) handle(e sdk.ReportError) {
	if l.busy.Add(1) > 1 {
		l.overlap.Store(true)
	}
	defer l.busy.Add(-1)
	if l.closed.Load() {
		l.late.Add(1)
	}
	l.mu.Lock()
	l.got = append(l.got, e)
	l.mu.Unlock()
}

func (l *losses) all() []sdk.ReportError {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.got)
}

// count sums the Counts given for a reason, for events or labels.
func (l *losses) count(reason sdk.LossReason, labels bool) int64 {
	var n int64
	for _, e := range l.all() {
		if e.Reason == reason && e.Labels == labels {
			n += int64(e.Count)
		}
	}
	return n
}

// close closes the reporter and marks the moment, after which the handler
// must not be called.
func (l *losses) close(t *testing.T, r *sdk.Reporter) {
	t.Helper()
	closeReporter(t, r)
	l.closed.Store(true)
}

// check fails on overlapping or late calls, and on Counts that disagree
// with Stats (none of these tests has Report refuse an event at once, but
// for a full queue).
func (l *losses) check(t *testing.T, r *sdk.Reporter) {
	t.Helper()
	if l.overlap.Load() {
		t.Error("the handler was called concurrently with itself")
	}
	if n := l.late.Load(); n != 0 {
		t.Errorf("the handler was called %d times after Close returned", n)
	}
	st := r.Stats()
	failed := l.count(sdk.LossRefused, false) + l.count(sdk.LossRetriesExhausted, false) + l.count(sdk.LossClosed, false)
	labelsFailed := l.count(sdk.LossRefused, true) + l.count(sdk.LossRetriesExhausted, true) + l.count(sdk.LossClosed, true)
	for _, c := range []struct {
		what      string
		told, got int64
	}{
		{"Failed", failed, st.Failed},
		{"Rejected", l.count(sdk.LossRejected, false), st.Rejected},
		{"Dropped", l.count(sdk.LossQueueFull, false), st.Dropped},
		{"Labels.Failed", labelsFailed, st.Labels.Failed},
		{"Labels.Rejected", l.count(sdk.LossRejected, true), st.Labels.Rejected},
		{"Labels.Unknown", l.count(sdk.LossUnknown, true), st.Labels.Unknown},
		{"Labels.Dropped", l.count(sdk.LossQueueFull, true), st.Labels.Dropped},
	} {
		if c.told != c.got {
			t.Errorf("%s: the handler was told of %d, Stats counts %d", c.what, c.told, c.got)
		}
	}
	for _, e := range l.all() {
		if e.Reason != sdk.LossQueueFull && len(e.IDs) != e.Count {
			t.Errorf("%+v: %d IDs for a count of %d", e, len(e.IDs), e.Count)
		}
	}
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprint(prefix, i)
	}
	return out
}

// A batch the server refuses with a 4xx is lost at once, for events and
// labels alike: the handler hears of each with its IDs, the status and the
// server's error.
func TestErrorHandlerHearsOfARefusal(t *testing.T) {
	s := newIngest(t)
	var l losses
	r := s.reporter("no-such-model", sdk.WithErrorHandler(l.handle), sdk.WithRetry(5, time.Millisecond, time.Millisecond))
	for _, id := range ids("e-", 5) {
		if err := r.Report(event(id, 0.5)); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.ReportLabel("e-1", sdk.Number(1)); err != nil {
		t.Fatal(err)
	}
	l.close(t, r)
	got := l.all()
	if len(got) != 2 {
		t.Fatalf("handler called %d times (%v), want once for the events and once for the label", len(got), got)
	}
	for _, e := range got {
		want := ids("e-", 5)
		if e.Labels {
			want = []string{"e-1"}
		}
		if e.Reason != sdk.LossRefused || e.Status != 404 || e.Count != len(want) || !slices.Equal(e.IDs, want) {
			t.Errorf("got %+v, want %d refused with 404, IDs %v", e, len(want), want)
		}
		if e.Err == nil || !strings.Contains(e.Err.Error(), "no model no-such-model") {
			t.Errorf("Err = %v, want the server's message", e.Err)
		}
		if msg := e.Error(); !strings.Contains(msg, "refused") || !strings.Contains(msg, "404") {
			t.Errorf("Error() = %q, want the reason and the status", msg)
		}
	}
	l.check(t, r)
}

// A batch that meets 5xx answers, or network errors, until its retries
// run out is reported once, after the last attempt, never while it is
// still being retried.
func TestErrorHandlerHearsOfRetriesExhausted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int // 0: the connection is dropped
	}{{"503", 503}, {"network error", 0}} {
		t.Run(tc.name, func(t *testing.T) {
			s := newIngest(t)
			var attempts atomic.Int32
			var l losses
			var toldEarly atomic.Bool
			s.hook = func(int, http.ResponseWriter, *http.Request) bool {
				if len(l.all()) > 0 {
					toldEarly.Store(true)
				}
				attempts.Add(1)
				if tc.status == 0 {
					panic(http.ErrAbortHandler)
				}
				return false
			}
			if tc.status != 0 {
				hook := s.hook
				s.hook = func(n int, w http.ResponseWriter, r *http.Request) bool {
					hook(n, w, r)
					apiError(w, tc.status, "unavailable", "down for maintenance")
					return true
				}
			}
			r := s.reporter("credit-risk", sdk.WithErrorHandler(l.handle), sdk.WithRetry(2, time.Millisecond, 2*time.Millisecond))
			for _, id := range ids("e-", 3) {
				r.Report(event(id, 0.5))
			}
			l.close(t, r)
			got := l.all()
			if len(got) != 1 {
				t.Fatalf("handler called %d times (%v), want once", len(got), got)
			}
			e := got[0]
			if e.Reason != sdk.LossRetriesExhausted || e.Labels || e.Status != tc.status || e.Count != 3 || !slices.Equal(e.IDs, ids("e-", 3)) || e.Err == nil {
				t.Errorf("got %+v, want the 3 events given up with status %d and an error", e, tc.status)
			}
			if tc.status != 0 && !strings.Contains(e.Err.Error(), "down for maintenance") {
				t.Errorf("Err = %v, want the server's message", e.Err)
			}
			if n := attempts.Load(); n != 3 || toldEarly.Load() {
				t.Errorf("%d attempts, told before the last: %v; want 3 attempts, told after them", n, toldEarly.Load())
			}
			l.check(t, r)
		})
	}
}

// The lines the server rejects, and labels it finds no event for, are
// reported with their IDs; the rest of the batch is not.
func TestErrorHandlerHearsOfRejectedLines(t *testing.T) {
	s := newIngest(t)
	var l losses
	r := s.reporter("credit-risk", sdk.WithErrorHandler(l.handle))
	for i := range 10 {
		score := 0.5
		if i%5 == 0 {
			score = 1.5 // out of [0, 1]: the server refuses the line
		}
		r.Report(event(fmt.Sprint("e-", i), score))
	}
	r.ReportLabel("e-1", sdk.Number(1))
	r.ReportLabel("e-999", sdk.Number(1)) // never reported
	l.close(t, r)
	got := l.all()
	if len(got) != 2 {
		t.Fatalf("handler called %d times (%v), want once for the rejected events and once for the unknown label", len(got), got)
	}
	for _, e := range got {
		switch {
		case e.Reason == sdk.LossRejected && !e.Labels:
			if e.Count != 2 || !slices.Equal(e.IDs, []string{"e-0", "e-5"}) || e.Status != 200 || e.Err == nil || !strings.Contains(e.Err.Error(), "out of [0, 1]") {
				t.Errorf("rejected: got %+v, want e-0 and e-5 with the server's reason", e)
			}
		case e.Reason == sdk.LossUnknown && e.Labels:
			if e.Count != 1 || !slices.Equal(e.IDs, []string{"e-999"}) || e.Status != 200 {
				t.Errorf("unknown: got %+v, want the label of e-999", e)
			}
		default:
			t.Errorf("unexpected loss %+v", e)
		}
	}
	if st := r.Stats(); st.Sent != 8 || st.Labels.Sent != 1 {
		t.Errorf("stats %+v, want 8 events stored and 1 label", st)
	}
	l.check(t, r)
}

// Events dropped because the queue is full are reported in total, before
// Close returns, as ErrQueueFull.
func TestErrorHandlerHearsOfAFullQueue(t *testing.T) {
	s := newIngest(t)
	release := make(chan struct{})
	s.hook = func(int, http.ResponseWriter, *http.Request) bool { <-release; return false }
	var l losses
	r := s.reporter("credit-risk", sdk.WithErrorHandler(l.handle), sdk.WithBatchSize(10), sdk.WithMaxQueued(100, 0))
	full := 0
	for i := range 1000 {
		if errors.Is(r.Report(event(fmt.Sprint("e-", i), 0.5)), sdk.ErrQueueFull) {
			full++
		}
	}
	close(release)
	l.close(t, r)
	if full != 900 || l.count(sdk.LossQueueFull, false) != 900 {
		t.Errorf("%d ErrQueueFull, the handler told of %d; want 900 both", full, l.count(sdk.LossQueueFull, false))
	}
	for _, e := range l.all() {
		if e.Reason != sdk.LossQueueFull || !errors.Is(e, sdk.ErrQueueFull) || e.IDs != nil || e.Status != 0 {
			t.Errorf("got %+v, want only queue-full drops, unwrapping to ErrQueueFull", e)
		}
	}
	l.check(t, r)
}

// Nothing lost, nothing said.
func TestErrorHandlerSilentOnSuccess(t *testing.T) {
	s := newIngest(t)
	var l losses
	r := s.reporter("credit-risk", sdk.WithErrorHandler(l.handle), sdk.WithBatchSize(7))
	for _, id := range ids("e-", 37) {
		r.Report(event(id, 0.5))
	}
	r.ReportLabel("e-3", sdk.Number(1))
	l.close(t, r)
	if got := l.all(); len(got) != 0 {
		t.Errorf("handler called %d times (%v), want never", len(got), got)
	}
	if st := r.Stats(); st.Sent != 37 || st.Labels.Sent != 1 {
		t.Errorf("stats %+v, want everything sent", st)
	}
	l.check(t, r)
}

// What Close's deadline cuts off is reported before Close returns; after
// it, nothing is reported, not even items Report then refuses.
func TestErrorHandlerNotCalledAfterClose(t *testing.T) {
	s := newIngest(t)
	release := make(chan struct{})
	defer close(release)
	s.hook = func(int, http.ResponseWriter, *http.Request) bool { <-release; return true }
	var l losses
	r := s.reporter("credit-risk", sdk.WithErrorHandler(l.handle), sdk.WithBatchSize(4))
	for _, id := range ids("e-", 10) {
		r.Report(event(id, 0.5))
	}
	r.ReportLabel("e-1", sdk.Number(1))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := r.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close: got %v, want DeadlineExceeded", err)
	}
	l.closed.Store(true)
	if got := l.count(sdk.LossClosed, false); got != 10 {
		t.Errorf("told of %d events cut off, want all 10", got)
	}
	if got := l.count(sdk.LossClosed, true); got != 1 {
		t.Errorf("told of %d labels cut off, want 1", got)
	}
	var told []string
	for _, e := range l.all() {
		if !errors.Is(e, context.DeadlineExceeded) {
			t.Errorf("%+v: want Close's context error", e)
		}
		if !e.Labels {
			told = append(told, e.IDs...)
		}
	}
	slices.Sort(told)
	if want := ids("e-", 10); !slices.Equal(told, want) {
		t.Errorf("IDs told %v, want %v", told, want)
	}
	before := len(l.all())
	if err := r.Report(event("late", 0.5)); !errors.Is(err, sdk.ErrClosed) {
		t.Errorf("Report after Close: %v, want ErrClosed", err)
	}
	if err := r.Close(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("second Close: %v", err)
	}
	if n := len(l.all()); n != before || l.late.Load() != 0 {
		t.Errorf("the handler was called after Close returned (%d calls, then %d)", before, n)
	}
	st := r.Stats()
	if st.Failed != 10 || st.Labels.Failed != 1 || st.Dropped != 1 {
		t.Errorf("stats %+v, want 10 events and 1 label failed, the late event dropped", st)
	}
}

// A handler left nil, or a nil option, changes nothing.
func TestErrorHandlerNil(t *testing.T) {
	s := newIngest(t)
	r := s.reporter("no-such-model", sdk.WithErrorHandler(nil))
	r.Report(event("e-0", 0.5))
	closeReporter(t, r)
	if st := r.Stats(); st.Failed != 1 {
		t.Errorf("stats %+v, want the event failed", st)
	}
}
