package store_test

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestRetrainingTaskNotClosedByUnlabelledWindow: a task opened on decay
// holds, as before figures, every metric of its window — accuracy and the
// other quality metrics from labels, but also latency, the positive rate
// and the mean score, which a window has without labels. The new
// version's first window since it went live is usually evaluated before
// its labels come: it has latency and scores but no accuracy, and must
// not close the task with after figures that say nothing of the
// retraining (no quality metric to set against the before). Its first
// labelled window closes it. A card holding only latency does not close
// it either.
func TestRetrainingTaskNotClosedByUnlabelledWindow(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := f.recModel("1.0")
		t0 := f.clock.Now().Truncate(time.Hour).Add(-48 * time.Hour)
		monitor := func(ver string) *lodestar.Monitor { return f.accuracyMonitor(m.ID, ver) }
		task := func() *lodestar.RetrainingTask {
			t.Helper()
			ts, err := f.s.ListRetrainingTasks(f.ctx, 0)
			if err != nil || len(ts) != 1 {
				t.Fatalf("tasks: %+v, %v; want one", ts, err)
			}
			return ts[0]
		}
		// 1.0 decays: a task opens with its window's figures, as the
		// monitoring service gives them.
		decayed := map[string]float64{"accuracy": 0.6, "auc": 0.65, "f1": 0.58, "log_loss": 0.7, "precision": 0.6, "recall": 0.57,
			"positive_rate": 0.5, "mean_score": 0.49, "latency_p50": 20, "latency_p95": 45, "latency_p99": 60, "max_out_of_range_share": 0.02}
		before := map[string]float64{"events": 100, "drift_share": 0}
		for k, v := range decayed {
			before[k] = v
		}
		mon1 := monitor("1.0")
		if err := f.s.SaveEvaluation(f.ctx, mon1.ID, t0.Add(time.Hour), &lodestar.Evaluation{
			Windows: []*lodestar.WindowResult{{Start: t0, End: t0.Add(time.Hour), Events: 100, Labelled: 100, Metrics: decayed, Drift: []byte(`{"columns":[]}`)}},
			Tasks:   []*lodestar.RetrainingTask{{Reason: "decay", Before: before, OpenedAt: t0.Add(time.Hour)}}}); err != nil {
			t.Fatal(err)
		}
		// 2.0, its card with latency only, goes live: the task awaits its
		// metrics.
		v2, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "2.0",
			Card: lodestar.ModelCard{IntendedUse: "Rank", EvaluationMetrics: map[string]float64{"latency_p95": 30}}})
		if err != nil {
			t.Fatal(err)
		}
		mon2 := monitor("2.0")
		for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
			if _, err := f.s.SetModelVersionStatus(f.ctx, v2.ID, st, "retrained"); err != nil {
				t.Fatal(err)
			}
		}
		if tk := task(); tk.Status != lodestar.TaskOpen || !tk.AwaitingMetrics() {
			t.Fatalf("2.0 live, its card with latency only: %+v; want the task awaiting its metrics", tk)
		}
		// Its first hour since, evaluated before any label came.
		start := f.clock.Now().Truncate(time.Hour).Add(time.Hour)
		if err := f.s.SaveEvaluation(f.ctx, mon2.ID, start.Add(time.Hour), &lodestar.Evaluation{
			Windows: []*lodestar.WindowResult{{Start: start, End: start.Add(time.Hour), Events: 80, Labelled: 0,
				Metrics: map[string]float64{"positive_rate": 0.45, "mean_score": 0.47, "latency_p50": 18, "latency_p95": 30, "latency_p99": 41}, Drift: []byte(`{"columns":[]}`)}}}); err != nil {
			t.Fatal(err)
		}
		if tk := task(); tk.Status != lodestar.TaskOpen || !tk.AwaitingMetrics() || tk.After != nil {
			t.Fatalf("after 2.0's unlabelled window: %+v; want still awaiting a quality metric", tk)
		}
		// Its labels come; the window recomputed with them closes it.
		if err := f.s.SaveEvaluation(f.ctx, mon2.ID, start.Add(time.Hour), &lodestar.Evaluation{
			Windows: []*lodestar.WindowResult{{Start: start, End: start.Add(time.Hour), Events: 80, Labelled: 80,
				Metrics: map[string]float64{"accuracy": 0.9, "positive_rate": 0.45, "mean_score": 0.47, "latency_p95": 30}, Drift: []byte(`{"columns":[]}`)}},
			Replace: &start}); err != nil {
			t.Fatal(err)
		}
		if tk := task(); tk.Status != lodestar.TaskClosed || tk.After["accuracy"] != 0.9 {
			t.Errorf("after 2.0's labelled window: %+v; want closed with accuracy 0.9", tk)
		}
	})
}
