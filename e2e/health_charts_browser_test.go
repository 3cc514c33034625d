package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// healthChartsJS reads every time chart on the page as the browser lays it
// out: its label, its time ticks' texts and whether any two overlap or one
// runs off the chart (measured with the font the page uses), and its value
// ticks.
const healthChartsJS = `(() => {
	const out = [];
	for (const svg of document.querySelectorAll("svg.chart.time")) {
		const c = {label: svg.getAttribute("aria-label"), times: [], values: [], problems: []};
		const vb = svg.viewBox.baseVal;
		let prev = null;
		for (const t of svg.querySelectorAll("text.tick[text-anchor=middle]")) {
			const b = t.getBBox();
			c.times.push(t.textContent);
			if (b.x < vb.x - 0.5 || b.x + b.width > vb.x + vb.width + 0.5) c.problems.push(t.textContent + " runs off the chart");
			if (prev && b.x < prev.x + prev.width + 4) c.problems.push(t.textContent + " touches the tick before it");
			prev = b;
		}
		for (const t of svg.querySelectorAll("text.tick[text-anchor=end]")) c.values.push(t.textContent);
		out.push(c);
	}
	return JSON.stringify(out);
})()`

type timeChartRead struct {
	Label    string   `json:"label"`
	Times    []string `json:"times"`
	Values   []string `json:"values"`
	Problems []string `json:"problems"`
}

// TestHealthChartAxes reads the demo's health charts. The recommender's
// six months of day windows had two dates on the time axis, the first and
// the last, each "… 00:00 UTC"; the credit model's events per window (400
// in every window) had one value tick, in the middle of an empty axis.
// Now each time axis has a few dates, dates only, none touching another or
// running off the chart, in English at 1280 px and in Chinese at 390 px
// (the charts' text is larger there); a flat series is drawn from 0, with
// two value ticks.
func TestHealthChartAxes(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv, ctx := demoAdminAt1280(t, "", "")
	for _, c := range []struct {
		lang  string
		width int64
	}{{"en", 1280}, {"zh-CN", 390}} {
		for _, model := range []string{"1", "2"} { // credit-risk, recsys: day windows
			step(t, ctx, "open a health page", chromedp.Steps(
				chromedp.EmulateViewport(c.width, 844),
				chromedp.Navigate(srv.URL+"/models/"+model+"/health"),
				chromedp.WaitVisible(chromedp.CSS("svg.chart.time")),
			))
			switchLanguage(t, ctx, c.lang, "svg.chart.time")
			raw := run(t, ctx, "read the charts", chromedp.Evaluate[string](healthChartsJS))
			var charts []timeChartRead
			if err := json.Unmarshal([]byte(raw), &charts); err != nil {
				t.Fatalf("%v: %s", err, raw)
			}
			if len(charts) < 4 {
				t.Fatalf("%s %d px, model %s: %d time charts, want the demo's (4 or more)", c.lang, c.width, model, len(charts))
			}
			for _, ch := range charts {
				where := c.lang + " " + ch.Label + " (model " + model + ")"
				if len(ch.Times) < 3 {
					t.Errorf("%s: time axis %q, want a few dates", where, ch.Times)
				}
				for _, tx := range ch.Times {
					if strings.Contains(tx, "UTC") || strings.Contains(tx, ":") {
						t.Errorf("%s: time tick %q of day windows has a time of day", where, tx)
					}
				}
				if len(ch.Problems) > 0 {
					t.Errorf("%s at %d px: %s", where, c.width, strings.Join(ch.Problems, "; "))
				}
				if len(ch.Values) < 2 {
					t.Errorf("%s: value axis %q, want two ticks at least", where, ch.Values)
				}
			}
		}
	}
}
