package e2e

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

const chromiumPath = "/usr/bin/chromium"

// TestBrowser drives a real headless Chromium through sign-in and the
// language switch. It is skipped when Chromium is missing, unless
// LODESTAR_TEST_BROWSER=1 asks for it, which makes that a failure.
func TestBrowser(t *testing.T) {
	t.Parallel()
	needChromium(t)
	srv := startServer(t, serverOpts{dbArgs: []string{"--data", t.TempDir()}, env: withAdmin()})
	browser := startBrowser(t)

	t.Run("sign in and switch to Chinese", func(t *testing.T) {
		ctx := newTab(t, browser)
		step(t, ctx, "sign in", chromedp.Steps(
			signInBrowser(srv.URL, adminEmail, adminPassword),
		))
		nav := run(t, ctx, "read the nav", chromedp.Text(chromedp.CSS("#nav")))
		if !strings.Contains(nav, "Strategy") {
			t.Errorf("English nav %q lacks Strategy", nav)
		}
		step(t, ctx, "switch language", chromedp.Steps(
			chromedp.Click(chromedp.CSS("#locale-switch")),
			chromedp.WaitReady(chromedp.CSS(`html[lang="zh-CN"]`)),
			chromedp.WaitVisible(chromedp.CSS("#nav")),
		))
		nav = run(t, ctx, "read the Chinese nav", chromedp.Text(chromedp.CSS("#nav")))
		for _, w := range []string{"战略", "风险"} {
			if !strings.Contains(nav, w) {
				t.Errorf("nav %q lacks %s after the switch", nav, w)
			}
		}
		lang := run(t, ctx, "read html[lang]", chromedp.AttributeValue(chromedp.CSS("html"), "lang"))
		if !lang.Exists || lang.Value != "zh-CN" {
			t.Errorf("html lang = %+v, want zh-CN", lang)
		}
		png := run(t, ctx, "screenshot", chromedp.CaptureScreenshot())
		if len(png) < 1000 || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
			t.Fatalf("screenshot is not a non-empty PNG (%d bytes)", len(png))
		}
		file := filepath.Join(t.TempDir(), "home-zh-CN.png")
		if err := os.WriteFile(file, png, 0o600); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(file); err != nil || fi.Size() == 0 {
			t.Fatalf("screenshot file %s: %v", file, err)
		}
	})

	t.Run("keyboard: Enter in the password field submits", func(t *testing.T) {
		// A fresh browser context: no cookies from the other subtest.
		ctx := newTab(t, browser, chromedp.WithNewBrowserContext())
		step(t, ctx, "sign in with the keyboard", chromedp.Steps(
			chromedp.Navigate(srv.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS("#email")),
			chromedp.SendKeys(chromedp.CSS("#email"), adminEmail),
			chromedp.SendKeys(chromedp.CSS("#password"), adminPassword+kb.Enter),
			chromedp.WaitVisible(chromedp.CSS("#nav")),
		))
		if loc := run(t, ctx, "read the location", chromedp.Location()); !strings.HasSuffix(loc, "/") {
			t.Errorf("after Enter the browser is at %s, want the home page", loc)
		}
	})
}

// startBrowser starts headless Chromium with a fresh profile and returns a
// long-lived chromedp context on it; every tab derives from it.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true),
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	// Cleanups run last-in first-out: the browser stops (and the allocator
	// waits for it) before t.TempDir removes the profile.
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)
	// Start the browser on the long-lived context: no timeout here, since
	// the browser lives as long as the context of its first run.
	start(t, ctx, "start Chromium")
	return ctx
}

// start makes the first run on a chromedp context, which starts the
// browser or opens the tab. That run must not carry a timeout (the browser
// or tab would end with it), so a watchdog bounds it instead.
func start(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- chromedp.Do(ctx) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("browser: %s: %v", what, err)
		}
	case <-time.After(60 * time.Second):
		chromedp.Cancel(ctx)
		t.Fatalf("browser: %s: no answer within 60 s", what)
	}
}

// newTab opens a tab on the browser, closed when t ends.
func newTab(t *testing.T, browser context.Context, opts ...chromedp.ContextOption) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, opts...)
	t.Cleanup(cancel)
	start(t, ctx, "open a tab")
	return ctx
}

// stepTimeout bounds every browser step.
const stepTimeout = 30 * time.Second

// step runs actions with a timeout derived from the tab's long-lived context.
func step(t *testing.T, ctx context.Context, what string, a chromedp.Action[chromedp.Void]) {
	t.Helper()
	run(t, ctx, what, a)
}

// run runs one action with a timeout and returns its value.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatalf("browser: %s: %v", what, err)
	}
	return v
}

// signInBrowser signs in through the sign-in page at base, as a person
// does, and waits for the menu of the page it lands on.
func signInBrowser(base, email, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), email),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#nav")),
	)
}

// demoAdminAt1280 starts a demo server and a browser tab on it at a
// laptop's 1280 px, signed in as the administrator; with path, the tab is
// then at that page once sel is visible.
func demoAdminAt1280(t *testing.T, path, sel string) (*server, context.Context) {
	t.Helper()
	srv := startServer(t, serverOpts{dbArgs: []string{"--data", t.TempDir()}, env: withAdmin(), args: []string{"--demo"}})
	ctx := newTab(t, startBrowser(t), chromedp.WithNewBrowserContext())
	dumpOnFailure(t, ctx)
	steps := chromedp.Steps(chromedp.EmulateViewport(1280, 800), signInBrowser(srv.URL, adminEmail, adminPassword))
	what := "sign in at 1280 px"
	if path != "" {
		steps = chromedp.Steps(steps, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.CSS(sel)))
		what += " and open " + path
	}
	step(t, ctx, what, steps)
	return srv, ctx
}

// switchLanguage switches the signed-in user's language with the page's
// switch if it is not lang already, then waits for sel.
func switchLanguage(t *testing.T, ctx context.Context, lang, sel string) {
	t.Helper()
	if run(t, ctx, "read the language", chromedp.Evaluate[string](`document.documentElement.lang`)) == lang {
		return
	}
	step(t, ctx, "switch to "+lang, chromedp.Steps(
		chromedp.Click(chromedp.CSS("#locale-switch")),
		chromedp.WaitReady(chromedp.CSS(`html[lang="`+lang+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(sel)),
	))
}

// needChromium skips a browser test where Chromium is missing, unless
// LODESTAR_TEST_BROWSER=1 asks for it (CI), where that fails the test.
func needChromium(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("LODESTAR_TEST_BROWSER") == "1" {
			t.Fatalf("LODESTAR_TEST_BROWSER=1 but Chromium is missing: %v", err)
		}
		t.Skipf("no Chromium at %s; set LODESTAR_TEST_BROWSER=1 to make this a failure", chromiumPath)
	}
}
