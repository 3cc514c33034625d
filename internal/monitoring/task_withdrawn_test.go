package monitoring_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestTaskWithdrawnWhenLabelsUndoTheDecay: a retraining task opened on
// accuracy that corrected labels show never breached is withdrawn, as its
// alert is: recomputed, the windows hold no decay, so an open task saying
// "Accuracy breached in each of 2 windows in a row" with accuracy 0
// before would send the team to retrain a model that is fine. A
// recomputation that still finds the decay leaves the task open.
func TestTaskWithdrawnWhenLabelsUndoTheDecay(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		for _, corrected := range []bool{false, true} {
			t.Run(fmt.Sprintf("corrected=%v", corrected), func(t *testing.T) {
				e := newEnvOn(t, d, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
				m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 2, "http://hooks.invalid/x")
				svc := &monitoring.Service{Store: e.st}
				var evs []lodestar.StoredEvent
				for h := range 3 { // wrong three hours running
					evs = append(evs, ev(fmt.Sprintf("b-%d", h), e.t0.Add(time.Duration(h)*time.Hour), 0.5, 0.9, 0))
				}
				e.add(t, evs...)
				if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(4*time.Hour), time.Time{}); err != nil {
					t.Fatal(err)
				}
				if tasks, _ := e.st.ListRetrainingTasks(e.ctx, 0); len(tasks) != 1 || tasks[0].Status != lodestar.TaskOpen {
					t.Fatalf("after the decay: tasks %+v; want one open", tasks)
				}
				label := "0" // the same labels again: still wrong
				if corrected {
					label = "1" // the labels were wrong: the model was right
				}
				var ls []lodestar.EventLabel
				for h := range 3 {
					ls = append(ls, lodestar.EventLabel{ID: fmt.Sprintf("b-%d", h), Label: []byte(label)})
				}
				if _, err := e.st.AttachLabels(e.ctx, e.model, ls); err != nil {
					t.Fatal(err)
				}
				if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(4*time.Hour), e.t0); err != nil {
					t.Fatal(err)
				}
				tasks, err := e.st.ListRetrainingTasks(e.ctx, 0)
				if err != nil || len(tasks) != 1 {
					t.Fatalf("after the recomputation: tasks %+v, %v; want the one", tasks, err)
				}
				tk := tasks[0]
				switch {
				case !corrected && (tk.Status != lodestar.TaskOpen || !tk.ClosedAt.IsZero()):
					t.Errorf("decay recomputed unchanged: task %s, closed %s; want still open", tk.Status, tk.ClosedAt)
				case corrected && (tk.Status != lodestar.TaskWithdrawn || tk.ClosedAt.IsZero() || len(tk.After) != 0):
					t.Errorf("no decay on the corrected labels: task %s, closed %s, after %v; want withdrawn, dated, no after figures", tk.Status, tk.ClosedAt, tk.After)
				}
				// The withdrawal is announced, as the opening was: the
				// team it sent to retrain is told to stop.
				var withdrawn []string
				rows, err := e.st.DB.Query(e.ctx, `SELECT payload FROM webhook_outbox ORDER BY id`)
				if err != nil {
					t.Fatal(err)
				}
				for rows.Next() {
					var payload string
					if err := rows.Scan(&payload); err != nil {
						t.Fatal(err)
					}
					if strings.Contains(payload, `"event":"retraining.withdrawn"`) {
						withdrawn = append(withdrawn, payload)
						if !strings.Contains(payload, `"status":"withdrawn"`) {
							t.Errorf("the withdrawal's delivery: %s; want the task, withdrawn", payload)
						}
					}
				}
				rows.Close()
				if want := map[bool]int{false: 0, true: 1}[corrected]; len(withdrawn) != want {
					t.Errorf("withdrawal deliveries: %d (%q), want %d", len(withdrawn), withdrawn, want)
				}
				// Evaluated again, nothing changes: still one task.
				if _, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(4*time.Hour), e.t0); err != nil {
					t.Fatal(err)
				}
				if tasks, _ := e.st.ListRetrainingTasks(e.ctx, 0); len(tasks) != 1 || tasks[0].Status != tk.Status {
					t.Errorf("recomputed twice: tasks %+v; want the one, %s", tasks, tk.Status)
				}
			})
		}
	})
}
