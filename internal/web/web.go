// Package web serves Lodestar's server-rendered HTML pages. Templates and
// assets are embedded and parsed once at start-up; assets are served under
// content-hashed URLs so browsers may cache them for good.
package web

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// TemplateFS exposes the templates for tests that inspect them.
var TemplateFS fs.FS = templateFS

// Services are what the pages read and change.
type Services struct {
	Users    lodestar.UserService
	Sessions lodestar.SessionService
	UseCases lodestar.UseCaseService
	Units    lodestar.BusinessUnitService
	Goals    lodestar.GoalService
	KPIs     lodestar.KPIService
	Pains    lodestar.PainPointService
	Models   lodestar.ModelService
	Switches lodestar.SwitchService
	// Events says which versions of a model's events it has not registered.
	Events   lodestar.EventService
	Monitors lodestar.MonitorService
	// Monitoring creates and evaluates monitors.
	Monitoring *monitoring.Service
	// PublishSwitch tells open switch streams about a committed flip.
	PublishSwitch func(*lodestar.Switch)
	Portfolio     lodestar.PortfolioService
	Audit         lodestar.AuditService
	// Transfer imports and exports use-case inventories.
	Transfer TransferServices
	Importer Importer
	// Evidence holds fairness audits and explanation reports.
	Evidence lodestar.EvidenceService
	// Experiments manages A/B experiments and their analysis.
	Experiments lodestar.ExperimentService
	// Tokens manages API tokens (the /tokens pages).
	Tokens lodestar.TokenService
}

// Server holds the parsed templates and the services behind the pages.
type Server struct {
	Services
	Guard      *httpx.Guard
	I18n       *i18n.Bundle
	Log        *slog.Logger
	SessionTTL time.Duration
	// Now is the clock the pages reckon with (token expiries); the
	// database's, so that what a page shows agrees with what the store
	// decides.
	Now func() time.Time

	signIns signInLog // refused sign-ins, logged within a budget
	pages   map[string]*template.Template
	assets  map[string]asset  // hashed name → content
	urls    map[string]string // plain name → /static/hashed name
}

type asset struct {
	body  []byte
	ctype string
}

// New parses the templates and fingerprints the assets.
func New(svc Services, guard *httpx.Guard, bundle *i18n.Bundle, log *slog.Logger, sessionTTL time.Duration) (*Server, error) {
	s := &Server{Services: svc, Guard: guard, I18n: bundle, Log: log, SessionTTL: sessionTTL, Now: time.Now,
		pages: map[string]*template.Template{}, assets: map[string]asset{}, urls: map[string]string{}}
	if err := s.loadAssets(); err != nil {
		return nil, err
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	guard.Deny = s.deny
	return s, nil
}

func (s *Server) loadAssets() error {
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := path.Base(p)
		ext := path.Ext(name)
		hashed := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ctype := map[string]string{".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
			".svg": "image/svg+xml"}[ext]
		s.assets[hashed] = asset{body: body, ctype: ctype}
		s.urls[name] = "/static/" + hashed
		return nil
	})
}

