package web

import (
	"context"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/chart"
	"github.com/lodestar-hq/lodestar/internal/dataset"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// healthRoutes are the model health pages: monitors, their windows and
// charts, alerts and retraining tasks.
func (s *Server) healthRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/models/{id}/health", Perm: auth.ModelRead, Handler: s.healthShow},
		// The reference file is streamed to a temporary file, and one over
		// the limit (the API's too) read through, up to the server's cap on
		// any body, so that the form comes back as it was filled in.
		{Method: "POST", Pattern: "/models/{id}/monitors", Perm: auth.ModelWrite, Handler: s.monitorCreate,
			FileLimit: monitoring.MaxReferenceBytes, MaxBody: maxStreamedForm},
		{Method: "POST", Pattern: "/monitors/{id}/evaluate", Perm: auth.ModelWrite, Handler: s.monitorEvaluate},
		{Method: "GET", Pattern: "/monitors/{id}/edit", Perm: auth.ModelWrite, Handler: s.monitorEditShow},
		{Method: "POST", Pattern: "/monitors/{id}", Perm: auth.ModelWrite, Handler: s.monitorUpdate},
		{Method: "POST", Pattern: "/monitors/{id}/pause", Perm: auth.ModelWrite, Handler: s.monitorPause},
		{Method: "POST", Pattern: "/monitors/{id}/resume", Perm: auth.ModelWrite, Handler: s.monitorResume},
		{Method: "POST", Pattern: "/monitors/{id}/copy", Perm: auth.ModelWrite, Handler: s.monitorCopy},
		{Method: "GET", Pattern: "/alerts", Perm: auth.ModelRead, Handler: s.alertList},
		{Method: "POST", Pattern: "/alerts/{id}/acknowledge", Perm: auth.AlertAck, Handler: s.alertAck},
	}
}

// driftColumn is one feature's line of a window's drift table.
type driftColumn struct {
	Name      string   `json:"name"`
	Kind      string   `json:"kind"`
	Test      string   `json:"test"`
	Statistic *float64 `json:"statistic"`
	PValue    *float64 `json:"p_value"`
	PSI       *float64 `json:"psi"`
	Drifted   bool     `json:"drifted"`
	// Categories is above 0 when the feature was tested over its values:
	// a numeric one so tested had at most 5 distinct values.
	Categories int `json:"categories"`
	// A numeric feature's Kolmogorov–Smirnov test from a window's bins
	// (method binned): the statistic is known to lie between KS and
	// KSUpper, and its p-value is the lower one's, by KSMethod.
	Method   string   `json:"method"`
	KSUpper  *float64 `json:"ks_upper_bound"`
	KSMethod string   `json:"ks_method"`
	RefN     int64    `json:"reference_count"`
	CurN     int64    `json:"current_count"`
	// Note says why a feature was not tested (an ID-like one, one of
	// too many values), in English: shown translated.
	Note string `json:"note"`
}

// ksBounded reports whether the feature was judged by a Kolmogorov–Smirnov
// test whose statistic, from a window's bins, is known only between the
// one shown and an upper bound above it: the exact statistic may be
// larger, and the exact p-value smaller, than those the verdict used.
func (c driftColumn) ksBounded() bool {
	return c.Test == monitor.TestKS && c.Method == monitor.MethodBinned && c.Statistic != nil && c.PValue != nil &&
		c.KSUpper != nil && *c.KSUpper > *c.Statistic+1e-12
}

// DriftStatistic writes a drift row's statistic: for a binned
// Kolmogorov–Smirnov test, the range the exact statistic lies in.
func (p *Page) DriftStatistic(c driftColumn) string {
	switch {
	case c.Statistic == nil:
		return "—"
	case c.ksBounded():
		return p.between(*c.Statistic, *c.KSUpper)
	}
	return p.Figure(*c.Statistic)
}

// DriftPValue writes a drift row's p-value. A binned Kolmogorov–Smirnov
// test's is its lower statistic's, so the exact p-value is at most it:
// from the upper bound's p-value to it, by the method that computed the
// one shown (the engine's own function), else "≤ p".
//
// A p-value of 0 is one below the smallest float (a large sample's
// chi-square or Kolmogorov–Smirnov p underflows), never nothing: it reads
// as too small to write ("< 0.001"), not "0".
func (p *Page) DriftPValue(c driftColumn) string {
	if c.PValue == nil {
		return "—"
	}
	pv := max(*c.PValue, math.SmallestNonzeroFloat64)
	if !c.ksBounded() {
		return p.Figure(pv)
	}
	if low := monitor.KSPValue(*c.KSUpper, c.RefN, c.CurN, c.KSMethod); !math.IsNaN(low) && low <= pv {
		return p.between(max(low, math.SmallestNonzeroFloat64), pv)
	}
	return p.atMost(pv)
}

// between writes a range of figures: one figure when both read alike, and
// "≤ hi" when lo is too small to write ("< 0.001 to 0.002" reads badly).
func (p *Page) between(lo, hi float64) string {
	l, h := p.Figure(lo), p.Figure(hi)
	switch {
	case l == h:
		return h
	case p.tiny(lo):
		return p.atMost(hi)
	}
	return p.T("health.drift.between", l, h)
}

// atMost writes "≤ x"; a figure too small to write is a bound already
// ("< 0.001"), not "≤ < 0.001".
func (p *Page) atMost(x float64) string {
	if p.tiny(x) {
		return p.Figure(x)
	}
	return p.T("health.drift.at_most", p.Figure(x))
}

// tiny reports whether Figure writes x as a bound ("< 0.001").
func (p *Page) tiny(x float64) bool {
	return x != 0 && math.Abs(x) < 0.5*math.Pow(10, -figureDecimals)
}

// DriftBounded reports whether a drift table has a binned
// Kolmogorov–Smirnov row whose statistic is a range (its note says why).
func (v monitorView) DriftBounded() bool {
	return slices.ContainsFunc(v.Drift, driftColumn.ksBounded)
}

