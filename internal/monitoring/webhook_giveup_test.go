package monitoring_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// A receiver that keeps failing (HTTP 500) is tried again after a growing
// pause — not before it, never more than store.MaxWebhookAttempts times —
// the evaluation that raised the alert unaffected; the last failure is
// logged as an error saying the delivery was given up, once.
func TestFailingWebhookRetriedThenGivenUp(t *testing.T) {
	e := newEnv(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer srv.Close()
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, srv.URL+"/hook")
	e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0))
	var logs bytes.Buffer
	svc := &monitoring.Service{Store: e.st, AllowPrivateWebhooks: true, Log: slog.New(slog.NewTextHandler(&logs, nil))}
	out, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour), time.Time{})
	if err != nil || len(out.Opened) != 1 {
		t.Fatalf("evaluate: %v, opened %d; want the accuracy alert", err, len(out.Opened))
	}
	now := e.clock.Now() // the outbox row is due from its saving
	for i := range store.MaxWebhookAttempts + 2 {
		if n := svc.DeliverWebhooks(e.ctx, now); n != 0 {
			t.Fatalf("round %d: %d delivered by a receiver answering 500", i, n)
		}
		if i == 0 {
			// Not again before its pause.
			svc.DeliverWebhooks(e.ctx, now.Add(time.Second))
			if got := hits.Load(); got != 1 {
				t.Fatalf("tried %d times within a second, want 1", got)
			}
		}
		now = now.Add(2 * time.Hour) // past any pause (at most an hour)
	}
	if got := hits.Load(); got != store.MaxWebhookAttempts {
		t.Errorf("tried %d times, want %d", got, store.MaxWebhookAttempts)
	}
	if n := strings.Count(logs.String(), "webhook given up"); n != 1 || !strings.Contains(logs.String(), "level=ERROR msg=\"webhook given up\"") {
		t.Errorf("logged the giving up %d times, want once as an error:\n%s", n, logs.String())
	}
	if open, _ := e.st.ListAlerts(e.ctx, e.model, true); len(open) != 1 {
		t.Errorf("open alerts after the webhook was given up: %d, want 1", len(open))
	}
}
