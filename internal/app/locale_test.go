package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

func wantLang(t *testing.T, r *response, lang string) {
	t.Helper()
	if want := `<html lang="` + lang + `">`; !strings.Contains(r.body, want) {
		t.Errorf("%s %s: got no %s in the page", r.Request.Method, r.Request.URL.Path, want)
	}
}

// TestLocaleSwitchAnonymous uses the language switch before signing in.
func TestLocaleSwitchAnonymous(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	c := f.client()
	tok := f.loginPage(c)

	r := f.postForm(c, "/locale", url.Values{"csrf_token": {tok}, "locale": {"zh-CN"}, "next": {"/login"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("POST /locale: got %d Location %q, want 303 to /login", r.StatusCode, r.Header.Get("Location"))
	}
	lc := cookieNamed(r, httpx.LocaleCookie)
	if lc == nil || lc.Value != "zh-CN" || lc.MaxAge < 30*24*3600 || lc.Path != "/" {
		t.Fatalf("POST /locale: got locale cookie %v, want zh-CN for a long time on /", lc)
	}

	page := f.get(c, "/login")
	wantLang(t, page, "zh-CN")
	for _, want := range []string{"登录", "电子邮箱", "密码", `id="locale-switch">English<`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("GET /login in Chinese: got no %q", want)
		}
	}
	if strings.Contains(page.body, "Sign in") {
		t.Errorf("GET /login in Chinese: got English %q left in the page", "Sign in")
	}

	// The switch back works the same way.
	r = f.postForm(c, "/locale", url.Values{"csrf_token": {tok}, "locale": {"en"}, "next": {"/login"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /locale en: got %d, want 303", r.StatusCode)
	}
	page = f.get(c, "/login")
	wantLang(t, page, "en")
	if !strings.Contains(page.body, "Sign in") {
		t.Errorf("GET /login after switching back: got no %q", "Sign in")
	}
}

// TestLocaleNegotiation checks the order: the visitor's choice, then the
// browser's Accept-Language, then English.
func TestLocaleNegotiation(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	tests := []struct {
		name, cookie, accept, want string
	}{
		{"nothing", "", "", "en"},
		{"browser prefers Chinese", "", "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"},
		{"bare zh", "", "zh", "zh-CN"},
		{"French falls back", "", "fr-FR", "en"},
		{"garbage header", "", ";;;", "en"},
		{"choice beats the browser", "en", "zh-CN", "en"},
		{"Chinese choice beats the browser", "zh-CN", "en-US", "zh-CN"},
		{"a forged cookie is ignored", "de", "zh-CN", "zh-CN"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			c := f.client()
			if tc.cookie != "" {
				c.Jar.SetCookies(f.url(), []*http.Cookie{{Name: httpx.LocaleCookie, Value: tc.cookie, Path: "/"}})
			}
			h := http.Header{}
			if tc.accept != "" {
				h.Set("Accept-Language", tc.accept)
			}
			wantLang(t, f.do(c, "GET", "/login", h, nil), tc.want)
		})
	}
}

// TestLocaleSwitchSignedIn checks that a signed-in user's choice is kept in
// their record, not just a cookie.
func TestLocaleSwitchSignedIn(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleViewer, "viewer@example.com")
	browser, csrf, _ := f.signIn(u, time.Hour)

	home := f.get(browser, "/")
	wantLang(t, home, "en")
	if !strings.Contains(home.body, "Strategy") {
		t.Fatalf("GET / in English: got no nav %q", "Strategy")
	}
	before := f.counts()
	r := f.postForm(browser, "/locale", url.Values{"csrf_token": {csrf}, "locale": {"zh-CN"}, "next": {"/"}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("POST /locale: got %d Location %q, want 303 to /", r.StatusCode, r.Header.Get("Location"))
	}
	got, err := f.app.Store.FindUserByID(sys(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Locale != "zh-CN" {
		t.Errorf("user locale: got %q, want zh-CN", got.Locale)
	}
	if after := f.counts(); after.audit != before.audit+1 {
		t.Errorf("audit entries: got %d, want %d (the change recorded)", after.audit, before.audit+1)
	}

	home = f.get(browser, "/")
	wantLang(t, home, "zh-CN")
	for _, want := range []string{"战略", "只读用户", "退出"} {
		if !strings.Contains(home.body, want) {
			t.Errorf("GET / in Chinese: got no %q", want)
		}
	}

	// Another browser, no locale cookie, an English browser: the setting wins.
	other, _, _ := f.signIn(u, time.Hour)
	r = f.do(other, "GET", "/", http.Header{"Accept-Language": {"en-US"}}, nil)
	wantLang(t, r, "zh-CN")
	if !strings.Contains(r.body, "战略") {
		t.Errorf("GET / in a new browser: got no %q; the setting was not kept", "战略")
	}
	// The API reports the same locale.
	if r := f.get(other, "/api/v1/me"); !strings.Contains(r.body, `"locale":"zh-CN"`) {
		t.Errorf("GET /api/v1/me: got %s, want locale zh-CN", r.body)
	}
}

// TestBadLocale checks the switch refuses locales it does not have.
func TestBadLocale(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleViewer, "viewer@example.com")
	for _, signedIn := range []bool{false, true} {
		for _, loc := range []string{"fr", "", "zh", "ZH-CN", "en-US", "zh-CN\x00", "../../etc"} {
			name := "anonymous"
			if signedIn {
				name = "signed in"
			}
			t.Run(name+"/"+url.QueryEscape(loc), func(t *testing.T) {
				f := f.with(t)
				c := f.client()
				var tok string
				if signedIn {
					c, tok, _ = f.signIn(u, time.Hour)
				} else {
					tok = f.loginPage(c)
				}
				before := f.counts()
				r := f.postForm(c, "/locale", url.Values{"csrf_token": {tok}, "locale": {loc}, "next": {"/"}})
				if r.StatusCode != http.StatusBadRequest || !isHTML(r) {
					t.Errorf("POST /locale %q: got %d %q, want a 400 page", loc, r.StatusCode, r.Header.Get("Content-Type"))
				}
				want := "Locale must be en or zh-CN."
				if strings.Contains(loc, "\x00") {
					// Refused by the guard, before the handler: naming the field.
					want = "Form field &#34;locale&#34; holds the NUL character"
				}
				if !strings.Contains(r.body, want) {
					t.Errorf("POST /locale %q: got no %q in the page", loc, want)
				}
				if c := cookieNamed(r, httpx.LocaleCookie); c != nil {
					t.Errorf("POST /locale %q: got locale cookie %v, want none", loc, c)
				}
				f.wantUnchanged(before, "bad locale")
				if got, _ := f.app.Store.FindUserByID(sys(), u.ID); got.Locale != "" {
					t.Errorf("user locale: got %q, want it unchanged", got.Locale)
				}
			})
		}
	}
}

// TestLocaleKeptAtSignIn checks that a visitor's choice becomes their
// setting when they sign in without one.
func TestLocaleKeptAtSignIn(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleViewer, "viewer@example.com")
	c := f.client()
	tok := f.loginPage(c)
	if r := f.postForm(c, "/locale", url.Values{"csrf_token": {tok}, "locale": {"zh-CN"}, "next": {"/login"}}); r.StatusCode != 303 {
		t.Fatalf("POST /locale: got %d, want 303", r.StatusCode)
	}
	r := f.login(c, u.Email, testPassword)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: got %d, want 303", r.StatusCode)
	}
	got, err := f.app.Store.FindUserByID(sys(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Locale != "zh-CN" {
		t.Errorf("user locale after sign-in: got %q, want zh-CN", got.Locale)
	}
}

var missingKey = regexp.MustCompile(`\[[a-z_]+(\.[A-Za-z0-9_-]+)+\]`)

// TestEveryPageTranslated renders every HTML page an admin can see in each
// locale and checks no catalog key is missing from it.
func TestEveryPageTranslated(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleAdmin, "admin@example.com")
	ids := f.records("translated")
	for _, loc := range []string{"en", "zh-CN"} {
		if err := f.app.Store.SetLocale(sys(), u.ID, loc); err != nil {
			t.Fatal(err)
		}
		browser, _, _ := f.signIn(u, time.Hour)
		for _, rt := range f.app.Routes {
			if rt.Method != "GET" || isAPI(rt.Pattern) || strings.HasPrefix(rt.Pattern, "/static/") ||
				!strings.HasPrefix(rt.Pattern, "/") || rt.Pattern == "/healthz" || rt.Pattern == "/readyz" || rt.Pattern == "/metrics" ||
				strings.HasSuffix(rt.Pattern, "/export") { // a download, not a page
				continue
			}
			path := expand(t, rt.Pattern, walker{ids: ids, target: u.Email}, "")
			t.Run(loc+path, func(t *testing.T) {
				f := f.with(t)
				r := f.get(browser, path)
				if rt.Pattern == "/login" {
					return // signed in: redirects home
				}
				if r.StatusCode != 200 {
					t.Fatalf("GET %s: got %d, want 200", path, r.StatusCode)
				}
				wantLang(t, r, loc)
				if m := missingKey.FindString(r.body); m != "" {
					t.Errorf("GET %s in %s: got untranslated key %s", path, loc, m)
				}
			})
		}
		for _, path := range []string{"/nope", "/use-cases/999999"} {
			t.Run(loc+" error page "+path, func(t *testing.T) {
				f := f.with(t)
				r := f.get(browser, path)
				wantLang(t, r, loc)
				if m := missingKey.FindString(r.body); m != "" {
					t.Errorf("GET %s in %s: got untranslated key %s", path, loc, m)
				}
				if loc == "zh-CN" && strings.Contains(r.body, "not found") {
					t.Errorf("GET %s in Chinese: got the English message", path)
				}
			})
		}
	}
}
