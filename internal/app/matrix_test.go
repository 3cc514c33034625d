package app_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// access classes, written out independently of internal/auth/policy.go: a
// change there must be mirrored here on purpose.
type access string

const (
	public   access = "public"
	signedIn access = "any signed-in user"
	readers  access = "use-case readers"
	writers  access = "use-case writers"
	auditors access = "audit readers"
	admins   access = "administrators"
)

var everyone = []lodestar.Role{"admin", "committee", "business_owner", "ai_team", "risk_officer", "data_steward", "viewer"}

// mayUse says which roles hold each access class; public needs none.
var mayUse = map[access][]lodestar.Role{
	signedIn: everyone,
	readers:  everyone,
	writers:  {"admin", "committee", "business_owner", "ai_team"},
	auditors: {"admin", "risk_officer"},
	admins:   {"admin"},
}

// routeAccess is every route the app serves and who may use it. The test
// fails on a route missing here, and on an entry here the app lacks.
var routeAccess = map[string]access{
	"GET /healthz":                       public,
	"GET /readyz":                        public,
	"GET /metrics":                       public,
	"GET /api/v1/openapi.json":           public,
	"GET /api/v1/me":                     signedIn,
	"GET /api/v1/use-cases":              readers,
	"POST /api/v1/use-cases":             writers,
	"GET /api/v1/use-cases/{id}":         readers,
	"GET /api/v1/audit":                  auditors,
	"GET /login":                         public,
	"POST /login":                        public,
	"POST /logout":                       signedIn,
	"POST /locale":                       public,
	"GET /static/{name}":                 public,
	"GET /{$}":                           signedIn,
	"GET /resources":                     signedIn,
	"GET /risk":                          signedIn,
	"GET /organisation":                  signedIn,
	"GET /iteration":                     signedIn,
	"GET /use-cases":                     readers,
	"GET /use-cases/new":                 writers,
	"POST /use-cases":                    writers,
	"GET /use-cases/{id}":                readers,
	"GET /admin":                         auditors,
	"GET /admin/audit":                   auditors,
	"GET /admin/users":                   admins,
	"POST /admin/users":                  admins,
	"POST /admin/users/{email}/role":     admins,
	"POST /admin/users/{email}/disabled": admins,
}

func allowed(role lodestar.Role, a access) bool {
	return a == public || (role != "" && slices.Contains(mayUse[a], role))
}

// call is how the walk exercises a route: a plausible body (form fields on
// the HTML surface, JSON on the API) and the statuses that mean it worked.
type call struct {
	body func(w walker) string
	ok   []int
}

// walker is one caller in the walk.
type walker struct {
	role     lodestar.Role // "" for anonymous
	email    string        // the caller's own address (a viewer's for the anonymous)
	nonce    string        // unique per request, for records it creates
	target   string        // a user the admin routes may change
	useCase  int64
	assetURL string
}

func form(v url.Values) string { return v.Encode() }

var calls = map[string]call{
	"GET /healthz":             {ok: []int{200}},
	"GET /readyz":              {ok: []int{200}},
	"GET /metrics":             {ok: []int{200}},
	"GET /api/v1/openapi.json": {ok: []int{200}},
	"GET /api/v1/me":           {ok: []int{200}},
	"GET /api/v1/use-cases":    {ok: []int{200}},
	"POST /api/v1/use-cases": {ok: []int{201}, body: func(w walker) string {
		b, _ := json.Marshal(lodestar.NewUseCase{Title: "API " + w.nonce})
		return string(b)
	}},
	"GET /api/v1/use-cases/{id}": {ok: []int{200}},
	"GET /api/v1/audit":          {ok: []int{200}},
	"GET /login":                 {ok: []int{200, 303}}, // 303 to / when already signed in
	"POST /login": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"email": {w.email}, "password": {testPassword}, "next": {"/"}})
	}},
	"POST /logout": {ok: []int{303}},
	"POST /locale": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"locale": {"en"}, "next": {"/use-cases"}})
	}},
	"GET /static/{name}": {ok: []int{200}},
	"GET /{$}":           {ok: []int{200}},
	"GET /resources":     {ok: []int{200}},
	"GET /risk":          {ok: []int{200}},
	"GET /organisation":  {ok: []int{200}},
	"GET /iteration":     {ok: []int{200}},
	"GET /use-cases":     {ok: []int{200}},
	"GET /use-cases/new": {ok: []int{200}},
	"POST /use-cases": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"title": {"HTML " + w.nonce}, "description": {"from the matrix walk"}})
	}},
	"GET /use-cases/{id}": {ok: []int{200}},
	"GET /admin":          {ok: []int{200}},
	"GET /admin/audit":    {ok: []int{200}},
	"GET /admin/users":    {ok: []int{200}},
	"POST /admin/users": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"email": {"new-" + w.nonce + "@example.com"}, "name": {"New"}, "role": {"viewer"}, "password": {testPassword}})
	}},
	"POST /admin/users/{email}/role": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"role": {"viewer"}})
	}},
	"POST /admin/users/{email}/disabled": {ok: []int{303}, body: func(w walker) string {
		return form(url.Values{"disabled": {"false"}})
	}},
}

