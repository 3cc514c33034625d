package monitoring_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// Stopping the deliverer (a deploy) while more deliveries are claimed than
// it has senders: the ones in flight finish and are recorded delivered;
// the ones claimed and not started are given back, due again at once at
// their own due time — the next deliverer sends them at the same instant,
// not when the ten-minute claim would have lapsed.
func TestStoppedDeliveryGivesBackUnstartedClaims(t *testing.T) {
	e := newEnv(t)
	hook := newHangingReceiver(t)
	t.Cleanup(hook.let)
	now := e.clock.Now()
	due := now.Add(-time.Minute)
	const rows, senders = 10, 8 // senders: monitoring's webhookSenders
	for range rows {
		if _, err := e.st.DB.ExecContext(e.ctx, e.st.DB.Rebind(`INSERT INTO webhook_outbox (url, payload, next_attempt_at) VALUES (?, '{}', ?)`),
			hook.srv.URL, sqldb.FormatTime(due)); err != nil {
			t.Fatal(err)
		}
	}
	svc := &monitoring.Service{Store: e.st, Client: &http.Client{Timeout: time.Minute}}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	done := make(chan int, 1)
	go func() { done <- svc.DeliverWebhooks(ctx, now) }()
	for range senders {
		wait(t, hook.arrived, "a delivery in flight")
	}
	cancel() // the server stops, every sender busy
	hook.let()
	if n := wait(t, done, "end of DeliverWebhooks"); n != senders {
		t.Errorf("%d delivered, want the %d in flight", n, senders)
	}
	if _, delivered, attempts, _ := outbox(t, e); delivered != senders || attempts != senders {
		t.Errorf("%d delivered in %d attempts, want %d recorded", delivered, attempts, senders)
	}
	var released int
	if err := e.st.DB.QueryRow(e.ctx, `SELECT COUNT(*) FROM webhook_outbox WHERE delivered_at = '' AND attempts = 0 AND next_attempt_at = ?`,
		sqldb.FormatTime(due)).Scan(&released); err != nil {
		t.Fatal(err)
	}
	if released != rows-senders {
		t.Errorf("%d deliveries due again at their own time, want the %d not started", released, rows-senders)
	}
	// Restarted at the same instant, the deliverer sends them.
	if n := svc.DeliverWebhooks(e.ctx, now); n != rows-senders {
		t.Errorf("restarted at once: %d delivered, want %d", n, rows-senders)
	}
	if _, delivered, _, _ := outbox(t, e); delivered != rows {
		t.Errorf("%d of %d delivered in the end", delivered, rows)
	}
}
