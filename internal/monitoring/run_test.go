package monitoring_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// savedStore tells which monitors' evaluations saved an opened alert.
type savedStore struct {
	*store.Store
	opened chan int64
}

func (s *savedStore) SaveEvaluation(ctx context.Context, id int64, to time.Time, ev *lodestar.Evaluation) error {
	err := s.Store.SaveEvaluation(ctx, id, to, ev)
	if err == nil && len(ev.Opened) > 0 {
		s.opened <- id
	}
	return err
}

// hangingReceiver is a webhook receiver that holds every request until
// released (or until its sender gives up on it).
type hangingReceiver struct {
	srv      *httptest.Server
	arrived  chan string // each request's DeliveryHeader, as it arrives
	release  chan struct{}
	once     sync.Once
	holding  atomic.Int32 // requests arrived and not yet answered
	cut      atomic.Int32 // requests their sender gave up on
	answered atomic.Int32
}

func newHangingReceiver(t *testing.T) *hangingReceiver {
	h := &hangingReceiver{arrived: make(chan string, 16), release: make(chan struct{})}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.holding.Add(1)
		defer h.holding.Add(-1)
		h.arrived <- r.Header.Get(monitoring.DeliveryHeader)
		select {
		case <-h.release:
			h.answered.Add(1)
			w.WriteHeader(http.StatusNoContent)
		case <-r.Context().Done():
			h.cut.Add(1)
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hangingReceiver) let() { h.once.Do(func() { close(h.release) }) }

// wait returns the next value of c, failing the test if none comes: a
// bound on a hang, not a measure of speed.
func wait[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(time.Minute):
		t.Fatalf("no %s", what)
		panic("unreachable")
	}
}

// runEnv is an env whose hour t0 lies three hours before the real time
// (Run evaluates at time.Now), its database clock at the real time (the
// outbox rows it saves are due now).
func runEnv(t *testing.T) *env {
	e := newEnvAt(t, time.Now().UTC().Truncate(time.Hour).Add(-3*time.Hour))
	e.clock.Set(time.Now().UTC())
	return e
}

func outbox(t *testing.T, e *env) (rows, delivered, attempts int, lastError string) {
	t.Helper()
	err := e.st.DB.QueryRow(e.ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN delivered_at <> '' THEN 1 ELSE 0 END), 0), COALESCE(SUM(attempts), 0), COALESCE(MAX(last_error), '') FROM webhook_outbox`).
		Scan(&rows, &delivered, &attempts, &lastError)
	if err != nil {
		t.Fatal(err)
	}
	return rows, delivered, attempts, lastError
}

// A receiver that hangs does not hold up the evaluation: while it holds
// the delivery of one monitor's alert, another monitor is evaluated, its
// alert stored and its webhook queued; released, the receiver gets both,
// and Run, stopped, returns with both recorded as delivered.
func TestHungReceiverDelaysNoEvaluation(t *testing.T) {
	e := runEnv(t)
	hook := newHangingReceiver(t)
	st := &savedStore{Store: e.st, opened: make(chan int64, 64)}
	// The client waits as long as the test may: the receiver is let go by
	// the test, never by a timeout.
	svc := &monitoring.Service{Store: st, Client: &http.Client{Timeout: 10 * time.Minute}}
	create := func(name string) *lodestar.Monitor {
		m, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: name, Task: "binary", Numeric: []string{"x"},
			Window: "hour", Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}, WebhookURL: hook.srv.URL,
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.Add(-2 * time.Hour), To: e.t0.Add(-time.Hour)}}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	first := create("first")
	e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0)) // accuracy 0 in hour [t0, t0+1h), closed

	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx, 10*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-done })
	t.Cleanup(hook.let) // runs first: nothing left held if the test fails

	if id := wait(t, st.opened, "alert opened for the first monitor"); id != first.ID {
		t.Fatalf("alert opened for monitor %d, want %d", id, first.ID)
	}
	firstDelivery := wait(t, hook.arrived, "delivery of the first alert")

	// The receiver now holds the first alert's delivery; a second monitor
	// is made, which the next evaluation breaches.
	second := create("second")
	if id := wait(t, st.opened, "alert opened for the second monitor while the receiver hangs"); id != second.ID {
		t.Fatalf("alert opened for monitor %d, want %d", id, second.ID)
	}
	if h, c, a := hook.holding.Load(), hook.cut.Load(), hook.answered.Load(); h != 1 || c != 0 || a != 0 {
		t.Fatalf("receiver holding %d, cut off %d, answered %d when the second alert was stored; want it still holding the first delivery (1, 0, 0)", h, c, a)
	}
	open, err := e.st.ListAlerts(e.ctx, e.model, true)
	if err != nil {
		t.Fatal(err)
	}
	var mons []int64
	for _, a := range open {
		mons = append(mons, a.MonitorID)
	}
	if len(open) != 2 {
		t.Errorf("open alerts of monitors %v while the receiver hangs; want one each of %d and %d", mons, first.ID, second.ID)
	}
	// Nor has the sender given up on it: no attempt is recorded yet.
	if rows, delivered, attempts, _ := outbox(t, e); rows != 2 || delivered != 0 || attempts != 0 {
		t.Errorf("outbox while the receiver hangs: %d rows, %d delivered, %d attempts recorded; want 2, 0, 0", rows, delivered, attempts)
	}

	hook.let()
	if d := wait(t, hook.arrived, "delivery of the second alert"); d == firstDelivery {
		t.Errorf("delivery %s sent twice", d)
	}
	cancel()
	wait(t, done, "end of Run")
	if rows, delivered, attempts, lastError := outbox(t, e); rows != 2 || delivered != 2 || attempts != 2 {
		t.Errorf("outbox after Run: %d rows, %d delivered in %d attempts (%q); want 2, 2, 2", rows, delivered, attempts, lastError)
	}
}

// Stopping Run while a receiver hangs does not cut the delivery in flight
// off: it runs to its timeout, its failure is recorded (to be retried after
// its pause, not re-sent when the claim lapses), and only then does Run
// return.
func TestRunStopsAfterDeliveryInFlight(t *testing.T) {
	e := runEnv(t)
	hook := newHangingReceiver(t)
	t.Cleanup(hook.let)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, hook.srv.URL)
	e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0))
	svc := &monitoring.Service{Store: e.st, Client: &http.Client{Timeout: time.Second}}
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan struct{})
	go func() { defer close(done); svc.Run(ctx, 10*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-done })

	wait(t, hook.arrived, fmt.Sprintf("delivery of monitor %d's alert", m.ID))
	cancel()
	wait(t, done, "end of Run")
	rows, delivered, attempts, lastError := outbox(t, e)
	if rows != 1 || delivered != 0 || attempts != 1 {
		t.Errorf("outbox after Run: %d rows, %d delivered in %d attempts; want the one attempt recorded as failed (1, 0, 1)", rows, delivered, attempts)
	}
	if lastError == "" || strings.Contains(lastError, "context canceled") {
		t.Errorf("recorded error %q; want the client's timeout, not the cancellation", lastError)
	}
}
