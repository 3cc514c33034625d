package chart

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestTimeChartRoundTicks: a time chart's value axis is ticked in round
// steps that hold every value, as IntervalBars' scale is (latencies of
// 14.9 to 20.1 read 14.9, 17.5 and 20.1; 37.1 to a threshold of 120 read
// 37.1, 78.6 and 120.0). Counts get whole steps, no half events; a share
// on its natural range keeps its ends and middle, and is widened in round
// steps to show a value beyond it.
func TestTimeChartRoundTicks(t *testing.T) {
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	line := func(vs ...float64) []Line {
		var pts []TimePoint
		for i, v := range vs {
			pts = append(pts, TimePoint{d.Add(time.Duration(i) * time.Hour), v})
		}
		return []Line{{Name: "a", Points: pts}}
	}
	axis := oneText(func(time.Time) string { return "d" })
	ticksOf := func(svg string) string {
		var got []string
		for _, m := range tick.FindAllStringSubmatch(svg, -1) {
			if m[1] != "d" {
				got = append(got, m[1])
			}
		}
		return strings.Join(got, " ")
	}
	for _, c := range []struct {
		name  string
		lines []Line
		want  string
	}{
		{"latency", line(20.1, 14.9, 17.5), "14 16 18 20 22"},
		{"latency and threshold", append(line(37.1, 78.6, 52), Line{Name: "t", Dashed: true, Points: []TimePoint{{d, 120}, {d.Add(2 * time.Hour), 120}}}), "25 50 75 100 125"},
		{"accuracy", line(0.94, 0.81, 0.9), "0.8 0.85 0.9 0.95"},
		{"events", line(96, 104, 99), "96 98 100 102 104"},
		{"few events", line(3, 4, 3), "3 4"},
	} {
		if got := ticksOf(string(TimeChart("x", c.lines, axis, num))); got != c.want {
			t.Errorf("%s: value ticks %q, want %q", c.name, got, c.want)
		}
	}
	for _, c := range []struct {
		name  string
		lines []Line
		want  string
	}{
		{"share", line(0.2, 0.6, 0), "0 0.5 1"},
		{"share never drifted", line(0, 0, 0), "0 0.5 1"},
		{"ratio above 1", line(0.7, 1.3, 0.9), "0 0.5 1 1.5"},
	} {
		if got := ticksOf(string(TimeChartRange("x", c.lines, 0, 1, axis, num))); got != c.want {
			t.Errorf("%s: value ticks %q, want %q", c.name, got, c.want)
		}
	}
	// Every value lies inside the plot.
	svg := string(TimeChart("x", line(20.1, 14.9, 17.5), axis, num))
	for _, m := range regexp.MustCompile(`<circle cx="[^"]*" cy="([^"]*)"`).FindAllStringSubmatch(svg, -1) {
		if y, _ := strconv.ParseFloat(m[1], 64); y < 10 || y > 192 {
			t.Errorf("a dot at y=%v, outside the plot (10 to 192)", y)
		}
	}
}