func routeKeys(f *fixture) []string {
	var keys []string
	for _, rt := range f.app.Routes {
		keys = append(keys, rt.Method+" "+rt.Pattern)
	}
	sort.Strings(keys)
	return keys
}

// TestRouteTableKnown fails when the app and the test's table disagree on
// which routes exist, so a new route cannot escape the matrix walk.
func TestRouteTableKnown(t *testing.T) {
	f := start(t, fixtureOpts{})
	seen := map[string]bool{}
	for _, k := range routeKeys(f) {
		if seen[k] {
			t.Errorf("route %q is registered twice", k)
		}
		seen[k] = true
		if _, ok := routeAccess[k]; !ok {
			t.Errorf("route %q is served but the test's routeAccess does not know it; add it with who may use it", k)
		}
		if _, ok := calls[k]; !ok {
			t.Errorf("route %q has no entry in the test's calls table", k)
		}
	}
	for k := range routeAccess {
		if !seen[k] {
			t.Errorf("routeAccess lists %q, which the app does not serve", k)
		}
	}
}

var assetHref = regexp.MustCompile(`href="/static/([^"]+\.css)"`)

// assetName finds a real fingerprinted asset the way a browser does: in
// the login page.
func assetName(f *fixture) string {
	f.t.Helper()
	r := f.get(f.client(), "/login")
	m := assetHref.FindStringSubmatch(r.body)
	if m == nil {
		f.t.Fatalf("no /static/ stylesheet link in the login page:\n%s", r.body)
	}
	return m[1]
}

func isAPI(pattern string) bool { return strings.HasPrefix(pattern, "/api/") }

// expand substitutes path values into a route pattern.
func expand(pattern string, w walker, asset string) string {
	p := strings.TrimSuffix(pattern, "{$}")
	p = strings.ReplaceAll(p, "{id}", strconv.FormatInt(w.useCase, 10))
	p = strings.ReplaceAll(p, "{email}", url.PathEscape(w.target))
	return strings.ReplaceAll(p, "{name}", asset)
}

func loginRedirect(r *response) bool {
	return r.StatusCode == http.StatusSeeOther && strings.HasPrefix(r.Header.Get("Location"), "/login?next=")
}

