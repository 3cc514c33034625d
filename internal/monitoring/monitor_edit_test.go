package monitoring_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// A monitor's settings can be edited and the monitor paused. Windows
// evaluated before an edit keep their breaches; those evaluated after are
// judged with the new settings, and an open alert they no longer breach
// resolves by the monitor's resolve rule. A paused monitor is evaluated
// neither by the loop nor on demand; resumed, it evaluates the windows it
// missed.

// halfRightHours adds, for each hour h in [from, to), ten labelled events
// of which half are predicted right: accuracy 0.5.
func halfRightHours(t *testing.T, e *env, from, to int) {
	t.Helper()
	for h := from; h < to; h++ {
		var evs []lodestar.StoredEvent
		for i := range 10 {
			evs = append(evs, ev(fmt.Sprintf("half-%d-%d", h, i), e.t0.Add(time.Duration(h)*time.Hour+time.Duration(i)*time.Minute), 0.5, 0.9, i%2))
		}
		e.add(t, evs...)
	}
}

// edit edits the monitor as read (its updated_at), a second after the
// last change, as a person would.
func edit(t *testing.T, a *alertEnv, in lodestar.MonitorUpdate) *lodestar.Monitor {
	t.Helper()
	cur, err := a.st.FindMonitorByID(a.ctx, a.m.ID)
	if err != nil {
		t.Fatal(err)
	}
	a.clock.Advance(time.Second)
	m, err := a.st.UpdateMonitor(lodestar.WithBasedOn(a.ctx, cur.UpdatedAt), a.m.ID, in)
	if err != nil {
		t.Fatalf("edit: %v", err)
	}
	return m
}

func openAlerts(t *testing.T, a *alertEnv) []*lodestar.Alert {
	t.Helper()
	open, err := a.st.ListAlerts(a.ctx, a.model, true)
	if err != nil {
		t.Fatal(err)
	}
	return open
}

// TestRelaxedThresholdResolvesAlert: accuracy 0.5 breaches 0.8 and opens
// an alert; lowered to 0.4, the next window does not breach and the alert
// resolves, recovered, at that window; the window judged before the edit
// keeps its breach.
func TestRelaxedThresholdResolvesAlert(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		a := newAlertEnv(t, d, 0)
		halfRightHours(t, a.env, 0, 2)
		a.evaluate(t, 1, -1)
		if open := openAlerts(t, a); len(open) != 1 || open[0].Kind != "accuracy" {
			t.Fatalf("before the edit: open alerts %+v, want one accuracy alert", open)
		}
		min := lodestar.MonitorThresholds{MinAccuracy: 0.4}
		m := edit(t, a, lodestar.MonitorUpdate{Thresholds: &min})
		if m.Thresholds.MinAccuracy != 0.4 {
			t.Fatalf("edited min_accuracy %v, want 0.4", m.Thresholds.MinAccuracy)
		}
		out := a.evaluate(t, 2, -1)
		if len(out.Resolved) != 1 || out.Resolved[0].Resolution != lodestar.ResolutionRecovered || !out.Resolved[0].ResolvedAt.Equal(a.hour(1)) {
			t.Fatalf("after the edit: resolved %+v, want the alert recovered at hour 1", out.Resolved)
		}
		if open := openAlerts(t, a); len(open) != 0 {
			t.Errorf("after the edit: %d open alerts, want none", len(open))
		}
		ws, err := a.st.ListWindows(a.ctx, a.m.ID, 10)
		if err != nil {
			t.Fatal(err)
		}
		breaches := map[time.Time]string{}
		for _, w := range ws {
			breaches[w.Start] = strings.Join(w.Breaches, ",")
		}
		if breaches[a.hour(0)] != "accuracy" || breaches[a.hour(1)] != "" {
			t.Errorf("stored breaches %v: want hour 0 kept as breaching accuracy, hour 1 judged on 0.4 (none)", breaches)
		}
	})
}

