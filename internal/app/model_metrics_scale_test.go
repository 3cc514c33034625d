package app_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestModelMetricsQueriesDoNotGrowWithMonitors scrapes GET /api/v1/metrics
// on a database that counts its statements, with 1 model and 3 monitors
// and again with 12 models and 36: the whole request — the token's
// check included — runs as many statements both times. Every series of
// every monitor and model is checked against what the store says of it
// one record at a time, and the output against the exposition format,
// with monitor names holding quotes, backslashes, line feeds and (on
// SQLite) bytes that are not UTF-8.
func TestModelMetricsQueriesDoNotGrowWithMonitors(t *testing.T) {
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			db, queries := testdb.OpenCounting(t, d)
			f := startOn(t, db, fixtureOpts{})
			_, read := f.token(f.user(lodestar.RoleViewer, "grafana@example.com"), "read")
			scrape := func() (string, int64) {
				t.Helper()
				queries.Reset()
				r := f.api("GET", "/api/v1/metrics", read, "")
				n := queries.Count()
				if r.StatusCode != 200 {
					t.Fatalf("GET /api/v1/metrics: %d %s", r.StatusCode, r.body)
				}
				return r.body, n
			}
			scrape() // the token's first use is recorded: a write the next scrapes do not make
			// A byte that is not UTF-8 in a name, which SQLite keeps (a name
			// saved from a file in another encoding) and PostgreSQL refuses.
			notUTF8 := "\xff"
			if d == sqldb.Postgres {
				notUTF8 = ""
			}

			addMetricsModels(t, f, 0, 1, notUTF8)
			body, few := scrape()
			checkScrape(t, f, body, 1, 3)

			addMetricsModels(t, f, 1, 12, notUTF8)
			body, many := scrape()
			checkScrape(t, f, body, 12, 36)
			t.Logf("statements per scrape: %d with 3 monitors, %d with 36", few, many)
			if few != many || many == 0 {
				t.Errorf("a scrape ran %d statements with 3 monitors and %d with 36: it must not grow with them", few, many)
			}
		})
	}
}

// addMetricsModels adds models from to to (exclusive) with two versions
// each and three monitors on the first: one never evaluated, one with a
// window that breached (an alert, acknowledged on odd models, and a
// retraining task, closed on models divisible by 3 by the second version
// going into production) and one with three windows. The monitors' names
// hold what a label value must escape, and notUTF8.
func addMetricsModels(t *testing.T, f *fixture, from, to int, notUTF8 string) {
	t.Helper()
	st, ctx := f.app.Store, sys()
	t0 := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := from; i < to; i++ {
		m := f.model(fmt.Sprintf("Use case %d", i), fmt.Sprintf("m-%02d", i), fmt.Sprintf("Model %d", i))
		var second *lodestar.ModelVersion
		for _, v := range []string{"1.0", "2.0"} {
			mv, err := st.CreateModelVersion(ctx, m.ID, lodestar.ModelVersion{Version: v, Card: lodestar.ModelCard{EvaluationMetrics: map[string]float64{"accuracy": 0.9}}})
			if err != nil {
				t.Fatal(err)
			}
			second = mv
		}
		mons := make([]*lodestar.Monitor, 3)
		for j := range mons {
			mon, err := st.CreateMonitor(ctx, lodestar.Monitor{ModelID: m.ID, Version: "1.0",
				Name:   fmt.Sprintf("q\"uote \\back\nline %s%d-%d", notUTF8, i, j),
				Window: "events:100", Numeric: []string{"x"}, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset},
				Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}}, []byte("x\n1\n"))
			if err != nil {
				t.Fatal(err)
			}
			mons[j] = mon
		}
		w := &lodestar.WindowResult{Start: t0, End: t0.Add(time.Hour), Events: 100 + int64(i), Labelled: 90, Metrics: map[string]float64{"accuracy": 0.7},
			Breaches: []string{"accuracy"}, Drift: []byte(`{"columns":[]}`), DriftShare: 0.25}
		err := st.SaveEvaluation(ctx, mons[1].ID, t0.Add(time.Hour), &lodestar.Evaluation{Windows: []*lodestar.WindowResult{w},
			Opened: []*lodestar.Alert{{Kind: "accuracy", Value: 0.7, Threshold: 0.8, Message: "low", OpenedAt: t0}},
			Tasks:  []*lodestar.RetrainingTask{{Reason: "decay", Before: map[string]float64{"accuracy": 0.7}, OpenedAt: t0}}})
		if err != nil {
			t.Fatal(err)
		}
		var ws []*lodestar.WindowResult
		for k := range 3 {
			ws = append(ws, &lodestar.WindowResult{Start: t0.Add(time.Duration(k) * time.Hour), End: t0.Add(time.Duration(k+1) * time.Hour),
				Events: int64(10*k + i), Labelled: int64(k), Metrics: map[string]float64{"accuracy": 0.9 + float64(k)/100, "latency_p95": float64(k)}})
		}
		if err := st.SaveEvaluation(ctx, mons[2].ID, t0.Add(3*time.Hour), &lodestar.Evaluation{Windows: ws}); err != nil {
			t.Fatal(err)
		}
		if i%2 == 1 {
			as, err := st.ListAlerts(ctx, m.ID, true)
			if err != nil || len(as) != 1 {
				t.Fatalf("alerts of %s: %v %v", m.Key, as, err)
			}
			if _, err := st.AcknowledgeAlert(ctx, as[0].ID, "on it"); err != nil {
				t.Fatal(err)
			}
		}
		if i%3 == 0 {
			for _, s := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
				if _, err := st.SetModelVersionStatus(ctx, second.ID, s, "retrained"); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
}

