package chart

import (
	"strings"
	"testing"
)

func TestIntervalsPlaceAndEscape(t *testing.T) {
	svg := string(Intervals(`CIs <of> "metrics"`, []Interval{
		{Label: "<b>conversion</b>", Value: 0.1, Lo: 0.05, Hi: 0.15, Text: "+10%", Tone: "good"},
		{Label: "latency", Value: -0.1, Lo: -0.15, Hi: -0.05, Text: "−10%", Tone: "bad"},
	}, func(x float64) string { return "t" }))
	for _, bad := range []string{"<b>", `"metrics"`} {
		if strings.Contains(svg, bad) {
			t.Errorf("Intervals: got unescaped %q in %s", bad, svg)
		}
	}
	limited := string(Intervals("x", []Interval{{Label: "latency", Value: 0.01, Lo: 0, Hi: 0.02, HasLimit: true, Limit: 0.1}}, func(float64) string { return "" }))
	// The limit widens the axis to 0.1 (plus 8%): it sits at 140 + 300×0.108/0.116.
	if !strings.Contains(limited, `x1="419.3"`) {
		t.Errorf("Intervals with a limit: got no limit mark at 419.3 in %s", limited)
	}
	if got := strings.Count(svg, "<circle"); got != 2 {
		t.Errorf("Intervals: got %d estimates, want 2", got)
	}
	// The axis runs from -0.174 to 0.174 over x 140…440: zero at 290, and
	// the two rows mirror each other about it.
	for _, want := range []string{`x1="290.0"`, `cx="376.2"`, `cx="203.8"`, `stroke="#067647"`, `stroke="#b42318"`, `role="img"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("Intervals: got no %s in %s", want, svg)
		}
	}
}