// Latency reports whether the latest window has latency percentiles (a
// note says how they are defined).
func (v monitorView) Latency() bool {
	if v.Latest == nil {
		return false
	}
	for k := range v.Latest.Metrics {
		if strings.HasPrefix(k, "latency_") {
			return true
		}
	}
	return false
}

// DriftRules says the drift thresholds in force on a monitor, as the
// engine applies them (its defaults where the monitor sets none): the
// p-value, distance and PSI a feature drifts at, and the share of the
// features tested that makes the data set drift — and that no alert is
// raised when the monitor's drift alerts are off.
func (p *Page) DriftRules(m *lodestar.Monitor) string {
	t := monitoring.DriftThresholds(m.Thresholds)
	s := p.T("health.drift_rules", p.Figure(t.PValue), p.Figure(t.Wasserstein), p.Figure(t.PSIDrift), p.sharePercent(t.Share))
	if !m.Thresholds.Drift {
		s += p.T("health.drift_rules_off")
	}
	return s
}

type monitorView struct {
	M       *lodestar.Monitor
	Latest  *lodestar.WindowResult
	Drift   []driftColumn
	Charts  []healthChart
	Windows int
	// Trend is each quality metric's and the p95 latency's change from
	// the monitor's first windows to its latest (monitoring.Trend).
	Trend   []monitoring.MetricTrend
	Fair    *windowFairnessView // the latest window's fairness per group attribute
	Quality *windowQualityView  // the latest window's data quality per feature
	// CopyTo are the versions the monitor can be copied to: the model's
	// others that are not retired.
	CopyTo []*lodestar.ModelVersion
}

// windowQualityView is what the health page's data-quality block
// (_health_quality.html) shows: the latest window's per-feature table,
// with the monitor's thresholds to mark the figures that breach them.
type windowQualityView struct {
	P         *Page
	ID        int64 // the monitor's
	Rows      []lodestar.FeatureQuality
	MinEvents int64
	judge     bool
	t         lodestar.MonitorThresholds
}

// breaches says whether a feature breaches the monitor's data-quality
// check of that name (only when the monitor judges data quality).
func (v *windowQualityView) breaches(q lodestar.FeatureQuality, name string) bool {
	if !v.judge {
		return false
	}
	for _, c := range v.t.QualityChecks(q) {
		if c.Name == name {
			return c.Value > c.Limit
		}
	}
	return false
}

// MissingBad, RangeBad and NewBad mark a feature's figures that breach.
func (v *windowQualityView) MissingBad(q lodestar.FeatureQuality) bool {
	return v.breaches(q, "missing")
}

func (v *windowQualityView) RangeBad(q lodestar.FeatureQuality) bool { return v.breaches(q, "range") }

func (v *windowQualityView) NewBad(q lodestar.FeatureQuality) bool { return v.breaches(q, "new") }

// windowFairnessView is what the health page's fairness block
// (_health_fairness.html) shows: the latest window's per-group table.
type windowFairnessView struct {
	P      *Page
	ID     int64 // the monitor's
	Attrs  []lodestar.WindowFairness
	Binary bool
	minIR  float64
}

// Adverse says whether a group value that decides has an impact ratio
// below the monitor's threshold (the four-fifths rule by default).
func (v *windowFairnessView) Adverse(g lodestar.GroupFairness) bool {
	return g.Decides && g.ImpactRatio != nil && *g.ImpactRatio < v.minIR
}

// FavourableRate is a group value's rate of the favourable prediction, the
// rate its impact ratio divides by the reference's: the share predicted
// positive, or, when the negative prediction is the favourable one (a
// high-risk or fraud flag is adverse), the share predicted negative, one
// less it, as the fairness engine counts it (favourableRate).
func (v *windowFairnessView) FavourableRate(a lodestar.WindowFairness, g lodestar.GroupFairness) *float64 {
	if g.SelectionRate == nil || a.Favourable != "negative" {
		return g.SelectionRate
	}
	r := 1 - *g.SelectionRate
	return &r
}

func (s *Server) healthShow(w http.ResponseWriter, r *http.Request) {
	s.renderHealth(w, r, http.StatusOK, s.page(r, "health.title", "risk"))
}

