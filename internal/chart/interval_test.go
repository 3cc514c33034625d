package chart

import (
	"math"
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
	// The limit widens the axis to 0.1 (plus 2%): round ticks −0.05 to
	// 0.15 put it at 140 + 300×0.15/0.2.
	if !strings.Contains(limited, `x1="365.0"`) {
		t.Errorf("Intervals with a limit: got no limit mark at 365.0 in %s", limited)
	}
	if got := strings.Count(svg, "<circle"); got != 2 {
		t.Errorf("Intervals: got %d estimates, want 2", got)
	}
	// The axis runs over round ticks from -0.2 to 0.2 over x 140…440: zero
	// at 290, and the two rows mirror each other about it.
	for _, want := range []string{`x1="290.0"`, `cx="365.0"`, `cx="215.0"`, `stroke="#067647"`, `stroke="#b42318"`, `role="img"`} {
		if !strings.Contains(svg, want) {
			t.Errorf("Intervals: got no %s in %s", want, svg)
		}
	}
}

// The axis is labelled at round values, never at an interval's bound: an
// experiment's intervals reaching +15.98% are read off ticks −10%, 0%,
// +10%, +20% (it was labelled "−5.00%, 0.00%, +15.98%").
func TestIntervalsRoundTicks(t *testing.T) {
	var got []float64
	Intervals("lift", []Interval{
		{Label: "conversion", Value: 0.0874, Lo: 0.015, Hi: 0.1598},
		{Label: "latency_ms", Value: 0.0698, Lo: 0.0664, Hi: 0.0732, HasLimit: true, Limit: 0.1},
		{Label: "revenue_per_user", Value: 0.0755, Lo: 0.0002, Hi: 0.1509, HasLimit: true, Limit: -0.05},
	}, func(x float64) string { got = append(got, x); return "" })
	want := []float64{-0.1, 0, 0.1, 0.2}
	if len(got) != len(want) {
		t.Fatalf("ticks %v, want %v", got, want)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Errorf("ticks %v, want %v", got, want)
			break
		}
	}
}
