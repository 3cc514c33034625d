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
