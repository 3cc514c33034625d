package monitoring

import (
	"math"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// trendDay is a daily window from t0's day i with events, labelled events
// and metrics.
func trendDay(t0 time.Time, i int, events, labelled int64, metrics map[string]float64) *lodestar.WindowResult {
	return &lodestar.WindowResult{Start: t0.AddDate(0, 0, i), End: t0.AddDate(0, 0, i+1), Events: events, Labelled: labelled, Metrics: metrics}
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// trendOf finds a metric's trend, failing the test when it is missing.
func trendOf(t *testing.T, ts []MetricTrend, name string) MetricTrend {
	t.Helper()
	for _, m := range ts {
		if m.Metric == name {
			return m
		}
	}
	t.Fatalf("no trend for %s in %+v", name, ts)
	return MetricTrend{}
}

func hasTrend(ts []MetricTrend, name string) bool {
	for _, m := range ts {
		if m.Metric == name {
			return true
		}
	}
	return false
}

var trendT0 = time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)

// TestTrendWeightsEachWindow: each end's mean is weighted by the windows'
// labelled events (a quality metric) or events (latency), not a mean of
// the windows' figures — hand-computed.
func TestTrendWeightsEachWindow(t *testing.T) {
	ws := []*lodestar.WindowResult{
		trendDay(trendT0, 0, 200, 100, map[string]float64{"accuracy": 0.9, "latency_p95": 100}),
		trendDay(trendT0, 1, 100, 50, map[string]float64{"accuracy": 0.6, "latency_p95": 40}),
		trendDay(trendT0, 2, 100, 10, map[string]float64{"accuracy": 0.7, "latency_p95": 90}),
		trendDay(trendT0, 3, 300, 30, map[string]float64{"accuracy": 0.5, "latency_p95": 130}),
	}
	ts := Trend(ws, 2)
	acc := trendOf(t, ts, "accuracy")
	// First: (0.9·100 + 0.6·50) / 150 = 120/150 = 0.8 (unweighted: 0.75).
	// Last: (0.7·10 + 0.5·30) / 40 = 22/40 = 0.55 (unweighted: 0.6).
	if !near(acc.First, 0.8) || !near(acc.Last, 0.55) {
		t.Errorf("accuracy %v → %v, want 0.8 → 0.55", acc.First, acc.Last)
	}
	// −0.25, and −0.25/0.8 = −31.25%.
	if !near(acc.Difference, -0.25) || acc.Change == nil || !near(*acc.Change, -0.3125) {
		t.Errorf("accuracy difference %v change %v, want −0.25 and −0.3125", acc.Difference, acc.Change)
	}
	if acc.Windows != 2 || acc.FirstWeight != 150 || acc.LastWeight != 40 || acc.WeightedBy != "labelled" {
		t.Errorf("accuracy spans %+v, want 2 windows each weighing 150 and 40 labelled", acc)
	}
	if !acc.FirstFrom.Equal(trendT0) || !acc.FirstTo.Equal(trendT0.AddDate(0, 0, 2)) ||
		!acc.LastFrom.Equal(trendT0.AddDate(0, 0, 2)) || !acc.LastTo.Equal(trendT0.AddDate(0, 0, 4)) {
		t.Errorf("accuracy ranges %s–%s and %s–%s, want 1–3 June and 3–5 June", acc.FirstFrom, acc.FirstTo, acc.LastFrom, acc.LastTo)
	}
	lat := trendOf(t, ts, "latency_p95")
	// First: (100·200 + 40·100) / 300 = 24000/300 = 80.
	// Last: (90·100 + 130·300) / 400 = 48000/400 = 120; +50%.
	if !near(lat.First, 80) || !near(lat.Last, 120) || lat.Change == nil || !near(*lat.Change, 0.5) {
		t.Errorf("latency %v → %v (%v), want 80 → 120 (+0.5)", lat.First, lat.Last, lat.Change)
	}
	if lat.WeightedBy != "events" || lat.FirstWeight != 300 || lat.LastWeight != 400 {
		t.Errorf("latency weighed %s %d and %d, want events 300 and 400", lat.WeightedBy, lat.FirstWeight, lat.LastWeight)
	}
	// Nothing the windows do not hold.
	for _, name := range []string{"f1", "auc", "mae", "positive_rate"} {
		if hasTrend(ts, name) {
			t.Errorf("a trend for %s, which no window has (or which is no quality metric)", name)
		}
	}
}

// TestTrendDailyWeek: daily windows compare the first week with the
// latest: accuracy falling 0.01 a day over 14 days of 100 labelled events
// is 0.77 (the mean of 0.80 … 0.74) against 0.70 (0.73 … 0.67), −9.09%.
func TestTrendDailyWeek(t *testing.T) {
	var ws []*lodestar.WindowResult
	for i := range 20 {
		ws = append(ws, trendDay(trendT0, i, 100, 100, map[string]float64{"accuracy": 0.80 - 0.01*float64(i)}))
	}
	if TrendSpan(lodestar.WindowDay) != 7 || TrendSpan("events:500") != 7 || TrendSpan(lodestar.WindowHour) != 24 {
		t.Fatalf("spans day %d, events %d, hour %d; want 7, 7, 24", TrendSpan(lodestar.WindowDay), TrendSpan("events:500"), TrendSpan(lodestar.WindowHour))
	}
	acc := trendOf(t, Trend(ws[:14], TrendSpan(lodestar.WindowDay)), "accuracy")
	if acc.Windows != 7 || !near(acc.First, 0.77) || !near(acc.Last, 0.70) || acc.Change == nil || !near(*acc.Change, -0.07/0.77) {
		t.Errorf("14 days: %+v, want 7 windows, 0.77 → 0.70, −9.09%%", acc)
	}
	// Twenty days: still a week at each end, the six between left out:
	// 0.77 against 0.64 (0.67 … 0.61).
	acc = trendOf(t, Trend(ws, 7), "accuracy")
	if acc.Windows != 7 || !near(acc.First, 0.77) || !near(acc.Last, 0.64) || !acc.LastFrom.Equal(trendT0.AddDate(0, 0, 13)) {
		t.Errorf("20 days: %+v, want 7 windows each, 0.77 → 0.64 from 14 June", acc)
	}
}

// TestTrendFewWindows: with fewer windows than twice the span, each end
// takes half of them (an odd one in the middle is left out), so the two
// never share a window; with fewer than two, there is no trend.
func TestTrendFewWindows(t *testing.T) {
	accs := []float64{0.9, 0.8, 0.7, 0.6, 0.5}
	var ws []*lodestar.WindowResult
	for i, a := range accs {
		ws = append(ws, trendDay(trendT0, i, 10, 10, map[string]float64{"accuracy": a}))
	}
	// Five windows: two at each end, 0.85 against 0.55; the third left out.
	acc := trendOf(t, Trend(ws, 7), "accuracy")
	if acc.Windows != 2 || !near(acc.First, 0.85) || !near(acc.Last, 0.55) {
		t.Errorf("5 windows: %+v, want 2 each, 0.85 → 0.55", acc)
	}
	// Two: one each.
	acc = trendOf(t, Trend(ws[:2], 7), "accuracy")
	if acc.Windows != 1 || !near(acc.First, 0.9) || !near(acc.Last, 0.8) {
		t.Errorf("2 windows: %+v, want 1 each, 0.9 → 0.8", acc)
	}
	// Three: one each, the middle left out.
	acc = trendOf(t, Trend(ws[:3], 7), "accuracy")
	if acc.Windows != 1 || !near(acc.First, 0.9) || !near(acc.Last, 0.7) {
		t.Errorf("3 windows: %+v, want 1 each, 0.9 → 0.7", acc)
	}
	if got := Trend(ws[:1], 7); len(got) != 0 {
		t.Errorf("1 window: trend %+v, want none", got)
	}
	if got := Trend(nil, 7); len(got) != 0 {
		t.Errorf("no windows: trend %+v, want none", got)
	}
}

// TestTrendSkipsWindowsWithoutLabels: a window with no labelled events
// counts for latency but not for a quality metric (even one carrying a
// figure), and a metric missing from some windows is compared over those
// that have it.
func TestTrendSkipsWindowsWithoutLabels(t *testing.T) {
	ws := []*lodestar.WindowResult{
		trendDay(trendT0, 0, 50, 0, map[string]float64{"accuracy": 0.1, "latency_p95": 10}), // no labels
		trendDay(trendT0, 1, 50, 40, map[string]float64{"accuracy": 0.9, "auc": 0.95, "latency_p95": 20}),
		trendDay(trendT0, 2, 50, 40, map[string]float64{"accuracy": 0.8, "latency_p95": 30}), // one class only: no AUC
		trendDay(trendT0, 3, 50, 0, map[string]float64{"latency_p95": 40}),                   // labels not in yet
		trendDay(trendT0, 4, 50, 40, map[string]float64{"accuracy": 0.7, "auc": 0.85, "latency_p95": 50}),
		trendDay(trendT0, 5, 0, 0, map[string]float64{}), // no events at all
		trendDay(trendT0, 6, 50, 40, map[string]float64{"accuracy": 0.6, "auc": 0.75, "latency_p95": 60}),
	}
	ts := Trend(ws, 7)
	// Accuracy: days 1, 2, 4 and 6 — 0.85 against 0.65, from 2 June.
	acc := trendOf(t, ts, "accuracy")
	if acc.Windows != 2 || !near(acc.First, 0.85) || !near(acc.Last, 0.65) || !acc.FirstFrom.Equal(trendT0.AddDate(0, 0, 1)) {
		t.Errorf("accuracy %+v, want 2 windows each, 0.85 → 0.65 from 2 June (the unlabelled 1 June skipped)", acc)
	}
	// AUC: days 1, 4 and 6 — 0.95 against 0.75.
	auc := trendOf(t, ts, "auc")
	if auc.Windows != 1 || !near(auc.First, 0.95) || !near(auc.Last, 0.75) || !auc.LastFrom.Equal(trendT0.AddDate(0, 0, 6)) {
		t.Errorf("auc %+v, want 1 window each, 0.95 → 0.75", auc)
	}
	// Latency: every day with events, six of them: 20 against 50.
	lat := trendOf(t, ts, "latency_p95")
	if lat.Windows != 3 || !near(lat.First, 20) || !near(lat.Last, 50) {
		t.Errorf("latency %+v, want 3 windows each, 20 → 50", lat)
	}
	// A first mean of 0 has a difference but no relative change.
	zero := []*lodestar.WindowResult{
		trendDay(trendT0, 0, 10, 10, map[string]float64{"mae": 0}),
		trendDay(trendT0, 1, 10, 10, map[string]float64{"mae": 0.5}),
	}
	mae := trendOf(t, Trend(zero, 7), "mae")
	if mae.Change != nil || !near(mae.Difference, 0.5) {
		t.Errorf("mae from 0: change %v, difference %v; want none and 0.5", mae.Change, mae.Difference)
	}
}
