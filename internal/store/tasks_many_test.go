package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// TestOpenTaskListedAfterManyNewerOnes: a retraining task left open while
// 510 newer ones were opened and closed is still listed (the task lists
// of the alerts, risk and iteration pages read ListRetrainingTasks, which
// stopped at the newest 500, so the task left longest vanished), in order
// among the newest 500 closed ones; the list of another use case holds
// none of them.
func TestOpenTaskListedAfterManyNewerOnes(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m, mon := f.recMonitor()
		t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		var rows []string
		var args []any
		add := func(status string, at time.Time) {
			rows = append(rows, "(?, ?, ?, ?, ?, ?, ?, ?)")
			args = append(args, m.UseCaseID, m.ID, mon.ID, "1.0", status, "r", "{}", sqldb.FormatTime(at))
		}
		add(lodestar.TaskOpen, t0)
		for i := 1; i <= 510; i++ {
			add(lodestar.TaskClosed, t0.Add(time.Duration(i)*time.Hour))
		}
		add(lodestar.TaskOpen, t0.Add(600*time.Hour))
		if _, err := db.ExecContext(f.ctx, db.Rebind(`INSERT INTO retraining_tasks (use_case_id, model_id, monitor_id, version, status, reason, before_metrics, opened_at)
			VALUES `+strings.Join(rows, ", ")), args...); err != nil {
			t.Fatal(err)
		}
		for _, uc := range []int64{0, m.UseCaseID} {
			tasks, err := f.s.ListRetrainingTasks(f.ctx, uc)
			if err != nil {
				t.Fatal(err)
			}
			if len(tasks) != 502 {
				t.Fatalf("use case %d: %d tasks listed, want the 2 open ones and the newest 500 closed", uc, len(tasks))
			}
			var got []string
			for _, k := range tasks {
				got = append(got, fmt.Sprintf("%s %s", k.Status, k.OpenedAt.Format("2006-01-02T15")))
			}
			if got[0] != "open 2030-01-26T00" || got[1] != "closed 2030-01-22T06" || got[500] != "closed 2030-01-01T11" || got[501] != "open 2030-01-01T00" {
				t.Errorf("use case %d: listed %v … %v, want the newest open, the closed newest first down to the 11th hour, then the oldest open", uc, got[:2], got[499:])
			}
		}
		other := f.useCase(lodestar.NewUseCase{Title: "Other"})
		if tasks, err := f.s.ListRetrainingTasks(f.ctx, other.ID); err != nil || len(tasks) != 0 {
			t.Errorf("another use case's tasks: %d, %v; want none", len(tasks), err)
		}
	})
}

