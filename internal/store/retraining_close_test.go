package store_test

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// A retraining task closes with after figures that exist. A version going
// live without the task's metrics in its card leaves it open, awaiting
// them (new_version set, no after); it closes when the live version's card
// is edited with them, or on the first window of its monitor that computes
// them. Only another version of the same model going live settles it.
func TestRetrainingTaskAwaitsMetrics(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		m := f.recModel("1.0")
		task := func(id int64) *lodestar.RetrainingTask {
			t.Helper()
			ts, err := f.s.ListRetrainingTasks(f.ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, tk := range ts {
				if tk.ID == id {
					return tk
				}
			}
			t.Fatalf("task %d not found in %+v", id, ts)
			return nil
		}
		// A task opened on version ver by a new monitor of it.
		open := func(model int64, ver string) (int64, *lodestar.Monitor) {
			t.Helper()
			mon := f.accuracyMonitor(model, ver)
			ev := &lodestar.Evaluation{Windows: []*lodestar.WindowResult{{Start: t0, End: t0.Add(time.Hour), Events: 100, Labelled: 90,
				Metrics: map[string]float64{"accuracy": 0.6}, Drift: []byte(`{"columns":[]}`)}},
				Tasks: []*lodestar.RetrainingTask{{Reason: "decay", Before: map[string]float64{"events": 100, "drift_share": 0, "accuracy": 0.6}, OpenedAt: t0.Add(time.Hour)}}}
			if err := f.s.SaveEvaluation(f.ctx, mon.ID, t0.Add(time.Hour), ev); err != nil {
				t.Fatal(err)
			}
			if len(ev.Tasks) != 1 || ev.Tasks[0].ID == 0 {
				t.Fatalf("no task opened: %+v", ev.Tasks)
			}
			return ev.Tasks[0].ID, mon
		}
		live := func(v *lodestar.ModelVersion, path ...string) {
			t.Helper()
			for _, st := range path {
				if _, err := f.s.SetModelVersionStatus(f.ctx, v.ID, st, "go"); err != nil {
					t.Fatalf("%s → %s: %v", v.Version, st, err)
				}
			}
		}
		version := func(model int64, name string, metrics map[string]float64) *lodestar.ModelVersion {
			t.Helper()
			v, err := f.s.CreateModelVersion(f.ctx, model, lodestar.ModelVersion{Version: name, Card: lodestar.ModelCard{IntendedUse: "Rank", EvaluationMetrics: metrics}})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		id, _ := open(m.ID, "1.0")

		// Another model's version going live leaves the task alone.
		other, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: m.UseCaseID, Key: "other", Name: "Other"})
		if err != nil {
			t.Fatal(err)
		}
		live(version(other.ID, "9.0", map[string]float64{"accuracy": 0.99}), lodestar.ModelStaging, lodestar.ModelProduction)
		if tk := task(id); tk.Status != lodestar.TaskOpen || tk.NewVersion != "" {
			t.Errorf("after another model went live: %+v; want open, untouched", tk)
		}

		// 3.0-rc goes live with no metrics in its card: the task awaits them.
		rc := version(m.ID, "3.0-rc", nil)
		audits := f.auditCount()
		live(rc, lodestar.ModelStaging, lodestar.ModelProduction)
		tk := task(id)
		if tk.Status != lodestar.TaskOpen || tk.NewVersion != "3.0-rc" || tk.After != nil || !tk.ClosedAt.IsZero() || !tk.AwaitingMetrics() {
			t.Fatalf("after 3.0-rc went live without metrics: %+v; want open, awaiting 3.0-rc's metrics", tk)
		}
		if n := f.auditCount(); n != audits+3 { // staging, production, the task awaiting
			t.Errorf("audit entries: %d new, want 3", n-audits)
		}
		// A card edit without the task's metrics leaves it awaiting.
		if _, err := f.s.UpdateModelCard(f.ctx, rc.ID, lodestar.ModelCard{IntendedUse: "Rank", EvaluationMetrics: map[string]float64{"latency_p99": 40}}); err != nil {
			t.Fatal(err)
		}
		if tk := task(id); tk.Status != lodestar.TaskOpen || tk.After != nil {
			t.Errorf("after a card without accuracy: %+v; want still awaiting", tk)
		}
		// With them, it closes with them, audited.
		audits = f.auditCount()
		if _, err := f.s.UpdateModelCard(f.ctx, rc.ID, lodestar.ModelCard{IntendedUse: "Rank", EvaluationMetrics: map[string]float64{"accuracy": 0.91}}); err != nil {
			t.Fatal(err)
		}
		tk = task(id)
		if tk.Status != lodestar.TaskClosed || tk.NewVersion != "3.0-rc" || tk.After["accuracy"] != 0.91 || tk.ClosedAt.IsZero() || tk.AwaitingMetrics() {
			t.Errorf("after the card's metrics: %+v; want closed with accuracy 0.91", tk)
		}
		if n := f.auditCount(); n != audits+2 { // the card, the task's close
			t.Errorf("audit entries: %d new, want 2", n-audits)
		}

		// Version 3.0-rc decays in turn: its task is not closed by itself
		// going live again, nor by a card edit of its own.
		id2, _ := open(m.ID, "3.0-rc")
		if _, err := f.s.UpdateModelCard(f.ctx, rc.ID, lodestar.ModelCard{IntendedUse: "Rank", EvaluationMetrics: map[string]float64{"accuracy": 0.5}}); err != nil {
			t.Fatal(err)
		}
		if tk := task(id2); tk.Status != lodestar.TaskOpen || tk.NewVersion != "" {
			t.Errorf("3.0-rc's own task after its card edit: %+v; want open", tk)
		}
		// 4.0 goes live without metrics; its monitor's first window
		// (since it went live) without accuracy leaves the task
		// awaiting, the first with it closes it with that window's
		// figures.
		v4 := version(m.ID, "4.0", map[string]float64{})
		live(v4, lodestar.ModelStaging, lodestar.ModelProduction)
		if tk := task(id2); !tk.AwaitingMetrics() || tk.NewVersion != "4.0" {
			t.Fatalf("after 4.0 went live: %+v; want awaiting 4.0's metrics", tk)
		}
		mon4, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: "4.0", Name: "First 4.0", Window: "hour", Numeric: []string{"x"},
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("x\n1\n"))
		if err != nil {
			t.Fatal(err)
		}
		after := f.clock.Now().Truncate(time.Hour).Add(time.Hour) // the first hour since 4.0 went live
		unlabelled := &lodestar.Evaluation{Windows: []*lodestar.WindowResult{{Start: after, End: after.Add(time.Hour), Events: 50,
			Metrics: map[string]float64{"latency_p99": 30}, Drift: []byte(`{"columns":[]}`)}}}
		if err := f.s.SaveEvaluation(f.ctx, mon4.ID, after.Add(time.Hour), unlabelled); err != nil {
			t.Fatal(err)
		}
		if tk := task(id2); !tk.AwaitingMetrics() {
			t.Errorf("after a window without accuracy: %+v; want still awaiting", tk)
		}
		labelled := &lodestar.Evaluation{Windows: []*lodestar.WindowResult{{Start: after.Add(time.Hour), End: after.Add(2 * time.Hour), Events: 50, Labelled: 50,
			Metrics: map[string]float64{"accuracy": 0.88}, Drift: []byte(`{"columns":[]}`)}}}
		if err := f.s.SaveEvaluation(f.ctx, mon4.ID, after.Add(2*time.Hour), labelled); err != nil {
			t.Fatal(err)
		}
		if tk := task(id2); tk.Status != lodestar.TaskClosed || tk.NewVersion != "4.0" || tk.After["accuracy"] != 0.88 {
			t.Errorf("after 4.0's first labelled window: %+v; want closed with accuracy 0.88", tk)
		}

		// 4.0 decays; 5.0 goes live awaiting metrics, then goes back to
		// development: a card edit then does not close the task (the
		// version is not live).
		id3, _ := open(m.ID, "4.0")
		v5 := version(m.ID, "5.0", nil)
		live(v5, lodestar.ModelStaging, lodestar.ModelProduction, lodestar.ModelDevelopment)
		if _, err := f.s.UpdateModelCard(f.ctx, v5.ID, lodestar.ModelCard{IntendedUse: "Rank", EvaluationMetrics: map[string]float64{"accuracy": 0.95}}); err != nil {
			t.Fatal(err)
		}
		// It no longer awaits 5.0 (pages said "awaiting the metrics of
		// 5.0, now live" after it left production).
		if tk := task(id3); tk.Status != lodestar.TaskOpen || tk.NewVersion != "" || tk.AwaitingMetrics() {
			t.Errorf("after the card of 5.0, no longer live: %+v; want open, awaiting no version", tk)
		}
		// Likewise when the version awaited is retired.
		v55 := version(m.ID, "5.5", nil)
		live(v55, lodestar.ModelStaging, lodestar.ModelProduction)
		if tk := task(id3); !tk.AwaitingMetrics() || tk.NewVersion != "5.5" {
			t.Fatalf("after 5.5 went live: %+v; want awaiting it", tk)
		}
		live(v55, lodestar.ModelRetired)
		if tk := task(id3); tk.Status != lodestar.TaskOpen || tk.NewVersion != "" {
			t.Errorf("after 5.5 was retired: %+v; want open, awaiting no version", tk)
		}
		// A version with the metrics in its card closes it at once.
		live(version(m.ID, "6.0", map[string]float64{"accuracy": 0.97}), lodestar.ModelStaging, lodestar.ModelProduction)
		if tk := task(id3); tk.Status != lodestar.TaskClosed || tk.NewVersion != "6.0" || tk.After["accuracy"] != 0.97 {
			t.Errorf("after 6.0 went live with accuracy: %+v; want closed by it", tk)
		}
		f.verify(int64(f.auditCount()))
	})
}

