package e2e

import (
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
)

// boxFitsJS says how a table's scroll box overflows: its table wider
// than the box (a column out of sight to the right), or the page wider
// than the window. Empty when everything shows.
const boxFitsJS = `((sel) => {
	const out = [], box = document.querySelector(sel), doc = document.documentElement;
	if (!box) return "no " + sel;
	if (box.scrollWidth > box.clientWidth + 1) out.push(sel + " scrolls: " + box.scrollWidth + " > " + box.clientWidth);
	if (doc.scrollWidth > doc.clientWidth + 1) out.push("the page scrolls: " + doc.scrollWidth + " > " + doc.clientWidth);
	return out.join("; ");
})`

// TestDesktopTablesFit: at a desktop's 1400 px, the risk page's switch
// table (model, switch, reason, who and when) and the experiment form's
// guardrail table show every column in English and Chinese, without
// scrolling sideways. Before, the switch table sat in half of a two-card
// grid and its fourth column was out of its 480 px box; the guardrail
// table was 818 px wide in a 744 px card.
func TestDesktopTablesFit(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv, ctx := demoAdminAt1280(t, "/risk", "#risk-switches")
	step(t, ctx, "widen the tab to 1400 px", chromedp.EmulateViewport(1400, 900))
	for _, lang := range []string{"en", "zh-CN"} {
		switchLanguage(t, ctx, lang, "#main")
		for _, c := range []struct{ path, sel string }{
			{"/risk", "#risk-switches .scroll"},
			{"/experiments/new", "form .scroll"},
		} {
			step(t, ctx, "open "+c.path, chromedp.Steps(chromedp.Navigate(srv.URL+c.path), chromedp.WaitVisible(chromedp.CSS(c.sel))))
			if got := run(t, ctx, "measure "+c.path, chromedp.Evaluate[string](boxFitsJS+"("+strconv.Quote(c.sel)+")")); got != "" {
				t.Errorf("%s %s at 1400 px: %s", lang, c.path, got)
			}
		}
	}
}
