package chart

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestIntervalBars(t *testing.T) {
	nan := math.NaN()
	svg := string(IntervalBars("Selection <rate>", 1, func(v float64) string { return strconv.FormatFloat(v, 'f', 2, 64) }, []IntervalBar{
		{Label: "A & B", Value: 0.5, Lo: 0.4, Hi: 0.6, Text: "0.50"},
		{Label: "C", Value: nan, Lo: nan, Hi: nan, Text: "—", Class: "bad"},
		{Label: "D", Value: 2, Lo: nan, Hi: nan, Text: "2", Class: "bad"},
	}))
	for _, want := range []string{`aria-label="Selection &lt;rate&gt;"`, `A &amp; B`, `class="whisker"`, `>0.50<`, `>—<`, `fill="#b42318"`, `>1.00<`} {
		if !strings.Contains(svg, want) {
			t.Errorf("got no %q in %s", want, svg)
		}
	}
	if n := strings.Count(svg, "<rect"); n != 2 {
		t.Errorf("bars: got %d, want 2 (none for the undefined value)", n)
	}
	if n := strings.Count(svg, `class="whisker"`); n != 1 {
		t.Errorf("whiskers: got %d, want 1", n)
	}
	// A value beyond the scale is clamped to it.
	if strings.Contains(svg, `width="520.0"`) {
		t.Errorf("a value of 2 on a 0–1 scale was not clamped")
	}
}

// TestIntervalBarsScale: the ticks are round steps that cover the largest
// value (an importance of 0.6175 on 0, 0.2, … 0.8, not 0.1544, 0.3088 …),
// and the chart is drawn as wide as its longest row of label and value, so
// its text keeps its size rather than shrinking with a wide label column.
func TestIntervalBarsScale(t *testing.T) {
	nan := math.NaN()
	tick := func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	svg := string(IntervalBars("Importance", 0.6175, tick, []IntervalBar{
		{Label: "credit_history_years", Value: 0.6175, Lo: nan, Hi: nan, Text: "0.6175"},
		{Label: "age", Value: 0.0245, Lo: nan, Hi: nan, Text: "0.0245"},
	}))
	var ticks []string
	for _, part := range strings.Split(svg, `class="tick"`)[1:] {
		s := part[strings.Index(part, ">")+1:]
		ticks = append(ticks, s[:strings.Index(s, "<")])
	}
	if got, want := strings.Join(ticks, " "), "0 0.2 0.4 0.6 0.8"; got != want {
		t.Errorf("ticks %q, want %q", got, want)
	}
	if !strings.Contains(svg, `width="320" height="106" viewBox="0 0 320 106"`) {
		t.Errorf("the chart is not drawn at its own size, 320 by 106 (300 of scale, half the last tick's label, margins): %.120s", svg)
	}
	for _, c := range []struct {
		max  float64
		want string
	}{{1, "0 0.25 0.5 0.75 1"}, {0.05, "0 0.02 0.04 0.06"}, {0, "0 0.25 0.5 0.75 1"}, {300, "0 100 200 300"}} {
		svg := string(IntervalBars("x", c.max, tick, nil))
		var got []string
		for _, part := range strings.Split(svg, `class="tick"`)[1:] {
			s := part[strings.Index(part, ">")+1:]
			got = append(got, s[:strings.Index(s, "<")])
		}
		if strings.Join(got, " ") != c.want {
			t.Errorf("max %v: ticks %q, want %q", c.max, strings.Join(got, " "), c.want)
		}
	}
	// A long label and value widen the chart past its bars' 300 units.
	wide := string(IntervalBars("x", 1, tick, []IntervalBar{{Label: "一个很长的年龄组名称 and more words", Value: 0.5, Lo: 0.4, Hi: 0.6, Text: "0.500 [0.400, 0.600]"}}))
	if !strings.Contains(wide, `viewBox="0 0 `) || strings.Contains(wide, `viewBox="0 0 320 `) {
		t.Errorf("a long row did not widen the chart: %.120s", wide)
	}
}