func (s *Server) parseTemplates() error {
	funcs := template.FuncMap{
		"asset": func(name string) string { return s.urls[name] },
		"inc":   func(i int) int { return i + 1 },
		// pathEscape makes a value one path segment: an e-mail may hold
		// '/', '#', '?' or a '%XX' that the server would decode into
		// another address.
		"pathEscape": url.PathEscape,
		// reasonCode strips an alignment reason's argument ("kpi_without_goal:7").
		"reasonCode":  func(r string) string { c, _, _ := strings.Cut(r, ":"); return c },
		"sortKeys":    func() []string { return []string{"", "-score", "title", "-value", "-feasibility", "-updated"} },
		"feasibility": portfolio.FeasibilityMean,
		"feasibilityDims": func() []string {
			return []string{"data_readiness", "technical_maturity", "skills", "integration"}
		},
		"feasibilityOf": func(f lodestar.Feasibility, dim string) int {
			return map[string]int{"data_readiness": f.DataReadiness, "technical_maturity": f.TechnicalMaturity,
				"skills": f.Skills, "integration": f.Integration}[dim]
		},
		// shortHash is an audit hash's first 12 digits: of the MAC, for a
		// keyed entry's "hmac-sha256:KEYID:MAC".
		"shortHash": func(h string) string {
			h = h[strings.LastIndex(h, ":")+1:]
			return h[:min(12, len(h))]
		},
	}
	// The layout and the shared partials (files named _*.html) underlie
	// every page.
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/_*.html")
	if err != nil {
		return err
	}
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	for _, n := range names {
		base := path.Base(n)
		if base == "layout.html" || strings.HasPrefix(base, "_") {
			continue
		}
		t, err := template.Must(layout.Clone()).ParseFS(templateFS, n)
		if err != nil {
			return fmt.Errorf("template %s: %w", base, err)
		}
		s.pages[strings.TrimSuffix(base, ".html")] = t
	}
	return nil
}

// Page is what every template receives.
type Page struct {
	ID      *httpx.Identity
	Title   string // catalog key
	Section string // nav section to highlight
	Flash   string // catalog key of a one-time message
	Error   string // message shown above a form
	Fields  map[string]string
	Form    url.Values
	Path    string
	// FormID is this page's random ID, sent with each of its forms: the
	// guard acts on a form once (httpx.FormClaims), so a double click or
	// a resend does not create a record twice.
	FormID string
	Data   any
	// Body is the page's content, rendered before the layout (see
	// form_errors.go).
	Body   template.HTML
	bundle *i18n.Bundle
	fm     *fieldMarks
	people *people
	// liveNames name audit entries' records whose entry holds no name
	// (an experiment's added data), by "type:id" (liveAuditNames).
	liveNames map[string]string
}

// T translates key into the page's locale.
func (p *Page) T(key string, args ...any) string { return p.bundle.T(p.ID.Locale, key, args...) }

// List joins the messages prefix+item of items with the locale's list
// separator ("list.sep": ", " or "、").
func (p *Page) List(prefix string, items []string) string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = p.T(prefix + it)
	}
	return strings.Join(out, p.T("list.sep"))
}

// ListWords is List with each item kept whole: in a narrow column a
// Chinese name ("局限性") breaks only between the items, not inside one
// ("局限" over "性"), as an English one breaks only between its words.
func (p *Page) ListWords(prefix string, items []string) template.HTML {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = `<span class="keep-words">` + html.EscapeString(p.T(prefix+it)) + `</span>`
	}
	return template.HTML(strings.Join(out, html.EscapeString(p.T("list.sep"))))
}

// TH is T for a message with markup in its arguments (a Person): the
// message and the other arguments are escaped, template.HTML ones kept.
func (p *Page) TH(key string, args ...any) template.HTML {
	esc := make([]any, len(args))
	for i, a := range args {
		if h, ok := a.(template.HTML); ok {
			esc[i] = string(h)
		} else {
			esc[i] = html.EscapeString(fmt.Sprint(a))
		}
	}
	return template.HTML(fmt.Sprintf(html.EscapeString(p.bundle.T(p.ID.Locale, key)), esc...))
}

// newFormID returns 32 random hex digits.
func newFormID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read does not fail
	return hex.EncodeToString(b[:])
}

// pagePath is where the page is, for the language switch to come back to:
// the request's own path for a GET; for a form that was refused and shown
// again, the page the form was on (its Referer, same site only: the
// policy is same-origin), since the form's action takes POST only.
func pagePath(r *http.Request) string {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return r.URL.RequestURI()
	}
	if ref, err := url.Parse(r.Referer()); err == nil && (ref.Host == "" || ref.Host == r.Host) && strings.HasPrefix(ref.Path, "/") && !strings.HasPrefix(ref.Path, "//") {
		return ref.RequestURI()
	}
	return "/"
}

// Msg translates a user-safe message from a service. Services speak
// English; the catalog carries each message under "msg." + the English.
func (p *Page) Msg(m string) string { return p.bundle.Message(p.ID.Locale, m) }

