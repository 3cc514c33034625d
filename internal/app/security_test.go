package app_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// TestCookieAttributes signs in through the real form and checks the
// cookies the browser is given.
func TestCookieAttributes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fo         fixtureOpts
		wantSecure bool
		wantMaxAge int
	}{
		{"default", fixtureOpts{}, false, 12 * 3600},
		{"secure cookies over TLS", fixtureOpts{options: app.Options{SecureCookies: true, SessionTTL: 2 * time.Hour}, tls: true}, true, 2 * 3600},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := start(t, tc.fo)
			u := f.user(lodestar.RoleViewer, "viewer@example.com")
			c := f.client()

			page := f.get(c, "/login")
			csrf := cookieNamed(page, httpx.CSRFCookie)
			if csrf == nil {
				t.Fatalf("GET /login: got no %s cookie", httpx.CSRFCookie)
			}
			if !csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode || csrf.Path != "/" || csrf.Secure != tc.wantSecure {
				t.Errorf("CSRF cookie: got HttpOnly=%v SameSite=%v Path=%q Secure=%v, want true Strict / %v",
					csrf.HttpOnly, csrf.SameSite, csrf.Path, csrf.Secure, tc.wantSecure)
			}
			if got := formCSRF(t, page.body); got != csrf.Value {
				t.Errorf("form token %q differs from the cookie %q", got, csrf.Value)
			}

			r := f.postForm(c, "/login", url.Values{"csrf_token": {csrf.Value}, "email": {u.Email}, "password": {testPassword}, "next": {"/use-cases"}})
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/use-cases" {
				t.Fatalf("POST /login: got status %d Location %q, want 303 to /use-cases", r.StatusCode, r.Header.Get("Location"))
			}
			s := cookieNamed(r, httpx.SessionCookie)
			if s == nil {
				t.Fatalf("POST /login: got no session cookie")
			}
			checks := []struct {
				name      string
				got, want any
			}{
				{"HttpOnly", s.HttpOnly, true},
				{"SameSite", s.SameSite, http.SameSiteLaxMode},
				{"Path", s.Path, "/"},
				{"Secure", s.Secure, tc.wantSecure},
				{"MaxAge", s.MaxAge, tc.wantMaxAge},
				{"has the session prefix", strings.HasPrefix(s.Value, "lss_"), true},
			}
			for _, ch := range checks {
				if ch.got != ch.want {
					t.Errorf("session cookie %s: got %v, want %v", ch.name, ch.got, ch.want)
				}
			}
			if cleared := cookieNamed(r, httpx.CSRFCookie); cleared == nil || cleared.MaxAge >= 0 {
				t.Errorf("POST /login: got CSRF cookie %v, want it deleted once signed in", cleared)
			}
			if r := f.get(c, "/use-cases"); r.StatusCode != 200 {
				t.Errorf("GET /use-cases after sign-in: got %d, want 200", r.StatusCode)
			}
			if r := f.get(c, "/login"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
				t.Errorf("GET /login when signed in: got %d Location %q, want 303 to /", r.StatusCode, r.Header.Get("Location"))
			}
		})
	}
}

// TestSecurityHeaders checks every kind of response carries the headers
// that keep pages to their own origin.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	asset := assetName(f)
	tests := []struct {
		name, path   string
		status       int
		cacheControl string
	}{
		{"HTML page", "/login", 200, "no-store"},
		{"HTML redirect", "/use-cases", 303, ""},
		{"HTML 404", "/nope", 404, "no-store"},
		{"API document", "/api/v1/openapi.json", 200, "no-store"},
		{"API 401", "/api/v1/me", 401, "no-store"},
		{"API 404", "/api/v1/nope", 404, "no-store"},
		{"asset", "/static/" + asset, 200, "public, max-age=31536000, immutable"},
		{"health", "/healthz", 200, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			r := f.get(f.client(), tc.path)
			if r.StatusCode != tc.status {
				t.Errorf("GET %s: got status %d, want %d", tc.path, r.StatusCode, tc.status)
			}
			csp := r.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "form-action 'self'"} {
				if !strings.Contains(csp, want) {
					t.Errorf("GET %s: got CSP %q, want it to hold %q", tc.path, csp, want)
				}
			}
			for h, want := range map[string]string{"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin"} {
				if got := r.Header.Get(h); got != want {
					t.Errorf("GET %s: got %s %q, want %q", tc.path, h, got, want)
				}
			}
			if tc.cacheControl != "" && r.Header.Get("Cache-Control") != tc.cacheControl {
				t.Errorf("GET %s: got Cache-Control %q, want %q", tc.path, r.Header.Get("Cache-Control"), tc.cacheControl)
			}
		})
	}
}

// TestHSTS checks that a server reached over HTTPS — serving TLS itself,
// or behind an HTTPS proxy (secure cookies) — tells browsers to use
// HTTPS only (Strict-Transport-Security), so that a later "http://" link
// or typed address is not sent in the clear where it can be rewritten;
// plain HTTP does not send it (browsers ignore it there, and a test
// server on http://localhost must stay reachable).
func TestHSTS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fo   fixtureOpts
		want string
	}{
		{"plain HTTP", fixtureOpts{}, ""},
		{"TLS", fixtureOpts{tls: true}, "max-age=31536000"},
		{"behind an HTTPS proxy", fixtureOpts{options: app.Options{SecureCookies: true}}, "max-age=31536000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := start(t, tc.fo)
			for _, path := range []string{"/login", "/use-cases", "/api/v1/me", "/healthz", "/nope"} {
				if got := f.get(f.client(), path).Header.Get("Strict-Transport-Security"); got != tc.want {
					t.Errorf("GET %s: got Strict-Transport-Security %q, want %q", path, got, tc.want)
				}
			}
		})
	}
}