// TestThresholdTurnedOffResolvesAlert: an edit that turns accuracy off
// leaves nothing to resolve its open alert, so the edit resolves it
// (unwatched) and announces it; no later window opens another.
func TestThresholdTurnedOffResolvesAlert(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		a := newAlertEnv(t, d, 0)
		halfRightHours(t, a.env, 0, 3)
		a.evaluate(t, 1, -1)
		hooks := testdb.Count(t, a.st.DB, "webhook_outbox")
		off := lodestar.MonitorThresholds{MinEvents: 1}
		edit(t, a, lodestar.MonitorUpdate{Thresholds: &off})
		all, err := a.st.ListAlerts(a.ctx, a.model, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 || all[0].Status != lodestar.AlertResolved || all[0].Resolution != lodestar.ResolutionUnwatched {
			t.Fatalf("alerts after turning accuracy off: %+v, want the one resolved as unwatched", all)
		}
		if got := testdb.Count(t, a.st.DB, "webhook_outbox"); got != hooks+1 {
			t.Errorf("webhooks: %d, want %d (alert.resolved)", got, hooks+1)
		}
		a.evaluate(t, 3, -1)
		if open := openAlerts(t, a); len(open) != 0 {
			t.Errorf("open alerts after more windows: %+v, want none", open)
		}
	})
}

// TestEditRefusals: a stale edit, a bad threshold and a name taken are
// refused, and leave the monitor as it was.
func TestEditRefusals(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		a := newAlertEnv(t, d, 0)
		svc := &monitoring.Service{Store: a.st}
		other, err := svc.CreateMonitor(a.ctx, lodestar.Monitor{ModelID: a.model, Version: "1", Name: "other", Numeric: []string{"x"}, Window: "hour",
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: a.t0.Add(-2 * time.Hour), To: a.t0.Add(-time.Hour)}}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		read, _ := a.st.FindMonitorByID(a.ctx, a.m.ID)
		name := "renamed"
		edit(t, a, lodestar.MonitorUpdate{Name: &name}) // by someone else, meanwhile
		want, _ := a.st.FindMonitorByID(a.ctx, a.m.ID)
		bad := lodestar.MonitorThresholds{MinAccuracy: 2, DriftShare: -1}
		taken, stale, five := "other", "stale", 5
		for _, tc := range []struct {
			name   string
			based  time.Time
			in     lodestar.MonitorUpdate
			code   string
			fields []string
		}{
			{"stale", read.UpdatedAt, lodestar.MonitorUpdate{Name: &stale}, lodestar.EConflict, nil},
			{"bad thresholds", want.UpdatedAt, lodestar.MonitorUpdate{Thresholds: &bad, AlertAfter: &five}, lodestar.EInvalid, []string{"thresholds.min_accuracy", "thresholds.drift"}},
			{"name taken", want.UpdatedAt, lodestar.MonitorUpdate{Name: &taken}, lodestar.EConflict, []string{"name"}},
			{"webhook and clear", want.UpdatedAt, lodestar.MonitorUpdate{WebhookURL: &stale, ClearWebhook: true}, lodestar.EInvalid, []string{"webhook_url"}},
		} {
			_, err := a.st.UpdateMonitor(lodestar.WithBasedOn(a.ctx, tc.based), a.m.ID, tc.in)
			if lodestar.ErrorCode(err) != tc.code {
				t.Errorf("%s: got %v, want %s", tc.name, err, tc.code)
			}
			for _, f := range tc.fields {
				if lodestar.ErrorFields(err)[f] == "" {
					t.Errorf("%s: no message for %s in %v", tc.name, f, lodestar.ErrorFields(err))
				}
			}
			got, _ := a.st.FindMonitorByID(a.ctx, a.m.ID)
			if got.Name != want.Name || got.Thresholds != want.Thresholds || got.AlertAfter != want.AlertAfter || !got.UpdatedAt.Equal(want.UpdatedAt) {
				t.Errorf("%s: the monitor changed: %+v, want %+v", tc.name, got, want)
			}
		}
		if _, err := a.st.UpdateMonitor(a.ctx, other.ID+100, lodestar.MonitorUpdate{Name: &name}); lodestar.ErrorCode(err) != lodestar.ENotFound {
			t.Errorf("no such monitor: got %v, want not found", err)
		}
	})
}

