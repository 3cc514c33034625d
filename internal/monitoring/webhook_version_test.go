package monitoring_test

import (
	"encoding/json"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// TestWebhookNamesTheVersion: every alert delivery — opened, reminded,
// resolved — names the model version its monitor watches, as a
// retraining task's does. During a canary two versions of one model are
// monitored at once, and "recsys: accuracy alert opened" without the
// version leaves the on-call engineer to look up which one to roll back.
func TestWebhookNamesTheVersion(t *testing.T) {
	e := newEnv(t)
	svc := &monitoring.Service{Store: e.st, AllowPrivateWebhooks: true}
	m, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "m", Task: "binary", Numeric: []string{"x"},
		Window: "hour", Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}, RemindAfter: 1, WebhookURL: "http://hooks.invalid/x",
		Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.Add(-2 * time.Hour), To: e.t0.Add(-time.Hour)}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0))
	if out, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(2*time.Hour), time.Time{}); err != nil || len(out.Opened) != 1 {
		t.Fatalf("evaluate: %+v, %v; want an alert opened", out, err)
	}
	if n := svc.Remind(e.ctx, far); n != 1 {
		t.Fatalf("%d reminders queued, want 1", n)
	}
	// Version 1 retired: its open alert resolves, announced.
	vs, err := e.st.ListModelVersions(e.ctx, e.model)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction, lodestar.ModelRetired} {
		if _, err := e.st.SetModelVersionStatus(e.ctx, vs[0].ID, st, "lifecycle"); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := e.st.DB.Query(e.ctx, `SELECT payload FROM webhook_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var events []string
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var p struct {
			Event   string `json:"event"`
			Model   string `json:"model"`
			Version string `json:"version"`
			Alert   struct {
				Version string `json:"version"`
			} `json:"alert"`
		}
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			t.Fatal(err)
		}
		events = append(events, p.Event)
		if p.Model != "churn" || p.Version != "1" || p.Alert.Version != "1" {
			t.Errorf("%s: model %q, version %q, the alert's version %q; want churn, 1, 1 (%s)", p.Event, p.Model, p.Version, p.Alert.Version, payload)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 || events[0] != "alert.opened" || events[1] != "alert.reminder" || events[2] != "alert.resolved" {
		t.Errorf("deliveries %v; want alert.opened, alert.reminder, alert.resolved", events)
	}
}
