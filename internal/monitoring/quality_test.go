package monitoring_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// qualityHour makes an hour of events from t: in, x inside the
// reference's range [0, 0.99]; out, x = 5 (above it); miss, no x.
func qualityHour(prefix string, t time.Time, in, out, miss int) []lodestar.StoredEvent {
	var evs []lodestar.StoredEvent
	for i := range in + out + miss {
		id := fmt.Sprintf("%s-%d", prefix, i)
		feat := fmt.Sprintf(`{"x":%g}`, float64(i%90)/100)
		switch {
		case i >= in+out:
			feat = `{}`
		case i >= in:
			feat = `{"x":5}`
		}
		evs = append(evs, lodestar.StoredEvent{ID: id, Time: t.Add(time.Duration(i) * time.Second), Version: "1",
			Body: []byte(fmt.Sprintf(`{"id":%q,"version":"1","features":%s,"prediction":0.9,"label":1}`, id, feat))})
	}
	return evs
}

// TestDataQualityAlert: hourly windows against a reference with x in
// [0, 0.99] and nothing missing. Values above the range (10 of 60) breach
// the out-of-range share, a third missing the missing share; two such
// windows in a row open one data_quality alert dated at the first, naming
// the feature and that window's figure; a window of 20 events (under 30) cannot
// judge and leaves the streak; a clean window resolves the alert. Data
// quality does not count toward retraining. The figures are stored and
// read back with the windows.
func TestDataQualityAlert(t *testing.T) {
	e := newEnv(t)
	svc := &monitoring.Service{Store: e.st}
	m, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "dq", Numeric: []string{"x"},
		Window: "hour", AlertAfter: 2, ResolveAfter: 1, RetrainAfter: 1,
		Thresholds: lodestar.MonitorThresholds{DataQuality: true, MinAccuracy: 0.5},
		Reference:  lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.Add(-2 * time.Hour), To: e.t0.Add(-time.Hour)}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	e.add(t, qualityHour("h0", e.t0, 50, 10, 0)...)
	e.add(t, qualityHour("h1", e.t0.Add(time.Hour), 40, 0, 20)...)
	e.add(t, qualityHour("h2", e.t0.Add(2*time.Hour), 0, 20, 0)...)
	e.add(t, qualityHour("h3", e.t0.Add(3*time.Hour), 60, 1, 0)...)
	out, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(4*time.Hour), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ws := since(out.Windows, e.t0)
	if len(ws) != 4 {
		t.Fatalf("windows: %d, want 4", len(ws))
	}
	q0 := ws[0].Quality
	if len(q0) != 1 || q0[0].Feature != "x" || q0[0].Kind != "numeric" || q0[0].Above != 10 || q0[0].Below != 0 ||
		q0[0].OutOfRangeShare == nil || *q0[0].OutOfRangeShare != 10.0/60 || *q0[0].ReferenceMin != 0 || *q0[0].ReferenceMax != 0.99 || !q0[0].Decides {
		t.Fatalf("window 0 quality: %+v", q0)
	}
	if got := ws[0].Metrics["max_out_of_range_share"]; got != 10.0/60 || !slices.Contains(ws[0].Breaches, "data_quality") {
		t.Errorf("window 0: out-of-range %v, breaches %v", got, ws[0].Breaches)
	}
	q1 := ws[1].Quality[0]
	if q1.Missing != 20 || *q1.MissingShare != 20.0/60 || *q1.ReferenceMissingShare != 0 || !slices.Contains(ws[1].Breaches, "data_quality") {
		t.Errorf("window 1: %+v, breaches %v", q1, ws[1].Breaches)
	}
	if ws[2].Quality[0].Decides || slices.Contains(ws[2].Breaches, "data_quality") {
		t.Errorf("window 2 (20 events) decides: %+v %v", ws[2].Quality, ws[2].Breaches)
	}
	// One value of 61 outside the range: 1.6%, within the 5% default.
	if slices.Contains(ws[3].Breaches, "data_quality") {
		t.Errorf("window 3 breaches %v", ws[3].Breaches)
	}
	var dq []*lodestar.Alert
	for _, a := range out.Opened {
		if a.Kind == "data_quality" {
			dq = append(dq, a)
		}
	}
	if len(dq) != 1 || !dq[0].OpenedAt.Equal(e.t0) || dq[0].Status != lodestar.AlertResolved || !dq[0].ResolvedAt.Equal(e.t0.Add(3*time.Hour)) {
		t.Fatalf("data-quality alerts: %+v; want one opened at t0, resolved at t0+3h", dq)
	}
	// The figure of its first window, the one it is dated from (the
	// second's, a third missing, made the breach long enough).
	if want := `Feature "x": 16.7% of values outside the reference's range 0 to 0.99 (threshold 5.0%).`; dq[0].Message != want ||
		dq[0].Threshold != 0.05 || dq[0].Value != 10.0/60 {
		t.Errorf("alert: %q (value %v, threshold %v), want %q", dq[0].Message, dq[0].Value, dq[0].Threshold, want)
	}
	if len(out.Tasks) != 0 {
		t.Errorf("data quality opened a retraining task: %+v", out.Tasks)
	}
	stored := since(mustWindows(t, e, m.ID), e.t0)
	if len(stored) != 4 || len(stored[0].Quality) != 1 || stored[0].Quality[0].Above != 10 || *stored[1].Quality[0].MissingShare != 20.0/60 {
		t.Errorf("stored windows' quality: %+v", stored)
	}

	// Evaluated window by window, the alert opens with its webhook and
	// names the range for an out-of-range breach; thresholds set on the
	// monitor hold (20% out of range tolerated, missing off).
	e2 := newEnv(t)
	svc2 := &monitoring.Service{Store: e2.st}
	m2, err := svc2.CreateMonitor(e2.ctx, lodestar.Monitor{ModelID: e2.model, Version: "1", Name: "dq", Numeric: []string{"x"},
		Window: "hour", WebhookURL: "http://hooks.invalid/q",
		Thresholds: lodestar.MonitorThresholds{DataQuality: true, QualityMaxOutOfRange: 0.2, QualityMaxMissingIncrease: 1},
		Reference:  lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e2.t0.Add(-2 * time.Hour), To: e2.t0.Add(-time.Hour)}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	e2.add(t, qualityHour("a", e2.t0, 40, 5, 40)...) // 11% out of range, 47% missing: neither breaches
	e2.add(t, qualityHour("b", e2.t0.Add(time.Hour), 30, 10, 0)...)
	hooks := testdb.Count(t, e2.st.DB, "webhook_outbox")
	if _, err := svc2.Evaluate(e2.ctx, m2.ID, e2.t0.Add(2*time.Hour), time.Time{}); err != nil {
		t.Fatal(err)
	}
	open, _ := e2.st.ListAlerts(e2.ctx, e2.model, true)
	if len(open) != 1 || open[0].Kind != "data_quality" || !open[0].OpenedAt.Equal(e2.t0.Add(time.Hour)) ||
		open[0].Message != `Feature "x": 25.0% of values outside the reference's range 0 to 0.99 (threshold 20.0%).` {
		t.Fatalf("open alerts: %+v", open)
	}
	if got := testdb.Count(t, e2.st.DB, "webhook_outbox"); got != hooks+1 {
		t.Errorf("webhooks queued: %d, want 1", got-hooks)
	}
}