// TestEditAudit: the edit's entry holds the changed fields only, the
// webhook address cut to its host; clearing it, and an edit with an empty
// address (kept), behave as documented.
func TestEditAudit(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		a := newAlertEnv(t, d, 0)
		hook, three := "https://hooks.example.com/secret-token-abc", 3
		m := edit(t, a, lodestar.MonitorUpdate{WebhookURL: &hook, AlertAfter: &three})
		if m.WebhookURL != hook || m.AlertAfter != 3 {
			t.Fatalf("edited: webhook %q alert_after %d", m.WebhookURL, m.AlertAfter)
		}
		evs, err := a.st.FindEvents(a.ctx, lodestar.AuditFilter{Action: "update", EntityType: "monitor", Limit: 5})
		if err != nil || len(evs) != 1 {
			t.Fatalf("audit entries: %d (%v), want 1", len(evs), err)
		}
		for _, s := range []string{evs[0].Before, evs[0].After} {
			if strings.Contains(s, "secret-token") || strings.Contains(s, "lodestar\"") || strings.Contains(s, "name") || strings.Contains(s, "thresholds") {
				t.Errorf("audit entry %s: want only alert_after and the webhook, cut", s)
			}
		}
		if !strings.Contains(evs[0].After, `"alert_after":3`) || !strings.Contains(evs[0].After, `"webhook_url":"https://hooks.example.com/…"`) {
			t.Errorf("audit after %s: want alert_after 3 and the webhook's host", evs[0].After)
		}
		empty, shown := "", lodestar.RedactURL(hook)
		if m = edit(t, a, lodestar.MonitorUpdate{WebhookURL: &empty}); m.WebhookURL != hook {
			t.Errorf("an empty webhook field: %q, want the address kept", m.WebhookURL)
		}
		if m = edit(t, a, lodestar.MonitorUpdate{WebhookURL: &shown}); m.WebhookURL != hook {
			t.Errorf("the address sent back as shown: %q, want the address kept", m.WebhookURL)
		}
		if m = edit(t, a, lodestar.MonitorUpdate{ClearWebhook: true}); m.WebhookURL != "" {
			t.Errorf("cleared: webhook %q, want none", m.WebhookURL)
		}
		if evs, _ = a.st.FindEvents(a.ctx, lodestar.AuditFilter{Action: "update", EntityType: "monitor", Limit: 5}); len(evs) != 2 {
			t.Errorf("audit entries: %d, want 2 (the edits that changed nothing are not recorded)", len(evs))
		}
	})
}

