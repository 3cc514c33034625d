package app_test

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestModelMetricsAgreeWithTheAPI scrapes GET /api/v1/metrics over the
// demo enterprise and checks every series against what the JSON API says
// of the same thing: the switches, the versions per status, the open
// alerts per kind and acknowledgement, the open retraining tasks, and each
// monitor's latest window. It needs a credential that may read models:
// none is refused (401), an ingest-only token too (403), and the public
// /metrics shows no model.
func TestModelMetricsAgreeWithTheAPI(t *testing.T) {
	f := startDemo(t)
	viewer := f.user(lodestar.RoleViewer, "grafana@example.com")
	_, read := f.token(viewer, "read")
	_, ingest := f.token(f.user(lodestar.RoleAITeam, "pipeline@example.com"), "ingest")

	if r := f.api("GET", "/api/v1/metrics", "", ""); r.StatusCode != 401 {
		t.Errorf("no credential: %d, want 401", r.StatusCode)
	}
	if r := f.api("GET", "/api/v1/metrics", ingest, ""); r.StatusCode != 403 {
		t.Errorf("ingest-only token: %d, want 403", r.StatusCode)
	}
	if r := f.api("GET", "/metrics", "", ""); r.StatusCode != 200 || strings.Contains(r.body, "lodestar_model_") || strings.Contains(r.body, "credit-risk") {
		t.Errorf("public /metrics: %d, and it must not show the models", r.StatusCode)
	}
	// One monitor paused, as an ML engineer would during a rebuild.
	_, write := f.token(f.user(lodestar.RoleAITeam, "ml@example.com"), "write")
	if r := f.api("POST", "/api/v1/monitors/1/pause", write, `{"reason":"feature pipeline rebuilt"}`); r.StatusCode != 200 {
		t.Fatalf("pause monitor 1: %d %s", r.StatusCode, r.body)
	}
	r := f.api("GET", "/api/v1/metrics", read, "")
	if r.StatusCode != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /api/v1/metrics: %d %s\n%s", r.StatusCode, r.Header.Get("Content-Type"), r.body)
	}
	checkExposition(t, r.body)
	// The names as every Prometheus server reads them (the legacy scheme).
	parser := expfmt.NewTextParser(model.LegacyValidation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(r.body))
	if err != nil {
		t.Fatalf("not Prometheus' text format: %v", err)
	}
	// value finds the one series of family name with exactly labels.
	value := func(name string, labels map[string]string) (float64, bool) {
		fam := families[name]
		if fam == nil {
			return 0, false
		}
	next:
		for _, m := range fam.GetMetric() {
			if len(m.GetLabel()) != len(labels) {
				continue
			}
			for _, l := range m.GetLabel() {
				if labels[l.GetName()] != l.GetValue() {
					continue next
				}
			}
			return m.GetGauge().GetValue(), true
		}
		return 0, false
	}
	want := func(name string, labels map[string]string, v float64) {
		t.Helper()
		got, ok := value(name, labels)
		if !ok {
			t.Errorf("%s%v: missing", name, labels)
		} else if got != v {
			t.Errorf("%s%v = %v, want %v", name, labels, got, v)
		}
	}
	getJSON := func(path string, v any) {
		t.Helper()
		r := f.api("GET", path, read, "")
		if r.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, r.StatusCode, r.body)
		}
		if err := json.Unmarshal([]byte(r.body), v); err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
	}

	var models struct{ Data []lodestar.Model }
	getJSON("/api/v1/models?limit=200", &models)
	if len(models.Data) < 3 {
		t.Fatalf("the demo has %d models", len(models.Data))
	}
	keys := map[int64]string{}
	for _, m := range models.Data {
		keys[m.ID] = m.Key
		var vs struct{ Data []lodestar.ModelVersion }
		getJSON(fmt.Sprintf("/api/v1/models/%d/versions?limit=200", m.ID), &vs)
		n := map[string]float64{}
		for _, v := range vs.Data {
			n[v.Status]++
		}
		for _, st := range lodestar.ModelStatuses {
			want("lodestar_model_versions", map[string]string{"model": m.Key, "status": st}, n[st])
		}
	}
	var switches struct{ Data []lodestar.Switch }
	getJSON("/api/v1/switches", &switches)
	off := 0
	for _, sw := range switches.Data {
		for _, st := range []string{lodestar.SwitchOn, lodestar.SwitchOff, lodestar.SwitchFallback} {
			v := 0.0
			if sw.State == st {
				v = 1
			}
			want("lodestar_model_switch_state", map[string]string{"model": sw.Key, "state": st}, v)
		}
		want("lodestar_model_switch_version", map[string]string{"model": sw.Key}, float64(sw.Version))
		if sw.State == lodestar.SwitchOff {
			off++
		}
	}
	if off == 0 {
		t.Error("the demo's credit-risk model is switched off: no series says so")
	}

	var alerts struct{ Data []lodestar.Alert }
	getJSON("/api/v1/alerts?status=open&limit=200", &alerts)
	open := map[string]float64{}
	for _, a := range alerts.Data {
		open[keys[a.ModelID]+"/"+a.Kind+"/"+strconv.FormatBool(!a.AckedAt.IsZero())]++
	}
	sum := 0.0
	for _, s := range families["lodestar_model_alerts_open"].GetMetric() {
		l := map[string]string{}
		for _, p := range s.GetLabel() {
			l[p.GetName()] = p.GetValue()
		}
		if got, w := s.GetGauge().GetValue(), open[l["model"]+"/"+l["kind"]+"/"+l["acknowledged"]]; got != w {
			t.Errorf("lodestar_model_alerts_open%v = %v, the API lists %v", l, got, w)
		}
		sum += s.GetGauge().GetValue()
	}
	if sum != float64(len(alerts.Data)) || sum == 0 {
		t.Errorf("open alerts: the series add up to %v, the API lists %d", sum, len(alerts.Data))
	}

	var tasks struct{ Data []lodestar.RetrainingTask }
	getJSON("/api/v1/retraining-tasks?limit=200", &tasks)
	openTasks := map[string]float64{}
	for _, tk := range tasks.Data {
		if tk.Status == lodestar.TaskOpen {
			openTasks[keys[tk.ModelID]]++
		}
	}
	for _, m := range models.Data {
		want("lodestar_model_retraining_tasks_open", map[string]string{"model": m.Key}, openTasks[m.Key])
	}

	windows, paused, retiredMons := 0, 0, 0
	for _, m := range models.Data {
		var mons struct{ Data []lodestar.Monitor }
		getJSON(fmt.Sprintf("/api/v1/models/%d/monitors?limit=200", m.ID), &mons)
		var vs struct{ Data []lodestar.ModelVersion }
		getJSON(fmt.Sprintf("/api/v1/models/%d/versions?limit=200", m.ID), &vs)
		isRetired := map[string]bool{}
		for _, v := range vs.Data {
			isRetired[v.Version] = v.Status == lodestar.ModelRetired
		}
		for _, mon := range mons.Data {
			id := strconv.FormatInt(mon.ID, 10)
			base := map[string]string{"monitor": id, "model": m.Key, "version": mon.Version}
			want("lodestar_monitor_info", map[string]string{"monitor": id, "model": m.Key, "version": mon.Version,
				"name": mon.Name, "window": mon.Window, "task": mon.Task}, 1)
			want("lodestar_monitor_evaluated_to_timestamp_seconds", base, float64(mon.EvaluatedTo.UnixMilli())/1000)
			want("lodestar_monitor_paused", base, b2f(mon.Paused()))
			paused += int(b2f(mon.Paused()))
			// A retired version's monitor is not evaluated: a staleness
			// rule leaves it out by this series.
			want("lodestar_monitor_retired", base, b2f(isRetired[mon.Version]))
			retiredMons += int(b2f(isRetired[mon.Version]))
			var page struct {
				Data  []lodestar.WindowResult
				Total int
			}
			getJSON(fmt.Sprintf("/api/v1/monitors/%d/windows?limit=1", mon.ID), &page)
			if page.Total == 0 {
				continue
			}
			// The latest window: the last page's last.
			var last struct{ Data []lodestar.WindowResult }
			getJSON(fmt.Sprintf("/api/v1/monitors/%d/windows?limit=200", mon.ID), &last)
			if len(last.Data) < page.Total {
				t.Fatalf("monitor %d has %d windows, more than one page", mon.ID, page.Total)
			}
			w := last.Data[len(last.Data)-1]
			windows++
			want("lodestar_monitor_window_end_timestamp_seconds", base, float64(w.End.UnixMilli())/1000)
			want("lodestar_monitor_window_events", base, float64(w.Events))
			want("lodestar_monitor_window_labelled_events", base, float64(w.Labelled))
			for name, v := range w.Metrics {
				want("lodestar_monitor_window_metric", map[string]string{"monitor": id, "model": m.Key, "version": mon.Version, "metric": name}, v)
			}
			if len(w.Drift) > 0 {
				want("lodestar_monitor_window_drift_share", base, w.DriftShare)
			}
			breached := strings.Join(w.Breaches, ",")
			for _, kind := range []string{"accuracy", "latency", "volume", "drift", "fairness", "data_quality"} {
				v := 0.0
				if strings.Contains(","+breached+",", ","+kind+",") {
					v = 1
				}
				want("lodestar_monitor_window_breach", map[string]string{"monitor": id, "model": m.Key, "version": mon.Version, "kind": kind}, v)
			}
		}
	}
	if retiredMons == 0 {
		t.Errorf("no monitor of a retired version was checked: the demo should have one")
	}
	if windows < 3 || paused != 1 {
		t.Errorf("%d monitors with windows were checked (want 3 or more), %d paused (want the one paused above)", windows, paused)
	}
	// Every series is a gauge with a help text, as Prometheus expects.
	for name, fam := range families {
		if fam.GetType().String() != "GAUGE" || fam.GetHelp() == "" || !model.LegacyValidation.IsValidMetricName(name) {
			t.Errorf("%s: type %s, help %q", name, fam.GetType(), fam.GetHelp())
		}
	}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
