package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestSwitchFormBrowser: in a real Chromium, the flip form of a switch
// put at fallback from the CLI opens with that fallback filled in and its
// reason held to 2,000 characters; choosing off and sending the form as
// it stands switches the model off (the fallback left in the field is not
// taken as one named for off). The model has no version in production,
// so its page, once the switch is back on, says that nothing serves.
func TestSwitchFormBrowser(t *testing.T) {
	t.Parallel()
	needChromium(t)
	db := []string{"--data", t.TempDir()}
	srv, _, _ := recommender(t, db, false)
	mustRun(t, append([]string{"switch", "flip", "recommender", "--state", "fallback", "--fallback", "bestsellers",
		"--reason", "retraining", "--as", adminEmail}, db...)...)

	browser := startBrowser(t)
	ctx := newTab(t, browser, chromedp.WithNewBrowserContext())
	dumpOnFailure(t, ctx)
	step(t, ctx, "sign in and open the model page", chromedp.Steps(
		signInBrowser(srv.URL, adminEmail, adminPassword),
		chromedp.Navigate(srv.URL+"/models/1"),
		chromedp.WaitVisible(chromedp.CSS("#fallback")),
	))
	if v := run(t, ctx, "read the fallback field", chromedp.Value(chromedp.CSS("#fallback"))); v != "bestsellers" {
		t.Errorf("the fallback field opens with %q, want the switch's bestsellers", v)
	}
	if v := run(t, ctx, "read the reason's limit", chromedp.AttributeValue(chromedp.CSS("#switch-reason"), "maxlength")); v.Value != "2000" {
		t.Errorf("the reason's maxlength is %q, want 2000", v.Value)
	}
	step(t, ctx, "switch off, the fallback left as it opened", chromedp.Steps(
		chromedp.SetValue(chromedp.CSS("#state"), "off"),
		chromedp.SendKeys(chromedp.CSS("#switch-reason"), "Drift alert under review"),
		chromedp.Click(chromedp.CSS(`form[action="/models/1/switch"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS("#switch h2 .switch-off")),
	))
	if h := run(t, ctx, "read the switch", chromedp.Text(chromedp.CSS("#switch h2"))); !strings.Contains(h, "Off: the model must not serve") {
		t.Errorf("after the flip the switch reads %q, want off", h)
	}
	if v := run(t, ctx, "read the fallback field", chromedp.Value(chromedp.CSS("#fallback"))); v != "" {
		t.Errorf("switched off, the fallback field opens with %q, want it empty", v)
	}
	step(t, ctx, "switch back on", chromedp.Steps(
		chromedp.SetValue(chromedp.CSS("#state"), "on"),
		chromedp.SendKeys(chromedp.CSS("#switch-reason"), "Reviewed"),
		chromedp.Click(chromedp.CSS(`form[action="/models/1/switch"] button.primary`)),
		// The page after the flip (the one before had a message too).
		chromedp.WaitVisible(chromedp.CSS("#switch h2 .switch-idle")),
	))
	if h := run(t, ctx, "read the switch", chromedp.Text(chromedp.CSS("#switch h2"))); !strings.Contains(h, "On, but no version is in production: nothing serves") {
		t.Errorf("on with no version in production, the switch reads %q", h)
	}
	if f := run(t, ctx, "read the message", chromedp.Text(chromedp.CSS("main p.flash"))); !strings.Contains(f, "nothing serves") {
		t.Errorf("the message after the flip reads %q, want that nothing serves", f)
	}
}