// TestPausedMonitorSkippedThenCatchesUp: paused, the loop leaves the
// monitor and evaluating it is refused; resumed, the next run evaluates
// every window missed.
func TestPausedMonitorSkippedThenCatchesUp(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		a := newAlertEnv(t, d, 0)
		halfRightHours(t, a.env, 0, 4)
		a.evaluate(t, 1, -1)
		before, _ := a.st.ListWindows(a.ctx, a.m.ID, 100)
		if _, err := a.st.PauseMonitor(a.ctx, a.m.ID, "  "); lodestar.ErrorCode(err) != lodestar.EInvalid {
			t.Errorf("pause without a reason: %v, want invalid", err)
		}
		m, err := a.st.PauseMonitor(a.ctx, a.m.ID, "threshold being reviewed")
		if err != nil {
			t.Fatal(err)
		}
		if !m.Paused() || m.PausedBy != adminActor.Label || m.PauseReason != "threshold being reviewed" {
			t.Fatalf("paused: %+v", m)
		}
		if _, err := a.st.PauseMonitor(a.ctx, a.m.ID, "again"); lodestar.ErrorCode(err) != lodestar.EConflict {
			t.Errorf("pause twice: %v, want conflict", err)
		}
		a.svc.EvaluateAll(a.ctx, a.hour(4).Add(time.Second))
		if _, err := a.svc.Evaluate(a.ctx, a.m.ID, a.hour(4).Add(time.Second), time.Time{}); lodestar.ErrorCode(err) != lodestar.EConflict ||
			!strings.Contains(err.Error(), "paused") {
			t.Errorf("evaluate a paused monitor: %v, want a conflict saying it is paused", err)
		}
		if ws, _ := a.st.ListWindows(a.ctx, a.m.ID, 100); len(ws) != len(before) {
			t.Fatalf("windows while paused: %d, want %d (those before the pause)", len(ws), len(before))
		}
		if open := openAlerts(t, a); len(open) != 1 {
			t.Errorf("open alerts while paused: %d, want the one open before, still open", len(open))
		}
		if m, err = a.st.ResumeMonitor(a.ctx, a.m.ID); err != nil || m.Paused() || m.PausedBy != "" || m.PauseReason != "" {
			t.Fatalf("resumed: %+v, %v", m, err)
		}
		if _, err := a.st.ResumeMonitor(a.ctx, a.m.ID); lodestar.ErrorCode(err) != lodestar.EConflict {
			t.Errorf("resume a running monitor: %v, want conflict", err)
		}
		a.svc.EvaluateAll(a.ctx, a.hour(4).Add(time.Second))
		ws, _ := a.st.ListWindows(a.ctx, a.m.ID, 100)
		if len(ws) != len(before)+3 || !ws[len(ws)-1].Start.Equal(a.hour(3)) {
			t.Errorf("windows after resuming: %d, the latest at %v; want %d, to hour 3 (the three missed caught up)", len(ws), ws[len(ws)-1].Start, len(before)+3)
		}
		for _, action := range []string{"pause", "resume"} {
			if evs, _ := a.st.FindEvents(a.ctx, lodestar.AuditFilter{Action: action, EntityType: "monitor", Limit: 5}); len(evs) != 1 {
				t.Errorf("%s audit entries: %d, want 1", action, len(evs))
			}
		}
	})
}

// TestPauseDuringEvaluation: a monitor paused (or edited) while it is
// being evaluated has nothing of that evaluation saved.
func TestPauseDuringEvaluation(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		a := newAlertEnv(t, d, 0)
		halfRightHours(t, a.env, 0, 2)
		rs := &racingStore{Store: a.st}
		rs.before = func() {
			if _, err := a.st.PauseMonitor(a.ctx, a.m.ID, "incident"); err != nil {
				t.Fatal(err)
			}
		}
		svc := &monitoring.Service{Store: rs}
		if _, err := svc.Evaluate(a.ctx, a.m.ID, a.hour(2).Add(time.Second), time.Time{}); lodestar.ErrorCode(err) != lodestar.EConflict {
			t.Errorf("evaluation overtaken by a pause: %v, want a conflict saying it is paused", err)
		}
		if ws, _ := a.st.ListWindows(a.ctx, a.m.ID, 10); len(ws) != 0 {
			t.Errorf("windows saved: %d, want none", len(ws))
		}
		if _, err := a.st.ResumeMonitor(a.ctx, a.m.ID); err != nil {
			t.Fatal(err)
		}
		// An edit overtaking an evaluation: it is made again with the
		// new settings.
		rs.before = func() {
			min := lodestar.MonitorThresholds{MinAccuracy: 0.4}
			edit(t, a, lodestar.MonitorUpdate{Thresholds: &min})
		}
		if _, err := svc.Evaluate(a.ctx, a.m.ID, a.hour(2).Add(time.Second), time.Time{}); err != nil {
			t.Fatal(err)
		}
		if open := openAlerts(t, a); len(open) != 0 {
			t.Errorf("open alerts: %+v, want none (windows judged on the edited 0.4)", open)
		}
	})
}
