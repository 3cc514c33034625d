package e2e

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// strategyWords are what each language shows for alignment.
type strategyWords struct {
	lang       string // html[lang] after sign-in (and the switch)
	misaligned string
	aligned    string
	noKPI      string // reason: no KPI impact
	noSponsor  string // reason: no sponsor
	noPain     string // reason: no pain point, which must not show
}

var strategyLangs = map[string]strategyWords{
	"en": {lang: "en", misaligned: "Misaligned", aligned: "Aligned",
		noKPI: "It promises no impact on any business KPI.", noSponsor: "It has no business sponsor.",
		noPain: "It addresses no business pain point."},
	"zh-CN": {lang: "zh-CN", misaligned: "未对齐", aligned: "已对齐",
		noKPI: "未承诺对任何业务 KPI 的影响。", noSponsor: "没有业务发起人。", noPain: "未针对任何业务痛点。"},
}

// TestStrategyBrowser walks the strategy path's core story in a real
// headless Chromium against the real binary, once in English and once in
// Chinese: a business unit and a pain point through their forms, a use
// case bound to them but to no KPI and no sponsor, which its page shows as
// misaligned with the reasons in the page's language; then a goal and a
// KPI under it, and the use case edited to take a sponsor and the KPI,
// which its page then shows as aligned. Skipped without Chromium unless
// LODESTAR_TEST_BROWSER=1, which makes that a failure.
func TestStrategyBrowser(t *testing.T) {
	t.Parallel()
	needChromium(t)
	browser := startBrowser(t)
	for _, loc := range []string{"en", "zh-CN"} {
		words := strategyLangs[loc]
		t.Run(loc, func(t *testing.T) {
			t.Parallel()
			began := time.Now()
			srv := startServer(t, serverOpts{dbArgs: []string{"--data", t.TempDir()}, env: withAdmin()})
			ctx := newTab(t, browser, chromedp.WithNewBrowserContext())
			dumpOnFailure(t, ctx)
			strategyStory(t, ctx, srv.URL, loc, words)
			t.Logf("%s run took %s", loc, time.Since(began).Round(time.Millisecond))
		})
	}
}

// trailingID is the record id at the end of a detail page's URL.
var trailingID = regexp.MustCompile(`/(\d+)$`)