// TestRoleMatrix walks every route as every role and as an anonymous
// visitor, signed in with a session cookie, and checks each is let in or
// refused exactly as routeAccess says, and that refusals change nothing.
func TestRoleMatrix(t *testing.T) {
	f := start(t, fixtureOpts{})
	users := map[lodestar.Role]*lodestar.User{}
	for _, role := range lodestar.Roles {
		users[role] = f.user(role, string(role)+"@example.com")
	}
	target := f.user(lodestar.RoleViewer, "target@example.com")
	uc := f.useCase("Existing use case")
	asset := assetName(f)

	for _, k := range routeKeys(f) {
		if _, ok := routeAccess[k]; !ok {
			t.Errorf("%s: not in the test's routeAccess; it is not walked (see TestRouteTableKnown)", k)
		}
	}
	callers := append([]lodestar.Role{""}, lodestar.Roles...)
	n := 0
	for _, role := range callers {
		who := string(role)
		if who == "" {
			who = "anonymous"
		}
		for _, rt := range f.app.Routes {
			key := rt.Method + " " + rt.Pattern
			acc, known := routeAccess[key]
			cl, hasCall := calls[key]
			if !known || !hasCall {
				continue // reported above
			}
			n++
			w := walker{role: role, email: users[lodestar.RoleViewer].Email, nonce: who + "-" + strconv.Itoa(n),
				target: target.Email, useCase: uc.ID}
			if u := users[role]; u != nil {
				w.email = u.Email
			}
			t.Run(who+"/"+key, func(t *testing.T) {
				f := f.with(t)
				c := f.client()
				csrf := ""
				if u := users[role]; u != nil {
					c, csrf, _ = f.signIn(u, time.Hour)
				} else if rt.Method == "POST" && !isAPI(rt.Pattern) {
					csrf = f.loginPage(c)
				}
				h := http.Header{}
				var body string
				if cl.body != nil {
					body = cl.body(w)
				}
				if isAPI(rt.Pattern) {
					if body != "" {
						h.Set("Content-Type", "application/json")
					}
					if rt.Method != "GET" && csrf != "" {
						h.Set(httpx.CSRFHeader, csrf)
					}
				} else if rt.Method == "POST" {
					h.Set("Content-Type", "application/x-www-form-urlencoded")
					v, _ := url.ParseQuery(body)
					v.Set(httpx.CSRFField, csrf)
					body = v.Encode()
				}
				before := f.counts()
				path := expand(rt.Pattern, w, asset)
				r := f.do(c, rt.Method, path, h, strings.NewReader(body))

				switch {
				case allowed(role, acc):
					if r.StatusCode == http.StatusUnauthorized || r.StatusCode == http.StatusForbidden || loginRedirect(r) {
						t.Fatalf("%s %s as %s (%s): got status %d Location %q, want it allowed (body %.300s)",
							rt.Method, path, who, acc, r.StatusCode, r.Header.Get("Location"), r.body)
					}
					if !slices.Contains(cl.ok, r.StatusCode) {
						t.Errorf("%s %s as %s: got status %d, want one of %v (body %.300s)", rt.Method, path, who, r.StatusCode, cl.ok, r.body)
					}
					if key == "POST /logout" && r.Header.Get("Location") != "/login" {
						t.Errorf("POST /logout as %s: got Location %q, want /login", who, r.Header.Get("Location"))
					}
				case role == "" && isAPI(rt.Pattern):
					wantAPIError(t, r, http.StatusUnauthorized, lodestar.EUnauthorized)
					if r.Header.Get("WWW-Authenticate") == "" {
						t.Errorf("%s %s anonymous: got no WWW-Authenticate header on 401", rt.Method, path)
					}
					f.wantUnchanged(before, key+" anonymous")
				case role == "" && rt.Method == "GET":
					wantLoc := "/login?next=" + url.QueryEscape(path)
					if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != wantLoc {
						t.Errorf("GET %s anonymous: got status %d Location %q, want 303 to %q", path, r.StatusCode, r.Header.Get("Location"), wantLoc)
					}
				case role == "":
					// A form post cannot be replayed after sign-in, so the
					// anonymous get the 401 page rather than a redirect.
					if r.StatusCode != http.StatusUnauthorized || !isHTML(r) {
						t.Errorf("%s %s anonymous: got status %d Content-Type %q, want a 401 HTML page", rt.Method, path, r.StatusCode, r.Header.Get("Content-Type"))
					}
					f.wantUnchanged(before, key+" anonymous")
				case isAPI(rt.Pattern):
					wantAPIError(t, r, http.StatusForbidden, lodestar.EForbidden)
					f.wantUnchanged(before, key+" as "+who)
				default:
					if r.StatusCode != http.StatusForbidden || !isHTML(r) {
						t.Errorf("%s %s as %s: got status %d Content-Type %q, want a 403 HTML page", rt.Method, path, who, r.StatusCode, r.Header.Get("Content-Type"))
					}
					f.wantUnchanged(before, key+" as "+who)
				}
			})
		}
	}
	if want := (len(lodestar.Roles) + 1) * len(routeAccess); n != want {
		t.Errorf("walked %d role×route pairs, want %d", n, want)
	}
}

