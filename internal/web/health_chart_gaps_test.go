package web

import (
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// A monitor without a volume threshold stores no window for a day with
// no events, and a window without labels has no accuracy. The health
// charts drew a line straight across such days: a week-long outage read
// as a steady 100 events a day on the events chart, and accuracy as
// measured on days it was not. Now the events chart drops to 0 over the
// days that had none, and the other charts' lines break where a window
// has no figure.
func TestHealthChartsShowMissingWindows(t *testing.T) {
	p := &Page{ID: &httpx.Identity{Locale: "en"}, bundle: i18n.MustLoad()}
	m := &lodestar.Monitor{Window: lodestar.WindowDay}
	day := func(d int) time.Time { return time.Date(2026, 3, d, 0, 0, 0, 0, time.UTC) }
	win := func(d int, acc float64, labelled bool) *lodestar.WindowResult {
		w := &lodestar.WindowResult{Start: day(d), End: day(d + 1), Events: 100, Metrics: map[string]float64{}}
		if labelled {
			w.Metrics["accuracy"] = acc
		}
		return w
	}
	// 1–2 March, nothing from the 3rd to the 9th, 10–12 March with the
	// 11th unlabelled.
	ws := []*lodestar.WindowResult{win(1, 0.9, true), win(2, 0.9, true), win(10, 0.6, true), win(11, 0, false), win(12, 0.6, true)}
	charts := map[string]string{}
	for _, c := range healthCharts(p, m, ws) {
		charts[c.Title] = string(c.SVG)
	}
	events, acc := charts[p.T("health.chart.events")], charts[p.T("health.chart.accuracy")]
	if events == "" || acc == "" {
		t.Fatalf("charts %v, want events and accuracy", charts)
	}
	// The events line: 100, 100, then 0 on the 3rd and the 9th (the days
	// between are on the line from one to the other), then 100s.
	for _, d := range []int{3, 9} {
		if !strings.Contains(events, p.Date(day(d))+" 0<") {
			t.Errorf("the events chart has no 0 on %d March, a day without events:\n%s", d, events)
		}
	}
	if n := strings.Count(events, "<polyline"); n != 1 {
		t.Errorf("the events chart has %d lines, want one (a day without events is 0, known)", n)
	}
	// Accuracy: three runs (1–2, 10, 12), no dot for the days without it.
	if n := strings.Count(acc, "<polyline"); n != 3 {
		t.Errorf("the accuracy chart has %d line pieces, want 3 (broken over the missing days and the unlabelled one):\n%s", n, acc)
	}
	if n := strings.Count(acc, `class="dot actual"`); n != 4 {
		t.Errorf("the accuracy chart has %d dots, want 4", n)
	}
}
