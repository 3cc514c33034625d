package app_test

import (
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// webPosts are the HTML surface's form posts, with a role that may use
// each (the walk's own table says who may).
func webPosts(f *fixture) []httpx.Route {
	var out []httpx.Route
	for _, rt := range f.app.Routes {
		if rt.Method == "POST" && !isAPI(rt.Pattern) {
			out = append(out, rt)
		}
	}
	return out
}

// TestFormsRefuseForgery sends every form of the HTML surface, signed in
// as an administrator (who may use them all), with its CSRF token
// missing, wrong, or right but from another site — as a browser on
// another origin, or on a sibling subdomain, says it is — and checks each
// is refused with a 403 page and changes nothing; then the same form,
// same-origin, is let in. The API's session-cookie writes (the switch's
// PUT among them) need the X-CSRF-Token header and the same origin too;
// a bearer token is not sent by a browser on its own and needs neither.
func TestFormsRefuseForgery(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	target := f.user(lodestar.RoleViewer, "target@example.com")
	ids := f.records("existing")
	asset := assetName(f)
	_, csrf, secret := f.signIn(admin, time.Hour)
	browser := func() *http.Client {
		c := f.client()
		c.Jar.SetCookies(f.url(), []*http.Cookie{{Name: httpx.SessionCookie, Value: secret, Path: "/"}})
		return c
	}
	forged := []struct {
		name   string
		token  string
		header http.Header
	}{
		{"no token", "", nil},
		{"wrong token", strings.Repeat("x", 43), nil},
		{"another session's token", func() string { _, c, _ := f.signIn(target, time.Hour); return c }(), nil},
		{"cross-site (Sec-Fetch-Site)", csrf, http.Header{"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}}},
		{"sibling subdomain (same-site)", csrf, http.Header{"Sec-Fetch-Site": {"same-site"}, "Origin": {"https://evil.lodestar.example"}}},
		{"other Origin, no Sec-Fetch-Site", csrf, http.Header{"Origin": {"https://evil.example"}}},
		{"null Origin", csrf, http.Header{"Origin": {"null"}}},
	}
	posts := webPosts(f)
	if len(posts) < 30 {
		t.Fatalf("found %d form posts; the HTML surface has more", len(posts))
	}
	n := 0
	for _, rt := range posts {
		key := rt.Method + " " + rt.Pattern
		cl := calls[key]
		for _, fg := range forged {
			n++
			t.Run(key+"/"+fg.name, func(t *testing.T) {
				f := f.with(t)
				w := walker{role: lodestar.RoleAdmin, email: admin.Email, nonce: "forged-" + strconv.Itoa(n), target: target.Email, ids: ids}
				f.prepare(cl, &w)
				v := url.Values{}
				if cl.body != nil {
					v, _ = url.ParseQuery(cl.body(w))
				}
				if fg.token != "" {
					v.Set(httpx.CSRFField, fg.token)
				}
				h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
				for k, vs := range fg.header {
					h[k] = vs
				}
				before := f.snapshot()
				r := f.do(browser(), "POST", expand(t, rt.Pattern, w, asset), h, strings.NewReader(v.Encode()))
				if r.StatusCode != http.StatusForbidden || !isHTML(r) {
					t.Errorf("%s (%s): got %d %q, want a 403 page", key, fg.name, r.StatusCode, r.Header.Get("Content-Type"))
				}
				f.wantSame(before, key+" forged ("+fg.name+")")
			})
		}
	}

	// The right token from Lodestar's own page is let in, as the browser
	// says it (Sec-Fetch-Site same-origin, or, without it, an Origin
	// naming this server).
	flip := func(t *testing.T, c *http.Client, h http.Header, state string) *response {
		f := f.with(t)
		h.Set("Content-Type", "application/x-www-form-urlencoded")
		v := url.Values{httpx.CSRFField: {csrf}, "state": {state}, "reason": {"forgery walk " + state}}
		return f.do(c, "POST", "/models/"+strconv.FormatInt(ids["models"], 10)+"/switch", h, strings.NewReader(v.Encode()))
	}
	t.Run("same origin is let in", func(t *testing.T) {
		if r := flip(t, browser(), http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {f.srv.URL}}, "off"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("flip same-origin: got %d, want 303 (%.300s)", r.StatusCode, r.body)
		}
		if r := flip(t, browser(), http.Header{"Origin": {f.srv.URL}}, "on"); r.StatusCode != http.StatusSeeOther {
			t.Errorf("flip with a matching Origin and no Sec-Fetch-Site: got %d, want 303 (%.300s)", r.StatusCode, r.body)
		}
	})

	t.Run("sign-in from another site", func(t *testing.T) {
		f := f.with(t)
		c := f.client()
		tok := f.loginPage(c)
		h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Sec-Fetch-Site": {"same-site"}}
		v := url.Values{httpx.CSRFField: {tok}, "email": {admin.Email}, "password": {testPassword}, "next": {"/"}}
		before := f.count("sessions")
		r := f.do(c, "POST", "/login", h, strings.NewReader(v.Encode()))
		if r.StatusCode != http.StatusForbidden || cookieNamed(r, httpx.SessionCookie) != nil || f.count("sessions") != before {
			t.Errorf("POST /login from a sibling site: got %d, session cookie %v; want 403 and no session", r.StatusCode, cookieNamed(r, httpx.SessionCookie))
		}
	})

	t.Run("API with the session cookie", func(t *testing.T) {
		f := f.with(t)
		path := "/api/v1/switches/" + walkModelKey(ids)
		body := `{"state":"off","reason":"cookie walk"}`
		for _, tc := range []struct {
			name   string
			header http.Header
			want   int
		}{
			{"no CSRF header", http.Header{}, 403},
			{"wrong CSRF header", http.Header{httpx.CSRFHeader: {"nope"}}, 403},
			{"CSRF header, cross-site", http.Header{httpx.CSRFHeader: {csrf}, "Sec-Fetch-Site": {"cross-site"}}, 403},
			{"CSRF header, same origin", http.Header{httpx.CSRFHeader: {csrf}, "Sec-Fetch-Site": {"same-origin"}}, 200},
		} {
			tc.header.Set("Content-Type", "application/json")
			before := f.snapshot()
			r := f.do(browser(), "PUT", path, tc.header, strings.NewReader(body))
			if r.StatusCode != tc.want {
				t.Errorf("PUT %s by cookie, %s: got %d, want %d (%.300s)", path, tc.name, r.StatusCode, tc.want, r.body)
			}
			if tc.want == 403 {
				wantAPIError(t, r, 403, lodestar.EForbidden)
				f.wantSame(before, "PUT "+path+" by cookie, "+tc.name)
			}
		}
		// A bearer token is not ambient: the site a browser came from
		// does not matter to it.
		_, tok := f.token(admin, lodestar.ScopeWrite)
		h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}, "Sec-Fetch-Site": {"cross-site"}}
		if r := f.do(f.client(), "PUT", path, h, strings.NewReader(`{"state":"on","reason":"token walk"}`)); r.StatusCode != 200 {
			t.Errorf("PUT %s by bearer token: got %d, want 200 (%.300s)", path, r.StatusCode, r.body)
		}
	})
}

// TestCrossOriginBehindProxy: a reverse proxy may pass a browser's
// request on under a Host of its own; from a trusted proxy, the host the
// browser asked for (X-Forwarded-Host) is the one its Origin is held
// against. From anyone else, X-Forwarded-Host is not believed.
func TestCrossOriginBehindProxy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		proxies httpx.Proxies
		want    int
	}{
		{"trusted proxy", httpx.Proxies{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}, http.StatusSeeOther},
		{"no trusted proxy", nil, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := start(t, fixtureOpts{options: app.Options{Proxies: tc.proxies}})
			u := f.user(lodestar.RoleViewer, "viewer@example.com")
			_, csrf, secret := f.signIn(u, time.Hour)
			req, err := http.NewRequest("POST", f.srv.URL+"/logout", strings.NewReader(url.Values{httpx.CSRFField: {csrf}}.Encode()))
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "backend.internal:8080"
			req.AddCookie(&http.Cookie{Name: httpx.SessionCookie, Value: secret})
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Origin", "http://lodestar.example")
			req.Header.Set("X-Forwarded-Host", "lodestar.example")
			resp, err := f.client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("POST /logout via %s: got %d, want %d", tc.name, resp.StatusCode, tc.want)
			}
		})
	}
}
