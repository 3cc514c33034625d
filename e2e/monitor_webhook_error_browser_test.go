package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestMonitorWebhookErrorIsNamed: on a monitor's edit page, a webhook
// address the server refuses is shown under the field and named by it
// (aria-describedby), so a screen reader reads it with the field, in both
// languages. The field wrote its help's aria-describedby and then a second
// one with the error, which the browser dropped: the error was named by
// nothing. The help is still named too.
func TestMonitorWebhookErrorIsNamed(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv, ctx := demoAdminAt1280(t, "/monitors/1/edit", "#mon-hook")
	for _, lang := range []string{"en", "zh-CN"} {
		switchLanguage(t, ctx, lang, "#mon-hook")
		step(t, ctx, lang+": save a webhook that is no http(s) address", chromedp.Steps(
			chromedp.Navigate(srv.URL+"/monitors/1/edit"),
			chromedp.WaitVisible(chromedp.CSS("#mon-hook")),
			chromedp.Evaluate[chromedp.Void](`document.querySelector("#mon-hook").type = "text"; document.querySelector("#mon-hook").value = "ftp://hooks.example.com/alerts"`),
			chromedp.Click(chromedp.CSS(`form[action^="/monitors/"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS("#error-summary")),
		))
		if got := run(t, ctx, lang+": find the webhook's error", chromedp.Evaluate[string](fieldErrorJS("#mon-hook"))); !strings.HasPrefix(got, "ok: ") {
			t.Errorf("%s: refused webhook: %s", lang, got)
		}
		help := run(t, ctx, lang+": the webhook's help", chromedp.Evaluate[string](`document.querySelector("#mon-hook").getAttribute("aria-describedby")`))
		if !strings.Contains(" "+help+" ", " mon-hook-help ") {
			t.Errorf("%s: the webhook field is described by %q, without its help", lang, help)
		}
	}
}
