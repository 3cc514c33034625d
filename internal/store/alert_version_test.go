package store_test

import (
	"encoding/json"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestAlertsNameTheirVersion: during a canary two versions of one model
// are monitored and alert at once. Every read of an alert says which
// version it is about — the version its monitor watches — however it is
// read: listed, paged (past a cursor too), as a monitor's state, as
// resolved since a time, acknowledged, and inside a webhook delivery.
func TestAlertsNameTheirVersion(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := f.recModel("1.0", "2.0")
		t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		open := func(version string, at time.Time) *lodestar.Monitor {
			t.Helper()
			mon, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: version, Name: "M " + version, Window: "hour",
				Numeric: []string{"x"}, WebhookURL: "http://hooks.invalid/x",
				Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("x\n1\n"))
			if err != nil {
				t.Fatal(err)
			}
			w := &lodestar.WindowResult{Start: at, End: at.Add(time.Hour), Events: 100, Labelled: 90, Metrics: map[string]float64{"accuracy": 0.7},
				Breaches: []string{"accuracy"}, Drift: []byte(`{"columns":[]}`)}
			ev := &lodestar.Evaluation{Windows: []*lodestar.WindowResult{w},
				Opened: []*lodestar.Alert{{Kind: "accuracy", Value: 0.7, Threshold: 0.8, Message: "low", OpenedAt: at}}}
			if err := f.s.SaveEvaluation(f.ctx, mon.ID, at.Add(time.Hour), ev); err != nil {
				t.Fatal(err)
			}
			if ev.Opened[0].Version != version {
				t.Errorf("the saved alert says version %q, want %q", ev.Opened[0].Version, version)
			}
			return mon
		}
		// The canary's (2.0) alert is the newer.
		stable, canary := open("1.0", t0), open("2.0", t0.Add(time.Hour))
		want := map[int64]string{stable.ID: "1.0", canary.ID: "2.0"}
		check := func(what string, as []*lodestar.Alert, n int) {
			t.Helper()
			if len(as) != n {
				t.Fatalf("%s: %d alerts, want %d", what, len(as), n)
			}
			for _, a := range as {
				if a.Version != want[a.MonitorID] {
					t.Errorf("%s: alert %d of monitor %d says version %q, want %q", what, a.ID, a.MonitorID, a.Version, want[a.MonitorID])
				}
			}
		}
		all, err := f.s.ListAlerts(f.ctx, m.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		check("ListAlerts", all, 2)
		if all[0].MonitorID != canary.ID {
			t.Errorf("ListAlerts: newest first is monitor %d's alert, want the canary's (%d)", all[0].MonitorID, canary.ID)
		}
		openOnes, err := f.s.ListAlerts(f.ctx, 0, true)
		if err != nil {
			t.Fatal(err)
		}
		check("ListAlerts open, every model", openOnes, 2)
		page, total, err := f.s.PageAlerts(f.ctx, m.ID, true, 0, 1)
		if err != nil || total != 2 {
			t.Fatalf("PageAlerts: %d of %d, %v; want 1 of 2", len(page), total, err)
		}
		check("PageAlerts", page, 1)
		rest, total, err := f.s.PageAlerts(f.ctx, 0, false, page[0].ID, 10)
		if err != nil || total != 2 {
			t.Fatalf("PageAlerts after %d: %d of %d, %v", page[0].ID, len(rest), total, err)
		}
		check("PageAlerts after the first", rest, 1)
		if rest[0].ID == page[0].ID {
			t.Errorf("the second page repeats alert %d", rest[0].ID)
		}
		state, _, _, err := f.s.MonitorState(f.ctx, stable.ID, 5)
		if err != nil {
			t.Fatal(err)
		}
		check("MonitorState", state, 1)
		acked, err := f.s.AcknowledgeAlert(f.ctx, state[0].ID, "rolling back")
		if err != nil {
			t.Fatal(err)
		}
		check("AcknowledgeAlert", []*lodestar.Alert{acked}, 1)

		// The canary's alert resolves: read back as resolved since then.
		cs, _, _, err := f.s.MonitorState(f.ctx, canary.ID, 5)
		if err != nil {
			t.Fatal(err)
		}
		check("MonitorState canary", cs, 1)
		resolved := *cs[0]
		resolved.ResolvedAt = t0.Add(3 * time.Hour)
		at := t0.Add(2 * time.Hour)
		if err := f.s.SaveEvaluation(f.ctx, canary.ID, at.Add(time.Hour), &lodestar.Evaluation{
			Windows:  []*lodestar.WindowResult{{Start: at, End: at.Add(time.Hour), Events: 100, Metrics: map[string]float64{"accuracy": 0.9}, Drift: []byte(`{"columns":[]}`)}},
			Seen:     cs,
			Resolved: []*lodestar.Alert{&resolved}}); err != nil {
			t.Fatal(err)
		}
		since, err := f.s.ResolvedAlertsSince(f.ctx, canary.ID, t0)
		if err != nil {
			t.Fatal(err)
		}
		check("ResolvedAlertsSince", since, 1)

		// Each delivery's alert says its version, as the delivery does.
		rows, err := db.Query(f.ctx, `SELECT payload FROM webhook_outbox ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var payload string
			if err := rows.Scan(&payload); err != nil {
				t.Fatal(err)
			}
			var p struct {
				Event   string `json:"event"`
				Version string `json:"version"`
				Alert   struct {
					Version string `json:"version"`
				} `json:"alert"`
			}
			if err := json.Unmarshal([]byte(payload), &p); err != nil {
				t.Fatal(err)
			}
			if p.Alert.Version != p.Version {
				t.Errorf("%s: the alert says version %q, the delivery %q", p.Event, p.Alert.Version, p.Version)
			}
			got = append(got, p.Event+" "+p.Alert.Version)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if len(got) != 3 || got[0] != "alert.opened 1.0" || got[1] != "alert.opened 2.0" || got[2] != "alert.resolved 2.0" {
			t.Errorf("deliveries %q; want alert.opened 1.0, alert.opened 2.0, alert.resolved 2.0", got)
		}
	})
}
