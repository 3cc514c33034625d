package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

func TestEventsAndMonitors(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := f.recModel("1.0")
		// By key, by id, and a key that looks like an id wins over it.
		if got, err := f.s.FindModelByRef(f.ctx, "rec"); err != nil || got.ID != m.ID {
			t.Errorf("by key: %v %v", got, err)
		}
		if got, err := f.s.FindModelByRef(f.ctx, fmt.Sprint(m.ID)); err != nil || got.ID != m.ID {
			t.Errorf("by id: %v %v", got, err)
		}
		_, err := f.s.FindModelByRef(f.ctx, "nope")
		wantError(t, err, lodestar.ENotFound)

		t0 := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
		var evs []lodestar.StoredEvent
		for i := range 1203 { // more than two INSERT chunks
			evs = append(evs, lodestar.StoredEvent{ID: fmt.Sprintf("e-%04d", i), Time: t0.Add(time.Duration(i) * time.Second), Version: "1.0",
				Body: []byte(`{"prediction":0.5}`)})
		}
		evs[5].Label = []byte("1")
		n, err := f.s.AppendEvents(f.ctx, m.ID, evs)
		if err != nil || n != 1203 {
			t.Fatalf("append: got %d, %v", n, err)
		}
		// A retry with two new events counts only those.
		evs = append(evs[:10], lodestar.StoredEvent{ID: "new-1", Time: t0, Version: "1.0", Body: []byte(`{}`)},
			lodestar.StoredEvent{ID: "new-2", Time: t0, Version: "2.0", Body: []byte(`{}`)})
		if n, err = f.s.AppendEvents(f.ctx, m.ID, evs); err != nil || n != 2 {
			t.Errorf("retry: got %d, %v; want 2", n, err)
		}
		_, err = f.s.AppendEvents(f.ctx, 9999, evs)
		wantError(t, err, lodestar.ENotFound)
		if c, _ := f.s.CountEvents(f.ctx, m.ID); c != 1205 {
			t.Errorf("count: %d", c)
		}
		unknown, err := f.s.AttachLabels(f.ctx, m.ID, []lodestar.EventLabel{{ID: "e-0007", Label: []byte("0")}, {ID: "zzz", Label: []byte("1")}})
		if err != nil || len(unknown) != 1 || unknown[0] != "zzz" {
			t.Errorf("labels: %v %v", unknown, err)
		}
		var got []lodestar.StoredEvent
		err = f.s.ScanEvents(f.ctx, m.ID, "1.0", t0.Add(5*time.Second), t0.Add(8*time.Second), func(e lodestar.StoredEvent) error {
			got = append(got, keep(e))
			return nil
		})
		if err != nil || len(got) != 3 || got[0].ID != "e-0005" || string(got[0].Label) != "1" || string(got[2].Label) != "0" || !got[1].Time.Equal(t0.Add(6*time.Second)) {
			t.Errorf("scan: got %+v, %v", got, err)
		}

		// Pruning deletes only what is older than the cutoff, in chunks.
		n, err = func() (int, error) {
			d, err := f.s.DeleteEventsBefore(f.ctx, m.ID, t0.Add(10*time.Second))
			return int(d), err
		}()
		if err != nil || n != 12 { // e-0000…e-0009, new-1, new-2 (all at t0 … t0+9s)
			t.Errorf("delete before t0+10s: got %d, %v; want 12", n, err)
		}
		if c, _ := f.s.CountEvents(f.ctx, m.ID); c != 1193 {
			t.Errorf("count after pruning: %d, want 1193", c)
		}
		before := f.counts()
		_, err = f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "M", Window: "fortnight",
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}, []byte("x\n1\n"))
		wantError(t, err, lodestar.EInvalid)
		f.wantUnchanged(before)
		// One distance threshold serves Wasserstein and Jensen–Shannon;
		// the latter never exceeds √ln 2 ≈ 0.8326, so a higher one would
		// silently never flag a categorical feature.
		_, err = f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "M", Window: "day", Numeric: []string{"x"},
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{Drift: true, DriftDistance: 0.9}}, []byte("x\n1\n"))
		wantError(t, err, lodestar.EInvalid, "thresholds.drift")
		f.wantUnchanged(before)
		mon, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "M", Window: "events:100", Numeric: []string{"x"},
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("x\n1\n"))
		if err != nil {
			t.Fatal(err)
		}
		data, err := f.s.MonitorReferenceData(f.ctx, mon.ID)
		if err != nil || string(data) != "x\n1\n" {
			t.Errorf("reference data: %q %v", data, err)
		}
		w := &lodestar.WindowResult{Start: t0, End: t0.Add(time.Hour), Events: 100, Labelled: 90, Metrics: map[string]float64{"accuracy": 0.7},
			Breaches: []string{"accuracy"}, Drift: []byte(`{"columns":[]}`)}
		ev := &lodestar.Evaluation{Windows: []*lodestar.WindowResult{w},
			Opened: []*lodestar.Alert{{Kind: "accuracy", Value: 0.7, Threshold: 0.8, Message: "low", OpenedAt: t0}},
			Tasks:  []*lodestar.RetrainingTask{{Reason: "decay", Before: map[string]float64{"accuracy": 0.7}, OpenedAt: t0}}}
		if err := f.s.SaveEvaluation(f.ctx, mon.ID, t0.Add(time.Hour), ev); err != nil {
			t.Fatal(err)
		}
		// Saving the same window again replaces it.
		w.Metrics["accuracy"] = 0.75
		if err := f.s.SaveEvaluation(f.ctx, mon.ID, t0.Add(time.Hour), &lodestar.Evaluation{Windows: []*lodestar.WindowResult{w}}); err != nil {
			t.Fatal(err)
		}
		alerts, ws, taskOpen, err := f.s.MonitorState(f.ctx, mon.ID, 5)
		if err != nil || len(alerts) != 1 || len(ws) != 1 || ws[0].Metrics["accuracy"] != 0.75 || !taskOpen || ws[0].Breaches[0] != "accuracy" {
			t.Errorf("state: %v %v %v %v", alerts, ws, taskOpen, err)
		}
		// Resolving an alert that is not open fails and rolls back.
		bad := &lodestar.Evaluation{Windows: []*lodestar.WindowResult{{Start: t0.Add(time.Hour), End: t0.Add(2 * time.Hour), Metrics: map[string]float64{}}},
			Resolved: []*lodestar.Alert{{ID: 12345, ResolvedAt: t0}}}
		wantError(t, f.s.SaveEvaluation(f.ctx, mon.ID, t0.Add(2*time.Hour), bad), lodestar.EConflict)
		if ws, _ := f.s.ListWindows(f.ctx, mon.ID, 0); len(ws) != 1 {
			t.Errorf("a failed save left %d windows, want 1", len(ws))
		}
		got2, _ := f.s.FindMonitorByID(f.ctx, mon.ID)
		if !got2.EvaluatedTo.Equal(t0.Add(time.Hour)) {
			t.Errorf("evaluated_to: %s", got2.EvaluatedTo)
		}
		tasks, err := f.s.ListRetrainingTasks(f.ctx, m.UseCaseID)
		if err != nil || len(tasks) != 1 || tasks[0].Status != lodestar.TaskOpen || tasks[0].Before["accuracy"] != 0.7 {
			t.Errorf("tasks: %+v %v", tasks, err)
		}
		// The API's pages, on either database.
		if ws, total, err := f.s.PageWindows(f.ctx, mon.ID, time.Time{}, 10); err != nil || total != 1 || len(ws) != 1 {
			t.Errorf("PageWindows: %d of %d, %v", len(ws), total, err)
		}
		if ws, _, err := f.s.PageWindows(f.ctx, mon.ID, t0, 10); err != nil || len(ws) != 0 {
			t.Errorf("PageWindows after the only window: %d, %v", len(ws), err)
		}
		if as, total, err := f.s.PageAlerts(f.ctx, m.ID, true, 0, 10); err != nil || total != 1 || len(as) != 1 {
			t.Errorf("PageAlerts: %d of %d, %v", len(as), total, err)
		} else if rest, _, err := f.s.PageAlerts(f.ctx, m.ID, true, as[0].ID, 10); err != nil || len(rest) != 0 {
			t.Errorf("PageAlerts after the last: %d, %v", len(rest), err)
		}
		if ts, total, err := f.s.PageRetrainingTasks(f.ctx, m.UseCaseID, 0, 10); err != nil || total != 1 || len(ts) != 1 {
			t.Errorf("PageRetrainingTasks: %d of %d, %v", len(ts), total, err)
		}
		// Acknowledging the open alert: a note is required and bounded,
		// the alert must exist; then it records who, when and the note
		// (audited), once.
		open, _ := f.s.ListAlerts(f.ctx, m.ID, true)
		alertID := open[0].ID
		audits := f.auditCount()
		_, err = f.s.AcknowledgeAlert(f.ctx, alertID, "  ")
		wantError(t, err, lodestar.EInvalid, "note")
		_, err = f.s.AcknowledgeAlert(f.ctx, alertID, strings.Repeat("字", lodestar.MaxAckNote+1))
		wantError(t, err, lodestar.EInvalid, "note")
		_, err = f.s.AcknowledgeAlert(f.ctx, 987654, "on it")
		wantError(t, err, lodestar.ENotFound)
		if got := f.auditCount(); got != audits {
			t.Errorf("refused acknowledgements wrote %d audit entries", got-audits)
		}
		acked, err := f.s.AcknowledgeAlert(f.ctx, alertID, "  Upstream feed late; retraining on fresh data.  ")
		if err != nil {
			t.Fatal(err)
		}
		if acked.AckNote != "Upstream feed late; retraining on fresh data." || acked.AckedBy != lodestar.ActorFrom(f.ctx).Label ||
			acked.AckedAt.Sub(f.clock.Now()).Abs() > time.Millisecond || acked.Status != lodestar.AlertOpen {
			t.Errorf("acknowledged: %+v", acked)
		}
		if got := f.auditCount(); got != audits+1 {
			t.Errorf("an acknowledgement wrote %d audit entries, want 1", got-audits)
		}
		_, err = f.s.AcknowledgeAlert(f.ctx, alertID, "me too")
		wantError(t, err, lodestar.EConflict)
		if again, _ := f.s.ListAlerts(f.ctx, m.ID, true); again[0].AckNote != acked.AckNote || !again[0].AckedAt.Equal(acked.AckedAt) {
			t.Errorf("a second acknowledgement changed the first: %+v", again[0])
		}
		// Retiring 1.0 resolves its open alert.
		v10, err := f.s.ListModelVersions(f.ctx, m.ID)
		if err != nil || len(v10) != 1 {
			t.Fatalf("versions: %v %v", v10, err)
		}
		for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction, lodestar.ModelRetired} {
			if _, err := f.s.SetModelVersionStatus(f.ctx, v10[0].ID, st, "lifecycle"); err != nil {
				t.Fatal(err)
			}
		}
		if open, _ := f.s.ListAlerts(f.ctx, m.ID, true); len(open) != 0 {
			t.Errorf("open alerts after 1.0 retired: %d, want 0", len(open))
		}
		if _, err := f.s.AcknowledgeAlert(f.ctx, alertID, "late"); lodestar.ErrorCode(err) != lodestar.EConflict || !strings.Contains(err.Error(), "resolved") {
			t.Errorf("acknowledging a resolved alert: got %v, want a conflict saying it is resolved", err)
		}
		f.verify(int64(f.auditCount()))
	})
}
