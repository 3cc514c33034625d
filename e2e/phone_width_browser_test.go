package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// phoneOverflowJS lists what makes a page wider than a phone's screen:
// the document's own sideways scroll (an absolutely placed thing escaping
// its scroll box counts here), and every visible element outside a scroll
// box whose right edge passes the viewport's (a clipped "Sign out", a
// card without its right border).
const phoneOverflowJS = `(() => {
	const vw = document.documentElement.clientWidth, out = [];
	if (document.documentElement.scrollWidth > vw + 1) out.push("the page is " + document.documentElement.scrollWidth + " px wide, the screen " + vw);
	const scrolled = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) { const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll" || o === "hidden") return true; } return false; };
	for (const e of document.querySelectorAll("body *")) {
		const r = e.getBoundingClientRect();
		if (r.width === 0 || r.height === 0 || r.right <= vw + 1 || scrolled(e)) continue;
		out.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (typeof e.className === "string" && e.className ? "." + e.className.trim().replace(/\s+/g, ".") : "") +
			" «" + (e.textContent || "").trim().replace(/\s+/g, " ").slice(0, 30) + "» ends at " + Math.round(r.right));
		if (out.length > 6) break;
	}
	return out.join("; ");
})()`

// TestNavPagesFitPhone: at a phone's 375 px every page the menus lead to,
// and the model and health pages, fit the screen in English and Chinese:
// nothing is clipped at the right edge and the page does not scroll
// sideways (a wide table scrolls in its own box). Before, /admin/users was
// 422 px wide: the role column's hidden labels, absolutely placed, hung
// outside the table's scroll box.
func TestNavPagesFitPhone(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv, ctx := demoAdminAt1280(t, "/models", "main table")
	models := run(t, ctx, "find the models", chromedp.Evaluate[[]string](
		`[...new Set([...document.querySelectorAll('main table a[href^="/models/"]')].map(a => a.getAttribute("href")).filter(h => /^\/models\/\d+$/.test(h)))]`))
	if len(models) < 2 {
		t.Fatalf("the demo lists %d models, want at least 2", len(models))
	}
	pages := []string{"/", "/use-cases", "/pain-points", "/goals", "/kpis", "/business-units",
		"/resources", "/risk", "/organisation", "/iteration", "/tokens", "/admin", "/admin/users", "/admin/audit",
		"/models", "/alerts", "/experiments", "/account/password", "/admin/users/ceo@demo.lodestar/password"}
	for _, m := range models {
		pages = append(pages, m, m+"/health")
	}
	step(t, ctx, "narrow the tab to 375 px", chromedp.EmulateViewport(375, 812))
	for _, lang := range []string{"en", "zh-CN"} {
		switchLanguage(t, ctx, lang, "#main")
		for _, p := range pages {
			step(t, ctx, "open "+p, chromedp.Steps(chromedp.Navigate(srv.URL+p), chromedp.WaitVisible(chromedp.CSS("#main"))))
			if got := run(t, ctx, "measure "+p, chromedp.Evaluate[string](phoneOverflowJS)); got != "" {
				t.Errorf("%s %s at 375 px: %s", lang, p, got)
			}
		}
	}
	if t.Failed() {
		t.Log("pages checked: " + strings.Join(pages, " "))
	}
}