func strategyStory(t *testing.T, ctx context.Context, base, loc string, w strategyWords) {
	// Every form's own submit button is the page's primary one; the
	// header's language and sign-out buttons are not.
	submit := chromedp.CSS("main form button.primary")
	// saved submits a strategy form and waits for the page it leads to,
	// which says it saved; it returns the new record's id.
	saved := func(what string) string {
		t.Helper()
		step(t, ctx, "save the "+what, chromedp.Steps(
			chromedp.Click(submit),
			chromedp.WaitVisible(chromedp.CSS("main p.flash")),
		))
		at := run(t, ctx, "read the "+what+"'s address", chromedp.Location())
		m := trailingID.FindStringSubmatch(at)
		if m == nil {
			t.Fatalf("after saving the %s the browser is at %s, want its page", what, at)
		}
		return m[1]
	}
	wantLang := func(where string) {
		t.Helper()
		lang := run(t, ctx, "read html[lang] on "+where, chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
		if lang.Value != w.lang {
			t.Errorf("%s: html lang = %q, want %q", where, lang.Value, w.lang)
		}
	}
	// alignment reads the use case page's #alignment section: its class
	// and its text, as written (textContent, whatever the CSS).
	alignment := func(what string) (class, text string) {
		t.Helper()
		step(t, ctx, "wait for the use case page", chromedp.WaitVisible(chromedp.CSS("#alignment")))
		cls := run(t, ctx, "read the alignment class "+what, chromedp.AttributeValue(chromedp.CSS("#alignment"), "class"))
		txt := run(t, ctx, "read the alignment "+what, chromedp.TextContent(chromedp.CSS("#alignment")))
		return cls.Value, strings.Join(strings.Fields(txt), " ")
	}
	suffix := " " + loc // names are unique per run
	// Long texts are set rather than typed, a key event per character
	// being slow under the race detector; short numbers are typed.

	step(t, ctx, "sign in", chromedp.Steps(
		signInBrowser(base, adminEmail, adminPassword),
	))
	if loc != "en" {
		step(t, ctx, "switch to "+loc, chromedp.Steps(
			chromedp.Click(chromedp.CSS("#locale-switch")),
			chromedp.WaitReady(chromedp.CSS(`html[lang="`+loc+`"]`)),
			chromedp.WaitVisible(chromedp.CSS("#nav")),
		))
	}
	wantLang("the home page")

	step(t, ctx, "fill in a business unit", chromedp.Steps(
		chromedp.Navigate(base+"/business-units/new"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SetValue(chromedp.CSS("#name"), "Retail"+suffix),
		chromedp.SetValue(chromedp.CSS("#name_zh"), "零售"+suffix),
	))
	unit := saved("business unit")

	step(t, ctx, "fill in a pain point", chromedp.Steps(
		chromedp.Navigate(base+"/pain-points/new"),
		chromedp.WaitVisible(chromedp.CSS("#title")),
		chromedp.SetValue(chromedp.CSS("#title"), "Stock-outs"+suffix),
		chromedp.SetValue(chromedp.CSS("#business_unit_id"), unit),
		chromedp.SetValue(chromedp.CSS("#category"), "revenue"),
		chromedp.SendKeys(chromedp.CSS("#annual_cost"), "2500000"),
	))
	pain := saved("pain point")
	wantLang("the pain point page")

	step(t, ctx, "fill in a use case with a unit and a pain point, no KPI, no sponsor", chromedp.Steps(
		chromedp.Navigate(base+"/use-cases/new"),
		chromedp.WaitVisible(chromedp.CSS("#title")),
		chromedp.SetValue(chromedp.CSS("#title"), "Demand forecasting"+suffix),
		chromedp.SetValue(chromedp.CSS("#business_unit_id"), unit),
		chromedp.Click(chromedp.CSS(`input[name="pain_point_ids"][value="`+pain+`"]`)),
		chromedp.Click(submit),
	))
	cls, text := alignment("of the new use case")
	useCase := trailingID.FindStringSubmatch(run(t, ctx, "read the use case's address", chromedp.Location()))
	if useCase == nil {
		t.Fatalf("after saving the use case the browser is not on its page")
	}
	wantLang("the use case page")
	if cls != "card alignment misaligned" || !strings.Contains(text, w.misaligned) {
		t.Errorf("new use case: #alignment class %q text %q, want misaligned, saying %q", cls, text, w.misaligned)
	}
	for _, reason := range []string{w.noKPI, w.noSponsor} {
		if !strings.Contains(text, reason) {
			t.Errorf("new use case: #alignment %q lacks the reason %q", text, reason)
		}
	}
	if strings.Contains(text, w.noPain) {
		t.Errorf("new use case: #alignment %q says %q, but it addresses a pain point", text, w.noPain)
	}
	items := run(t, ctx, "count the reasons", chromedp.Evaluate[int](`document.querySelectorAll("#alignment .reasons li").length`))
	if items != 2 {
		t.Errorf("new use case: got %d reasons listed, want 2 (no KPI, no sponsor)", items)
	}

	step(t, ctx, "fill in a goal", chromedp.Steps(
		chromedp.Navigate(base+"/goals/new"),
		chromedp.WaitVisible(chromedp.CSS("#title")),
		chromedp.SetValue(chromedp.CSS("#title"), "Grow the basket"+suffix),
		chromedp.SetValue(chromedp.CSS("#business_unit_id"), unit),
	))
	goal := saved("goal")

	step(t, ctx, "fill in a KPI under the goal", chromedp.Steps(
		chromedp.Navigate(base+"/kpis/new"),
		chromedp.WaitVisible(chromedp.CSS("#name")),
		chromedp.SetValue(chromedp.CSS("#name"), "Average basket"+suffix),
		chromedp.SetValue(chromedp.CSS("#goal_id"), goal),
		chromedp.SendKeys(chromedp.CSS("#unit"), "CNY"),
		chromedp.SetValue(chromedp.CSS("#direction"), "up"),
		chromedp.SendKeys(chromedp.CSS("#baseline"), "100"),
		chromedp.SendKeys(chromedp.CSS("#target"), "120"),
		chromedp.SetValue(chromedp.CSS("#target_date"), "2031-12-31"),
	))
	kpi := saved("KPI")

	step(t, ctx, "open the use case's form", chromedp.Steps(
		chromedp.Navigate(base+"/use-cases/"+useCase[1]+"/edit"),
		chromedp.WaitVisible(chromedp.CSS("#sponsor_id")),
	))
	// The only user, the admin, is the one sponsor to choose.
	sponsor := run(t, ctx, "read the sponsor choice", chromedp.AttributeValue(chromedp.CSS(`#sponsor_id option:not([value=""])`), "value"))
	if !sponsor.Exists || sponsor.Value == "" {
		t.Fatalf("the use case form offers no sponsor")
	}
	step(t, ctx, "choose the sponsor and the KPI, and save", chromedp.Steps(
		chromedp.SetValue(chromedp.CSS("#sponsor_id"), sponsor.Value),
		chromedp.SetValue(chromedp.CSS("#impact_kpi_0"), kpi),
		chromedp.SendKeys(chromedp.CSS("#impact_change_0"), "10"),
		chromedp.Click(submit),
	))
	cls, text = alignment("after the edit")
	if cls != "card alignment aligned" || !strings.Contains(text, w.aligned) || strings.Contains(text, w.misaligned) {
		t.Errorf("edited use case: #alignment class %q text %q, want aligned, saying %q", cls, text, w.aligned)
	}
	for _, reason := range []string{w.noKPI, w.noSponsor, w.noPain} {
		if strings.Contains(text, reason) {
			t.Errorf("edited use case: #alignment %q still gives the reason %q", text, reason)
		}
	}
	wantLang("the edited use case page")
}

// dumpOnFailure logs where the tab is and what its page says when t
// fails, before the tab closes.
func dumpOnFailure(t *testing.T, ctx context.Context) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		at, _ := chromedp.Run(sctx, chromedp.Location())
		main, _ := chromedp.Run(sctx, chromedp.Text(chromedp.CSS("#main")))
		t.Logf("the browser was at %s showing:\n%s", at, main)
	})
}
