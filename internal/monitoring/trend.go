package monitoring

import (
	"context"
	"math"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// TrendQuality are the metrics a monitor's trend compares that are
// computed from labels, in the order they are shown; TrendLatency is the
// latency figure it compares. (Shares computed from predictions alone —
// positive_rate, mean_score — and the fairness and data-quality summaries
// are not a model's quality.)
var TrendQuality = store.QualityMetrics

// TrendLatency is the latency percentile a monitor's trend compares.
const TrendLatency = "latency_p95"

// TrendSpan is how many windows a trend averages at each end for a
// monitor's window: a week of daily windows, a day of hourly ones, and 7
// windows of N events.
func TrendSpan(window string) int {
	if window == lodestar.WindowHour {
		return 24
	}
	return 7
}

// MetricTrend is one metric's change since a monitor's first windows:
// its mean over the first windows that have it against its mean over the
// latest ones, each weighted by the windows' labelled events (latency: by
// their events).
type MetricTrend struct {
	Metric string `json:"-"`
	// First and Last are the two means; Difference is Last − First and
	// Change the relative change, (Last − First) / |First|, absent when
	// First is 0.
	First      float64  `json:"first"`
	Last       float64  `json:"last"`
	Difference float64  `json:"difference"`
	Change     *float64 `json:"change,omitempty"`
	// Windows is how many windows each mean is over: TrendSpan, or half
	// the windows that have the metric when they are fewer than twice it.
	Windows int `json:"windows"`
	// The first windows run from FirstFrom (the first one's start) to
	// FirstTo (the last one's end), the latest from LastFrom to LastTo.
	FirstFrom time.Time `json:"first_from"`
	FirstTo   time.Time `json:"first_to"`
	LastFrom  time.Time `json:"last_from"`
	LastTo    time.Time `json:"last_to"`
	// WeightedBy is "labelled" (a quality metric) or "events" (latency);
	// FirstWeight and LastWeight are the events so counted in each span.
	WeightedBy  string `json:"weighted_by"`
	FirstWeight int64  `json:"first_weight"`
	LastWeight  int64  `json:"last_weight"`
}

// Trend compares each quality metric the windows hold, and the p95
// latency, between the monitor's first windows and its latest: span
// windows at each end (TrendSpan), or, when fewer than twice as many
// windows have the metric, half of those (the middle one of an odd count
// left out), so the two never share a window; nothing for a metric fewer
// than two windows have. A window counts for a quality metric when it
// has the metric and labelled events (a window with no labels has no
// quality to compare), for latency when it has the figure and events.
// The windows are oldest first; they may leave out a stretch between
// the first ones and the latest (ReadTrend reads the two ends).
func Trend(ws []*lodestar.WindowResult, span int) []MetricTrend {
	var out []MetricTrend
	for _, name := range append(append([]string(nil), TrendQuality...), TrendLatency) {
		by := "labelled"
		if name == TrendLatency {
			by = "events"
		}
		var have []*lodestar.WindowResult
		for _, w := range ws {
			v, ok := w.Metrics[name]
			if ok && !math.IsNaN(v) && !math.IsInf(v, 0) && trendWeight(w, by) > 0 {
				have = append(have, w)
			}
		}
		k := min(span, len(have)/2)
		if k < 1 {
			continue
		}
		t := MetricTrend{Metric: name, Windows: k, WeightedBy: by}
		t.First, t.FirstWeight = weightedMean(have[:k], name, by)
		t.Last, t.LastWeight = weightedMean(have[len(have)-k:], name, by)
		t.FirstFrom, t.FirstTo = have[0].Start, have[k-1].End
		t.LastFrom, t.LastTo = have[len(have)-k].Start, have[len(have)-1].End
		t.Difference = t.Last - t.First
		if t.First != 0 {
			c := t.Difference / math.Abs(t.First)
			t.Change = &c
		}
		out = append(out, t)
	}
	return out
}

// trendWeight is what a window weighs in a trend's mean: its labelled
// events or its events.
func trendWeight(w *lodestar.WindowResult, by string) int64 {
	if by == "events" {
		return w.Events
	}
	return w.Labelled
}

// weightedMean is the mean of the windows' metric, each weighted by
// trendWeight, and the weights' sum.
func weightedMean(ws []*lodestar.WindowResult, name, by string) (float64, int64) {
	var sum float64
	var n int64
	for _, w := range ws {
		wt := trendWeight(w, by)
		sum += w.Metrics[name] * float64(wt)
		n += wt
	}
	return sum / float64(n), n
}

// TrendRead is how many windows ReadTrend reads at each end of a
// monitor's: enough that the first and latest span windows with labels
// are among them when labels are missing from many (labels come late).
const TrendRead = 500

// ReadTrend is a monitor's Trend: its windows read from both ends. latest
// are its latest windows as the caller read them already (ListWindows'
// with limit TrendRead or more), or nil to read them here.
func ReadTrend(ctx context.Context, s lodestar.MonitorService, m *lodestar.Monitor, latest []*lodestar.WindowResult) ([]MetricTrend, error) {
	if latest == nil {
		var err error
		if latest, err = s.ListWindows(ctx, m.ID, TrendRead); err != nil {
			return nil, err
		}
	}
	ws := latest
	if len(latest) >= TrendRead {
		// More than the latest TrendRead, maybe: the first ones too, any
		// the latest hold already left out.
		head, _, err := s.PageWindows(ctx, m.ID, time.Time{}, TrendRead)
		if err != nil {
			return nil, err
		}
		ws = nil
		for _, w := range head {
			if w.Start.Before(latest[0].Start) {
				ws = append(ws, w)
			}
		}
		ws = append(ws, latest...)
	}
	return Trend(ws, TrendSpan(m.Window)), nil
}
