package e2e

import (
	"regexp"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestProvenancePhone: at a phone's 390 px the demo recommender's live
// version shows its provenance without widening the page (a long
// artifact URI and a 64-digit digest wrap), and the digest, shortened,
// opens to the whole, which copies as one word; in both languages.
func TestProvenancePhone(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv, ctx := demoAdminAt1280(t, "/models", "main table")
	model := run(t, ctx, "find the recommender", chromedp.Evaluate[string](
		`[...document.querySelectorAll('main a[href^="/models/"]')].find(a => a.closest("tr") && a.closest("tr").textContent.includes("recsys")).getAttribute("href")`))
	step(t, ctx, "open the recommender", chromedp.Steps(
		chromedp.Navigate(srv.URL+model),
		chromedp.WaitVisible(chromedp.CSS("#model-versions")),
	))
	version := run(t, ctx, "find its live version", chromedp.Evaluate[string](
		`document.querySelector("#model-versions .badge.model-production").closest("tr").querySelector("a").getAttribute("href")`))
	step(t, ctx, "open it at a phone's width", chromedp.Steps(
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(srv.URL+version),
		chromedp.WaitVisible(chromedp.CSS("#provenance-facts")),
	))
	digest := regexp.MustCompile(`^[0-9a-f]{64}$`)
	for _, lang := range []string{"en", "zh-CN"} {
		switchLanguage(t, ctx, lang, "#provenance-facts")
		over := run(t, ctx, "find what overflows", chromedp.Evaluate[string](`(() => {
			const w = document.documentElement.clientWidth, out = [];
			if (document.documentElement.scrollWidth > w) out.push("page " + document.documentElement.scrollWidth + " > " + w);
			for (const e of document.querySelectorAll("#provenance *")) {
				const r = e.getBoundingClientRect();
				if (r.width > 0 && r.right > w + 1) out.push(e.tagName + (e.id ? "#" + e.id : "") + " ends at " + Math.round(r.right));
			}
			return out.slice(0, 8).join("; ");
		})()`))
		if over != "" {
			t.Errorf("%s: at 390 px the provenance overflows: %s", lang, over)
		}
		step(t, ctx, "open the digest", chromedp.Click(chromedp.CSS("#provenance details.digest summary")))
		full := run(t, ctx, "read the whole digest", chromedp.Evaluate[string](`document.querySelector("#artifact-digest").textContent`))
		if !digest.MatchString(full) {
			t.Errorf("%s: the whole digest reads %q; want 64 hex digits in one word", lang, full)
		}
		shown := run(t, ctx, "is it on screen", chromedp.Evaluate[bool](`(() => { const r = document.querySelector("#artifact-digest").getBoundingClientRect(); return r.width > 0 && r.right <= document.documentElement.clientWidth + 1; })()`))
		if !shown {
			t.Errorf("%s: the opened digest is not on screen", lang)
		}
		if n := run(t, ctx, "count warnings", chromedp.Evaluate[int](`document.querySelectorAll("#no-digest").length`)); n != 0 {
			t.Errorf("%s: the demo's live version warns of a missing digest", lang)
		}
		step(t, ctx, "close the digest", chromedp.Click(chromedp.CSS("#provenance details.digest summary")))
	}
}