// TestTaskChangedOnlyWhileOpen: every change of a retraining task (close,
// withdraw, await or stop awaiting metrics) writes it only while it is
// open. Changes read the open tasks without a lock, so on PostgreSQL a
// recomputation could withdraw a task a card edit had just closed,
// leaving a "withdrawn" task holding the close's figures; now the later
// change finds it closed and leaves it as it is.
func TestTaskChangedOnlyWhileOpen(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m, mon := f.recMonitor()
		at := sqldb.FormatTime(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
		if _, err := db.ExecContext(f.ctx, db.Rebind(`INSERT INTO retraining_tasks (use_case_id, model_id, monitor_id, version, status, reason, before_metrics, after_metrics, new_version, opened_at, closed_at)
			VALUES (?, ?, ?, '1.0', ?, 'r', '{}', '', '', ?, ''), (?, ?, ?, '1.0', ?, 'r', '{}', '{"accuracy":0.95}', '2.0', ?, ?)`),
			m.UseCaseID, m.ID, mon.ID, lodestar.TaskOpen, at, m.UseCaseID, m.ID, mon.ID, lodestar.TaskClosed, at, at); err != nil {
			t.Fatal(err)
		}
		row := func(id int64) string {
			var status, after, newVersion string
			if err := db.QueryRowContext(f.ctx, db.Rebind(`SELECT status, after_metrics, new_version FROM retraining_tasks WHERE id = ?`), id).Scan(&status, &after, &newVersion); err != nil {
				t.Fatal(err)
			}
			return status + " " + after + " " + newVersion
		}
		var ids []int64
		rows, err := db.QueryContext(f.ctx, `SELECT id FROM retraining_tasks ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		open, closed := ids[0], ids[1]
		for _, c := range []struct {
			set  string
			args []any
		}{
			{`status = ?, closed_at = ?`, []any{lodestar.TaskWithdrawn, at}},
			{`new_version = ?, after_metrics = ''`, []any{"3.0"}},
			{`new_version = '', after_metrics = ''`, nil},
		} {
			changed, err := store.UpdateOpenTask(f.ctx, db, closed, c.set, c.args...)
			if err != nil || changed {
				t.Errorf("%s on a closed task: changed %v, %v; want left as it is", c.set, changed, err)
			}
			if got := row(closed); got != `closed {"accuracy":0.95} 2.0` {
				t.Errorf("%s: the closed task reads %q, want it as it was closed", c.set, got)
			}
		}
		changed, err := store.UpdateOpenTask(f.ctx, db, open, `status = ?, closed_at = ?`, lodestar.TaskWithdrawn, at)
		if err != nil || !changed || row(open) != "withdrawn  " {
			t.Errorf("withdraw of an open task: changed %v, %v, reads %q; want withdrawn", changed, err, row(open))
		}
	})
}

// TestOpenAlertListedAfterManyNewerOnes: an alert left open while 510
// newer ones were raised and resolved is still listed by ListAlerts —
// which `lodestar alert list` and the risk and iteration pages read, and
// which stopped at the newest 500 — whether or not only open ones are
// asked for, with the newest 500 resolved ones, newest first.
func TestOpenAlertListedAfterManyNewerOnes(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m, mon := f.recMonitor()
		t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
		var rows []string
		var args []any
		add := func(status string, at time.Time) {
			resolved := ""
			if status != lodestar.AlertOpen {
				resolved = sqldb.FormatTime(at.Add(time.Minute))
			}
			rows = append(rows, "(?, ?, 'accuracy', ?, 0.5, 0.8, 'm', ?, ?)")
			args = append(args, mon.ID, m.ID, status, sqldb.FormatTime(at), resolved)
		}
		add(lodestar.AlertOpen, t0)
		for i := 1; i <= 510; i++ {
			add(lodestar.AlertResolved, t0.Add(time.Duration(i)*time.Hour))
		}
		if _, err := db.ExecContext(f.ctx, db.Rebind(`INSERT INTO alerts (monitor_id, model_id, kind, status, value, threshold, message, opened_at, resolved_at)
			VALUES `+strings.Join(rows, ", ")), args...); err != nil {
			t.Fatal(err)
		}
		all, err := f.s.ListAlerts(f.ctx, m.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 501 || all[500].Status != lodestar.AlertOpen || !all[500].OpenedAt.Equal(t0) ||
			!all[0].OpenedAt.Equal(t0.Add(510*time.Hour)) || !all[499].OpenedAt.Equal(t0.Add(11*time.Hour)) || all[0].Version != "1.0" {
			t.Fatalf("all alerts: %d listed; want the newest 500 resolved, newest first, then the open one", len(all))
		}
		open, err := f.s.ListAlerts(f.ctx, 0, true)
		if err != nil || len(open) != 1 || !open[0].OpenedAt.Equal(t0) {
			t.Errorf("open alerts: %d, %v; want the one left open", len(open), err)
		}
	})
}

// recMonitor makes recModel's model with version 1.0 and an accuracy
// monitor of it (accuracyMonitor): what the task and alert lists are of.
func (f *fixture) recMonitor() (*lodestar.Model, *lodestar.Monitor) {
	f.t.Helper()
	m := f.recModel("1.0")
	return m, f.accuracyMonitor(m.ID, "1.0")
}

// accuracyMonitor makes an hourly monitor "M <ver>" of the model's version
// ver, with a one-column reference and a minimum accuracy of 0.8.
func (f *fixture) accuracyMonitor(modelID int64, ver string) *lodestar.Monitor {
	f.t.Helper()
	mon, err := f.s.CreateMonitor(f.ctx, lodestar.Monitor{ModelID: modelID, Version: ver, Name: "M " + ver, Window: "hour", Numeric: []string{"x"},
		Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("x\n1\n"))
	if err != nil {
		f.t.Fatal(err)
	}
	return mon
}
