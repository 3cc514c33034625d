package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// TestCreateUseCaseBadJSON sends bad bodies to POST /api/v1/use-cases and
// checks each is refused with its own status, code and field, and that
// nothing is written, not even an audit entry.
func TestCreateUseCaseBadJSON(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, secret := f.token(admin, lodestar.ScopeWrite)
	const jsonCT = "application/json"
	huge := `{"title":"big","description":"` + strings.Repeat("a", 1<<20) + `"}`

	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		code        string
		field       string // a field the error must name
	}{
		{"malformed JSON", jsonCT, `{"title" "x"}`, 400, lodestar.EInvalid, ""},
		{"truncated JSON", jsonCT, `{"title":`, 400, lodestar.EInvalid, ""},
		{"body over 1 MiB", jsonCT, huge, 413, lodestar.ETooLarge, ""},
		{"text/plain", "text/plain", `{"title":"x"}`, 415, lodestar.EUnsupported, ""},
		{"form content type", "application/x-www-form-urlencoded", `title=x`, 415, lodestar.EUnsupported, ""},
		{"no content type", "", `{"title":"x"}`, 415, lodestar.EUnsupported, ""},
		{"unknown field", jsonCT, `{"title":"x","bogus":1}`, 400, lodestar.EInvalid, "bogus"},
		{"wrong type", jsonCT, `{"title":5}`, 400, lodestar.EInvalid, "title"},
		{"wrong type for description", jsonCT, `{"title":"x","description":["a"]}`, 400, lodestar.EInvalid, "description"},
		{"empty body", jsonCT, ``, 400, lodestar.EInvalid, ""},
		{"two JSON objects", jsonCT, `{"title":"x"}{"title":"y"}`, 400, lodestar.EInvalid, ""},
		{"trailing garbage", jsonCT, `{"title":"x"} nope`, 400, lodestar.EInvalid, ""},
		{"array instead of object", jsonCT, `[{"title":"x"}]`, 400, lodestar.EInvalid, ""},
		{"missing title", jsonCT, `{"description":"no title"}`, 400, lodestar.EInvalid, "title"},
		{"blank title", jsonCT, `{"title":"   "}`, 400, lodestar.EInvalid, "title"},
		{"title too long", jsonCT, `{"title":"` + strings.Repeat("x", 201) + `"}`, 400, lodestar.EInvalid, "title"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			before := f.counts()
			h := http.Header{"Authorization": {"Bearer " + secret}}
			if tc.contentType != "" {
				h.Set("Content-Type", tc.contentType)
			}
			r := f.do(f.client(), "POST", "/api/v1/use-cases", h, strings.NewReader(tc.body))
			d := wantAPIError(t, r, tc.status, tc.code)
			if tc.field != "" {
				if _, ok := d.Fields[tc.field]; !ok {
					t.Errorf("fields: got %v, want one naming %q", d.Fields, tc.field)
				}
			}
			f.wantUnchanged(before, tc.name)
		})
	}

	t.Run("a good body still works", func(t *testing.T) {
		f := f.with(t)
		before := f.counts()
		r := f.api("POST", "/api/v1/use-cases", secret, `{"title":"  Fraud triage  ","description":"ok"}`)
		if r.StatusCode != http.StatusCreated {
			t.Fatalf("got status %d, want 201 (body %s)", r.StatusCode, r.body)
		}
		var uc lodestar.UseCase
		if err := json.Unmarshal([]byte(r.body), &uc); err != nil {
			t.Fatal(err)
		}
		if uc.Title != "Fraud triage" || uc.CreatedBy != admin.ID {
			t.Errorf("created: got title %q created_by %d, want %q %d", uc.Title, uc.CreatedBy, "Fraud triage", admin.ID)
		}
		if loc := r.Header.Get("Location"); loc == "" || !strings.HasSuffix(loc, "/use-cases/"+jsonInt(uc.ID)) {
			t.Errorf("Location: got %q, want …/use-cases/%d", loc, uc.ID)
		}
		after := f.counts()
		if after.useCases != before.useCases+1 || after.audit != before.audit+1 {
			t.Errorf("got use_cases %d→%d audit %d→%d, want one more of each", before.useCases, after.useCases, before.audit, after.audit)
		}
	})
}

func jsonInt(n int64) string { b, _ := json.Marshal(n); return string(b) }

