package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// testPassword is every test user's password (at least 12 characters).
const testPassword = "correct horse battery staple"

// fixture is the real app on a fresh SQLite database behind a real HTTP
// server, with a settable database clock.
type fixture struct {
	t     *testing.T
	app   *app.App
	srv   *httptest.Server
	clock *testdb.Clock
	logs  *errorLog
}

type fixtureOpts struct {
	options app.Options
	tls     bool
}

// start builds the app and serves it. Any error-level log line (an
// internal error or a panic) fails the test: bad input must never reach
// the 500 path.
func start(t *testing.T, fo fixtureOpts) *fixture {
	t.Helper()
	return startOn(t, testdb.Open(t), fo)
}

// startOn is start on a database of the test's.
func startOn(t *testing.T, db *sqldb.DB, fo fixtureOpts) *fixture {
	t.Helper()
	clock := testdb.UseClock(db)
	logs := &errorLog{}
	t.Cleanup(func() {
		for _, l := range logs.lines() {
			t.Errorf("unexpected error log: %s", l)
		}
	})
	a, err := app.New(db, slog.New(logs), fo.options)
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	var srv *httptest.Server
	if fo.tls {
		srv = httptest.NewTLSServer(a.Handler)
	} else {
		srv = httptest.NewServer(a.Handler)
	}
	closeAndDrop(t, srv, (*httptest.Server).Close)
	return &fixture{t: t, app: a, srv: srv, clock: clock, logs: logs}
}

// closeAndDrop registers close(v) as a cleanup of t that holds v only
// until it has run. The testing package keeps a finished test's cleanup
// functions reachable until every parallel test has finished (it shortens
// the list it pops them from, leaving them in the array), so t.Cleanup
// (srv.Close) kept each finished test's whole app, templates and all, in
// memory for the rest of the run: 2 GB and more at the suite's peak, more
// than a 32-bit process can address (GOARCH=386 ran out of memory).
func closeAndDrop[T any](t testing.TB, v T, close func(T)) {
	held := &v
	t.Cleanup(func() {
		close(*held)
		var zero T
		*held = zero
	})
}

// with returns the fixture reporting to t, for use inside subtests.
func (f *fixture) with(t *testing.T) *fixture {
	g := *f
	g.t = t
	return &g
}

// errorLog is a slog handler that keeps error-level records.
type errorLog struct {
	mu    sync.Mutex
	recs  []string
	warns []string // warning lines, for tests that expect one
	attrs []slog.Attr
}

func (h *errorLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelWarn }
func (h *errorLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	h.mu.Lock()
	defer h.mu.Unlock()
	if r.Level < slog.LevelError {
		h.warns = append(h.warns, b.String())
		return nil
	}
	h.recs = append(h.recs, b.String())
	return nil
}

// warnings returns the warning lines logged so far.
func (h *errorLog) warnings() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.warns...)
}
func (h *errorLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *errorLog) WithGroup(string) slog.Handler      { return h }
func (h *errorLog) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.recs...)
}

// sys is the context for set-up writes, made by the system actor.
func sys() context.Context {
	return lodestar.WithActor(context.Background(), lodestar.Actor{ID: 0, Label: "test-setup"})
}

// user creates a user with testPassword (one argon2 hash).
func (f *fixture) user(role lodestar.Role, email string) *lodestar.User {
	f.t.Helper()
	u, err := f.app.Store.CreateUser(sys(), lodestar.NewUser{Email: email, Name: "Test " + string(role), Role: role, Password: testPassword})
	if err != nil {
		f.t.Fatalf("CreateUser(%s, %s): %v", email, role, err)
	}
	return u
}

// useCase creates a use case directly in the store.
func (f *fixture) useCase(title string) *lodestar.UseCase {
	f.t.Helper()
	uc, err := f.app.Store.CreateUseCase(sys(), lodestar.NewUseCase{Title: title, Description: "made by the test"})
	if err != nil {
		f.t.Fatalf("CreateUseCase(%q): %v", title, err)
	}
	return uc
}

// model creates a model with the given key and name in a new use case.
func (f *fixture) model(useCase, key, name string) *lodestar.Model {
	f.t.Helper()
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: f.useCase(useCase).ID, Key: key, Name: name})
	if err != nil {
		f.t.Fatalf("CreateModel(%q): %v", key, err)
	}
	return m
}

// token creates an API token for u with the given scopes.
func (f *fixture) token(u *lodestar.User, scopes ...string) (*lodestar.APIToken, string) {
	f.t.Helper()
	tok, secret, err := f.app.Store.CreateToken(sys(), u.Email, "test "+strings.Join(scopes, "+"), scopes)
	if err != nil {
		f.t.Fatalf("CreateToken(%s): %v", u.Email, err)
	}
	return tok, secret
}