// Reasons joins English reasons, each translated, with the locale's
// separator of reasons ("; " or "；").
func (p *Page) Reasons(ms []string) string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = p.Msg(m)
	}
	return strings.Join(out, p.T("health.reasons_sep"))
}

// Under reports whether the page is prefix's list or one of its records
// (/kpis, /kpis/5, /kpis?sort=…), for the navigation to mark it.
func (p *Page) Under(prefix string) bool {
	path, _, _ := strings.Cut(p.Path, "?")
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// DateTime formats t for the page's locale.
func (p *Page) DateTime(t time.Time) string { return i18n.DateTime(p.ID.Locale, t) }

// When is DateTime for a table cell: a <time> whose date and time of day
// each stay on one line, so a narrow column breaks between them ("18 Oct
// 2026" over "00:00 UTC") rather than anywhere ("18 Oct / 2026 / 00:00 /
// UTC"). The zero time is "—", as in DateTime.
func (p *Page) When(t time.Time) template.HTML {
	if t.IsZero() {
		return template.HTML(html.EscapeString(p.DateTime(t)))
	}
	t = t.UTC()
	return template.HTML(fmt.Sprintf(`<time class="when" datetime="%s"><span>%s</span> <span>%s UTC</span></time>`,
		t.Format(time.RFC3339), html.EscapeString(p.Date(t)), t.Format("15:04")))
}

// Int formats n with the locale's grouping.
func (p *Page) Int(n int) string { return p.bundle.Int(p.ID.Locale, int64(n)) }

// Name picks the Chinese name on Chinese pages when there is one.
func (p *Page) Name(en, zh string) string {
	if zh != "" && p.ID.Locale == "zh-CN" {
		return zh
	}
	return en
}

// Money formats a whole-currency amount with the locale's grouping.
func (p *Page) Money(n int64) string { return "¥" + p.bundle.Int(p.ID.Locale, n) }

// KPIValue formats a KPI's value with its unit, as every strategy page
// writes one (kpiValue).
func (p *Page) KPIValue(x float64, unit string) string { return kpiValue(p.Measure(x), unit) }

// KPIDirection marks which way a KPI should move: ↓ for lower is
// better, ↑ for higher, named for screen readers and on hover.
func (p *Page) KPIDirection(dir string) template.HTML {
	arrow := map[string]string{"down": "↓", "up": "↑"}[dir]
	if arrow == "" {
		return ""
	}
	label := html.EscapeString(p.T("kpi.direction." + dir))
	return template.HTML(`<span class="kpi-dir kpi-dir-` + dir + `" title="` + label + `" aria-hidden="true">` + arrow +
		`</span><span class="visually-hidden">` + label + `</span>`)
}

// currencyUnits are the KPI units written before the number, as Money
// writes the yuan ("¥1,000,000").
var currencyUnits = map[string]string{"¥": "¥", "￥": "¥", "CNY": "¥", "RMB": "¥", "$": "$", "€": "€", "£": "£"}

// kpiValue puts a KPI's unit on its formatted number, the one rule for
// KPI values: a currency before it as Money writes it ("¥8.51",
// "-¥0.40"), a percent right after it ("91.91%"), any other unit after
// a no-break space ("2.44 x", "120 h/month") so neither wraps alone.
func kpiValue(num, unit string) string {
	unit = strings.TrimSpace(unit)
	if c, ok := currencyUnits[unit]; ok {
		if rest, neg := strings.CutPrefix(num, "-"); neg {
			return "-" + c + rest
		}
		return c + num
	}
	switch {
	case unit == "":
		return num
	case unit == "%" || unit == "‰" || strings.HasPrefix(unit, "/"):
		return num + unit
	}
	return num + "\u00a0" + unit
}

// Num formats x with the given number of decimals.
func (p *Page) Num(x float64, decimals int) string { return p.bundle.Number(p.ID.Locale, x, decimals) }

// NumUpTo formats x with at most the given number of decimals, without
// trailing zeros (0.94 to four: "0.94"; 120 to one: "120").
func (p *Page) NumUpTo(x float64, decimals int) string {
	return p.bundle.NumberUpTo(p.ID.Locale, x, decimals)
}

// Percent writes a share (0.125) as a percentage with one decimal (12.5%).
func (p *Page) Percent(x float64) string { return p.bundle.Number(p.ID.Locale, 100*x, 1) + "%" }

// Measure formats a KPI's value: with the decimals it has (up to six),
// or three significant digits for a computed one with more — a rate of
// 0.048 is not "0.0".
func (p *Page) Measure(x float64) string {
	d := entDecimals(x)
	if d == 6 && x != 0 {
		d = max(0, min(6, 2-int(math.Floor(math.Log10(math.Abs(x))))))
	}
	return p.bundle.Number(p.ID.Locale, x, d)
}

// Date formats t as a date in the page's locale.
func (p *Page) Date(t time.Time) string { return i18n.Date(p.ID.Locale, t) }

// DayMonth formats a date without its year (a time axis's tick).
func (p *Page) DayMonth(t time.Time) string { return i18n.DayMonth(p.ID.Locale, t) }

// Can reports whether the viewer's role may use a permission.
func (p *Page) Can(perm string) bool { return canRole(p.ID.Role(), perm) }

// Lang is the page's html lang attribute.
func (p *Page) Lang() string { return p.ID.Locale }

const flashCookie = "lodestar_flash"

func (s *Server) page(r *http.Request, title, section string) *Page {
	return &Page{ID: httpx.IdentityFrom(r.Context()), Title: title, Section: section, Path: pagePath(r), FormID: newFormID(), bundle: s.I18n,
		people: s.newPeople(r.Context())}
}

// render executes a page template into a buffer first, so a template error
// becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p *Page) {
	if c, err := r.Cookie(flashCookie); err == nil && s.I18n.Has(i18n.Default, c.Value) {
		p.Flash = c.Value
		http.SetCookie(w, s.Guard.ClearCookie(flashCookie))
	}
	t, ok := s.pages[name]
	if !ok {
		s.Log.Error("no such template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	// The content first, then the layout around it: the layout's error
	// summary lists what the content marked.
	var buf bytes.Buffer
	err := t.ExecuteTemplate(&buf, "content", p)
	if err == nil {
		p.Body = template.HTML(buf.String())
		buf.Reset()
		err = t.ExecuteTemplate(&buf, "layout.html", p)
	}
	if err != nil {
		s.Log.Error("render", "template", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// redirect sends the browser to target after a successful form, with an
// optional flash message key.
func (s *Server) redirect(w http.ResponseWriter, r *http.Request, target, flash string) {
	if flash != "" {
		c := s.Guard.ClearCookie(flashCookie)
		c.Value, c.MaxAge = flash, 60
		http.SetCookie(w, c)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// deny answers a refused request on the HTML surface: anonymous visitors
// go to sign-in, the rest see the error page.
func (s *Server) deny(w http.ResponseWriter, r *http.Request, err error) {
	if lodestar.ErrorCode(err) == lodestar.EUnauthorized && r.Method == http.MethodGet {
		http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	s.Error(w, r, err)
}

// Error renders the error page for err with its status.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	status, d := httpx.Detail(s.Log, r, err)
	p := s.page(r, "error.title", "")
	p.Data = struct {
		Status  int
		Code    string
		Message string
		// See is where the result of a form's first submission can be
		// seen, on the refusal of a second one (httpx.ResentSee).
		See string
	}{status, d.Code, d.Message, httpx.ResentSee(err)}
	s.render(w, r, status, "error", p)
}

func (s *Server) serveAsset(w http.ResponseWriter, r *http.Request) {
	a, ok := s.assets[r.PathValue("name")]
	if !ok {
		s.Error(w, r, lodestar.Errorf(lodestar.ENotFound, "Page not found."))
		return
	}
	w.Header().Set("Content-Type", a.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	_, _ = w.Write(a.body)
}
