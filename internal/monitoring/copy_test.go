package monitoring_test

import (
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestCopyMonitorToNewVersion: a monitor copied to another version of its
// model has its settings and its reference — the same dataset, or the new
// version's range of events, which must be given — and is judged as any
// new monitor; every refusal leaves the model's monitors as they were.
func TestCopyMonitorToNewVersion(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		e := newEnvOn(t, d, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
		svc := &monitoring.Service{Store: e.st}
		if _, err := e.st.CreateModelVersion(e.ctx, e.model, lodestar.ModelVersion{Version: "2"}); err != nil {
			t.Fatal(err)
		}
		th := lodestar.MonitorThresholds{MinAccuracy: 0.8, MaxLatencyP95MS: 250, Drift: true, DriftNumericTest: "ks"}
		ref := "x,label\n0.1,1\n0.5,0\n0.9,1\n"
		byData, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "daily", Task: "binary",
			Window: "day", Thresholds: th, AlertAfter: 2, ResolveAfter: 3, RetrainAfter: 5, RemindAfter: 12, WebhookURL: "https://hooks.example.com/x?token=s3cret",
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}, []byte(ref), "training.csv")
		if err != nil {
			t.Fatal(err)
		}
		byEvents, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "hourly", Task: "binary", Numeric: []string{"x"},
			Window: "hour", Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.7},
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.Add(-2 * time.Hour), To: e.t0.Add(-time.Hour)}}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		count := func() int {
			ms, err := e.st.ListMonitors(e.ctx, e.model)
			if err != nil {
				t.Fatal(err)
			}
			return len(ms)
		}
		before := count()
		for _, c := range []struct {
			id    int64
			to    monitoring.CopyTo
			code  string
			field string
			has   string
		}{
			{byData.ID, monitoring.CopyTo{}, lodestar.EInvalid, "version", "Name the version"},
			{byData.ID, monitoring.CopyTo{Version: "1"}, lodestar.EInvalid, "version", "watches version 1 already"},
			{byData.ID, monitoring.CopyTo{Version: "9"}, lodestar.EInvalid, "version", ""},
			{byData.ID, monitoring.CopyTo{Version: "2", From: e.t0, To: e.t0.Add(time.Hour)}, lodestar.EInvalid, "reference.from", "reference is a dataset"},
			{byEvents.ID, monitoring.CopyTo{Version: "2"}, lodestar.EInvalid, "reference.from", "give the range of version 2's events"},
			{byEvents.ID, monitoring.CopyTo{Version: "2", From: e.t0, To: e.t0.Add(-time.Hour)}, lodestar.EInvalid, "", ""},
			{byData.ID, monitoring.CopyTo{Version: "1", Name: "hourly"}, lodestar.EConflict, "", "already has a monitor of this name"},
			{9999, monitoring.CopyTo{Version: "2"}, lodestar.ENotFound, "", ""},
			// A range with no events of the new version: the copy could
			// never be evaluated (its reference never ready).
			{byEvents.ID, monitoring.CopyTo{Version: "2", From: e.t0.Add(time.Hour), To: e.t0.Add(2 * time.Hour)}, lodestar.EInvalid, "reference.from", "holds no events of version 2"},
		} {
			_, err := svc.CopyMonitor(e.ctx, c.id, c.to)
			if lodestar.ErrorCode(err) != c.code || c.field != "" && lodestar.ErrorFields(err)[c.field] == "" ||
				c.has != "" && !strings.Contains(lodestar.ErrorMessage(err)+lodestar.ErrorFields(err)[c.field], c.has) {
				t.Errorf("copy %d to %+v: %v (fields %v); want %s on %q with %q", c.id, c.to, err, lodestar.ErrorFields(err), c.code, c.field, c.has)
			}
		}
		if n := count(); n != before {
			t.Fatalf("the refused copies left %d monitors, there were %d", n, before)
		}

		cp, err := svc.CopyMonitor(e.ctx, byData.ID, monitoring.CopyTo{Version: " 2 "})
		if err != nil {
			t.Fatal(err)
		}
		if cp.ID == byData.ID || cp.Version != "2" || cp.Name != "daily" || cp.Window != "day" || cp.Task != "binary" ||
			cp.Thresholds != th || cp.AlertAfter != 2 || cp.ResolveAfter != 3 || cp.RetrainAfter != 5 || cp.RemindAfter != 12 || cp.WebhookURL != byData.WebhookURL ||
			strings.Join(cp.Numeric, ",") != strings.Join(byData.Numeric, ",") ||
			cp.Reference.Kind != lodestar.ReferenceDataset || cp.Reference.SHA256 != byData.Reference.SHA256 || cp.Reference.FileName != "training.csv" || cp.Reference.Rows != 3 {
			t.Errorf("copy:\n%+v\nof\n%+v", cp, byData)
		}
		data, err := e.st.MonitorReferenceData(e.ctx, cp.ID)
		if err != nil || string(data) != ref {
			t.Errorf("the copy's reference data: %q, %v", data, err)
		}
		e.add(t, lodestar.StoredEvent{ID: "v2-a", Time: e.t0.Add(time.Minute), Version: "2",
			Body: []byte(`{"id":"v2-a","version":"2","features":{"x":0.4},"prediction":0.8,"latency_ms":5}`)})
		cp2, err := svc.CopyMonitor(e.ctx, byEvents.ID, monitoring.CopyTo{Version: "2", Name: "hourly v2", From: e.t0, To: e.t0.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		if cp2.Name != "hourly v2" || cp2.Reference.Kind != lodestar.ReferenceEvents || !cp2.Reference.From.Equal(e.t0) || !cp2.Reference.To.Equal(e.t0.Add(time.Hour)) ||
			cp2.Thresholds.MinAccuracy != 0.7 || strings.Join(cp2.Numeric, ",") != "x" {
			t.Errorf("events copy: %+v", cp2)
		}
		if n := count(); n != before+2 {
			t.Errorf("%d monitors after two copies, want %d", n, before+2)
		}
	})
}

