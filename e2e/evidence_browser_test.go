package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// evidenceLayoutJS reads an evidence page as the browser lays it out: how
// far the page is wider than the window, the smallest text of its bar
// charts in CSS pixels (the chart's 12 units scaled to its drawn width),
// any chart label that runs off its chart, and the times in its evidence
// tables that broke over lines.
const evidenceLayoutJS = `(() => {
	const out = {h1: document.querySelector("main h1").textContent, overflow: 0, charts: 0, minText: 99, problems: []};
	const w = document.documentElement.clientWidth;
	if (document.documentElement.scrollWidth > w) out.overflow = document.documentElement.scrollWidth - w;
	for (const svg of document.querySelectorAll("svg.chart.intervals")) {
		out.charts++;
		const vb = svg.viewBox.baseVal, r = svg.getBoundingClientRect();
		out.minText = Math.min(out.minText, 12 * r.width / vb.width);
		if (r.right > w) out.problems.push(svg.getAttribute("aria-label") + " runs past the window");
		for (const t of svg.querySelectorAll("text")) {
			const b = t.getBBox();
			if (b.x < vb.x - 0.5 || b.x + b.width > vb.x + vb.width + 0.5) out.problems.push(t.textContent + " runs off its chart");
		}
	}
	for (const s of document.querySelectorAll("#evidence time.when span")) {
		if (s.getClientRects().length > 1) out.problems.push(s.textContent + " breaks over lines");
	}
	return JSON.stringify(out);
})()`

// TestEvidencePagesReadable walks the demo bank credit model's version page,
// its two fairness audits and its explanation report in English at 1280 px
// and in Chinese at 390 px. Before, the explanation's recipe made the page
// 75 px wider than a phone; the bar charts were stretched to their cards
// with a label column beside the bars, so their text was 6 to 8 px; the
// version page's evidence tables broke "2026年11月13日" over four lines.
// Now nothing is wider than the window, the charts' text is 9 px at the
// least (12 px where there is room), no label runs off its chart, the
// tables' times stay whole, and the Chinese titles use the full-width colon.
func TestEvidencePagesReadable(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv, ctx := demoAdminAt1280(t, "", "")
	for _, c := range []struct {
		lang  string
		width int64
	}{{"en", 1280}, {"zh-CN", 390}} {
		for _, page := range []struct{ path, title string }{
			{"/model-versions/1", ""},
			{"/fairness-audits/1", "公平性审计："},
			{"/fairness-audits/2", "公平性审计："},
			{"/explanations/1", "可解释性报告："},
		} {
			step(t, ctx, "open "+page.path, chromedp.Steps(
				chromedp.EmulateViewport(c.width, 844),
				chromedp.Navigate(srv.URL+page.path),
				chromedp.WaitVisible(chromedp.CSS("main h1")),
			))
			switchLanguage(t, ctx, c.lang, "main h1")
			raw := run(t, ctx, "read the page", chromedp.Evaluate[string](evidenceLayoutJS))
			var got struct {
				H1       string   `json:"h1"`
				Overflow int      `json:"overflow"`
				Charts   int      `json:"charts"`
				MinText  float64  `json:"minText"`
				Problems []string `json:"problems"`
			}
			if err := json.Unmarshal([]byte(raw), &got); err != nil {
				t.Fatalf("%v: %s", err, raw)
			}
			where := c.lang + " " + page.path
			if got.Overflow > 0 {
				t.Errorf("%s at %d px: the page is %d px wider than the window", where, c.width, got.Overflow)
			}
			if strings.HasPrefix(page.path, "/fairness") && got.Charts != 3 || page.path == "/explanations/1" && got.Charts != 1 {
				t.Errorf("%s: %d bar charts", where, got.Charts)
			}
			if got.Charts > 0 && got.MinText < 9 {
				t.Errorf("%s at %d px: chart text %.1f px, want 9 at the least", where, c.width, got.MinText)
			}
			if c.width == 1280 && got.Charts > 0 && got.MinText < 11.9 {
				t.Errorf("%s at 1280 px: chart text %.1f px, want the charts drawn at their own 12 px", where, got.MinText)
			}
			if len(got.Problems) > 0 {
				t.Errorf("%s at %d px: %s", where, c.width, strings.Join(got.Problems, "; "))
			}
			if c.lang == "zh-CN" && page.title != "" && !strings.HasPrefix(got.H1, page.title) {
				t.Errorf("%s: title %q, want it to start %q", where, got.H1, page.title)
			}
		}
	}
}
