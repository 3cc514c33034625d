package monitoring_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// TestWebhookRetrySentAt: a retried delivery's sent_at is its own
// attempt's time, not the first's (the queueing); occurred_at keeps when
// the alert was recorded, the same on every attempt; and the signature is
// over the body as sent.
func TestWebhookRetrySentAt(t *testing.T) {
	e := newEnv(t)
	secret := []byte("s3cret")
	var mu sync.Mutex
	type got struct {
		sent, occurred time.Time
		signed         bool
	}
	var hits []got
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		var p struct {
			SentAt     time.Time `json:"sent_at"`
			OccurredAt time.Time `json:"occurred_at"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("payload %s: %v", body, err)
		}
		mu.Lock()
		hits = append(hits, got{p.SentAt, p.OccurredAt, r.Header.Get(monitoring.SignatureHeader) == monitoring.Sign(secret, body)})
		first := len(hits) == 1
		mu.Unlock()
		if first {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, srv.URL+"/hook")
	e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0))
	svc := &monitoring.Service{Store: e.st, AllowPrivateWebhooks: true, Secret: secret}
	if out, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour), time.Time{}); err != nil || len(out.Opened) != 1 {
		t.Fatalf("evaluate: %v", err)
	}
	queued := e.clock.Now().UTC()
	first, retry := queued.Add(time.Second), queued.Add(2*time.Hour)
	svc.DeliverWebhooks(e.ctx, first)
	if n := svc.DeliverWebhooks(e.ctx, retry); n != 1 {
		t.Fatalf("the retry: %d delivered, want 1", n)
	}
	if len(hits) != 2 {
		t.Fatalf("%d attempts, want 2", len(hits))
	}
	for i, want := range []time.Time{first, retry} {
		h := hits[i]
		if !h.sent.Equal(want) || !h.occurred.Equal(queued) || !h.signed {
			t.Errorf("attempt %d: sent_at %s, occurred_at %s, signature valid %v; want %s, %s, true", i+1, h.sent, h.occurred, h.signed, want, queued)
		}
	}
}