// TestEventRangeMonitorNeedsEvents: a monitor whose reference is a range
// of events with no event of its version is refused whether its features
// are named or taken from the range — as the API, the form and a copy make
// it — and nothing is kept.
func TestEventRangeMonitorNeedsEvents(t *testing.T) {
	e := newEnv(t)
	svc := &monitoring.Service{Store: e.st}
	if _, err := e.st.CreateModelVersion(e.ctx, e.model, lodestar.ModelVersion{Version: "2"}); err != nil {
		t.Fatal(err)
	}
	e.add(t, ev("v1-a", e.t0.Add(time.Minute), 0.5, 0.9, 1)) // version 1's, not 2's
	before, err := e.st.ListMonitors(e.ctx, e.model)
	if err != nil {
		t.Fatal(err)
	}
	for _, numeric := range [][]string{{"x"}, nil} {
		_, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "2", Name: "empty", Task: "binary", Numeric: numeric,
			Window: "hour", Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.7, Drift: true},
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0, To: e.t0.Add(time.Hour)}}, nil, "")
		if lodestar.ErrorCode(err) != lodestar.EInvalid || !strings.Contains(lodestar.ErrorFields(err)["reference.from"], "holds no events of version 2") {
			t.Errorf("features %v: %v (fields %v); want the empty range refused", numeric, err, lodestar.ErrorFields(err))
		}
	}
	after, err := e.st.ListMonitors(e.ctx, e.model)
	if err != nil {
		t.Fatal(err)
	}
	if len(after) != len(before) {
		t.Errorf("%d monitors after the refusals; there were %d", len(after), len(before))
	}
}

// TestReferenceNotReadyTranslated: the refusal to evaluate a monitor whose
// reference holds no events reads in Chinese for a Chinese client (the
// API's Accept-Language, the UI's 409 page).
func TestReferenceNotReadyTranslated(t *testing.T) {
	b, err := i18n.Shared()
	if err != nil {
		t.Fatal(err)
	}
	msg := "The monitor's reference is not ready: the reference holds no events yet"
	if got := b.Message("zh-CN", msg); got != "监控的参照尚未就绪：参照范围内还没有事件" {
		t.Errorf("zh-CN: %q", got)
	}
	if got := b.Message("en", msg); got != msg {
		t.Errorf("en: %q", got)
	}
}