// client is a browser: a cookie jar, and redirects not followed so each
// test sees them.
func (f *fixture) client() *http.Client {
	f.t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		f.t.Fatal(err)
	}
	base := f.srv.Client()
	return &http.Client{Jar: jar, Transport: base.Transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// signIn returns a browser holding a new session for u (no password hash)
// and the session's CSRF token and secret.
func (f *fixture) signIn(u *lodestar.User, ttl time.Duration) (c *http.Client, csrf, secret string) {
	f.t.Helper()
	sess, secret, err := f.app.Store.CreateSession(context.Background(), u.ID, ttl)
	if err != nil {
		f.t.Fatalf("CreateSession(%s): %v", u.Email, err)
	}
	c = f.client()
	c.Jar.SetCookies(f.url(), []*http.Cookie{{Name: httpx.SessionCookie, Value: secret, Path: "/"}})
	return c, sess.CSRFToken, secret
}

func (f *fixture) url() *url.URL {
	u, err := url.Parse(f.srv.URL)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// response is a fully read response.
type response struct {
	*http.Response
	body string
}

func (f *fixture) do(c *http.Client, method, path string, header http.Header, body io.Reader) *response {
	f.t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, body)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		// A stream never ends: read its first event, then hang up.
		var b strings.Builder
		br := bufio.NewReader(resp.Body)
		for {
			line, err := br.ReadString('\n')
			b.WriteString(line)
			if err != nil || line == "\n" {
				break
			}
		}
		return &response{Response: resp, body: b.String()}
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		f.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &response{Response: resp, body: string(b)}
}

func (f *fixture) get(c *http.Client, path string) *response {
	f.t.Helper()
	return f.do(c, "GET", path, nil, nil)
}

// postForm posts an urlencoded form.
func (f *fixture) postForm(c *http.Client, path string, form url.Values) *response {
	f.t.Helper()
	return f.do(c, "POST", path, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, strings.NewReader(form.Encode()))
}

// api sends a request with a bearer token and, when body is not empty, a
// JSON content type.
func (f *fixture) api(method, path, bearer, body string) *response {
	f.t.Helper()
	h := http.Header{}
	if bearer != "" {
		h.Set("Authorization", "Bearer "+bearer)
	}
	var r io.Reader
	if body != "" {
		h.Set("Content-Type", "application/json")
		r = strings.NewReader(body)
	}
	return f.do(f.client(), method, path, h, r)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// formCSRF returns the csrf_token hidden field of a page.
func formCSRF(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no csrf_token field in page:\n%s", body)
	}
	return m[1]
}

// loginPage GETs /login in c and returns the form's CSRF token.
func (f *fixture) loginPage(c *http.Client) string {
	f.t.Helper()
	r := f.get(c, "/login")
	if r.StatusCode != http.StatusOK {
		f.t.Fatalf("GET /login: got status %d, want 200", r.StatusCode)
	}
	return formCSRF(f.t, r.body)
}

// login signs in through the real form: GET /login for the CSRF cookie and
// field, then POST /login.
func (f *fixture) login(c *http.Client, email, password string) *response {
	f.t.Helper()
	tok := f.loginPage(c)
	return f.postForm(c, "/login", url.Values{"csrf_token": {tok}, "email": {email}, "password": {password}, "next": {"/"}})
}

// apiError decodes the API's one error shape, failing when the body is
// anything else.
func apiError(t *testing.T, r *response) httpx.ErrorDetail {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type: got %q, want application/json", ct)
	}
	var body struct {
		Error *httpx.ErrorDetail `json:"error"`
	}
	dec := json.NewDecoder(strings.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || body.Error == nil {
		t.Fatalf("body is not the error shape {\"error\":{...}} (decode err %v): %s", err, r.body)
	}
	if body.Error.Code == "" || body.Error.Message == "" {
		t.Errorf("error shape: got code %q message %q, want both set", body.Error.Code, body.Error.Message)
	}
	return *body.Error
}

// wantAPIError checks status, the error shape and its code.
func wantAPIError(t *testing.T, r *response, status int, code string) httpx.ErrorDetail {
	t.Helper()
	if r.StatusCode != status {
		t.Errorf("%s %s: got status %d, want %d (body %s)", r.Request.Method, r.Request.URL.Path, r.StatusCode, status, r.body)
	}
	d := apiError(t, r)
	if d.Code != code {
		t.Errorf("%s %s: got error code %q, want %q", r.Request.Method, r.Request.URL.Path, d.Code, code)
	}
	return d
}

// count returns the rows in a table.
func (f *fixture) count(table string) int {
	f.t.Helper()
	return testdb.Count(f.t, f.app.DB, table)
}

// counts snapshots the tables no refused request may change.
type counts struct{ useCases, audit, users int }

func (f *fixture) counts() counts {
	f.t.Helper()
	return counts{f.count("use_cases"), f.count("audit_log"), f.count("users")}
}

func (f *fixture) wantUnchanged(before counts, what string) {
	f.t.Helper()
	if after := f.counts(); after != before {
		f.t.Errorf("%s changed data: got use_cases/audit_log/users %d/%d/%d, want %d/%d/%d",
			what, after.useCases, after.audit, after.users, before.useCases, before.audit, before.users)
	}
}

func isHTML(r *response) bool { return strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") }

// cookieNamed returns the Set-Cookie of a response with that name.
func cookieNamed(r *response, name string) *http.Cookie {
	for _, c := range r.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