// TestDataQualityRefused: the thresholds are checked one by one, and a
// monitor without features cannot judge data quality: here an event-range
// reference holding no events to take them from.
func TestDataQualityRefused(t *testing.T) {
	e := newEnv(t)
	svc := &monitoring.Service{Store: e.st}
	_, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "dq", Window: "hour",
		Thresholds: lodestar.MonitorThresholds{DataQuality: true, QualityMaxMissingIncrease: -0.1, QualityMaxOutOfRange: 1.5,
			QualityMaxNewValues: 2, QualityMinEvents: -1},
		Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.AddDate(-1, 0, 0), To: e.t0.AddDate(-1, 0, 1)}}, nil, "")
	var le *lodestar.Error
	if !errors.As(err, &le) {
		t.Fatalf("bad data-quality thresholds: %v, want field errors", err)
	}
	for _, f := range []string{"reference.from", "thresholds.data_quality", "thresholds.quality_max_missing_increase", "thresholds.quality_max_out_of_range",
		"thresholds.quality_max_new_values", "thresholds.quality_min_events"} {
		if le.Fields[f] == "" {
			t.Errorf("fields %v do not name %s", le.Fields, f)
		}
	}
	if n := testdb.Count(t, e.st.DB, "monitors"); n != 0 {
		t.Errorf("%d monitors stored after a refusal", n)
	}
}