// checkScrape checks body, a scrape of the models m-00… and their
// monitors, against the store's records read one at a time, and against
// the exposition format.
func checkScrape(t *testing.T, f *fixture, body string, models, monitors int) {
	t.Helper()
	checkExposition(t, body)
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("not Prometheus' text format: %v", err)
	}
	// series is every sample, by name and its labels in order.
	series := map[string]float64{}
	for name, fam := range families {
		for _, m := range fam.GetMetric() {
			key := name
			for _, l := range m.GetLabel() {
				key += "," + l.GetName() + "=" + l.GetValue()
			}
			series[key] = m.GetGauge().GetValue()
		}
	}
	seen := map[string]bool{}
	want := func(v float64, name string, labels ...string) {
		t.Helper()
		var pairs []string
		for i := 0; i+1 < len(labels); i += 2 {
			pairs = append(pairs, labels[i]+"="+labels[i+1])
		}
		slices.Sort(pairs) // as the parser orders them
		key := strings.Join(append([]string{name}, pairs...), ",")
		seen[key] = true
		got, ok := series[key]
		if !ok {
			t.Errorf("%q: missing", key)
		} else if got != v {
			t.Errorf("%q = %v, want %v", key, got, v)
		}
	}
	st, ctx := f.app.Store, sys()
	ms, err := st.ListModels(ctx, 0)
	if err != nil || len(ms) != models {
		t.Fatalf("%d models, %v; want %d", len(ms), err, models)
	}
	acked, open := 0, 0
	for _, m := range ms {
		vs, err := st.ListModelVersions(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range lodestar.ModelStatuses {
			n := 0
			for _, v := range vs {
				if v.Status == s {
					n++
				}
			}
			want(float64(n), "lodestar_model_versions", "model", m.Key, "status", s)
		}
		sw, err := st.FindSwitch(ctx, m.Key)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{lodestar.SwitchOn, lodestar.SwitchOff, lodestar.SwitchFallback} {
			want(b2f(sw.State == s), "lodestar_model_switch_state", "model", m.Key, "state", s)
		}
		want(float64(sw.Version), "lodestar_model_switch_version", "model", m.Key)
		as, err := st.ListAlerts(ctx, m.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		for _, kind := range monitoring.Kinds {
			for _, ack := range []bool{false, true} {
				n := 0
				for _, a := range as {
					if a.Kind == kind && !a.AckedAt.IsZero() == ack {
						n++
					}
				}
				if ack {
					acked += n
				}
				want(float64(n), "lodestar_model_alerts_open", "model", m.Key, "kind", kind, "acknowledged", strconv.FormatBool(ack))
			}
		}
		ts, err := st.ListRetrainingTasks(ctx, m.UseCaseID)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, tk := range ts {
			if tk.ModelID == m.ID && tk.Status == lodestar.TaskOpen {
				n++
			}
		}
		open += n
		want(float64(n), "lodestar_model_retraining_tasks_open", "model", m.Key)

		mons, err := st.ListMonitors(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		versions, err := st.ListModelVersions(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		retired := map[string]bool{}
		for _, v := range versions {
			retired[v.Version] = v.Status == lodestar.ModelRetired
		}
		for _, mon := range mons {
			// A label value is the name as the JSON API gives it.
			var name string
			js, _ := json.Marshal(mon.Name)
			json.Unmarshal(js, &name)
			id := strconv.FormatInt(mon.ID, 10)
			base := []string{"model", m.Key, "monitor", id, "version", mon.Version}
			want(1, "lodestar_monitor_info", "model", m.Key, "monitor", id, "name", name, "task", mon.Task, "version", mon.Version, "window", mon.Window)
			want(b2f(mon.Paused()), "lodestar_monitor_paused", base...)
			want(b2f(retired[mon.Version]), "lodestar_monitor_retired", base...)
			want(float64(mon.EvaluatedTo.UnixMilli())/1000*b2f(!mon.EvaluatedTo.IsZero()), "lodestar_monitor_evaluated_to_timestamp_seconds", base...)
			ws, err := st.ListWindows(ctx, mon.ID, 1)
			if err != nil {
				t.Fatal(err)
			}
			if len(ws) == 0 {
				continue
			}
			w := ws[0]
			want(float64(w.End.UnixMilli())/1000, "lodestar_monitor_window_end_timestamp_seconds", base...)
			want(float64(w.Events), "lodestar_monitor_window_events", base...)
			want(float64(w.Labelled), "lodestar_monitor_window_labelled_events", base...)
			for k, v := range w.Metrics {
				want(v, "lodestar_monitor_window_metric", "metric", k, "model", m.Key, "monitor", id, "version", mon.Version)
			}
			if len(w.Drift) > 0 {
				want(w.DriftShare, "lodestar_monitor_window_drift_share", base...)
			}
			for _, kind := range monitoring.Kinds {
				want(b2f(strings.Contains(","+strings.Join(w.Breaches, ",")+",", ","+kind+",")), "lodestar_monitor_window_breach",
					"kind", kind, "model", m.Key, "monitor", id, "version", mon.Version)
			}
		}
	}
	// Nothing more than the above, and the fixtures made what they meant.
	for key := range series {
		if !seen[key] {
			t.Errorf("%q: a series the store does not account for", key)
		}
	}
	if n := len(families["lodestar_monitor_info"].GetMetric()); n != monitors {
		t.Errorf("%d monitors in the scrape, want %d", n, monitors)
	}
	if acked != models/2 || open != models-(models+2)/3 {
		t.Errorf("%d acknowledged alerts and %d open tasks, want %d and %d", acked, open, models/2, models-(models+2)/3)
	}
}
