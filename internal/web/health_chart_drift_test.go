package web

import (
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// The drift chart plots the share of drifted features of the windows
// that tested one; a window where none could be tested (no feature had
// values) has no share — 0 of 0 — and is left out, not drawn as 0 ("no
// drift"), which is what its stored DriftShare of 0 read as.
func TestHealthDriftChartSkipsUntested(t *testing.T) {
	p := &Page{ID: &httpx.Identity{Locale: "en"}, bundle: i18n.MustLoad()}
	m := &lodestar.Monitor{Numeric: []string{"x"}}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	ws := []*lodestar.WindowResult{
		{Start: t0, Events: 10, Metrics: map[string]float64{}, DriftShare: 1,
			Drift: []byte(`{"columns":[],"tested":2,"drifted":2,"share_drifted":1}`)},
		{Start: t0.Add(time.Hour), Events: 10, Metrics: map[string]float64{}, DriftShare: 0,
			Drift: []byte(`{"columns":[{"name":"x","test":"none"}],"tested":0,"drifted":0,"share_drifted":0}`)},
		{Start: t0.Add(2 * time.Hour), Events: 10, Metrics: map[string]float64{}, DriftShare: 0.5,
			Drift: []byte(`{"columns":[],"tested":2,"drifted":1,"share_drifted":0.5}`)},
	}
	var svg string
	for _, c := range healthCharts(p, m, ws) {
		if c.Title == p.T("health.chart.drift") {
			svg = string(c.SVG)
		}
	}
	if svg == "" {
		t.Fatal("no drift chart")
	}
	if n := strings.Count(svg, `class="dot actual"`); n != 2 {
		t.Errorf("%d points on the drift chart, want 2 (the untested window left out):\n%s", n, svg)
	}
	if strings.Contains(svg, p.DateTime(ws[1].Start)) {
		t.Errorf("the untested window is drawn:\n%s", svg)
	}
}
