package chart

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestBarsEscapeAndScale(t *testing.T) {
	svg := string(Bars(`Use cases <by> "stage"`, []Bar{
		{Label: "<script>", Value: 10, Text: "10", Href: "/x?a=1&b=2", Class: "stage-idea"},
		{Label: "Pilot", Value: 5, Text: "5"},
		{Label: "Empty", Value: 0, Text: "0"},
	}))
	for _, bad := range []string{"<script>", `"stage"`} {
		if strings.Contains(svg, bad) {
			t.Errorf("Bars: got unescaped %q in %s", bad, svg)
		}
	}
	if got := strings.Count(svg, "<rect"); got != 3 {
		t.Errorf("Bars: got %d bars, want 3", got)
	}
	if !strings.Contains(svg, `width="260.0"`) || !strings.Contains(svg, `width="130.0"`) {
		t.Errorf("Bars: the largest bar should span 260 and half of it 130: %s", svg)
	}
	if !strings.Contains(svg, `role="img"`) || !strings.Contains(svg, `href="/x?a=1&amp;b=2"`) {
		t.Errorf("Bars: want role=img and an escaped link: %s", svg)
	}
}

func TestScatterPlacesPoints(t *testing.T) {
	x := Axis{Label: "x", Min: 1, Max: 5, Ticks: []float64{1, 5}, TickText: func(float64) string { return "t" }}
	y := Axis{Label: "y", Min: 1, Max: 100, Log: true, Ticks: []float64{1, 10, 100}, TickText: func(float64) string { return "t" }}
	svg := string(Scatter("m", x, y, []Point{{X: 1, Y: 1, Title: "low"}, {X: 5, Y: 100, Title: "high"}, {X: 3, Y: 10, Title: "mid"}}))
	if got := strings.Count(svg, "<circle"); got != 3 {
		t.Fatalf("Scatter: got %d points, want 3", got)
	}
	// Plot area (one-letter ticks: the narrowest margin): x from 60 to
	// 564, y from 12 to 300 (top is high).
	for _, want := range []string{`cx="60.0" cy="300.0"`, `cx="564.0" cy="12.0"`, `cx="312.0" cy="156.0"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("Scatter: want a point at %s (log scale puts 10 midway): %s", want, svg)
		}
	}
}

// TestScatterMarginFitsTicks: long y ticks ("¥10,000,000") widen the left
// margin, so they end before the plot and start clear of the rotated axis
// title at x=12 (it overlapped them).
func TestScatterMarginFitsTicks(t *testing.T) {
	x := Axis{Label: "x", Min: 0, Max: 1, Ticks: []float64{0, 1}, TickText: func(float64) string { return "0" }}
	y := Axis{Label: "Expected annual value", Min: 0, Max: 1e7, Ticks: []float64{0, 1e7}, TickText: func(v float64) string {
		if v == 0 {
			return "¥0"
		}
		return "¥10,000,000"
	}}
	svg := string(Scatter("m", x, y, nil))
	m := regexp.MustCompile(`<rect x="(\d+)"`).FindStringSubmatch(svg)
	if m == nil {
		t.Fatalf("no plot rectangle: %s", svg)
	}
	left, _ := strconv.Atoi(m[1])
	// The tick ends 6 units left of the plot; at about 6.5 units a
	// character, "¥10,000,000" (11) starts at left − 6 − 72: clear of the
	// title's band (x up to about 20).
	if start := left - 6 - 72; start < 20 {
		t.Errorf("left margin %d: the longest tick starts at x=%d, over the axis title", left, start)
	}
}

func TestTimeChartSeries(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	pts := []TimePoint{{t0, 1}, {t0.AddDate(0, 1, 0), 2}, {t0.AddDate(0, 2, 0), 3}}
	svg := string(TimeChart("c", []Line{{Name: "a", Points: pts, Class: "actual"}, {Name: "p", Points: pts[:2], Dashed: true}},
		DateAxis(func(t time.Time) string { return t.Format("2 Jan 2006") }, func(t time.Time) string { return t.Format("2 Jan") }),
		func(v float64) string { return "v" }))
	if got := strings.Count(svg, "<circle"); got != 3 {
		t.Errorf("TimeChart: got %d dots, want one per reading of the solid line (3)", got)
	}
	if strings.Count(svg, "<polyline") != 2 || !strings.Contains(svg, "stroke-dasharray") {
		t.Errorf("TimeChart: want two lines, one dashed: %s", svg)
	}
	if !strings.Contains(svg, "<title>1 Mar 2026 v</title>") {
		t.Errorf("TimeChart: want each dot's date and value in its tooltip: %s", svg)
	}
	if empty := string(TimeChart("e", nil, TimeAxis{}, nil)); strings.Contains(empty, "<polyline") {
		t.Errorf("TimeChart without data: got lines: %s", empty)
	}
}

// oneText is an axis that writes every date with f.
func oneText(f func(time.Time) string) TimeAxis {
	return TimeAxis{Date: f, Day: f, Clock: f, Point: f}
}
