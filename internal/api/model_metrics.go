package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// GET /api/v1/metrics: the models' state in Prometheus' text format, so
// that the dashboards and alerting a platform team already runs (Grafana,
// Alertmanager) can show and page on what Lodestar knows: each model's
// switch, its versions, its open alerts and retraining tasks, and each
// monitor's latest window. It is an API route, with a credential that may
// read models (a read-scope token in Prometheus' scrape configuration),
// not on the public /metrics: model keys, accuracies and which model is
// switched off are the enterprise's business. The figures are read from
// the database at each scrape, as the API's JSON gives them: nothing is
// computed that the JSON does not show.

func (s *Server) metricsRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: Prefix + "/metrics", Perm: auth.ModelRead, Handler: s.modelMetrics},
	}
}

func (s *Server) modelMetrics(w http.ResponseWriter, r *http.Request) {
	if err := onlyParams(r); err != nil {
		s.fail(w, r, err)
		return
	}
	ms, err := s.gatherModelMetrics(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(ms)
	// A token-only read, like every other API answer: no cache keeps it.
	w.Header().Set("Cache-Control", "no-store")
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError}).ServeHTTP(w, r)
}

// modelMetricsSet is one scrape's figures, gathered before any is
// written (a read that fails is an error response, not half a scrape).
type modelMetricsSet struct {
	metrics []prometheus.Metric
	err     error // the first series that could not be made
}

func (m *modelMetricsSet) Describe(ch chan<- *prometheus.Desc) {
	// Unchecked: the set's series depend on the data.
}

func (m *modelMetricsSet) Collect(ch chan<- prometheus.Metric) {
	for _, x := range m.metrics {
		ch <- x
	}
}

// gauge adds a series. Its label values are the texts as the JSON API
// shows them: a byte that is not UTF-8 (a name saved from a file in
// another encoding) is U+FFFD there, and must be here — the exposition
// format is UTF-8, and the client library refuses such a value, where it
// failed the whole scrape.
func (m *modelMetricsSet) gauge(d *prometheus.Desc, v float64, labels ...string) {
	for i, l := range labels {
		labels[i] = validUTF8(l)
	}
	x, err := prometheus.NewConstMetric(d, prometheus.GaugeValue, v, labels...)
	if err != nil {
		if m.err == nil {
			m.err = err
		}
		return
	}
	m.metrics = append(m.metrics, x)
}

