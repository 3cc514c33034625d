package web

import (
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// The health page's figures read as people write them: "0.94", not
// "0.9400"; at most three decimals, as the alerts beside them; a p-value
// too small to show as "< 0.001", not "0"; latencies in milliseconds with
// one decimal always ("25.0" beside "18.6", not "25"); shares of events
// (data quality, the positive rate) as percentages with one decimal.
func TestHealthFigures(t *testing.T) {
	for _, loc := range []string{"en", "zh-CN"} {
		p := &Page{ID: &httpx.Identity{Locale: loc}, bundle: i18n.MustLoad()}
		for _, c := range []struct {
			name string
			got  string
			want string
		}{
			{"accuracy", p.MetricValue("accuracy", 0.94), "0.94"},
			{"auc", p.MetricValue("auc", 0.8100), "0.81"},
			{"log loss", p.MetricValue("log_loss", 0.10536), "0.105"},
			{"perfect", p.MetricValue("precision", 1), "1"},
			{"zero", p.Figure(0), "0"},
			{"tiny p-value", p.Figure(1.2e-7), "< 0.001"},
			{"tiny negative", p.Figure(-1e-5), "> −0.001"},
			{"just shown", p.Figure(0.0006), "0.001"},
			{"large MAE", p.MetricValue("mae", 1234.56789), "1,234.568"},
			{"latency", p.MetricValue("latency_p95", 48.9713), "49.0"},
			{"latency decimal", p.MetricValue("latency_p95", 87.36), "87.4"},
			{"latency whole", p.MetricValue("latency_p50", 120), "120.0"},
			{"quality share", p.MetricValue("max_out_of_range_share", 0.125), "12.5%"},
			{"no quality share", p.MetricValue("max_new_value_share", 0), "0.0%"},
			{"positive rate", p.MetricValue("positive_rate", 0.233), "23.3%"},
		} {
			if c.got != c.want {
				t.Errorf("%s %s: got %q, want %q", loc, c.name, c.got, c.want)
			}
		}
	}
}

// The latency chart's threshold is said with its unit ("threshold
// 120 ms", "阈值 120 毫秒"), not "threshold 120.0"; the accuracy chart's
// without trailing zeros ("0.9", not "0.900").
func TestHealthChartThresholdText(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	var ws []*lodestar.WindowResult
	for i, v := range []struct{ acc, lat float64 }{{0.94, 37.1}, {0.92, 78.6}, {0.95, 102.3}} {
		ws = append(ws, &lodestar.WindowResult{Start: t0.Add(time.Duration(i) * time.Hour), Events: 100,
			Metrics: map[string]float64{"accuracy": v.acc, "latency_p95": v.lat}})
	}
	m := &lodestar.Monitor{Window: lodestar.WindowHour, Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.9, MaxLatencyP95MS: 120}}
	for loc, want := range map[string]map[string]string{
		"en":    {"health.chart.latency": "120 ms", "health.chart.accuracy": "0.9"},
		"zh-CN": {"health.chart.latency": "120 毫秒", "health.chart.accuracy": "0.9"},
	} {
		p := &Page{ID: &httpx.Identity{Locale: loc}, bundle: i18n.MustLoad()}
		got := map[string]healthChart{}
		for _, c := range healthCharts(p, m, ws) {
			got[c.Title] = c
		}
		for key, th := range want {
			c, ok := got[p.T(key)]
			if !ok {
				t.Errorf("%s: no chart %s", loc, key)
				continue
			}
			if c.Threshold != th {
				t.Errorf("%s %s: threshold written %q, want %q", loc, key, c.Threshold, th)
			}
			// Every value the chart writes (its dots' titles) has no
			// trailing zero after a decimal point.
			dots := regexp.MustCompile(`<title>[^<]* ([0-9.,]+)</title>`).FindAllStringSubmatch(string(c.SVG), -1)
			if len(dots) != len(ws) {
				t.Errorf("%s %s: %d dots with a value, want %d", loc, key, len(dots), len(ws))
			}
			for _, m := range dots {
				if strings.Contains(m[1], ".") && strings.HasSuffix(m[1], "0") {
					t.Errorf("%s %s: a dot's value written %q", loc, key, m[1])
				}
			}
		}
	}
}