// TestRetrainingTaskClosesOnWindowsSinceLive: a task awaiting a version's
// metrics closes only on a window of the version's monitor that starts
// once the version is live — when it last went into production. A window
// recomputed for a time before (late labels, an evaluation from an earlier
// date), or one that began before and ran across the launch, measured the
// version before it served and leaves the task awaiting; the version's
// card still closes it whenever it is edited with the metrics.
func TestRetrainingTaskClosesOnWindowsSinceLive(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := f.recModel("1.0")
		t0 := f.clock.Now().Truncate(time.Hour).Add(-48 * time.Hour)
		monitor := func(ver string) *lodestar.Monitor { return f.accuracyMonitor(m.ID, ver) }
		window := func(mon *lodestar.Monitor, start time.Time, accuracy float64) {
			t.Helper()
			ev := &lodestar.Evaluation{Windows: []*lodestar.WindowResult{{Start: start, End: start.Add(time.Hour), Events: 50, Labelled: 50,
				Metrics: map[string]float64{"accuracy": accuracy}, Drift: []byte(`{"columns":[]}`)}}}
			if err := f.s.SaveEvaluation(f.ctx, mon.ID, start.Add(time.Hour), ev); err != nil {
				t.Fatal(err)
			}
		}
		task := func() *lodestar.RetrainingTask {
			t.Helper()
			ts, err := f.s.ListRetrainingTasks(f.ctx, 0)
			if err != nil || len(ts) != 1 {
				t.Fatalf("tasks: %+v, %v; want one", ts, err)
			}
			return ts[0]
		}
		status := func(v *lodestar.ModelVersion, path ...string) {
			t.Helper()
			for _, st := range path {
				if _, err := f.s.SetModelVersionStatus(f.ctx, v.ID, st, "go"); err != nil {
					t.Fatalf("%s → %s: %v", v.Version, st, err)
				}
			}
		}
		// 1.0 decays: a task opens on it.
		mon1 := monitor("1.0")
		if err := f.s.SaveEvaluation(f.ctx, mon1.ID, t0.Add(time.Hour), &lodestar.Evaluation{
			Windows: []*lodestar.WindowResult{{Start: t0, End: t0.Add(time.Hour), Events: 100, Labelled: 90, Metrics: map[string]float64{"accuracy": 0.6}, Drift: []byte(`{"columns":[]}`)}},
			Tasks:   []*lodestar.RetrainingTask{{Reason: "decay", Before: map[string]float64{"events": 100, "drift_share": 0, "accuracy": 0.6}, OpenedAt: t0.Add(time.Hour)}}}); err != nil {
			t.Fatal(err)
		}
		// 2.0, its card without accuracy, is shadowed and monitored, then
		// goes live at 20 past the hour, goes back to development, and
		// live again a day later.
		v2, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "2.0", Card: lodestar.ModelCard{IntendedUse: "Rank"}})
		if err != nil {
			t.Fatal(err)
		}
		mon2 := monitor("2.0")
		status(v2, lodestar.ModelStaging)
		hour := f.clock.Now().Truncate(time.Hour)
		f.clock.Set(hour.Add(20 * time.Minute))
		status(v2, lodestar.ModelProduction)
		first := f.clock.Now()
		if tk := task(); !tk.AwaitingMetrics() || tk.NewVersion != "2.0" {
			t.Fatalf("after 2.0 went live: %+v; want awaiting its metrics", tk)
		}
		f.clock.Advance(time.Hour)
		status(v2, lodestar.ModelDevelopment, lodestar.ModelStaging)
		f.clock.Advance(24 * time.Hour)
		status(v2, lodestar.ModelProduction)
		launch := f.clock.Now()
		if tk := task(); !tk.AwaitingMetrics() || tk.NewVersion != "2.0" {
			t.Fatalf("after 2.0 went live again: %+v; want awaiting its metrics", tk)
		}

		// Windows before the launch, recomputed now (as after late labels):
		// the shadow period; an hour from its first time live; one that
		// began before the launch and ran across it. None closes the task.
		for _, start := range []time.Time{t0.Add(time.Hour), first.Truncate(time.Hour).Add(time.Hour), launch.Truncate(time.Hour)} {
			window(mon2, start, 0.9)
			if tk := task(); tk.Status != lodestar.TaskOpen || !tk.AwaitingMetrics() || tk.After != nil {
				t.Fatalf("after 2.0's window at %s, before its launch at %s: %+v; want still awaiting", start, launch, tk)
			}
		}
		// The first window starting since the launch closes it, with its
		// figures.
		audits := f.auditCount()
		start := launch.Truncate(time.Hour).Add(time.Hour)
		window(mon2, start, 0.93)
		tk := task()
		if tk.Status != lodestar.TaskClosed || tk.NewVersion != "2.0" || tk.After["accuracy"] != 0.93 || tk.ClosedAt.IsZero() {
			t.Errorf("after 2.0's window at %s, since its launch: %+v; want closed with accuracy 0.93", start, tk)
		}
		if n := f.auditCount(); n != audits+1 { // the task's close
			t.Errorf("audit entries: %d new, want 1", n-audits)
		}
		f.verify(int64(f.auditCount()))
	})
}