// validUTF8 is s with each byte that is not part of a UTF-8 sequence
// replaced by U+FFFD, as encoding/json writes it.
func validUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b.WriteRune(utf8.RuneError)
		} else {
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

var (
	mSwitchState = prometheus.NewDesc("lodestar_model_switch_state",
		"The model's human intervention switch: 1 for its state (on, off or fallback), 0 for the others.", []string{"model", "state"}, nil)
	mSwitchVersion = prometheus.NewDesc("lodestar_model_switch_version",
		"How many times the model's switch was set (its version): it grows at each flip.", []string{"model"}, nil)
	mVersions = prometheus.NewDesc("lodestar_model_versions",
		"The model's versions in each status (development, staging, production, retired).", []string{"model", "status"}, nil)
	mAlertsOpen = prometheus.NewDesc("lodestar_model_alerts_open",
		"The model's open alerts of each kind, acknowledged (someone is on it) or not.", []string{"model", "kind", "acknowledged"}, nil)
	mTasksOpen = prometheus.NewDesc("lodestar_model_retraining_tasks_open",
		"The model's open retraining tasks.", []string{"model"}, nil)
	mMonitorInfo = prometheus.NewDesc("lodestar_monitor_info",
		"A monitor of a model version: always 1, its labels say which.", []string{"monitor", "model", "version", "name", "window", "task"}, nil)
	mPaused = prometheus.NewDesc("lodestar_monitor_paused",
		"1 while the monitor is paused (not evaluated; its open alerts stay open), else 0.", []string{"monitor", "model", "version"}, nil)
	mRetired = prometheus.NewDesc("lodestar_monitor_retired",
		"1 while the monitor's version is retired (its monitors are not evaluated, whatever events still come), else 0.", []string{"monitor", "model", "version"}, nil)
	mEvaluatedTo = prometheus.NewDesc("lodestar_monitor_evaluated_to_timestamp_seconds",
		"The end of the monitor's last evaluated window, as a Unix time (0: none yet). A value falling behind means no evaluation runs.",
		[]string{"monitor", "model", "version"}, nil)
	mWindowEnd = prometheus.NewDesc("lodestar_monitor_window_end_timestamp_seconds",
		"The end of the monitor's latest window, as a Unix time: the window the lodestar_monitor_window_* series describe.",
		[]string{"monitor", "model", "version"}, nil)
	mWindowEvents = prometheus.NewDesc("lodestar_monitor_window_events",
		"Prediction events in the monitor's latest window.", []string{"monitor", "model", "version"}, nil)
	mWindowLabelled = prometheus.NewDesc("lodestar_monitor_window_labelled_events",
		"Events with a label in the monitor's latest window.", []string{"monitor", "model", "version"}, nil)
	mWindowMetric = prometheus.NewDesc("lodestar_monitor_window_metric",
		"A metric of the monitor's latest window (accuracy, precision, recall, f1, auc, log_loss, mae, rmse, latency_p50/p95/p99 in ms): those defined for it.",
		[]string{"monitor", "model", "version", "metric"}, nil)
	mWindowDrift = prometheus.NewDesc("lodestar_monitor_window_drift_share",
		"The share of features drifted in the monitor's latest window (absent without a reference).", []string{"monitor", "model", "version"}, nil)
	mWindowBreach = prometheus.NewDesc("lodestar_monitor_window_breach",
		"1 when the monitor's latest window breached the kind's threshold (accuracy, latency, volume, drift, fairness, data_quality), else 0.",
		[]string{"monitor", "model", "version", "kind"}, nil)
)

// gatherModelMetrics reads the figures of one scrape, in one call of the
// store's whose number of queries does not grow with the models and
// monitors (a scrape every 15 s must not cost a query per monitor).
func (s *Server) gatherModelMetrics(ctx context.Context) (*modelMetricsSet, error) {
	set := &modelMetricsSet{}
	mm, err := s.Metrics.ModelMetrics(ctx)
	if err != nil {
		return nil, err
	}
	keys := make(map[int64]string, len(mm.Models))
	for _, m := range mm.Models {
		keys[m.ID] = m.Key
		for _, st := range lodestar.ModelStatuses {
			set.gauge(mVersions, float64(mm.Versions[m.ID][st]), m.Key, st)
		}
	}
	for _, sw := range mm.Switches {
		for _, st := range []string{lodestar.SwitchOn, lodestar.SwitchOff, lodestar.SwitchFallback} {
			set.gauge(mSwitchState, b2f(sw.State == st), sw.Key, st)
		}
		set.gauge(mSwitchVersion, float64(sw.Version), sw.Key)
	}
	for _, m := range mm.Models {
		for _, kind := range monitoring.Kinds {
			for _, acked := range []bool{false, true} {
				set.gauge(mAlertsOpen, float64(mm.OpenAlerts[lodestar.OpenAlertKey{ModelID: m.ID, Kind: kind, Acked: acked}]), m.Key, kind, strconv.FormatBool(acked))
			}
		}
	}
	for _, m := range mm.Models {
		set.gauge(mTasksOpen, float64(mm.OpenTasks[m.ID]), m.Key)
	}
	for _, mon := range mm.Monitors {
		id, key := strconv.FormatInt(mon.ID, 10), keys[mon.ModelID]
		set.gauge(mMonitorInfo, 1, id, key, mon.Version, mon.Name, mon.Window, mon.Task)
		set.gauge(mPaused, b2f(mon.Paused()), id, key, mon.Version)
		set.gauge(mRetired, b2f(mm.Retired[mon.ModelID][mon.Version]), id, key, mon.Version)
		set.gauge(mEvaluatedTo, unixSeconds(mon.EvaluatedTo), id, key, mon.Version)
		w := mm.Latest[mon.ID]
		if w == nil {
			continue
		}
		set.gauge(mWindowEnd, unixSeconds(w.End), id, key, mon.Version)
		set.gauge(mWindowEvents, float64(w.Events), id, key, mon.Version)
		set.gauge(mWindowLabelled, float64(w.Labelled), id, key, mon.Version)
		for name, v := range w.Metrics {
			set.gauge(mWindowMetric, v, id, key, mon.Version, name)
		}
		if len(w.Drift) > 0 {
			set.gauge(mWindowDrift, w.DriftShare, id, key, mon.Version)
		}
		breached := map[string]bool{}
		for _, b := range w.Breaches {
			breached[b] = true
		}
		for _, kind := range monitoring.Kinds {
			set.gauge(mWindowBreach, b2f(breached[kind]), id, key, mon.Version, kind)
		}
	}
	if set.err != nil {
		return nil, set.err
	}
	return set, nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// unixSeconds is t as a Unix time in seconds, 0 for the zero time.
func unixSeconds(t time.Time) float64 {
	if t.IsZero() {
		return 0
	}
	return float64(t.UnixMilli()) / 1000
}
