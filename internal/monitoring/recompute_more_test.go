package monitoring_test

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
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

// retire moves the monitored version (1) through to retired.
func (a *alertEnv) retire(t *testing.T) {
	t.Helper()
	vs, err := a.st.ListModelVersions(a.ctx, a.model)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{lodestar.ModelStaging, lodestar.ModelProduction, lodestar.ModelRetired} {
		if _, err := a.st.SetModelVersionStatus(a.ctx, vs[0].ID, s, "lifecycle"); err != nil {
			t.Fatal(err)
		}
	}
}

// A retired version serves nothing and is never evaluated again: an
// alert a recomputation of its windows opened, or opened again, would stay
// open for good, announced for a version no one runs. Its windows are
// recomputed (late labels still tell its history), its breaches that
// recovered are kept as history, and no alert is left open.
func TestRecomputeOnRetiredVersionOpensNoAlert(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		t.Run("reopened", func(t *testing.T) {
			a := newAlertEnv(t, d, 3)
			labelHour(t, a.env, 0, "0")
			labelHour(t, a.env, 1, "0")
			a.evaluate(t, 2, -1)
			labelHour(t, a.env, 2, "1")
			a.evaluate(t, 3, -1)
			a.wantOneAlert(t, lodestar.AlertResolved, a.hour(0), a.hour(2), lodestar.ResolutionRecovered)
			a.retire(t)
			hooks := len(a.hooks(t))
			labelHour(t, a.env, 2, "0") // the breach never ended, by the corrected labels
			out := a.evaluate(t, 3, 0)
			if len(out.Opened)+len(out.Reopened) != 0 {
				t.Errorf("recomputed on a retired version: opened %+v, reopened %+v; want none", out.Opened, out.Reopened)
			}
			a.wantOneAlert(t, lodestar.AlertResolved, a.hour(0), a.hour(2), lodestar.ResolutionRecovered)
			a.wantHooks(t, hooks)
		})
		t.Run("new breach", func(t *testing.T) {
			a := newAlertEnv(t, d, 4)
			a.evaluate(t, 4, -1) // unlabelled: no alert
			a.retire(t)
			labelHour(t, a.env, 0, "0") // a breach, recovered: history
			labelHour(t, a.env, 1, "1")
			labelHour(t, a.env, 3, "0") // a breach running at the end
			a.evaluate(t, 4, 0)
			all := a.alerts(t)
			if len(all) != 1 || all[0].Status != lodestar.AlertResolved || !all[0].OpenedAt.Equal(a.hour(0)) {
				t.Errorf("alerts %v; want the recovered breach of hour 0 alone, resolved", alertRows(all))
			}
			a.wantHooks(t, 0)
		})
	})
}

// Two replicas recompute the same windows at the same moment (late
// labels, the same evaluated-to time: the base check cannot tell them
// apart). The second to save decided on alerts the first has changed
// since: it is decided again on them, not saved as it was — the breach is
// one alert, announced once.
func TestTwoRecomputationsRaiseOneAlert(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		a := newAlertEnv(t, d, 3)
		a.evaluate(t, 3, -1) // unlabelled: no alert
		labelHour(t, a.env, 1, "0")
		labelHour(t, a.env, 2, "0")
		now := a.hour(3).Add(time.Second)
		b := &monitoring.Service{Store: a.st}
		rs := &racingStore{Store: a.st}
		rs.before = func() {
			if _, err := b.Evaluate(a.ctx, a.m.ID, now, a.hour(0)); err != nil {
				t.Fatal(err)
			}
		}
		first := &monitoring.Service{Store: rs}
		if _, err := first.Evaluate(a.ctx, a.m.ID, now, a.hour(0)); err != nil {
			t.Fatal(err)
		}
		x := a.wantOneAlert(t, lodestar.AlertOpen, a.hour(1), time.Time{}, "")
		a.wantHooks(t, 0, hook{"alert.opened", x.ID, lodestar.AlertOpen, ""})
	})
}