// TestRetrainingTaskCardClosesWhateverTheTime: the card path is not held
// to the launch time — a card edited with the task's metrics closes it
// even when every window so far predates the launch.
func TestRetrainingTaskCardClosesWhateverTheTime(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := f.recModel("1.0")
		t0 := f.clock.Now().Add(-72 * time.Hour).Truncate(time.Hour)
		mon, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "M", Window: "hour", Numeric: []string{"x"},
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("x\n1\n"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.SaveEvaluation(f.ctx, mon.ID, t0.Add(time.Hour), &lodestar.Evaluation{
			Windows: []*lodestar.WindowResult{{Start: t0, End: t0.Add(time.Hour), Events: 100, Labelled: 90, Metrics: map[string]float64{"accuracy": 0.6}, Drift: []byte(`{"columns":[]}`)}},
			Tasks:   []*lodestar.RetrainingTask{{Reason: "decay", Before: map[string]float64{"events": 100, "drift_share": 0, "accuracy": 0.6}, OpenedAt: t0.Add(time.Hour)}}}); err != nil {
			t.Fatal(err)
		}
		v2, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "2.0", Card: lodestar.ModelCard{IntendedUse: "Rank"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
			if _, err := f.s.SetModelVersionStatus(f.ctx, v2.ID, st, "go"); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := f.s.UpdateModelCard(f.ctx, v2.ID, lodestar.ModelCard{IntendedUse: "Rank", EvaluationMetrics: map[string]float64{"accuracy": 0.9}}); err != nil {
			t.Fatal(err)
		}
		ts, err := f.s.ListRetrainingTasks(f.ctx, 0)
		if err != nil || len(ts) != 1 || ts[0].Status != lodestar.TaskClosed || ts[0].After["accuracy"] != 0.9 {
			t.Errorf("after 2.0's card with accuracy: %+v, %v; want the task closed with 0.9", ts, err)
		}
	})
}
