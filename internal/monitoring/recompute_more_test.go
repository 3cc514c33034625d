package monitoring_test

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// A recomputation finds the monitor's resolved alerts however many alerts
// the model has: past the 500 an alert list shows, a resolved alert whose
// breach runs on was missed, and the breach opened a second alert.
func TestRecomputeFindsResolvedAlertsPastTheListCap(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		a := newAlertEnv(t, d, 3)
		labelHour(t, a.env, 0, "0")
		labelHour(t, a.env, 1, "0")
		a.evaluate(t, 2, -1)
		labelHour(t, a.env, 2, "1")
		a.evaluate(t, 3, -1)
		x := a.wantOneAlert(t, lodestar.AlertResolved, a.hour(0), a.hour(2), lodestar.ResolutionRecovered)

		// Another monitor of the model has 500 later alerts.
		other, err := a.svc.CreateMonitor(a.ctx, lodestar.Monitor{ModelID: a.model, Version: "1", Name: "other", Task: "binary", Numeric: []string{"x"},
			Window: "hour", Thresholds: lodestar.MonitorThresholds{MinEvents: 1},
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: a.t0.Add(-2 * time.Hour), To: a.t0.Add(-time.Hour)}}, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		err = a.st.DB.InTx(a.ctx, func(tx *sqldb.Tx) error {
			for i := range 500 {
				at := sqldb.FormatTime(a.hour(10 + i))
				if _, err := tx.ExecContext(a.ctx, `INSERT INTO alerts (monitor_id, model_id, kind, status, value, threshold, message, opened_at, resolved_at, resolution)
					VALUES (?, ?, 'volume', 'resolved', 0, 1, 'm', ?, ?, 'recovered')`, other.ID, a.model, at, at); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		labelHour(t, a.env, 2, "0") // the breach never ended
		out := a.evaluate(t, 3, 0)
		if len(out.Opened) != 0 || len(out.Reopened) != 1 || out.Reopened[0].ID != x.ID {
			t.Errorf("recomputed: opened %+v, reopened %+v; want alert #%d open again, none opened", out.Opened, out.Reopened, x.ID)
		}
		open, err := a.st.ListAlerts(a.ctx, a.model, true)
		if err != nil {
			t.Fatal(err)
		}
		if len(open) != 1 || open[0].ID != x.ID {
			t.Errorf("open alerts %v; want #%d alone", alertRows(open), x.ID)
		}
	})
}
