package web_test

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// entFixture is the real app on a fresh SQLite database behind a real
// HTTP server. An error-level log line (a 500 or a panic) fails the test:
// bad input must never reach the internal-error path.
type entFixture struct {
	t   *testing.T
	app *app.App
	srv *httptest.Server
}

func newEntFixture(t *testing.T) *entFixture {
	t.Helper()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, t.TempDir(), "")
	if err != nil {
		t.Fatalf("sqldb.Open: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	logs := &entErrLog{}
	t.Cleanup(func() {
		for _, l := range logs.lines() {
			t.Errorf("unexpected error log: %s", l)
		}
	})
	a, err := app.New(db, slog.New(logs), app.Options{})
	if err != nil {
		t.Fatalf("app.New: %v", err)
	}
	srv := httptest.NewServer(a.Handler)
	t.Cleanup(srv.Close)
	return &entFixture{t: t, app: a, srv: srv}
}

// entErrLog keeps error-level log records.
type entErrLog struct {
	mu   sync.Mutex
	recs []string
}

func (h *entErrLog) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }
func (h *entErrLog) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool { fmt.Fprintf(&b, " %s=%v", a.Key, a.Value); return true })
	h.mu.Lock()
	defer h.mu.Unlock()
	h.recs = append(h.recs, b.String())
	return nil
}
func (h *entErrLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *entErrLog) WithGroup(string) slog.Handler      { return h }
func (h *entErrLog) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.recs...)
}

// setup is the context for writes the test makes directly in the store.
func setup() context.Context {
	return lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test-setup"})
}

// browser is a signed-in user's browser: the session cookie and the
// session's CSRF token; redirects are not followed.
type browser struct {
	f    *entFixture
	user *lodestar.User
	c    *http.Client
	csrf string
}

// signIn creates a user with role and locale and a session for them.
func (f *entFixture) signIn(role lodestar.Role, locale string) *browser {
	f.t.Helper()
	name := "Tester " + string(role)
	if locale == "zh-CN" {
		name = "测试用户"
	}
	u, err := f.app.Store.CreateUser(setup(), lodestar.NewUser{Email: string(role) + "-" + locale + "@example.com", Name: name,
		Role: role, Password: "correct horse battery staple"})
	if err != nil {
		f.t.Fatalf("CreateUser: %v", err)
	}
	if locale != "" {
		if err := f.app.Store.SetLocale(setup(), u.ID, locale); err != nil {
			f.t.Fatalf("SetLocale: %v", err)
		}
	}
	sess, secret, err := f.app.Store.CreateSession(context.Background(), u.ID, time.Hour)
	if err != nil {
		f.t.Fatalf("CreateSession: %v", err)
	}
	base, _ := url.Parse(f.srv.URL)
	b := &browser{f: f, user: u, csrf: sess.CSRFToken, c: &http.Client{Transport: f.srv.Client().Transport, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	b.c.Jar = newJar(base, secret)
	return b
}

// newJar is a cookie jar holding the session cookie.
func newJar(base *url.URL, secret string) http.CookieJar {
	jar, _ := cookiejar.New(nil)
	jar.SetCookies(base, []*http.Cookie{{Name: httpx.SessionCookie, Value: secret, Path: "/"}})
	return jar
}

// resp is a fully read response.
type resp struct {
	status   int
	location string
	body     string
}

func (b *browser) do(method, path string, form url.Values) resp {
	b.f.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.f.srv.URL+path, body)
	if err != nil {
		b.f.t.Fatalf("%s %s: %v", method, path, err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		b.f.t.Fatalf("%s %s: read: %v", method, path, err)
	}
	return resp{status: res.StatusCode, location: res.Header.Get("Location"), body: string(raw)}
}

// get fetches a page and wants status.
func (b *browser) get(path string, status int) string {
	b.f.t.Helper()
	r := b.do("GET", path, nil)
	if r.status != status {
		b.f.t.Fatalf("GET %s: got status %d, want %d (body %.400s)", path, r.status, status, r.body)
	}
	return r.body
}

// post submits a form with the session's CSRF token.
func (b *browser) post(path string, form url.Values) resp {
	b.f.t.Helper()
	v := url.Values{}
	for k, vs := range form {
		v[k] = vs
	}
	v.Set(httpx.CSRFField, b.csrf)
	return b.do("POST", path, v)
}

var idInLocation = regexp.MustCompile(`/(\d+)$`)

// created posts a form that must succeed with a 303 to prefix/{id}, and
// returns the id.
func (b *browser) created(path string, form url.Values, prefix string) int64 {
	b.f.t.Helper()
	r := b.post(path, form)
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, prefix) {
		b.f.t.Fatalf("POST %s: got status %d Location %q, want 303 to %s… (body %.600s)", path, r.status, r.location, prefix, r.body)
	}
	m := idInLocation.FindStringSubmatch(r.location)
	if m == nil {
		b.f.t.Fatalf("POST %s: Location %q ends in no id", path, r.location)
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// auditCount is how many audit entries there are.
func (f *entFixture) auditCount() int {
	f.t.Helper()
	var n int
	if err := f.app.DB.QueryRow(context.Background(), `SELECT COUNT(*) FROM audit_log`).Scan(&n); err != nil {
		f.t.Fatalf("count audit_log: %v", err)
	}
	return n
}

// wantFieldError checks a re-rendered form: status, the message beside
// the field (with aria-invalid and aria-describedby), and no audit entry.
func wantFieldError(t *testing.T, r resp, status int, field, message string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("got status %d, want %d (body %.600s)", r.status, status, r.body)
	}
	errP := fmt.Sprintf(`<p class="field-error" id="%s-error">%s</p>`, field, html.EscapeString(message))
	if !strings.Contains(r.body, errP) {
		t.Errorf("form: no %s beside the field %s in\n%s", errP, field, r.body)
	}
	input := regexp.MustCompile(`<(input|select|textarea) id="` + regexp.QuoteMeta(field) + `"[^>]*>`).FindString(r.body)
	if !strings.Contains(input, `aria-invalid="true"`) || !strings.Contains(input, field+"-error") {
		t.Errorf("form: field %s is not marked invalid and described by its error: %q", field, input)
	}
}

// noChange fails when the audit log grew since before.
func (f *entFixture) noChange(t *testing.T, before int, what string) {
	t.Helper()
	if after := f.auditCount(); after != before {
		t.Errorf("%s: audit entries went from %d to %d, want nothing written", what, before, after)
	}
}

// text strips tags and decodes entities, leaving what a reader sees.
func text(page string) string {
	page = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)>`).ReplaceAllString(page, " ")
	page = regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(page, " ")
	return html.UnescapeString(page)
}