// TestRoleMatrixBearer walks every API route with a write-scoped bearer
// token per role.
func TestRoleMatrixBearer(t *testing.T) {
	f := start(t, fixtureOpts{})
	uc := f.useCase("Existing use case")
	for _, role := range lodestar.Roles {
		u := f.user(role, string(role)+"@example.com")
		_, secret := f.token(u, lodestar.ScopeWrite)
		for _, rt := range f.app.Routes {
			if !isAPI(rt.Pattern) {
				continue
			}
			key := rt.Method + " " + rt.Pattern
			acc, ok := routeAccess[key]
			if !ok {
				t.Errorf("%s: not in routeAccess", key)
				continue
			}
			t.Run(string(role)+"/"+key, func(t *testing.T) {
				f := f.with(t)
				w := walker{role: role, nonce: "bearer-" + string(role), useCase: uc.ID}
				body := ""
				if b := calls[key].body; b != nil {
					body = b(w)
				}
				before := f.counts()
				path := expand(rt.Pattern, w, "")
				r := f.api(rt.Method, path, secret, body)
				if allowed(role, acc) {
					if !slices.Contains(calls[key].ok, r.StatusCode) {
						t.Errorf("%s %s with %s's token: got status %d, want one of %v (body %.300s)", rt.Method, path, role, r.StatusCode, calls[key].ok, r.body)
					}
					return
				}
				wantAPIError(t, r, http.StatusForbidden, lodestar.EForbidden)
				f.wantUnchanged(before, key+" with "+string(role)+"'s token")
			})
		}
	}
}

// TestTokenScopes checks that a token's scope narrows its user's role and
// never widens it, and that the HTML surface ignores bearer tokens.
func TestTokenScopes(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	_, adminRead := f.token(admin, lodestar.ScopeRead)
	_, adminWrite := f.token(admin, lodestar.ScopeWrite)
	_, viewerWrite := f.token(viewer, lodestar.ScopeWrite)
	_, viewerRead := f.token(viewer, lodestar.ScopeRead)

	tests := []struct {
		name, method, path, token, body string
		want                            int
		wantCode                        string
	}{
		{"read token lists use cases", "GET", "/api/v1/use-cases", adminRead, "", 200, ""},
		{"read token reads the audit log of an admin", "GET", "/api/v1/audit", adminRead, "", 200, ""},
		{"read token cannot create", "POST", "/api/v1/use-cases", adminRead, `{"title":"nope"}`, 403, lodestar.EForbidden},
		{"write token creates", "POST", "/api/v1/use-cases", adminWrite, `{"title":"yes"}`, 201, ""},
		{"write scope does not widen a viewer", "POST", "/api/v1/use-cases", viewerWrite, `{"title":"nope"}`, 403, lodestar.EForbidden},
		{"read scope does not widen a viewer to the audit log", "GET", "/api/v1/audit", viewerRead, "", 403, lodestar.EForbidden},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			before := f.counts()
			r := f.api(tc.method, tc.path, tc.token, tc.body)
			if tc.wantCode != "" {
				wantAPIError(t, r, tc.want, tc.wantCode)
				f.wantUnchanged(before, tc.name)
				return
			}
			if r.StatusCode != tc.want {
				t.Errorf("%s %s: got status %d, want %d (body %s)", tc.method, tc.path, r.StatusCode, tc.want, r.body)
			}
		})
	}

	t.Run("me shows the scope", func(t *testing.T) {
		f := f.with(t)
		r := f.api("GET", "/api/v1/me", adminRead, "")
		var me struct {
			User   lodestar.User `json:"user"`
			Scopes []string      `json:"scopes"`
		}
		if err := json.Unmarshal([]byte(r.body), &me); err != nil {
			t.Fatalf("GET /api/v1/me: %v in %s", err, r.body)
		}
		if me.User.Email != admin.Email || !slices.Equal(me.Scopes, []string{"read"}) {
			t.Errorf("GET /api/v1/me: got user %q scopes %v, want %q [read]", me.User.Email, me.Scopes, admin.Email)
		}
	})

	t.Run("HTML pages ignore bearer tokens", func(t *testing.T) {
		f := f.with(t)
		r := f.do(f.client(), "GET", "/use-cases", http.Header{"Authorization": {"Bearer " + adminWrite}}, nil)
		if !loginRedirect(r) {
			t.Errorf("GET /use-cases with only a bearer token: got status %d Location %q, want 303 to /login?next=…", r.StatusCode, r.Header.Get("Location"))
		}
	})
}