// TestLogout checks that signing out ends the session on the server, so
// the old cookie no longer works anywhere.
func TestLogout(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleAdmin, "admin@example.com")
	browser, csrf, secret := f.signIn(u, time.Hour)
	oldCookie := func() *http.Client {
		c := f.client()
		c.Jar.SetCookies(f.url(), []*http.Cookie{{Name: httpx.SessionCookie, Value: secret, Path: "/"}})
		return c
	}
	if r := f.get(browser, "/"); r.StatusCode != 200 {
		t.Fatalf("GET / before sign-out: got %d, want 200", r.StatusCode)
	}
	sessions := f.count("sessions")

	if r := f.postForm(browser, "/logout", url.Values{}); r.StatusCode != http.StatusForbidden {
		t.Errorf("POST /logout without CSRF: got %d, want 403", r.StatusCode)
	}
	if got := f.count("sessions"); got != sessions {
		t.Fatalf("sessions after a refused sign-out: got %d, want %d", got, sessions)
	}

	r := f.postForm(browser, "/logout", url.Values{"csrf_token": {csrf}})
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("POST /logout: got %d Location %q, want 303 to /login", r.StatusCode, r.Header.Get("Location"))
	}
	if c := cookieNamed(r, httpx.SessionCookie); c == nil || c.MaxAge >= 0 || c.Value != "" {
		t.Errorf("POST /logout: got session Set-Cookie %v, want it deleted", c)
	}
	if got := f.count("sessions"); got != sessions-1 {
		t.Errorf("sessions: got %d, want %d (the row deleted)", got, sessions-1)
	}
	if r := f.get(browser, "/login"); r.StatusCode != 200 || !strings.Contains(r.body, "You have signed out.") {
		t.Errorf("GET /login after sign-out: got %d, want 200 with the signed-out message", r.StatusCode)
	}

	tests := []struct {
		name, method, path string
		want               int
	}{
		{"home", "GET", "/", http.StatusSeeOther},
		{"API", "GET", "/api/v1/me", http.StatusUnauthorized},
		{"post again", "POST", "/logout", http.StatusUnauthorized},
	}
	for _, tc := range tests {
		t.Run("old cookie: "+tc.name, func(t *testing.T) {
			f := f.with(t)
			var r *response
			if tc.method == "POST" {
				r = f.postForm(oldCookie(), tc.path, url.Values{"csrf_token": {csrf}})
			} else {
				r = f.get(oldCookie(), tc.path)
			}
			if r.StatusCode != tc.want {
				t.Errorf("%s %s with the old cookie: got %d, want %d", tc.method, tc.path, r.StatusCode, tc.want)
			}
			if tc.want == http.StatusSeeOther && !loginRedirect(r) {
				t.Errorf("%s %s with the old cookie: got Location %q, want /login?next=…", tc.method, tc.path, r.Header.Get("Location"))
			}
		})
	}
}

var hiddenNext = regexp.MustCompile(`(?s)action="/login".*?name="next" value="([^"]*)"`)

// TestRedirectsStayOnSite checks that next= cannot send a browser away.
func TestRedirectsStayOnSite(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	tests := []struct {
		name, next, want string
	}{
		{"local path", "/use-cases?q=a", "/use-cases?q=a"},
		{"protocol-relative", "//evil.example/x", "/"},
		{"absolute URL", "https://evil.example/", "/"},
		{"backslash trick", `/\evil.example`, "/"},
		{"javascript", "javascript:alert(1)", "/"},
		{"empty", "", "/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			c := f.client()
			r := f.get(c, "/login?next="+url.QueryEscape(tc.next))
			m := hiddenNext.FindStringSubmatch(r.body)
			if m == nil || html.UnescapeString(m[1]) != tc.want {
				t.Errorf("login form next for %q: got %v, want %q", tc.next, m, tc.want)
			}
			tok := formCSRF(t, r.body)
			r = f.postForm(c, "/locale", url.Values{"csrf_token": {tok}, "locale": {"en"}, "next": {tc.next}})
			if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != tc.want {
				t.Errorf("POST /locale next=%q: got %d Location %q, want 303 to %q", tc.next, r.StatusCode, r.Header.Get("Location"), tc.want)
			}
		})
	}
	t.Run("sign-in ignores an off-site next", func(t *testing.T) {
		f := f.with(t)
		u := f.user(lodestar.RoleViewer, "viewer@example.com")
		c := f.client()
		tok := f.loginPage(c)
		r := f.postForm(c, "/login", url.Values{"csrf_token": {tok}, "email": {u.Email}, "password": {testPassword}, "next": {"//evil.example/"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/" {
			t.Errorf("POST /login next=//evil.example/: got %d Location %q, want 303 to /", r.StatusCode, r.Header.Get("Location"))
		}
	})
}

// TestOutputEscaped stores markup in a use case and checks no page or API
// response lets it run.
func TestOutputEscaped(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleAdmin, "admin@example.com")
	browser, _, _ := f.signIn(u, time.Hour)
	_, secret := f.token(u)
	const evil = `<script>alert("x")</script>`
	uc := f.useCase(evil)
	for _, path := range []string{"/", "/use-cases", "/use-cases/" + jsonInt(uc.ID), "/admin/audit"} {
		if r := f.get(browser, path); r.StatusCode != 200 || strings.Contains(r.body, evil) {
			t.Errorf("GET %s: got status %d, raw markup present %v; want 200 and it escaped", path, r.StatusCode, strings.Contains(r.body, evil))
		}
	}
	if r := f.api("GET", "/api/v1/use-cases/"+jsonInt(uc.ID), secret, ""); strings.Contains(r.body, "<script>") {
		t.Errorf("API: got raw <script> in JSON, want it escaped as \\u003c: %s", r.body)
	}
}