// TestUnknownRoutes checks 404 and 405 on both surfaces.
func TestUnknownRoutes(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, secret := f.token(admin)
	browser, _, _ := f.signIn(admin, time.Hour)

	tests := []struct {
		name, method, path string
		bearer             string
		html               bool
		status             int
		code               string
		allow              string
	}{
		{"unknown API route", "GET", "/api/v1/nope", "", false, 404, lodestar.ENotFound, ""},
		{"unknown API route signed in", "GET", "/api/v1/nope", secret, false, 404, lodestar.ENotFound, ""},
		{"unknown API version", "GET", "/api/v2/use-cases", "", true, 404, "", ""},
		{"DELETE on a collection", "DELETE", "/api/v1/use-cases", secret, false, 405, lodestar.EMethod, "GET, POST"},
		{"DELETE on a read-only item", "DELETE", "/api/v1/openapi.json", secret, false, 405, lodestar.EMethod, "GET"},
		{"POST on a read-only route", "POST", "/api/v1/me", "", false, 405, lodestar.EMethod, "GET"},
		{"unknown HTML route", "GET", "/no-such-page", "", true, 404, "", ""},
		{"wrong method on an HTML route", "DELETE", "/login", "", true, 405, "", "GET, POST"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			h := http.Header{}
			if tc.bearer != "" {
				h.Set("Authorization", "Bearer "+tc.bearer)
			}
			r := f.do(f.client(), tc.method, tc.path, h, nil)
			if tc.html {
				if r.StatusCode != tc.status || !isHTML(r) {
					t.Errorf("%s %s: got status %d Content-Type %q, want %d HTML", tc.method, tc.path, r.StatusCode, r.Header.Get("Content-Type"), tc.status)
				}
				if !strings.Contains(r.body, "<html") {
					t.Errorf("%s %s: got no HTML page: %.200s", tc.method, tc.path, r.body)
				}
			} else {
				wantAPIError(t, r, tc.status, tc.code)
			}
			if got := r.Header.Get("Allow"); got != tc.allow {
				t.Errorf("%s %s: got Allow %q, want %q", tc.method, tc.path, got, tc.allow)
			}
		})
	}

	t.Run("signed-in 404 page keeps the navigation", func(t *testing.T) {
		f := f.with(t)
		r := f.get(browser, "/no-such-page")
		if r.StatusCode != 404 || !strings.Contains(r.body, "Page not found.") || !strings.Contains(r.body, `href="/use-cases"`) {
			t.Errorf("GET /no-such-page signed in: got status %d, want 404 with the message and nav: %.300s", r.StatusCode, r.body)
		}
	})
}

// TestExpiredSession moves the database clock past a session's end.
func TestExpiredSession(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleAdmin, "admin@example.com")
	browser, _, secret := f.signIn(u, time.Hour)
	// withCookie is a fresh browser holding the (soon expired) cookie, so
	// one subtest's cookie deletion does not hide the next one's.
	withCookie := func() *http.Client {
		c := f.client()
		c.Jar.SetCookies(f.url(), []*http.Cookie{{Name: httpx.SessionCookie, Value: secret, Path: "/"}})
		return c
	}

	if r := f.get(browser, "/use-cases"); r.StatusCode != 200 {
		t.Fatalf("before expiry: GET /use-cases got %d, want 200", r.StatusCode)
	}
	if r := f.get(browser, "/api/v1/me"); r.StatusCode != 200 {
		t.Fatalf("before expiry: GET /api/v1/me got %d, want 200", r.StatusCode)
	}
	f.clock.Advance(time.Hour + time.Second)

	t.Run("API answers 401", func(t *testing.T) {
		f := f.with(t)
		wantAPIError(t, f.get(withCookie(), "/api/v1/me"), 401, lodestar.EUnauthorized)
	})
	t.Run("HTML redirects to sign-in and drops the cookie", func(t *testing.T) {
		f := f.with(t)
		r := f.get(withCookie(), "/use-cases?q=x")
		if want := "/login?next=" + url.QueryEscape("/use-cases?q=x"); r.StatusCode != 303 || r.Header.Get("Location") != want {
			t.Errorf("GET /use-cases: got %d Location %q, want 303 to %q", r.StatusCode, r.Header.Get("Location"), want)
		}
		if c := cookieNamed(r, httpx.SessionCookie); c == nil || c.MaxAge >= 0 {
			t.Errorf("got session Set-Cookie %v, want one deleting it", c)
		}
	})
	t.Run("public pages still render for the expired", func(t *testing.T) {
		f := f.with(t)
		if r := f.get(withCookie(), "/login"); r.StatusCode != 200 {
			t.Errorf("GET /login with an expired cookie: got %d, want 200", r.StatusCode)
		}
	})
	t.Run("expired session cannot post", func(t *testing.T) {
		f := f.with(t)
		before := f.counts()
		sess, secret, err := f.app.Store.CreateSession(sys(), u.ID, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(2 * time.Minute)
		c := f.client()
		c.Jar.SetCookies(f.url(), []*http.Cookie{{Name: httpx.SessionCookie, Value: secret, Path: "/"}})
		r := f.postForm(c, "/use-cases", url.Values{"csrf_token": {sess.CSRFToken}, "title": {"late"}})
		if r.StatusCode != 401 {
			t.Errorf("POST /use-cases with an expired session: got %d, want 401", r.StatusCode)
		}
		f.wantUnchanged(before, "expired POST")
	})
}

