package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// focusState is what a refused form's page says about focus and its
// errors, read in the browser.
type focusState struct {
	Active      string `json:"active"`      // document.activeElement's id
	Invalid     string `json:"invalid"`     // its aria-invalid
	Described   string `json:"described"`   // the text of what its aria-describedby names
	FirstBad    string `json:"firstBad"`    // the id of the first [aria-invalid=true] in document order
	SummaryHref string `json:"summaryHref"` // the error summary's first link
}

const readFocus = `(() => {
  const a = document.activeElement;
  const ids = (a.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
  const first = document.querySelector('[aria-invalid="true"]');
  const link = document.querySelector("#error-summary a");
  return {active: a.id, invalid: a.getAttribute("aria-invalid") || "",
    described: ids.map(id => (document.getElementById(id) || {textContent: "(missing " + id + ")"}).textContent).join(" | "),
    firstBad: first ? first.id : "", summaryHref: link ? link.getAttribute("href") : ""};
})()`

// TestRefusedFormFocus submits forms with bad input in a real Chromium
// and checks where the refusal leaves the keyboard: on the first bad
// field (not at the top of the page), marked invalid and described by its
// message, with the error summary linking to it; a summary link moves
// focus to its field. A refused sign-in, which names no field, focuses
// the summary. Skipped without Chromium unless LODESTAR_TEST_BROWSER=1.
func TestRefusedFormFocus(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv := startServer(t, serverOpts{dbArgs: []string{"--data", t.TempDir()}, env: withAdmin()})
	browser := startBrowser(t)
	ctx := newTab(t, browser, chromedp.WithNewBrowserContext())
	dumpOnFailure(t, ctx)

	step(t, ctx, "refused sign-in", chromedp.Steps(
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), adminEmail),
		chromedp.SendKeys(chromedp.CSS("#password"), "not the password"),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#error-summary")),
	))
	if got := run(t, ctx, "read the focus", chromedp.Evaluate[focusState](readFocus)); got.Active != "error-summary" {
		t.Errorf("after a refused sign-in the focus is on %+v, want the error summary", got)
	}

	step(t, ctx, "sign in", chromedp.Steps(
		chromedp.SetValue(chromedp.CSS("#password"), adminPassword),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#nav")),
	))

	submit := chromedp.CSS("main form button.primary")
	for _, c := range []struct {
		name, path, first string
		fill              chromedp.Action[chromedp.Void]
		message           string
	}{
		// The name is good: the first bad field is the baseline, well
		// down the form.
		{"KPI", "/kpis/new", "baseline", chromedp.Steps(
			chromedp.WaitVisible(chromedp.CSS("#name")),
			chromedp.SetValue(chromedp.CSS("#name"), "Basket size"),
			chromedp.SetValue(chromedp.CSS("#unit"), "CNY"),
			chromedp.SetValue(chromedp.CSS("#baseline"), "a lot"),
			chromedp.SetValue(chromedp.CSS("#target"), "also a lot"),
		), "number"},
		// The title is good; the estimate below the pickers is not.
		{"use case", "/use-cases/new", "value_estimate", chromedp.Steps(
			chromedp.WaitVisible(chromedp.CSS("#title")),
			chromedp.SetValue(chromedp.CSS("#title"), "Demand forecasting"),
			chromedp.SetValue(chromedp.CSS("#value_estimate"), "lots"),
		), "1200000"},
	} {
		t.Run(c.name, func(t *testing.T) {
			step(t, ctx, "fill in the "+c.name+" form badly and send it", chromedp.Steps(
				chromedp.Navigate(srv.URL+c.path),
				c.fill,
				chromedp.Click(submit),
				chromedp.WaitVisible(chromedp.CSS("main p.field-error")),
			))
			got := run(t, ctx, "read the focus", chromedp.Evaluate[focusState](readFocus))
			if got.Active != c.first || got.FirstBad != c.first {
				t.Errorf("focus on %q, first invalid field %q; want both %q", got.Active, got.FirstBad, c.first)
			}
			if got.Invalid != "true" || !strings.Contains(got.Described, c.message) {
				t.Errorf("the focused field: aria-invalid %q, described by %q; want true and its message (%q)", got.Invalid, got.Described, c.message)
			}
			if got.SummaryHref != "#"+c.first {
				t.Errorf("the error summary's first link goes to %q, want #%s", got.SummaryHref, c.first)
			}
			// Away from the field, then back through the summary's link.
			step(t, ctx, "follow the summary's link", chromedp.Steps(
				chromedp.Focus(chromedp.CSS("#locale-switch")),
				chromedp.Click(chromedp.CSS("#error-summary a")),
			))
			if got := run(t, ctx, "read the focus", chromedp.Evaluate[focusState](readFocus)); got.Active != c.first {
				t.Errorf("after the summary's link the focus is on %q, want %q", got.Active, c.first)
			}
		})
	}
}
