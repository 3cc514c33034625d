package monitoring_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// TestWebhookToPrivateAddressRefused: by default a webhook is not sent to
// a loopback, private or link-local address (a monitor's author could
// otherwise make the server post to its own admin ports or a cloud
// metadata service); the delivery fails naming the setting that allows
// it, and with the setting on it is delivered. A monitor is refused such
// an address written in its URL when it is made (WebhookRefusal); one that
// has it anyway (a name resolving to it, the setting since turned off) is
// still refused when dialled.
func TestWebhookToPrivateAddressRefused(t *testing.T) {
	for _, allow := range []bool{false, true} {
		e := newEnv(t)
		var hits atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusOK)
		}))
		made, err := (&monitoring.Service{Store: e.st, AllowPrivateWebhooks: allow}).CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "made", Task: "binary",
			Numeric: []string{"x"}, Window: "hour", WebhookURL: srv.URL + "/hook",
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.Add(-2 * time.Hour), To: e.t0.Add(-time.Hour)}}, nil, "")
		if allow && err != nil {
			t.Errorf("allowed: creating a monitor with a loopback webhook: %v", err)
		}
		if !allow && (made != nil || !strings.Contains(lodestar.ErrorFields(err)["webhook_url"], "--webhook-allow-private")) {
			t.Errorf("loopback webhook at creation: %+v, %v; want refused on webhook_url naming the flag", made, err)
		}
		m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, srv.URL+"/hook")
		e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0))
		svc := &monitoring.Service{Store: e.st, AllowPrivateWebhooks: allow}
		if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour), time.Time{}); err != nil {
			t.Fatal(err)
		}
		sent := svc.DeliverWebhooks(e.ctx, far)
		srv.Close()
		if allow {
			if sent == 0 || hits.Load() == 0 {
				t.Errorf("allowed: %d delivered, %d received; want the alert delivered", sent, hits.Load())
			}
			continue
		}
		if sent != 0 || hits.Load() != 0 {
			t.Errorf("loopback webhook: %d delivered, %d received; want none", sent, hits.Load())
		}
		var errText string
		if err := e.st.DB.QueryRow(e.ctx, `SELECT last_error FROM webhook_outbox ORDER BY id LIMIT 1`).Scan(&errText); err != nil {
			t.Fatal(err)
		}
		if want := "--webhook-allow-private"; !strings.Contains(errText, want) {
			t.Errorf("the failed delivery's error %q should name %s", errText, want)
		}
	}
}

// TestRetiredVersionNotEvaluated: once its version is retired, a monitor
// is no longer evaluated — its empty windows would breach the volume
// threshold and reopen the alerts the retirement resolved.
func TestRetiredVersionNotEvaluated(t *testing.T) {
	e := newEnv(t)
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinEvents: 10}, 0, "")
	e.add(t, ev("one", e.t0.Add(time.Minute), 0.5, 0.9, 1))
	svc := &monitoring.Service{Store: e.st}
	e.clock.Set(e.t0.Add(2*time.Hour + time.Minute))
	svc.EvaluateAll(e.ctx, e.t0.Add(2*time.Hour+time.Minute))
	if open, _ := e.st.ListAlerts(e.ctx, e.model, true); len(open) != 1 {
		t.Fatalf("volume alert before retiring: got %d open, want 1", len(open))
	}
	vs, err := e.st.ListModelVersions(e.ctx, e.model)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction, lodestar.ModelRetired} {
		if _, err := e.st.SetModelVersionStatus(e.ctx, vs[0].ID, st, "lifecycle"); err != nil {
			t.Fatal(err)
		}
	}
	svc.EvaluateAll(e.ctx, e.t0.Add(6*time.Hour))
	if open, _ := e.st.ListAlerts(e.ctx, e.model, true); len(open) != 0 {
		t.Errorf("after retiring and evaluating again: %d open alerts, want 0", len(open))
	}
	if got, _ := e.st.FindMonitorByID(e.ctx, m.ID); got.EvaluatedTo.After(e.t0.Add(3 * time.Hour)) {
		t.Errorf("a retired version's monitor was evaluated to %s", got.EvaluatedTo)
	}
}