// TestIdleSession checks the idle timeout from a browser: a session left
// unused for Options.SessionIdle sends its user to sign in again, though
// its lifetime has hours to run; one in use stays signed in.
func TestIdleSession(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{options: app.Options{SessionIdle: 30 * time.Minute}})
	u := f.user(lodestar.RoleViewer, "viewer@example.com")
	browser, _, _ := f.signIn(u, 12*time.Hour)
	for i := range 3 {
		f.clock.Advance(20 * time.Minute)
		if r := f.get(browser, "/use-cases"); r.StatusCode != 200 {
			t.Fatalf("use %d, 20 minutes after the last: GET /use-cases got %d, want 200", i+1, r.StatusCode)
		}
	}
	f.clock.Advance(31 * time.Minute)
	r := f.get(browser, "/use-cases")
	if want := "/login?next=" + url.QueryEscape("/use-cases"); r.StatusCode != 303 || r.Header.Get("Location") != want {
		t.Errorf("31 minutes idle: GET /use-cases got %d Location %q, want 303 to %q", r.StatusCode, r.Header.Get("Location"), want)
	}
}

// TestCSRF checks that state-changing forms need the right token.
func TestCSRF(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleAdmin, "admin@example.com")
	browser, csrf, _ := f.signIn(u, time.Hour)
	_, otherCSRF, _ := f.signIn(u, time.Hour)

	tests := []struct {
		name   string
		header http.Header
		form   url.Values
		status int
	}{
		{"no token", nil, url.Values{"title": {"x"}}, 403},
		{"empty token", nil, url.Values{"title": {"x"}, "csrf_token": {""}}, 403},
		{"wrong token", nil, url.Values{"title": {"x"}, "csrf_token": {"wrong"}}, 403},
		{"another session's token", nil, url.Values{"title": {"x"}, "csrf_token": {otherCSRF}}, 403},
		{"token in a wrong header", http.Header{httpx.CSRFHeader: {"wrong"}}, url.Values{"title": {"x"}, "csrf_token": {csrf}}, 403},
		{"right token", nil, url.Values{"title": {"x"}, "csrf_token": {csrf}}, 303},
		{"right token in the header", http.Header{httpx.CSRFHeader: {csrf}}, url.Values{"title": {"y"}}, 303},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			before := f.counts()
			h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
			for k, v := range tc.header {
				h[k] = v
			}
			r := f.do(browser, "POST", "/use-cases", h, strings.NewReader(tc.form.Encode()))
			if r.StatusCode != tc.status {
				t.Fatalf("POST /use-cases: got status %d, want %d (body %.300s)", r.StatusCode, tc.status, r.body)
			}
			if tc.status == 403 {
				if !strings.Contains(r.body, "The form has expired") {
					t.Errorf("403 page: got no CSRF message in %.300s", r.body)
				}
				f.wantUnchanged(before, tc.name)
			} else if got := f.counts().useCases; got != before.useCases+1 {
				t.Errorf("use cases: got %d, want %d", got, before.useCases+1)
			}
		})
	}

	t.Run("API with a session cookie needs the CSRF header", func(t *testing.T) {
		f := f.with(t)
		before := f.counts()
		h := http.Header{"Content-Type": {"application/json"}}
		wantAPIError(t, f.do(browser, "POST", "/api/v1/use-cases", h, strings.NewReader(`{"title":"x"}`)), 403, lodestar.EForbidden)
		h.Set(httpx.CSRFHeader, "wrong")
		wantAPIError(t, f.do(browser, "POST", "/api/v1/use-cases", h, strings.NewReader(`{"title":"x"}`)), 403, lodestar.EForbidden)
		f.wantUnchanged(before, "cookie API POST without CSRF")
		h.Set(httpx.CSRFHeader, csrf)
		// ("x" is the form's use case above: a second would be a duplicate.)
		if r := f.do(browser, "POST", "/api/v1/use-cases", h, strings.NewReader(`{"title":"x by the API"}`)); r.StatusCode != 201 {
			t.Errorf("with the header: got status %d, want 201 (body %s)", r.StatusCode, r.body)
		}
	})

	t.Run("login form without the CSRF cookie", func(t *testing.T) {
		f := f.with(t)
		before := f.counts()
		tok := f.loginPage(f.client()) // a token from another browser
		r := f.postForm(f.client(), "/login", url.Values{"csrf_token": {tok}, "email": {u.Email}, "password": {testPassword}})
		if r.StatusCode != 403 || cookieNamed(r, httpx.SessionCookie) != nil {
			t.Errorf("POST /login without the cookie: got status %d session cookie %v, want 403 and none", r.StatusCode, cookieNamed(r, httpx.SessionCookie))
		}
		f.wantUnchanged(before, "login without CSRF cookie")
	})

	t.Run("login form with the cookie but no field", func(t *testing.T) {
		f := f.with(t)
		c := f.client()
		f.loginPage(c)
		r := f.postForm(c, "/login", url.Values{"email": {u.Email}, "password": {testPassword}})
		if r.StatusCode != 403 {
			t.Errorf("POST /login without the field: got status %d, want 403", r.StatusCode)
		}
	})
}

