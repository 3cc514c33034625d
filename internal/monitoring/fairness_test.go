package monitoring_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// groupEvents makes an hour of events from t: per group value, n events
// of which flagged are predicted positive (score 0.9, else 0.1), labels
// left out.
func groupEvents(prefix string, t time.Time, groups map[string][2]int) []lodestar.StoredEvent {
	var out []lodestar.StoredEvent
	i := 0
	for _, g := range []string{"older", "young", "tiny"} {
		c, ok := groups[g]
		if !ok {
			continue
		}
		for k := range c[0] {
			score := 0.1
			if k < c[1] {
				score = 0.9
			}
			id := fmt.Sprintf("%s-%d", prefix, i)
			out = append(out, lodestar.StoredEvent{ID: id, Time: t.Add(time.Duration(i) * time.Second), Version: "1",
				Body: []byte(fmt.Sprintf(`{"id":%q,"version":"1","features":{"x":0.5},"prediction":%g,"groups":{"age":%q}}`, id, score, g))})
			i++
		}
	}
	return out
}

// TestFairnessAlert: hourly windows whose young applicants are flagged
// far more often (the flag adverse: favourable negative) breach the
// impact-ratio threshold; two in a row open one fairness alert (with a
// webhook), dated at the first; a window where only one group is large
// enough cannot judge and changes nothing; a tiny group's extreme rate
// never decides; a fair window resolves it. Fairness does not count
// toward retraining.
func TestFairnessAlert(t *testing.T) {
	e := newEnv(t)
	svc := &monitoring.Service{Store: e.st}
	m, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "fair", Task: "binary", Numeric: []string{"x"},
		Groups: []string{"age"}, Window: "hour", AlertAfter: 2, ResolveAfter: 1, RetrainAfter: 1, WebhookURL: "http://hooks.invalid/f",
		Thresholds: lodestar.MonitorThresholds{Fairness: true, FairnessFavourable: "negative"},
		Reference:  lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.Add(-2 * time.Hour), To: e.t0.Add(-time.Hour)}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	hours := []map[string][2]int{
		{"older": {100, 10}, "young": {50, 20}, "tiny": {5, 5}},  // not flagged: 0.9 vs 0.6, ratio 0.667
		{"older": {100, 10}, "young": {10, 10}},                  // young below 30: cannot judge
		{"older": {100, 10}, "young": {50, 20}},                  // second breach: the alert opens
		{"older": {100, 10}, "young": {50, 6}, "tiny": {10, 10}}, // 0.9 vs 0.88: fair, tiny all flagged
	}
	for h, groups := range hours {
		e.add(t, groupEvents(fmt.Sprintf("h%d", h), e.t0.Add(time.Duration(h)*time.Hour), groups)...)
	}
	out, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(4*time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// The reference's hour (no group values) comes first.
	ws := out.Windows[:0:0]
	for _, w := range out.Windows {
		if !w.Start.Before(e.t0) {
			ws = append(ws, w)
		} else if w.Fairness != nil {
			t.Errorf("a window without group values has fairness %+v", w.Fairness)
		}
	}
	out.Windows = ws
	if len(out.Windows) != 4 {
		t.Fatalf("windows: %d, want 4", len(out.Windows))
	}
	w0 := out.Windows[0]
	if len(w0.Fairness) != 1 || w0.Fairness[0].Attribute != "age" || w0.Fairness[0].Reference != "older" || w0.Fairness[0].Favourable != "negative" {
		t.Fatalf("window 0 fairness: %+v", w0.Fairness)
	}
	if ir := w0.Metrics["min_impact_ratio"]; ir < 0.6666 || ir > 0.6667 || !slices.Contains(w0.Breaches, "fairness") {
		t.Errorf("window 0: min impact ratio %v, breaches %v; want 0.667 and fairness", ir, w0.Breaches)
	}
	for _, g := range w0.Fairness[0].Groups {
		if g.Group == "tiny" && (g.Decides || g.ImpactRatio == nil || *g.ImpactRatio != 0) {
			t.Errorf("tiny group: %+v; want reported (impact 0) and not deciding", g)
		}
	}
	if _, ok := out.Windows[1].Metrics["min_impact_ratio"]; ok || slices.Contains(out.Windows[1].Breaches, "fairness") {
		t.Errorf("window 1 (one group large enough): %v, %v; want no figure, no breach", out.Windows[1].Metrics, out.Windows[1].Breaches)
	}
	if slices.Contains(out.Windows[3].Breaches, "fairness") {
		t.Errorf("window 3 breaches %v; the tiny group must not decide", out.Windows[3].Breaches)
	}
	var fair []*lodestar.Alert
	for _, a := range out.Opened {
		if a.Kind == "fairness" {
			fair = append(fair, a)
		}
	}
	if len(fair) != 1 || !fair[0].OpenedAt.Equal(e.t0) || fair[0].Status != lodestar.AlertResolved || !fair[0].ResolvedAt.Equal(e.t0.Add(3*time.Hour)) {
		t.Fatalf("fairness alerts: %+v; want one opened at t0, resolved at t0+3h", fair)
	}
	if want := `Impact ratio 0.667 for age "young" (against "older") is below 0.80.`; fair[0].Message != want || fair[0].Threshold != 0.8 {
		t.Errorf("alert: %q (threshold %v), want %q (0.8)", fair[0].Message, fair[0].Threshold, want)
	}
	if len(out.Tasks) != 0 {
		t.Errorf("fairness opened a retraining task: %+v", out.Tasks)
	}
	// Opened and resolved within one run: history, no webhook. Now an
	// open one, evaluated run by run, with its webhook.
	e2 := newEnv(t)
	svc2 := &monitoring.Service{Store: e2.st}
	m2, err := svc2.CreateMonitor(e2.ctx, lodestar.Monitor{ModelID: e2.model, Version: "1", Name: "fair", Task: "binary", Numeric: []string{"x"},
		Groups: []string{"age"}, Window: "hour", WebhookURL: "http://hooks.invalid/f",
		Thresholds: lodestar.MonitorThresholds{Fairness: true, FairnessFavourable: "negative", FairnessMinImpactRatio: 0.7},
		Reference:  lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e2.t0.Add(-2 * time.Hour), To: e2.t0.Add(-time.Hour)}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	e2.add(t, groupEvents("a", e2.t0, hours[0])...)
	hooks := testdb.Count(t, e2.st.DB, "webhook_outbox")
	if _, err := svc2.Evaluate(e2.ctx, m2.ID, e2.t0.Add(time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	open, _ := e2.st.ListAlerts(e2.ctx, e2.model, true)
	if len(open) != 1 || open[0].Kind != "fairness" || open[0].Threshold != 0.7 || !strings.Contains(open[0].Message, "below 0.70") {
		t.Fatalf("open alerts: %+v; want one fairness alert at 0.7", open)
	}
	if got := testdb.Count(t, e2.st.DB, "webhook_outbox"); got != hooks+1 {
		t.Errorf("webhooks queued: %d, want 1", got-hooks)
	}
	e2.add(t, groupEvents("b", e2.t0.Add(time.Hour), hours[0])...)
	if _, err := svc2.Evaluate(e2.ctx, m2.ID, e2.t0.Add(2*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if all, _ := e2.st.ListAlerts(e2.ctx, e2.model, false); len(all) != 1 {
		t.Errorf("a breach lasting two windows raised %d alerts, want 1", len(all))
	}
	e2.add(t, groupEvents("c", e2.t0.Add(2*time.Hour), hours[3])...)
	if _, err := svc2.Evaluate(e2.ctx, m2.ID, e2.t0.Add(3*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if open, _ := e2.st.ListAlerts(e2.ctx, e2.model, true); len(open) != 0 {
		t.Errorf("after a fair window: %d open alerts, want 0", len(open))
	}
	if got := testdb.Count(t, e2.st.DB, "webhook_outbox"); got != hooks+2 {
		t.Errorf("webhooks queued: %d, want 2 (opened, resolved)", got-hooks)
	}
	ws, _ = e2.st.ListWindows(e2.ctx, m2.ID, 10)
	if len(ws) != 4 || len(ws[len(ws)-1].Fairness) != 1 {
		t.Errorf("stored windows: %d, first fairness %+v", len(ws), ws)
	}
}