func (s *Server) renderHealth(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	m, ok := entFind(s, w, r, s.Models.FindModelByID)
	if !ok {
		return
	}
	ctx := r.Context()
	vs, err := s.Models.ListModelVersions(ctx, m.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	mons, err := s.Monitors.ListMonitors(ctx, m.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var views []monitorView
	for _, mon := range mons {
		ws, err := s.Monitors.ListWindows(ctx, mon.ID, monitoring.TrendRead)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		trend, err := monitoring.ReadTrend(ctx, s.Monitors, mon, ws)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		v := monitorView{M: mon, Windows: len(ws), Charts: healthCharts(p, mon, ws), Trend: trend}
		for _, ver := range vs {
			if ver.Version != mon.Version && ver.Status != lodestar.ModelRetired {
				v.CopyTo = append(v.CopyTo, ver)
			}
		}
		if len(ws) > 0 {
			v.Latest = ws[len(ws)-1]
			var d struct {
				Columns []driftColumn `json:"columns"`
			}
			if len(v.Latest.Drift) > 0 && json.Unmarshal(v.Latest.Drift, &d) == nil {
				v.Drift = d.Columns
			}
			if len(v.Latest.Fairness) > 0 {
				v.Fair = &windowFairnessView{P: p, ID: mon.ID, Attrs: v.Latest.Fairness, Binary: mon.Task == "" || mon.Task == "binary",
					minIR: monitoring.FairnessMinImpactRatio(mon.Thresholds)}
			}
			if len(v.Latest.Quality) > 0 {
				t := mon.Thresholds
				q := &windowQualityView{P: p, ID: mon.ID, Rows: v.Latest.Quality, MinEvents: t.QualityMinEvents, judge: t.DataQuality, t: t}
				if q.MinEvents == 0 {
					q.MinEvents = monitor.DefaultQualityMinEvents
				}
				v.Quality = q
			}
		}
		views = append(views, v)
	}
	// Every open alert, however old; of the closed, the newest.
	alerts, _, err := s.alertsToList(ctx, m.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Open alerts first, as on the alerts page; each part keeps its order.
	slices.SortStableFunc(alerts, func(a, b *lodestar.Alert) int {
		rank := func(x *lodestar.Alert) int {
			if x.Status == lodestar.AlertOpen {
				return 0
			}
			return 1
		}
		return rank(a) - rank(b)
	})
	all, err := s.Monitors.ListRetrainingTasks(ctx, m.UseCaseID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var tasks []*lodestar.RetrainingTask
	for _, t := range all {
		if t.ModelID == m.ID {
			tasks = append(tasks, t)
		}
	}
	if p.Form == nil || p.Form.Get(pauseMonitorField) != "" || p.Form.Get(copyMonitorField) != "" {
		// (A refused pause's or copy's form holds its own fields only:
		// the new monitor's form keeps its defaults.)
		defaults := url.Values{"window": {lodestar.WindowHour}, "retrain_after": {"3"}, "alert_after": {"1"}, "resolve_after": {"1"}, "remind_after": {"0"}, "drift": {"on"}, "reference_kind": {lodestar.ReferenceDataset}}
		for k, v := range p.Form {
			defaults[k] = v
		}
		p.Form = defaults
	}
	// The use case the model serves, linked from the page's head (nil
	// when it is gone).
	uc, _ := s.UseCases.FindUseCaseByID(ctx, m.UseCaseID)
	// Whether the model may serve at all: its switch.
	sw, err := s.Switches.FindSwitch(ctx, m.Key)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Every switch: whether the model it falls back to serves.
	sws, err := s.Switches.ListSwitches(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	versionIDs, retired := map[string]int64{}, map[string]bool{}
	for _, v := range vs {
		versionIDs[v.Version] = v.ID
		retired[v.Version] = v.Status == lodestar.ModelRetired
	}
	// The monitors of versions that still get events first (the live
	// version's above what watched the one it replaced), each part in
	// the order they were made.
	slices.SortStableFunc(views, func(a, b monitorView) int {
		rank := func(v monitorView) int {
			if retired[v.M.Version] {
				return 1
			}
			return 0
		}
		return rank(a) - rank(b)
	})
	monitorNames := map[int64]string{}
	for _, mon := range mons {
		monitorNames[mon.ID] = mon.Name
	}
	// Versions that serve, or are about to, with no monitor: the page
	// says so, and each card's copy form offers them first.
	unwatched := unwatchedVersions(vs, mons)
	p.Data = struct {
		M            *lodestar.Model
		UseCase      *lodestar.UseCase
		Switch       *lodestar.Switch
		Live         bool // a version is in production (inProduction)
		Versions     []*lodestar.ModelVersion
		VersionIDs   map[string]int64
		Retired      map[string]bool // by version: its monitors are not evaluated
		Monitors     []monitorView
		MonitorNames map[int64]string
		// Unwatched are the versions in staging or production no monitor
		// watches (a monitor can be copied to them).
		Unwatched []*lodestar.ModelVersion
		Alerts    []*lodestar.Alert
		TaskTable taskTable
		Tasks3    []string
		// The drift tests the monitor form offers, auto first.
		NumericTests, CategoricalTests []string
		// The reference file's limit, and its refusal (English), for the
		// form's check of a file's size as it is chosen.
		MaxReferenceBytes int64
		ReferenceTooLarge string
		Switches          map[string]*lodestar.Switch // every switch by key
	}{m, uc, sw, inProduction(vs), vs, versionIDs, retired, views, monitorNames, unwatched, alerts, taskTable{Rows: s.taskRows(ctx, tasks, false)}, []string{"binary", "multiclass", "regression"},
		[]string{monitor.TestAuto, monitor.TestKS, monitor.TestWasserstein, monitor.TestPSI},
		[]string{monitor.TestAuto, monitor.TestChiSquare, monitor.TestJensenShannon, monitor.TestPSI},
		monitoring.MaxReferenceBytes, referenceTooLarge(), switchesByKey(sws)}
	s.render(w, r, status, "health", p)
}

// healthChartEm is the health charts' font size in their units, as
// app.css sets it on a phone (18; 16 on a laptop): the time axis puts no
// more dates along it than fit at that size.
const healthChartEm = 18

// healthCharts draws a monitor's figures over its windows: accuracy,
// p95 latency, the share of drifted features and events per window, each
// with its threshold as a dashed line.
type healthChart struct {
	Title     string
	Threshold string // the dashed line's value as the axis writes it; "" without one
	SVG       template.HTML
}

func healthCharts(p *Page, m *lodestar.Monitor, ws []*lodestar.WindowResult) []healthChart {
	if len(ws) == 0 {
		return nil
	}
	// Hour and day windows follow one another: a period between two with
	// no window of its own had no events (a monitor without a volume
	// threshold stores no empty window).
	periodic := m.Window == lodestar.WindowHour || m.Window == lodestar.WindowDay
	missing := func(prev, w *lodestar.WindowResult) bool {
		return periodic && prev != nil && !prev.End.IsZero() && w.Start.After(prev.End)
	}
	// A window without the figure (no labels, no feature tested), or a
	// period without a window, breaks the line (a point that is not a
	// number): a line drawn across it would show figures never measured.
	series := func(f func(*lodestar.WindowResult) (float64, bool)) []chart.TimePoint {
		var pts []chart.TimePoint
		var prev *lodestar.WindowResult
		broken := false
		for _, w := range ws {
			broken = broken || missing(prev, w)
			prev = w
			v, ok := f(w)
			if !ok {
				broken = true
				continue
			}
			if broken && len(pts) > 0 {
				pts = append(pts, chart.TimePoint{T: pts[len(pts)-1].T, V: math.NaN()})
			}
			broken = false
			pts = append(pts, chart.TimePoint{T: w.Start, V: v})
		}
		return pts
	}
	// The events per window, 0 over the periods without a window: the
	// first and the last such period of each run (the line between them
	// is 0 too), so that an outage shows as one.
	events := func() []chart.TimePoint {
		var pts []chart.TimePoint
		var prev *lodestar.WindowResult
		for _, w := range ws {
			if missing(prev, w) {
				pts = append(pts, chart.TimePoint{T: prev.End, V: 0})
				if last := w.Start.Add(-w.End.Sub(w.Start)); last.After(prev.End) {
					pts = append(pts, chart.TimePoint{T: last, V: 0})
				}
			}
			prev = w
			pts = append(pts, chart.TimePoint{T: w.Start, V: float64(w.Events)})
		}
		return pts
	}
	flat := func(pts []chart.TimePoint, v float64) []chart.TimePoint {
		if len(pts) == 0 || v == 0 {
			return nil
		}
		return []chart.TimePoint{{T: pts[0].T, V: v}, {T: pts[len(pts)-1].T, V: v}}
	}
	metric := func(name string) func(*lodestar.WindowResult) (float64, bool) {
		return func(w *lodestar.WindowResult) (float64, bool) { v, ok := w.Metrics[name]; return v, ok }
	}
	// Day windows start at midnight: their dates are dates, without
	// "00:00 UTC"; the axis of hour windows (and of N events) may tick
	// the hours.
	axis := chart.TimeAxis{Date: p.Date, Day: p.DayMonth, Clock: func(t time.Time) string { return t.UTC().Format("15:04") },
		Point: p.DateTime, Em: healthChartEm}
	if m.Window == lodestar.WindowDay {
		axis = chart.DateAxis(p.Date, p.DayMonth)
		axis.Em = healthChartEm
	}
	var out []healthChart
	// share is the range of a share's axis: 0 to 1 whatever the data.
	share := &[2]float64{0, 1}
	// num writes the values (a share as a percentage: the alerts say "67%
	// of features drifted (threshold 50%)", so its axis does too); unit,
	// when not "", is the catalog key that puts the threshold's unit
	// after it ("threshold 120 ms").
	add := func(title string, pts []chart.TimePoint, threshold float64, num func(float64) string, unit string, bounds *[2]float64) {
		if len(pts) == 0 {
			return
		}
		lines := []chart.Line{{Name: p.T(title), Points: pts, Class: "actual"}}
		limit := ""
		if th := flat(pts, threshold); th != nil {
			lines = append(lines, chart.Line{Name: p.T("health.threshold"), Points: th, Class: "promised", Dashed: true})
			limit = num(threshold)
			if unit != "" {
				limit = p.T(unit, limit)
			}
		}
		svg := chart.TimeChart(p.T(title), lines, axis, num)
		if bounds != nil {
			svg = chart.TimeChartRange(p.T(title), lines, bounds[0], bounds[1], axis, num)
		}
		out = append(out, healthChart{p.T(title), limit, svg})
	}
	add("health.chart.accuracy", series(metric("accuracy")), m.Thresholds.MinAccuracy, p.Figure, "", nil)
	add("health.chart.latency", series(metric("latency_p95")), m.Thresholds.MaxLatencyP95MS, p.Millis, "health.chart.ms", nil)
	if len(m.Numeric)+len(m.Categorical) > 0 {
		limit := 0.0
		if m.Thresholds.Drift {
			limit = orDefault(m.Thresholds.DriftShare, 0.5)
		}
		// Windows that tested no feature (none had values) have no share:
		// 0 of 0 drifted is not "no drift", so they are left out.
		add("health.chart.drift", series(func(w *lodestar.WindowResult) (float64, bool) {
			return w.DriftShare, monitoring.DriftTested(w.Drift)
		}), limit, p.sharePercent, "", share)
	}
	if len(m.Numeric)+len(m.Categorical) > 0 {
		// The worst data-quality figure of each window (over the features
		// that decide): the missing share's rise, the out-of-range share or
		// the new-value share, on 0–1; the threshold line when the three
		// thresholds are one (as by default).
		miss, rng, fresh := m.Thresholds.QualityLimits()
		limit := 0.0
		if m.Thresholds.DataQuality && miss == rng && rng == fresh {
			limit = miss
		}
		add("health.chart.quality", series(func(w *lodestar.WindowResult) (float64, bool) {
			worst, ok := 0.0, false
			for _, k := range []string{"max_missing_increase", "max_out_of_range_share", "max_new_value_share"} {
				if v, has := w.Metrics[k]; has {
					worst, ok = max(worst, v), true
				}
			}
			return worst, ok
		}), limit, p.sharePercent, "", share)
	}
	add("health.chart.events", events(), float64(m.Thresholds.MinEvents), func(v float64) string { return p.Num(v, 0) }, "", nil)
	if len(m.Groups) > 0 && (m.Task == "" || m.Task == "binary") {
		// The smallest impact ratio over the group values that decide,
		// against the monitor's threshold (0.8, the four-fifths rule,
		// unless set), drawn whether or not it raises alerts, on 0–1 as
		// the drift share is.
		add("health.chart.fairness", series(metric("min_impact_ratio")), monitoring.FairnessMinImpactRatio(m.Thresholds), p.Figure, "", share)
	}
	return out
}

// sharePercent writes a share as a whole percentage (0.5: "50%"), with
// one decimal when it has one (0.075: "7.5%").
func (p *Page) sharePercent(x float64) string {
	pct := 100 * x
	if math.Abs(pct-math.Round(pct)) < 1e-9 {
		return p.Num(pct, 0) + "%"
	}
	return p.Num(pct, 1) + "%"
}

// MetricName names a window's metric on the health page: a multiclass
// monitor's precision, recall and F1 are macro averages over its classes,
// and their names say so; a binary monitor's are of the positive class.
func (p *Page) MetricName(m *lodestar.Monitor, name string) string {
	if m != nil && m.Task == monitor.TaskMulticlass && (name == "precision" || name == "recall" || name == "f1") {
		return p.T("metric." + name + "_macro")
	}
	return p.T("metric." + name)
}

// MetricValue writes a window's metric on the health page: latencies in
// milliseconds with at most one decimal, the data-quality shares as
// percentages (as the data-quality table and the alerts write them),
// other metrics as Figure does.
func (p *Page) MetricValue(name string, v float64) string {
	switch {
	case strings.HasPrefix(name, "latency_"):
		// One decimal always: "25.0" beside "18.6", not "25".
		return p.Num(v, 1)
	case qualityMetric(name) || name == "positive_rate":
		// Shares of events, as percentages with one decimal.
		return p.Percent(v)
	}
	return p.Figure(v)
}

// qualityMetric says whether a window metric is one of the data-quality
// shares, which only the monitor's data-quality check judges.
func qualityMetric(name string) bool {
	return name == "max_missing_increase" || name == "max_out_of_range_share" || name == "max_new_value_share"
}

// Unjudged says whether a window's metric is a data-quality share the
// monitor has no threshold for (it does not judge data quality): the page
// says so beside the figure, or a 62% share would look like a passed check.
func (p *Page) Unjudged(m *lodestar.Monitor, name string) bool {
	return qualityMetric(name) && !m.Thresholds.DataQuality
}

// figureDecimals is the most decimals the health page gives a figure:
// as many as the alerts beside it write an accuracy or an impact ratio
// with ("Accuracy 0.640 is below 0.700"), so both read the same number.
const figureDecimals = 3

// Figure writes a metric, a drift statistic, a p-value or a fairness rate
// on the health page as people read them: up to three decimals, without
// trailing zeros ("0.94", "0.812", "1"), and a figure too small to show
// as "< 0.001" (as p-values are reported) rather than "0". The page's
// tables stack on a phone and keep their figures to the left, so fixed
// decimals would align nothing and only add zeros that claim a precision
// the figure does not have.
func (p *Page) Figure(x float64) string {
	if p.tiny(x) {
		least := p.Num(math.Pow(10, -figureDecimals), figureDecimals)
		if x < 0 {
			return "> −" + least
		}
		return "< " + least
	}
	return p.NumUpTo(x, figureDecimals)
}

// Millis writes a latency in milliseconds with at most one decimal
// ("87.4", "120"), without its unit.
func (p *Page) Millis(x float64) string { return p.NumUpTo(x, 1) }

func orDefault(x, def float64) float64 {
	if x == 0 {
		return def
	}
	return x
}

// formFloat reads a number field as a JSON body's number is read: a
// finite decimal, not hexadecimal (0x1p-1), NaN or an infinity, and not
// one so close to 0 that it reads as 0 (1e-999), which would turn the
// threshold off without a word.
func formFloat(r *http.Request, name string, fields map[string]string, field string) float64 {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return 0
	}
	x, ok, underflow := dataset.ParseTyped(v)
	switch {
	case underflow:
		fields[field] = "Too small to store: a number this close to 0 reads as 0."
	case !ok:
		fields[field] = "Enter a number."
	}
	return x
}

// formInt reads a whole-number field: "2.5" is an error, not 2.
func formInt(r *http.Request, name string, fields map[string]string, field string) int64 {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return 0
	}
	x, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		fields[field] = "Enter a whole number."
	}
	return x
}

func formDate(r *http.Request, name string, fields map[string]string, field string) time.Time {
	v := strings.TrimSpace(r.PostFormValue(name))
	if v == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		fields[field] = "Use a date like 2026-11-28."
	}
	return t
}

func splitNames(s string) []string {
	var out []string
	for _, n := range strings.Split(s, ",") {
		if n = strings.TrimSpace(n); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// formThresholds reads the monitor form's thresholds, the same on the
// create and the edit form; fields gets those that do not parse.
func formThresholds(r *http.Request, fields map[string]string) lodestar.MonitorThresholds {
	return lodestar.MonitorThresholds{MinAccuracy: formFloat(r, "min_accuracy", fields, "thresholds.min_accuracy"),
		MaxLatencyP95MS:             formFloat(r, "max_latency_p95_ms", fields, "thresholds.max_latency_p95_ms"),
		MinEvents:                   formInt(r, "min_events", fields, "thresholds.min_events"),
		MaxEvents:                   formInt(r, "max_events", fields, "thresholds.max_events"),
		Drift:                       formCheckbox(r, "drift", checkboxOn, fields, "thresholds.drift"),
		DriftNumericTest:            r.PostFormValue("drift_numeric_test"),
		DriftCategoricalTest:        r.PostFormValue("drift_categorical_test"),
		Fairness:                    formCheckbox(r, "fairness", checkboxOn, fields, "thresholds.fairness"),
		FairnessMinImpactRatio:      formFloat(r, "fairness_min_impact_ratio", fields, "thresholds.fairness_min_impact_ratio"),
		FairnessMaxEqualOpportunity: formFloat(r, "fairness_max_equal_opportunity", fields, "thresholds.fairness_max_equal_opportunity"),
		FairnessMinGroup:            formInt(r, "fairness_min_group", fields, "thresholds.fairness_min_group"),
		FairnessFavourable:          r.PostFormValue("fairness_favourable"),
		DataQuality:                 formCheckbox(r, "data_quality", checkboxOn, fields, "thresholds.data_quality"),
		QualityMaxMissingIncrease:   formFloat(r, "quality_max_missing_increase", fields, "thresholds.quality_max_missing_increase"),
		QualityMaxOutOfRange:        formFloat(r, "quality_max_out_of_range", fields, "thresholds.quality_max_out_of_range"),
		QualityMaxNewValues:         formFloat(r, "quality_max_new_values", fields, "thresholds.quality_max_new_values"),
		QualityMinEvents:            formInt(r, "quality_min_events", fields, "thresholds.quality_min_events")}
}

// monitorCreate reads the monitor form (multipart, with the reference
// file) and creates the monitor.
// referenceAgain is the refused monitor form's note of the reference file
// that was chosen, which the browser drops.
const referenceAgain = "reference_again"

func (s *Server) monitorCreate(w http.ResponseWriter, r *http.Request) {
	m, ok := entFind(s, w, r, s.Models.FindModelByID)
	if !ok {
		return
	}
	fields := map[string]string{}
	in := lodestar.Monitor{ModelID: m.ID, Version: r.PostFormValue("version"), Name: r.PostFormValue("name"), Task: r.PostFormValue("task"),
		Classes: splitNames(r.PostFormValue("classes")), Groups: splitNames(r.PostFormValue("groups")),
		Exclude: splitNames(r.PostFormValue("exclude")), Window: strings.TrimSpace(r.PostFormValue("window")),
		WebhookURL: r.PostFormValue("webhook_url"),
		Reference:  lodestar.MonitorReference{Kind: r.PostFormValue("reference_kind")}}
	in.Thresholds = formThresholds(r, fields)
	in.RetrainAfter = int(formInt(r, "retrain_after", fields, "retrain_after"))
	in.AlertAfter = int(formInt(r, "alert_after", fields, "alert_after"))
	in.ResolveAfter = int(formInt(r, "resolve_after", fields, "resolve_after"))
	in.RemindAfter = int(formInt(r, "remind_after", fields, "remind_after"))
	in.Reference.From = formDate(r, "reference_from", fields, "reference.from")
	// The form's "to" is a day read as included, as the audit filter's
	// and a copy's are: the range ends at the next midnight (UTC).
	if in.Reference.To = formDate(r, "reference_to", fields, "reference.to"); !in.Reference.To.IsZero() {
		in.Reference.To = in.Reference.To.AddDate(0, 0, 1)
	}
	var data []byte
	var name string
	if up := httpx.UploadFrom(r, "reference"); up != nil && in.Reference.Kind == lodestar.ReferenceDataset {
		if up.TooLarge {
			// Not to be chosen again: name stays "".
			fields["reference"] = referenceTooLarge()
		} else if data, name = readUpload(up), up.Filename; data == nil {
			fields["reference"] = "The file could not be read."
		}
	}
	var err error
	var made *lodestar.Monitor
	if len(fields) > 0 {
		// Every bad field at once: the service checks the rest too.
		err = checkAlso(r.Context(), fields, "The monitor could not be saved; check the fields.", func(ctx context.Context) error {
			_, err := s.Monitoring.CreateMonitor(ctx, in, data, name)
			return err
		})
	} else {
		made, err = s.Monitoring.CreateMonitor(r.Context(), in, data, name)
	}
	if err != nil {
		// A browser never fills a file field in again: the form comes
		// back with every other value, and says which file to choose
		// again rather than leave the next submission to fail for want
		// of a reference. (The name is set here only, never read from
		// the request.)
		r.PostForm.Del(referenceAgain)
		if name != "" {
			r.PostForm.Set(referenceAgain, name)
		}
		s.refused(w, r, err, "health.title", "risk", r.PostForm, s.renderHealth)
		return
	}
	// To the new monitor's section. (A refusal comes back with its first
	// bad field focused, so scrolled to the form at the foot of a long
	// page; the form's action has no fragment, which would stop the
	// browser's autofocus.)
	s.redirect(w, r, monitorAnchor(m.ID, made.ID), "flash.monitor_saved")
}

// maxStreamedForm is the most of a streamed form's body the server reads:
// its cap on any body.
const maxStreamedForm = httpx.MaxServerBody

// referenceTooLarge is the refusal of a reference file over the limit,
// the service's own (translated by its pattern).
func referenceTooLarge() string {
	return fmt.Sprintf("The reference dataset is larger than %d MiB.", monitoring.MaxReferenceBytes>>20)
}

// readUpload reads an uploaded file whole; nil when it cannot.
func readUpload(up *httpx.Upload) []byte {
	f, err := up.Open()
	if err != nil {
		return nil
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		return nil
	}
	return data
}

// monitorEvaluate evaluates a monitor now and returns to its model's
// health page.
func (s *Server) monitorEvaluate(w http.ResponseWriter, r *http.Request) {
	mon, ok := entFind(s, w, r, s.Monitors.FindMonitorByID)
	if !ok {
		return
	}
	// An optional "from" day recomputes the windows from its start (late
	// labels or events), as the API's from does.
	fields := map[string]string{}
	from := formDate(r, "from", fields, "from")
	if len(fields) > 0 {
		s.Error(w, r, &lodestar.Error{Code: lodestar.EInvalid, Message: "The monitor could not be evaluated; check the fields.", Fields: fields})
		return
	}
	if _, err := s.Monitoring.Evaluate(r.Context(), mon.ID, time.Now().UTC(), from); err != nil {
		s.Error(w, r, err)
		return
	}
	s.redirect(w, r, monitorAnchor(mon.ModelID, mon.ID), "flash.monitor_evaluated")
}

type alertRow struct {
	A       *lodestar.Alert
	Model   *lodestar.Model
	Switch  *lodestar.Switch // the model's, nil when unknown
	Monitor string           // the monitor's name ("" when it is gone)
	// Paused is the monitor's pause, when it is paused: its open alerts
	// stay open, and no window will resolve them until it is resumed.
	Paused *lodestar.Monitor
	// Open is how long an open alert has been open (0 for the others).
	Open time.Duration
}

// Unacked says whether the alert is open and nobody has taken it on.
func (r alertRow) Unacked() bool {
	return r.A.Status == lodestar.AlertOpen && r.A.AckedAt.IsZero()
}

// alertTriage is what the alerts page says above its table: how many
// are open, how many of those nobody has acknowledged, and the oldest of
// these, so that a risk officer sees at once what has been left alone.
type alertTriage struct {
	Open, Unacked, All int
	Oldest             *alertRow // the longest-open unacknowledged alert
	OpenOnly           bool      // the list shows the open alerts only
	// ClosedShown of the ClosedTotal closed alerts are listed (the
	// newest): fewer when there are more than the page reads.
	ClosedShown, ClosedTotal int
}

// ClosedCut reports whether the list leaves out older closed alerts.
func (t alertTriage) ClosedCut() bool { return !t.OpenOnly && t.ClosedShown < t.ClosedTotal }

// alertsToList reads the alerts the alerts page lists (of model modelID
// on its health page; 0: of all) — ListAlerts' every open one, whatever
// its age, and the newest 500 others — with how many are closed in all,
// for the page's note of those it leaves out.
func (s *Server) alertsToList(ctx context.Context, modelID int64) ([]*lodestar.Alert, int, error) {
	alerts, err := s.Monitors.ListAlerts(ctx, modelID, false)
	if err != nil {
		return nil, 0, err
	}
	_, total, err := s.Monitors.PageAlerts(ctx, modelID, false, 0, 1)
	if err != nil {
		return nil, 0, err
	}
	open := 0
	for _, a := range alerts {
		if a.Status == lodestar.AlertOpen {
			open++
		}
	}
	// (An alert raised or closed between the two reads may make the
	// count differ from the list by one: never below what is listed.)
	return alerts, max(total-open, len(alerts)-open), nil
}

// sortAlertRows orders the alerts as a risk officer works through them:
// open ones nobody has acknowledged first, the longest-open first; then
// the open ones being handled, longest-open first; then the closed, in
// the order given (the store's, newest first).
func sortAlertRows(rows []alertRow) {
	rank := func(r alertRow) int {
		switch {
		case r.Unacked():
			return 0
		case r.A.Status == lodestar.AlertOpen:
			return 1
		}
		return 2
	}
	slices.SortStableFunc(rows, func(a, b alertRow) int {
		if c := rank(a) - rank(b); c != 0 {
			return c
		}
		if rank(a) < 2 {
			return a.A.OpenedAt.Compare(b.A.OpenedAt)
		}
		return 0
	})
}

// unwatchedVersions returns the versions in production or staging —
// serving, or about to — that none of the model's monitors watches.
func unwatchedVersions(vs []*lodestar.ModelVersion, mons []*lodestar.Monitor) []*lodestar.ModelVersion {
	watched := map[string]bool{}
	for _, mon := range mons {
		watched[mon.Version] = true
	}
	var out []*lodestar.ModelVersion
	for _, v := range vs {
		if !watched[v.Version] && (v.Status == lodestar.ModelProduction || v.Status == lodestar.ModelStaging) {
			out = append(out, v)
		}
	}
	return out
}

// AlertAnchor links to an alert's row on the alerts page (all of them,
// so that the row is there whatever filter the page was read with), named by its
// model's key and its monitor (the model alone when the monitor is gone).
func (p *Page) AlertAnchor(r *alertRow) template.HTML {
	name := r.Monitor
	if r.Model != nil {
		name = r.Model.Key
		if r.Monitor != "" {
			name += " · " + r.Monitor
		}
	}
	if name == "" {
		name = p.T("alerts.title")
	}
	return template.HTML(`<a href="/alerts#alert-` + strconv.FormatInt(r.A.ID, 10) + `">` + template.HTMLEscapeString(name) + `</a>`)
}

// Age says how long d is, in the page's language, to the unit a reader
// of an alert list wants: minutes within the hour, hours within two
// days, days after.
func (p *Page) Age(d time.Duration) string {
	switch {
	case d < time.Hour:
		return p.T("age.minutes", max(int(d/time.Minute), 1))
	case d < 48*time.Hour:
		return p.T("age.hours", int(d/time.Hour))
	}
	return p.T("age.days", int(d/(24*time.Hour)))
}

type taskRow struct {
	T       *lodestar.RetrainingTask
	Model   *lodestar.Model
	UseCase *lodestar.UseCase
}

// figure is a task's metric if it has one: an accuracy of 0 is a figure,
// not a blank.
type figure struct {
	OK bool
	V  float64
}

// Accuracy gives the task's accuracy before (after false) or after it.
func (r taskRow) Accuracy(after bool) figure {
	m := r.T.Before
	if after {
		m = r.T.After
	}
	v, ok := m["accuracy"]
	return figure{ok, v}
}

// taskTable is the retraining tasks' table (the tasks-table partial) as
// the health, alerts and use-case pages show it, with the same columns
// everywhere — before and after, opened and closed — so a task's figures
// read the same wherever it is found; Model and UseCase add a column that
// links to the model's monitor and to the use case.
type taskTable struct {
	Rows           []taskRow
	Model, UseCase bool
}

// taskRows gives each task its model and use case, each looked up once;
// one that is gone (archived) is left nil and shown without a link.
func (s *Server) taskRows(ctx context.Context, tasks []*lodestar.RetrainingTask, withUseCase bool) []taskRow {
	models := map[int64]*lodestar.Model{}
	ucs := map[int64]*lodestar.UseCase{}
	var out []taskRow
	for _, t := range tasks {
		m, ok := models[t.ModelID]
		if !ok {
			m, _ = s.Models.FindModelByID(ctx, t.ModelID)
			models[t.ModelID] = m
		}
		row := taskRow{T: t, Model: m}
		if withUseCase {
			uc, ok := ucs[t.UseCaseID]
			if !ok {
				uc, _ = s.UseCases.FindUseCaseByID(ctx, t.UseCaseID)
				ucs[t.UseCaseID] = uc
			}
			row.UseCase = uc
		}
		out = append(out, row)
	}
	return out
}

// alertList shows every alert, open first, and the retraining tasks.
func (s *Server) alertList(w http.ResponseWriter, r *http.Request) {
	s.renderAlerts(w, r, http.StatusOK, s.page(r, "alerts.title", "risk"))
}

// alertAck acknowledges an open alert with the user's note; a refusal
// shows the list again with the note kept in the alert's row.
func (s *Server) alertAck(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		s.Error(w, r, lodestar.Errorf(lodestar.ENotFound, "Alert not found."))
		return
	}
	if _, err := s.Monitors.AcknowledgeAlert(r.Context(), id, r.PostFormValue("note")); err != nil {
		form := url.Values{"alert": {strconv.FormatInt(id, 10)}, "note": {r.PostFormValue("note")}}
		s.refused(w, r, err, "alerts.title", "risk", form, s.renderAlerts)
		return
	}
	s.redirect(w, r, "/alerts#alert-"+strconv.FormatInt(id, 10), "flash.alert_acked")
}

func (s *Server) renderAlerts(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	ctx := r.Context()
	models := map[int64]*lodestar.Model{}
	model := func(id int64) *lodestar.Model {
		if m, ok := models[id]; ok {
			return m
		}
		m, _ := s.Models.FindModelByID(ctx, id)
		models[id] = m
		return m
	}
	alerts, closedTotal, err := s.alertsToList(ctx, 0)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// Each model's switch: an alert of a model switched off is contained.
	sws, err := s.Switches.ListSwitches(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	switches := make(map[int64]*lodestar.Switch, len(sws))
	for _, sw := range sws {
		switches[sw.ModelID] = sw
	}
	// Each alert's monitor by name: a model's monitors alert alike
	// ("Accuracy"), so the name tells which one.
	monitorNames := map[int64]string{}
	paused := map[int64]*lodestar.Monitor{}
	monitorName := func(modelID, id int64) string {
		if _, ok := monitorNames[id]; !ok {
			monitorNames[id] = ""
			if mons, err := s.Monitors.ListMonitors(ctx, modelID); err == nil {
				for _, m := range mons {
					monitorNames[m.ID] = m.Name
					if m.Paused() {
						paused[m.ID] = m
					}
				}
			}
		}
		return monitorNames[id]
	}
	now := s.Now()
	triage := alertTriage{OpenOnly: r.URL.Query().Get("status") == "open", ClosedTotal: closedTotal}
	rows := make([]alertRow, 0, len(alerts))
	for _, a := range alerts {
		row := alertRow{A: a, Model: model(a.ModelID), Switch: switches[a.ModelID], Monitor: monitorName(a.ModelID, a.MonitorID)}
		if a.Status == lodestar.AlertOpen {
			row.Paused = paused[a.MonitorID]
			row.Open = max(now.Sub(a.OpenedAt), 0)
			triage.Open++
		} else if triage.ClosedShown++; triage.OpenOnly {
			continue
		}
		rows = append(rows, row)
	}
	triage.All = triage.Open + closedTotal
	sortAlertRows(rows)
	for i := range rows {
		if !rows[i].Unacked() {
			break
		}
		if triage.Unacked++; triage.Oldest == nil {
			triage.Oldest = &rows[i]
		}
	}
	tasks, err := s.Monitors.ListRetrainingTasks(ctx, 0)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p.Data = struct {
		Alerts    []alertRow
		Triage    alertTriage
		TaskTable taskTable
	}{rows, triage, taskTable{Rows: s.taskRows(ctx, tasks, true), Model: true, UseCase: true}}
	s.render(w, r, status, "alerts", p)
}

// AlertText says what an alert found in the page's language.
func (p *Page) AlertText(a *lodestar.Alert) string {
	return monitoring.AlertText(p.bundle, p.ID.Locale, a)
}

// TrendChange writes a metric's change since the monitor's first
// windows: "0.8 → 0.64 (−20%)", the figures as the latest window's are
// written, without the percentage when the first is 0.
func (p *Page) TrendChange(t monitoring.MetricTrend) string {
	first, last := p.MetricValue(t.Metric, t.First), p.MetricValue(t.Metric, t.Last)
	if t.Change == nil {
		return p.T("health.trend_values", first, last)
	}
	pct := p.Num(math.Abs(100**t.Change), 0)
	switch {
	case pct == p.Num(0, 0):
	case *t.Change < 0:
		pct = "−" + pct
	default:
		pct = "+" + pct
	}
	return p.T("health.trend_change", first, last, pct)
}

// TrendSpans says the windows a trend's two means are over: how many at
// each end and the days they cover ("first 7 windows, 1 Jun 2026 – 7 Jun
// 2026; latest 7, 23 Nov 2026 – 29 Nov 2026").
func (p *Page) TrendSpans(t monitoring.MetricTrend) string {
	return p.T("health.trend_spans", p.Int(t.Windows), p.dayRange(t.FirstFrom, t.FirstTo), p.dayRange(t.LastFrom, t.LastTo))
}

// dayRange writes the days from from to to (an end, not included: a
// day window ending at midnight is its own day's), one day when both are.
func (p *Page) dayRange(from, to time.Time) string {
	a, b := p.Date(from), p.Date(to.Add(-time.Nanosecond))
	if !to.After(from) || a == b {
		return a
	}
	return p.T("health.trend_range", a, b)
}

// TaskText says why a retraining task opened: its reason as stored — the
// windows in a row that breached accuracy or drift, and how many breached
// each — in the page's language, then the share of features that drifted
// in the window that opened it. A task opened by drift reads as drift: its
// accuracy figure is the Before column's, not a decay. (A task with no
// reason recorded says its opening figures only.)
func (p *Page) TaskText(t *lodestar.RetrainingTask) string {
	drift := p.Num(100*t.Before["drift_share"], 0)
	if strings.TrimSpace(t.Reason) == "" {
		if acc, ok := t.Before["accuracy"]; ok {
			return p.T("task.text.figures", p.Figure(acc), drift)
		}
		return p.T("task.text.figures_drift", drift)
	}
	out := p.Msg(t.Reason)
	if t.Before["drift_share"] > 0 {
		out += p.T("task.text.drifted", drift)
	}
	return out
}

// WindowName says a monitor's window in the page's language: an hour, a
// day, or every N events.
func (p *Page) WindowName(window string) string {
	switch {
	case window == "hour" || window == "day":
		return p.T("health.window." + window)
	case strings.HasPrefix(window, "events:"):
		if n, err := strconv.ParseInt(strings.TrimPrefix(window, "events:"), 10, 64); err == nil {
			return p.T("health.window.events", p.Int64(n))
		}
	}
	return window
}

// Int64 formats a count with the locale's grouping.
func (p *Page) Int64(n int64) string { return p.bundle.Int(p.ID.Locale, n) }

// TestName names a drift test for a reader ("Kolmogorov–Smirnov", "卡方检验")
// rather than by the engine's identifier ("ks", "chi2"); an identifier this
// version does not know is shown as it is.
func (p *Page) TestName(test string) string {
	if test == "" {
		test = monitor.TestNone
	}
	switch test {
	case monitor.TestKS, monitor.TestWasserstein, monitor.TestPSI, monitor.TestChiSquare, monitor.TestJensenShannon, monitor.TestNone:
		return p.T("health.test." + test)
	}
	return test
}