// TestBadCredentials checks bearer tokens that must not get in.
func TestBadCredentials(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleAdmin, "admin@example.com")
	revoked, revokedSecret := f.token(u)
	if err := f.app.Store.RevokeToken(sys(), revoked.ID); err != nil {
		t.Fatal(err)
	}
	_, good := f.token(u)
	disabledUser := f.user(lodestar.RoleAdmin, "gone@example.com")
	_, disabledSecret := f.token(disabledUser)
	if _, err := f.app.Store.SetDisabled(sys(), disabledUser.Email, true); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, path, authorization string
	}{
		{"revoked token", "/api/v1/me", "Bearer " + revokedSecret},
		{"revoked token on a public route", "/api/v1/openapi.json", "Bearer " + revokedSecret},
		{"disabled user's token", "/api/v1/me", "Bearer " + disabledSecret},
		{"unknown token", "/api/v1/me", "Bearer lst_thisisnotatoken"},
		{"token without its prefix", "/api/v1/me", "Bearer " + strings.TrimPrefix(good, "lst_")},
		{"token with a typo", "/api/v1/me", "Bearer " + good[:len(good)-1] + "x"},
		{"basic auth", "/api/v1/me", "Basic YWRtaW46cGFzc3dvcmQ="},
		{"scheme only", "/api/v1/me", "Bearer"},
		{"empty bearer", "/api/v1/me", "Bearer "},
		{"no space", "/api/v1/me", "Bearer" + good},
		{"another scheme", "/api/v1/use-cases", "Token " + good},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			r := f.do(f.client(), "GET", tc.path, http.Header{"Authorization": {tc.authorization}}, nil)
			wantAPIError(t, r, 401, lodestar.EUnauthorized)
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("got no WWW-Authenticate header, want one on 401")
			}
			if strings.Contains(r.body, good) || (strings.Contains(tc.authorization, "lst_") && strings.Contains(r.body, "lst_")) {
				t.Errorf("the error echoes the secret: %s", r.body)
			}
		})
	}
	t.Run("the good token works", func(t *testing.T) {
		f := f.with(t)
		if r := f.api("GET", "/api/v1/me", good, ""); r.StatusCode != 200 {
			t.Errorf("GET /api/v1/me: got %d, want 200", r.StatusCode)
		}
	})
}

// TestLoginThrottle fails a sign-in five times, then checks that the right
// password is refused with 429 until the lock ends.
func TestLoginThrottle(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleViewer, "viewer@example.com")
	c := f.client()
	for i := 1; i <= 5; i++ {
		r := f.login(c, u.Email, "wrong password number "+string(rune('0'+i)))
		if r.StatusCode != 401 || !strings.Contains(r.body, "Wrong e-mail or password.") {
			t.Fatalf("failure %d: got status %d, want 401 with the message (body %.300s)", i, r.StatusCode, r.body)
		}
	}
	r := f.login(c, u.Email, testPassword)
	if r.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("6th attempt with the right password: got status %d, want 429", r.StatusCode)
	}
	if !isHTML(r) || !strings.Contains(r.body, "Too many failed sign-ins. Try again later.") {
		t.Errorf("6th attempt: got no throttle message in the login page: %.500s", r.body)
	}
	if cookieNamed(r, httpx.SessionCookie) != nil {
		t.Errorf("6th attempt: got a session cookie, want none")
	}
	if !strings.Contains(r.body, `value="viewer@example.com"`) {
		t.Errorf("6th attempt: got the e-mail not kept in the form")
	}
	if strings.Contains(r.body, testPassword) {
		t.Errorf("the login page echoes the password")
	}

	f.clock.Advance(16 * time.Minute)
	r = f.login(c, u.Email, testPassword)
	if r.StatusCode != http.StatusSeeOther || cookieNamed(r, httpx.SessionCookie) == nil {
		t.Errorf("after the lock: got status %d, want 303 with a session cookie", r.StatusCode)
	}
}

