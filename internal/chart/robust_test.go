package chart

import (
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Intervals leaves NaN and ±Inf out of the axis range (so it expects
// them), but still draws them: an undefined interval end becomes x="NaN".
func TestIntervalsNaNBound(t *testing.T) {
	svg := string(Intervals("lift", []Interval{
		{Label: "conversion", Value: 0.04, Lo: 0.01, Hi: 0.07, Text: "+4%"},
		{Label: "revenue", Value: 0.02, Lo: math.NaN(), Hi: math.NaN(), Text: "+2% [—]"},
	}, func(x float64) string { return "t" }))
	if strings.Contains(svg, "NaN") {
		t.Errorf("Intervals: NaN coordinate in SVG: %s", svg)
	}
}

// One NaN value in a TimeChart makes the whole value axis NaN: every
// line, dot and tick of every series is drawn at y="NaN".
func TestTimeChartNaNValue(t *testing.T) {
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	svg := string(TimeChart("acc", []Line{{Name: "a", Points: []TimePoint{{d, 0.9}, {d.Add(time.Hour), math.NaN()}, {d.Add(2 * time.Hour), 0.8}}}},
		func(t time.Time) string { return t.Format("15:04") }, func(v float64) string { return "v" }))
	if strings.Contains(svg, "NaN") {
		t.Errorf("TimeChart: NaN coordinate in SVG: %s", svg)
	}
}

var tick = regexp.MustCompile(`class="tick" text-anchor="end">([^<]*)<`)

// A series whose windows all have the same value (accuracy 1 in every
// window, or 0 events) is given an axis of value±1: accuracy is labelled
// up to 2, event counts down to −1.
func TestTimeChartFlatSeriesAxis(t *testing.T) {
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct{ v, lo, hi float64 }{{1, 0, 1}, {0, 0, 1e9}} {
		svg := string(TimeChart("x", []Line{{Name: "a", Points: []TimePoint{{d, c.v}, {d.Add(time.Hour), c.v}}}},
			func(time.Time) string { return "d" }, func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }))
		for _, m := range tick.FindAllStringSubmatch(svg, -1) {
			if x, _ := strconv.ParseFloat(m[1], 64); x < c.lo || x > c.hi {
				t.Errorf("all values %v: value axis labelled %v, outside any possible value [%v, %v]", c.v, x, c.lo, c.hi)
			}
		}
	}
}
