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
		oneText(func(t time.Time) string { return t.Format("15:04") }), func(v float64) string { return "v" }))
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
			oneText(func(time.Time) string { return "d" }), func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }))
		for _, m := range tick.FindAllStringSubmatch(svg, -1) {
			if x, _ := strconv.ParseFloat(m[1], 64); x < c.lo || x > c.hi {
				t.Errorf("all values %v: value axis labelled %v, outside any possible value [%v, %v]", c.v, x, c.lo, c.hi)
			}
		}
	}
}

// A share drawn on its natural range: a series that never leaves 0 lies
// along the bottom of the plot, not in its middle, and one from 0.5 to 1
// keeps 0 on the axis, so 0.5 does not read as nothing.
func TestTimeChartRange(t *testing.T) {
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	cy := regexp.MustCompile(`<circle cx="[^"]*" cy="([^"]*)"`)
	plot := regexp.MustCompile(`<rect x="\d+" y="(\d+)" width="[^"]*" height="([^"]*)"`)
	for _, c := range []struct {
		name   string
		values []float64
		bottom bool
	}{{"never drifted", []float64{0, 0, 0}, true}, {"half to all", []float64{0.5, 1, 1}, false}} {
		var pts []TimePoint
		for i, v := range c.values {
			pts = append(pts, TimePoint{d.Add(time.Duration(i) * time.Hour), v})
		}
		svg := string(TimeChartRange("share", []Line{{Name: "a", Points: pts}}, 0, 1, oneText(func(time.Time) string { return "d" }), num))
		var ticks []string
		for _, m := range tick.FindAllStringSubmatch(svg, -1) {
			if m[1] != "d" { // the last date
				ticks = append(ticks, m[1])
			}
		}
		if strings.Join(ticks, " ") != "0 0.5 1" {
			t.Errorf("%s: value axis ticks %q, want 0, 0.5 and 1", c.name, ticks)
		}
		p := plot.FindStringSubmatch(svg)
		if p == nil {
			t.Fatalf("%s: no plot: %s", c.name, svg)
		}
		top, _ := strconv.ParseFloat(p[1], 64)
		height, _ := strconv.ParseFloat(p[2], 64)
		first := cy.FindStringSubmatch(svg)
		if first == nil {
			t.Fatalf("%s: no dots: %s", c.name, svg)
		}
		y, _ := strconv.ParseFloat(first[1], 64)
		// The first value's place in the plot, 0 at the bottom, 1 at the top.
		at := (top + height - y) / height
		if c.bottom && at > 0.1 {
			t.Errorf("%s: a value of 0 drawn %.0f%% up the plot, want at the bottom", c.name, 100*at)
		}
		if !c.bottom && (at < 0.4 || at > 0.6) {
			t.Errorf("%s: a value of 0.5 drawn %.0f%% up the plot, want half-way", c.name, 100*at)
		}
	}
}
