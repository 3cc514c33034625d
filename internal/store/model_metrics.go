package store

import (
	"context"

	lodestar "github.com/lodestar-hq/lodestar"
)

var _ lodestar.MetricsService = (*Store)(nil)

// ModelMetrics implements lodestar.MetricsService in seven queries,
// whatever the number of models, monitors, alerts and tasks: the models,
// their versions counted by status, the switches, the open alerts and
// the open tasks counted, the monitors, and every monitor's latest window.
// GET /api/v1/metrics runs it at each scrape (every 15 s, say), where a
// query per model and per monitor, and a read of every task ever opened,
// weighed on the database for nothing.
func (s *Store) ModelMetrics(ctx context.Context) (*lodestar.ModelMetrics, error) {
	out := &lodestar.ModelMetrics{
		Versions:   map[int64]map[string]int{},
		OpenAlerts: map[lodestar.OpenAlertKey]int{},
		OpenTasks:  map[int64]int{},
		Latest:     map[int64]*lodestar.WindowResult{},
	}
	var err error
	if out.Models, err = s.ListModels(ctx, 0); err != nil {
		return nil, err
	}
	err = s.eachRow(ctx, `SELECT model_id, status, COUNT(*) FROM model_versions GROUP BY model_id, status`, nil,
		func(scan func(...any) error) error {
			var model int64
			var status string
			var n int
			if err := scan(&model, &status, &n); err != nil {
				return err
			}
			if out.Versions[model] == nil {
				out.Versions[model] = map[string]int{}
			}
			out.Versions[model][status] = n
			return nil
		})
	if err != nil {
		return nil, wrap("count model versions", err)
	}
	out.Retired = map[int64]map[string]bool{}
	err = s.eachRow(ctx, `SELECT model_id, version FROM model_versions WHERE status = ?`, []any{lodestar.ModelRetired},
		func(scan func(...any) error) error {
			var model int64
			var version string
			if err := scan(&model, &version); err != nil {
				return err
			}
			if out.Retired[model] == nil {
				out.Retired[model] = map[string]bool{}
			}
			out.Retired[model][version] = true
			return nil
		})
	if err != nil {
		return nil, wrap("list retired versions", err)
	}
	if out.Switches, err = s.ListSwitches(ctx); err != nil {
		return nil, err
	}
	// Open alerts and tasks through their (model_id, status) indexes, one
	// model at a time, rather than a scan of every alert and task ever
	// opened.
	err = s.eachRow(ctx, `SELECT model_id, kind, CASE WHEN acked_at = '' THEN 0 ELSE 1 END, COUNT(*) FROM alerts
		WHERE model_id IN (SELECT id FROM models) AND status = ? GROUP BY model_id, kind, CASE WHEN acked_at = '' THEN 0 ELSE 1 END`,
		[]any{lodestar.AlertOpen}, func(scan func(...any) error) error {
			var k lodestar.OpenAlertKey
			var acked, n int
			if err := scan(&k.ModelID, &k.Kind, &acked, &n); err != nil {
				return err
			}
			k.Acked = acked == 1
			out.OpenAlerts[k] = n
			return nil
		})
	if err != nil {
		return nil, wrap("count open alerts", err)
	}
	err = s.eachRow(ctx, `SELECT model_id, COUNT(*) FROM retraining_tasks WHERE model_id IN (SELECT id FROM models) AND status = ? GROUP BY model_id`,
		[]any{lodestar.TaskOpen}, func(scan func(...any) error) error {
			var model int64
			var n int
			if err := scan(&model, &n); err != nil {
				return err
			}
			out.OpenTasks[model] = n
			return nil
		})
	if err != nil {
		return nil, wrap("count open retraining tasks", err)
	}
	if out.Monitors, err = s.ListMonitors(ctx, 0); err != nil {
		return nil, err
	}
	// Each monitor's latest window, as ListWindows(id, 1) reads it: the
	// greatest start of the monitor's, found by one seek per monitor in
	// the primary key (monitor_id, start_at), and the window read by it.
	// (Written as a join, SQLite scanned every window ever stored.)
	latest, err := list(ctx, s, `SELECT `+windowColumns+` FROM monitor_windows WHERE (monitor_id, start_at) IN
		(SELECT m.id, (SELECT MAX(x.start_at) FROM monitor_windows x WHERE x.monitor_id = m.id) FROM monitors m)`, nil, scanWindow)
	if err != nil {
		return nil, wrap("latest windows", err)
	}
	for _, w := range latest {
		out.Latest[w.MonitorID] = w
	}
	return out, nil
}

// eachRow runs a query and calls fn with each row's Scan.
func (s *Store) eachRow(ctx context.Context, q string, args []any, fn func(scan func(...any) error) error) error {
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows.Scan); err != nil {
			return err
		}
	}
	return rows.Err()
}
