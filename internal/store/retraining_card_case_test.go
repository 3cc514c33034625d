package store_test

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestRetrainingTaskCardMetricCase: a card giving a task's metric in
// other letter case — "AUC", "Accuracy", as the README and papers write
// them — holds that metric: the task closes with it, under the name the
// task opened with (so before and after compare), as it does with the
// name in lower case. It stayed open, awaiting metrics the card seemed
// to hold, with no word of why. A card holding both spellings is read by
// the exact one.
func TestRetrainingTaskCardMetricCase(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		m := f.recModel("1.0")
		mon := f.accuracyMonitor(m.ID, "1.0")
		ev := &lodestar.Evaluation{Windows: []*lodestar.WindowResult{{Start: t0, End: t0.Add(time.Hour), Events: 100, Labelled: 90,
			Metrics: map[string]float64{"accuracy": 0.6}, Drift: []byte(`{"columns":[]}`)}},
			Tasks: []*lodestar.RetrainingTask{{Reason: "decay", Before: map[string]float64{"events": 100, "drift_share": 0, "accuracy": 0.6}, OpenedAt: t0.Add(time.Hour)}}}
		if err := f.s.SaveEvaluation(f.ctx, mon.ID, t0.Add(time.Hour), ev); err != nil {
			t.Fatal(err)
		}
		if len(ev.Tasks) != 1 {
			t.Fatalf("no task opened: %+v", ev.Tasks)
		}
		id := ev.Tasks[0].ID
		task := func() *lodestar.RetrainingTask {
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
			t.Fatalf("task %d not found", id)
			return nil
		}
		v, err := f.s.CreateModelVersion(f.ctx, m.ID, lodestar.ModelVersion{Version: "2.0", Card: lodestar.ModelCard{IntendedUse: "Rank"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
			if _, err := f.s.SetModelVersionStatus(f.ctx, v.ID, st, "go"); err != nil {
				t.Fatal(err)
			}
		}
		if tk := task(); tk.Status != lodestar.TaskOpen || !tk.AwaitingMetrics() {
			t.Fatalf("2.0 live without metrics: %+v; want awaiting them", tk)
		}
		if _, err := f.s.UpdateModelCard(f.ctx, v.ID, lodestar.ModelCard{IntendedUse: "Rank", EvaluationMetrics: map[string]float64{"Accuracy": 0.91, "NDCG": 0.4}}); err != nil {
			t.Fatal(err)
		}
		tk := task()
		if tk.Status != lodestar.TaskClosed || tk.After["accuracy"] != 0.91 {
			t.Errorf("after a card giving Accuracy 0.91: %+v; want closed with accuracy 0.91", tk)
		}
	})
}