// TestPaginationAndIDs checks list parameters and item ids on the API.
func TestPaginationAndIDs(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, secret := f.token(u)
	for _, title := range []string{"one", "two", "three"} {
		f.useCase(title)
	}

	bad := []struct {
		name, path, field string
		status            int
		code              string
	}{
		{"limit=0", "/api/v1/use-cases?limit=0", "limit", 400, lodestar.EInvalid},
		{"limit=201", "/api/v1/use-cases?limit=201", "limit", 400, lodestar.EInvalid},
		{"limit=abc", "/api/v1/use-cases?limit=abc", "limit", 400, lodestar.EInvalid},
		{"limit=-1", "/api/v1/use-cases?limit=-1", "limit", 400, lodestar.EInvalid},
		{"cursor=-1", "/api/v1/use-cases?cursor=-1", "cursor", 400, lodestar.EInvalid},
		{"cursor=0", "/api/v1/use-cases?cursor=0", "cursor", 400, lodestar.EInvalid},
		{"cursor=abc", "/api/v1/use-cases?cursor=abc", "cursor", 400, lodestar.EInvalid},
		{"audit limit=201", "/api/v1/audit?limit=201", "limit", 400, lodestar.EInvalid},
		{"audit cursor=-1", "/api/v1/audit?cursor=-1", "cursor", 400, lodestar.EInvalid},
		{"id abc", "/api/v1/use-cases/abc", "id", 400, lodestar.EInvalid},
		{"id 0", "/api/v1/use-cases/0", "id", 400, lodestar.EInvalid},
		{"id -5", "/api/v1/use-cases/-5", "id", 400, lodestar.EInvalid},
		{"id 999999", "/api/v1/use-cases/999999", "", 404, lodestar.ENotFound},
		{"id beyond int64", "/api/v1/use-cases/99999999999999999999", "id", 400, lodestar.EInvalid},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			d := wantAPIError(t, f.api("GET", tc.path, secret, ""), tc.status, tc.code)
			if tc.field != "" {
				if _, ok := d.Fields[tc.field]; !ok {
					t.Errorf("GET %s: got fields %v, want one naming %q", tc.path, d.Fields, tc.field)
				}
			}
		})
	}

	t.Run("limits at the bounds and paging", func(t *testing.T) {
		f := f.with(t)
		for _, lim := range []string{"1", "200"} {
			if r := f.api("GET", "/api/v1/use-cases?limit="+lim, secret, ""); r.StatusCode != 200 {
				t.Errorf("limit=%s: got %d, want 200", lim, r.StatusCode)
			}
		}
		type page struct {
			Data       []lodestar.UseCase `json:"data"`
			Total      int                `json:"total"`
			NextCursor string             `json:"next_cursor"`
		}
		var p1, p2 page
		if err := json.Unmarshal([]byte(f.api("GET", "/api/v1/use-cases?limit=2", secret, "").body), &p1); err != nil {
			t.Fatal(err)
		}
		if len(p1.Data) != 2 || p1.Total != 3 || p1.NextCursor == "" || p1.Data[0].Title != "three" {
			t.Fatalf("page 1: got %d items total %d cursor %q first %+v, want 2 of 3 newest first with a cursor", len(p1.Data), p1.Total, p1.NextCursor, p1.Data)
		}
		if err := json.Unmarshal([]byte(f.api("GET", "/api/v1/use-cases?limit=2&cursor="+p1.NextCursor, secret, "").body), &p2); err != nil {
			t.Fatal(err)
		}
		if len(p2.Data) != 1 || p2.NextCursor != "" || p2.Data[0].Title != "one" {
			t.Errorf("page 2: got %d items cursor %q, want the last one and no cursor", len(p2.Data), p2.NextCursor)
		}
	})
}
