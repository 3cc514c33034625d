package web

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// entityRoutes are the pages for business units, goals, KPIs and pain
// points: list, new, create, detail, edit, update, archive (and KPI
// readings). Reading needs StrategyRead; every form and change needs
// StrategyWrite.
func (s *Server) entityRoutes() []httpx.Route {
	read, write := auth.StrategyRead, auth.StrategyWrite
	return []httpx.Route{
		{Method: "GET", Pattern: "/business-units", Perm: read, Handler: s.unitList},
		{Method: "GET", Pattern: "/business-units/new", Perm: write, Handler: s.unitNew},
		{Method: "POST", Pattern: "/business-units", Perm: write, Handler: s.unitCreate},
		{Method: "GET", Pattern: "/business-units/{id}", Perm: read, Handler: s.unitShow},
		{Method: "GET", Pattern: "/business-units/{id}/edit", Perm: write, Handler: s.unitEdit},
		{Method: "POST", Pattern: "/business-units/{id}", Perm: write, Handler: s.unitUpdate},
		{Method: "POST", Pattern: "/business-units/{id}/archive", Perm: write, Handler: s.unitArchive},

		{Method: "GET", Pattern: "/goals", Perm: read, Handler: s.goalList},
		{Method: "GET", Pattern: "/goals/new", Perm: write, Handler: s.goalNew},
		{Method: "POST", Pattern: "/goals", Perm: write, Handler: s.goalCreate},
		{Method: "GET", Pattern: "/goals/{id}", Perm: read, Handler: s.goalShow},
		{Method: "GET", Pattern: "/goals/{id}/edit", Perm: write, Handler: s.goalEdit},
		{Method: "POST", Pattern: "/goals/{id}", Perm: write, Handler: s.goalUpdate},
		{Method: "POST", Pattern: "/goals/{id}/archive", Perm: write, Handler: s.goalArchive},

		{Method: "GET", Pattern: "/kpis", Perm: read, Handler: s.kpiList},
		{Method: "GET", Pattern: "/kpis/new", Perm: write, Handler: s.kpiNew},
		{Method: "POST", Pattern: "/kpis", Perm: write, Handler: s.kpiCreate},
		{Method: "GET", Pattern: "/kpis/{id}", Perm: read, Handler: s.kpiShow},
		{Method: "GET", Pattern: "/kpis/{id}/edit", Perm: write, Handler: s.kpiEdit},
		{Method: "POST", Pattern: "/kpis/{id}", Perm: write, Handler: s.kpiUpdate},
		{Method: "POST", Pattern: "/kpis/{id}/archive", Perm: write, Handler: s.kpiArchive},
		{Method: "POST", Pattern: "/kpis/{id}/readings", Perm: write, Handler: s.kpiAddReading},

		{Method: "GET", Pattern: "/pain-points", Perm: read, Handler: s.painList},
		{Method: "GET", Pattern: "/pain-points/new", Perm: write, Handler: s.painNew},
		{Method: "POST", Pattern: "/pain-points", Perm: write, Handler: s.painCreate},
		{Method: "GET", Pattern: "/pain-points/{id}", Perm: read, Handler: s.painShow},
		{Method: "GET", Pattern: "/pain-points/{id}/edit", Perm: write, Handler: s.painEdit},
		{Method: "POST", Pattern: "/pain-points/{id}", Perm: write, Handler: s.painUpdate},
		{Method: "POST", Pattern: "/pain-points/{id}/archive", Perm: write, Handler: s.painArchive},
	}
}

// entLabelPrefixes are the catalog key prefixes the strategy pages build
// at run time (select labels and statuses), with every value each takes;
// tests check all of them are in both catalogs.
var entLabelPrefixes = map[string][]string{
	"goal.horizon.":  lodestar.GoalHorizons,
	"goal.status.":   lodestar.GoalStatuses,
	"kpi.direction.": {lodestar.DirectionUp, lodestar.DirectionDown},
	"kpi.status.":    portfolio.Statuses,
	"pain.category.": lodestar.PainCategories,
}

// EntityLabelKeys lists the catalog keys the strategy pages build at run
// time, for tests.
func EntityLabelKeys() []string {
	var out []string
	for prefix, values := range entLabelPrefixes {
		for _, v := range values {
			out = append(out, prefix+v)
		}
	}
	return out
}

// entView is what every strategy page's template gets besides its own
// records: names in the page's language, labels and numbers formatted for
// the locale, and lookups from the IDs a record holds to the names shown.
type entView struct {
	loc    string
	bundle *i18n.Bundle
	units  map[int64]*lodestar.BusinessUnit
	goals  map[int64]*lodestar.Goal
	users  map[int64]*lodestar.User
	// Units, Goals and Users are every record (archived and disabled
	// included), in the services' order, for selects and trees.
	Units []*lodestar.BusinessUnit
	Goals []*lodestar.Goal
	Users []*lodestar.User
}

func (s *Server) entView(r *http.Request) *entView {
	return &entView{loc: httpx.IdentityFrom(r.Context()).Locale, bundle: s.I18n,
		units: map[int64]*lodestar.BusinessUnit{}, goals: map[int64]*lodestar.Goal{}, users: map[int64]*lodestar.User{}}
}

// entLoad reads the records a page names by ID: business units, goals and
// users as asked.
func (s *Server) entLoad(ctx context.Context, v *entView, units, goals, users bool) error {
	var err error
	if units {
		if v.Units, err = s.Units.ListBusinessUnits(ctx, lodestar.ListFilter{Archived: true}); err != nil {
			return err
		}
		for _, u := range v.Units {
			v.units[u.ID] = u
		}
	}
	if goals {
		if v.Goals, err = s.Goals.ListGoals(ctx, lodestar.ListFilter{Archived: true}); err != nil {
			return err
		}
		for _, g := range v.Goals {
			v.goals[g.ID] = g
		}
	}
	if users {
		if v.Users, err = s.Users.ListUsers(ctx); err != nil {
			return err
		}
		for _, u := range v.Users {
			v.users[u.ID] = u
		}
	}
	return nil
}

// entViewFor is the page's view with the records it names loaded
// (business units, goals and users as asked); when they cannot be read it
// renders the error page and reports false.
func (s *Server) entViewFor(w http.ResponseWriter, r *http.Request, units, goals, users bool) (*entView, bool) {
	v := s.entView(r)
	if err := s.entLoad(r.Context(), v, units, goals, users); err != nil {
		s.Error(w, r, err)
		return nil, false
	}
	return v, true
}

func (v *entView) zh() bool { return strings.HasPrefix(v.loc, "zh") }

func (v *entView) pick(en, zh string) string {
	if v.zh() && zh != "" {
		return zh
	}
	return en
}

// Name is a business unit's, goal's, KPI's or pain point's name in the
// page's language: the Chinese one on Chinese pages when it is set, else
// the English one; "" for nil.
func (v *entView) Name(x any) string {
	switch x := x.(type) {
	case *lodestar.BusinessUnit:
		if x != nil {
			return v.pick(x.Name, x.NameZH)
		}
	case *lodestar.Goal:
		if x != nil {
			return v.pick(x.Title, x.TitleZH)
		}
	case *lodestar.KPI:
		if x != nil {
			return v.pick(x.Name, x.NameZH)
		}
	case *lodestar.PainPoint:
		if x != nil {
			return v.pick(x.Title, x.TitleZH)
		}
	}
	return ""
}

// Unit returns a business unit by ID, or nil.
func (v *entView) Unit(id int64) *lodestar.BusinessUnit { return v.units[id] }

// Goal returns a goal by ID, or nil.
func (v *entView) Goal(id int64) *lodestar.Goal { return v.goals[id] }

// User returns a user by ID, or nil.
func (v *entView) User(id int64) *lodestar.User { return v.users[id] }

// UserName is a user's display name (personLabel), or "" for none.
func (v *entView) UserName(id int64) string {
	if u := v.users[id]; u != nil {
		return personLabel(u)
	}
	return ""
}

// Label translates a catalog key built at run time from entLabelPrefixes.
func (v *entView) Label(prefix, value string) string { return v.bundle.T(v.loc, prefix+value) }

// Num formats x for the locale with as many decimals as it needs (at most
// three).
func (v *entView) Num(x float64) string { return v.bundle.Number(v.loc, x, entDecimals(x)) }

// entDecimals is how many decimals x needs, at most three.
func entDecimals(x float64) int {
	d := 0
	for ; d < 6; d++ { // (a rate of 0.0018 is not 0.002)
		scaled := x * math.Pow10(d)
		if math.Abs(scaled-math.Round(scaled)) < 1e-9*math.Max(1, math.Abs(scaled)) {
			break
		}
	}
	return d
}

// Money formats a yearly amount in whole currency units, as Page.Money
// does ("¥12,000,000").
func (v *entView) Money(n int64) string { return "¥" + v.bundle.Int(v.loc, n) }

// KPIValue formats a KPI's value with its unit (kpiValue's rule), with
// as many decimals as it needs.
func (v *entView) KPIValue(x float64, unit string) string { return kpiValue(v.Num(x), unit) }

// Date formats a YYYY-MM-DD date for the locale; anything else is shown
// as it is.
func (v *entView) Date(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return i18n.Date(v.loc, t)
}

// entOption is one choice of a select, its label already in the page's
// language.
type entOption struct {
	Value    string
	Label    string
	Selected bool
}

// choices builds a select's options from values, each labelled by the
// catalog key prefix+value.
func (v *entView) choices(prefix string, values []string, selected string) []entOption {
	out := make([]entOption, 0, len(values))
	for _, val := range values {
		out = append(out, entOption{Value: val, Label: v.Label(prefix, val), Selected: val == selected})
	}
	return out
}

// unitNode is one row of the business-unit tree.
type unitNode struct {
	Unit  *lodestar.BusinessUnit
	Depth int
	// Indent is Depth capped at unitMaxIndent, for the indentation class
	// (the CSP allows no inline styles).
	Indent int
}

const unitMaxIndent = 6

// unitTree orders units parent before children, siblings in the given
// order; a unit whose parent is not among them is a root.
func unitTree(units []*lodestar.BusinessUnit) []unitNode {
	present := map[int64]bool{}
	for _, u := range units {
		present[u.ID] = true
	}
	children := map[int64][]*lodestar.BusinessUnit{}
	var roots []*lodestar.BusinessUnit
	for _, u := range units {
		if u.ParentID != 0 && present[u.ParentID] && u.ParentID != u.ID {
			children[u.ParentID] = append(children[u.ParentID], u)
		} else {
			roots = append(roots, u)
		}
	}
	out := make([]unitNode, 0, len(units))
	seen := map[int64]bool{}
	var walk func(u *lodestar.BusinessUnit, depth int)
	walk = func(u *lodestar.BusinessUnit, depth int) {
		if seen[u.ID] {
			return
		}
		seen[u.ID] = true
		out = append(out, unitNode{Unit: u, Depth: depth, Indent: min(depth, unitMaxIndent)})
		for _, c := range children[u.ID] {
			walk(c, depth+1)
		}
	}
	for _, u := range roots {
		walk(u, 0)
	}
	// A cycle in stored data (which the store refuses) must not hide units.
	for _, u := range units {
		walk(u, 0)
	}
	return out
}

// unitOptions offers the live business units as a tree, indented by depth,
// with selected marked; skip (a unit being edited) is left out. A selected
// unit that is archived stays listed so the form shows what is stored.
func (v *entView) unitOptions(selected string, skip int64) []entOption {
	var out []entOption
	for _, n := range unitTree(v.Units) {
		id := strconv.FormatInt(n.Unit.ID, 10)
		if n.Unit.ID == skip || (n.Unit.Archived && id != selected) {
			continue
		}
		out = append(out, entOption{Value: id, Label: strings.Repeat("\u00a0\u00a0", n.Depth) + v.Name(n.Unit), Selected: id == selected})
	}
	return out
}

// goalOptions offers the live goals (and the selected one).
func (v *entView) goalOptions(selected string) []entOption {
	var out []entOption
	for _, g := range v.Goals {
		id := strconv.FormatInt(g.ID, 10)
		if g.Archived && id != selected {
			continue
		}
		out = append(out, entOption{Value: id, Label: v.Name(g), Selected: id == selected})
	}
	return out
}

// userOptions offers the enabled users (and the selected one).
func (v *entView) userOptions(selected string) []entOption {
	var out []entOption
	for _, u := range v.Users {
		id := strconv.FormatInt(u.ID, 10)
		if u.Disabled && id != selected {
			continue
		}
		out = append(out, entOption{Value: id, Label: v.UserName(u.ID), Selected: id == selected})
	}
	return out
}

// entPathID reads the {id} path value; anything but a positive integer is
// a page that does not exist.
func entPathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, lodestar.Errorf(lodestar.ENotFound, "Page not found.")
	}
	return id, nil
}

// entIDValue is an optional ID as a form value: "" for none.
func entIDValue(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

// entFind loads the record the {id} path value names with find. When the
// value is not a positive integer or find fails (404 for no such record)
// it renders the error page and reports false.
func entFind[E any](s *Server, w http.ResponseWriter, r *http.Request, find func(context.Context, int64) (E, error)) (E, bool) {
	id, err := entPathID(r)
	var x E
	if err == nil {
		x, err = find(r.Context(), id)
	}
	if err != nil {
		s.Error(w, r, err)
		return x, false
	}
	return x, true
}

// entQueryID reads an optional ID filter from the query; junk means no
// filter.
func entQueryID(q url.Values, name string) int64 {
	id, err := strconv.ParseInt(q.Get(name), 10, 64)
	if err != nil || id < 0 {
		return 0
	}
	return id
}

// entForm reads typed form fields, noting each one that does not parse
// in errs, so wrong types become field errors rather than failures.
type entForm struct {
	r    *http.Request
	errs map[string]string
}

func newEntForm(r *http.Request) *entForm { return &entForm{r: r, errs: map[string]string{}} }

func (f *entForm) str(name string) string { return f.r.PostFormValue(name) }

// id reads an optional reference chosen from a select; empty is none.
func (f *entForm) id(name string) int64 {
	v := strings.TrimSpace(f.r.PostFormValue(name))
	if v == "" {
		return 0
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id < 1 {
		f.errs[name] = "No such record, or it is archived."
		return 0
	}
	return id
}

// number strips grouping commas and spaces as both locales write them.
func entNumber(v string) string {
	return strings.NewReplacer(",", "", " ", "", "\u00a0", "").Replace(strings.TrimSpace(v))
}

// decimal reads a required decimal number.
func (f *entForm) decimal(name string) float64 {
	v := entNumber(f.r.PostFormValue(name))
	if v == "" {
		f.errs[name] = "This field is required."
		return 0
	}
	// Strict: strconv.ParseFloat also takes "0x1p-3", "1_000", "Inf".
	return impactNumber(v, f.errs, name, "Must be a number.")
}

// whole reads a whole number; empty is zero.
func (f *entForm) whole(name string) int64 {
	v := entNumber(f.r.PostFormValue(name))
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if x, ferr := strconv.ParseFloat(v, 64); ferr == nil && !math.IsNaN(x) && !math.IsInf(x, 0) {
			f.errs[name] = "Must be a whole number."
		} else {
			f.errs[name] = "Must be a number."
		}
		return 0
	}
	return n
}

// failed returns the form's own errors as the error a service would give.
func (f *entForm) failed(message string) error {
	if len(f.errs) == 0 {
		return nil
	}
	return &lodestar.Error{Code: lodestar.EInvalid, Message: message, Fields: f.errs}
}

// checkAlso answers a form some of whose fields did not parse (parsed,
// each field's error, and message, the form's refusal): the service's
// own checks still run, by check on the input as read (a field that did
// not parse left at zero) under a dry run that writes nothing, so that
// every bad field is reported at once rather than the parse errors
// alone. A field's parse error wins over the service's for that field
// (it is the cause; the service saw only the zero). A refusal without
// fields (an archived record, a version changed since) keeps its own
// status and message; a record that does not exist is a 404 whatever
// the input, and any other failure is returned as it is.
func checkAlso(ctx context.Context, parsed map[string]string, message string, check func(context.Context) error) error {
	err := check(sqldb.WithDryRun(ctx))
	if _, ok := entFormError(err); err != nil && !ok {
		return err
	}
	fields := map[string]string{}
	for k, v := range lodestar.ErrorFields(err) {
		fields[k] = v
	}
	for k, v := range parsed {
		fields[k] = v
	}
	code := lodestar.EInvalid
	if lodestar.ErrorCode(err) == lodestar.EConflict && len(lodestar.ErrorFields(err)) == 0 {
		code, message = lodestar.EConflict, lodestar.ErrorMessage(err)
	}
	return &lodestar.Error{Code: code, Message: message, Fields: fields}
}

// entFormError reports whether err is about the input (shown on the form,
// with its status) rather than a failure (shown as the error page).
func entFormError(err error) (int, bool) {
	switch code := lodestar.ErrorCode(err); code {
	case lodestar.EInvalid, lodestar.EConflict:
		return httpx.StatusOf(code), true
	}
	return 0, false
}

// entFail fills a page with a refused input's message and field errors.
func entFail(p *Page, err error) {
	p.Error = lodestar.ErrorMessage(err)
	p.Fields = lodestar.ErrorFields(err)
}

// entArchivedFlag reads the archive forms' hidden field.
func entArchivedFlag(r *http.Request) (bool, error) {
	return formFlag(r, "archived", "Archived must be true or false.")
}

// formFlag reads a form's true/false field; anything else (a missing
// field, "maybe") is refused with msg rather than read as false.
func formFlag(r *http.Request, name, msg string) (bool, error) {
	switch r.PostFormValue(name) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, lodestar.FieldError(name, msg)
}

// entRender renders a strategy page, filled into p, with status.
type entRender func(w http.ResponseWriter, r *http.Request, status int, p *Page)

// entRefused answers a request that failed with err. An input the service
// refuses (invalid or conflicting) is shown again by render on the page
// titled title, with the refusal's status, message and field errors and
// form (nil for none) as it was sent; any other error is the error page.
func (s *Server) entRefused(w http.ResponseWriter, r *http.Request, err error, title string, form url.Values, render entRender) {
	s.refused(w, r, err, title, "strategy", form, render)
}

// refused is entRefused for a page of any navigation section.
func (s *Server) refused(w http.ResponseWriter, r *http.Request, err error, title, section string, form url.Values, render entRender) {
	status, ok := entFormError(err)
	if !ok {
		s.Error(w, r, err)
		return
	}
	p := s.page(r, title, section)
	p.Form = form
	entFail(p, err)
	render(w, r, status, p)
}

// entKind is what the shared create, update and archive handlers need to
// know about one kind of strategy record: In is what its form makes, Out
// what its service returns.
type entKind[In any, Out interface{ GetID() int64 }] struct {
	s    *Server
	path string // where the records' pages are, e.g. "/goals/"

	// Catalog keys of the page titles and flash messages, and the message
	// for a form whose fields do not parse.
	newTitle, editTitle, showTitle string
	saved, archived, unarchived    string
	invalid                        string

	// The kind's own parts: its form, its service and its pages.
	parse      func(*entForm) In
	create     func(context.Context, In) (Out, error)
	update     func(context.Context, int64, In) (Out, error)
	archive    func(context.Context, int64, bool) (Out, error)
	renderForm func(w http.ResponseWriter, r *http.Request, status int, p *Page, id int64)
	renderShow entRender
}

// createH serves POST {path}: a new record from the form.
func (k entKind[In, Out]) createH(w http.ResponseWriter, r *http.Request) { k.save(w, r, 0) }

// updateH serves POST {path}{id}: the record changed as the form says.
func (k entKind[In, Out]) updateH(w http.ResponseWriter, r *http.Request) {
	id, err := entPathID(r)
	if err != nil {
		k.s.Error(w, r, err)
		return
	}
	k.save(w, r, id)
}

// save creates (id 0) or updates a record from the form and redirects to
// its page with the saved flash. A form whose fields do not parse, or that
// the service refuses, is shown again as sent with the field errors: all
// of them, the service's checks of the other fields included (checkAlso).
// An update of a record that does not exist is a 404 whatever the input.
func (k entKind[In, Out]) save(w http.ResponseWriter, r *http.Request, id int64) {
	f := newEntForm(r)
	in := k.parse(f)
	ctx := basedOn(r, id)
	var out Out
	var err error
	if len(f.errs) > 0 {
		err = checkAlso(ctx, f.errs, k.invalid, func(ctx context.Context) error {
			_, err := k.store(ctx, id, in)
			return err
		})
	} else {
		out, err = k.store(ctx, id, in)
	}
	if err != nil {
		renderForm := func(w http.ResponseWriter, r *http.Request, status int, p *Page) { k.renderForm(w, r, status, p, id) }
		k.s.entRefused(w, r, err, k.formTitle(id), r.PostForm, renderForm)
		return
	}
	k.s.redirect(w, r, k.path+strconv.FormatInt(out.GetID(), 10), k.saved)
}

// store creates a record from in (id 0) or updates record id with it.
func (k entKind[In, Out]) store(ctx context.Context, id int64, in In) (Out, error) {
	if id == 0 {
		return k.create(ctx, in)
	}
	return k.update(ctx, id, in)
}

// formTitle is the form page's title: new for id 0, else edit.
func (k entKind[In, Out]) formTitle(id int64) string {
	if id == 0 {
		return k.newTitle
	}
	return k.editTitle
}

// archiveH serves POST {path}{id}/archive: it archives or unarchives
// the record as the form's hidden field says and redirects to its page
// with a flash; a refused change is shown on the record's page.
func (k entKind[In, Out]) archiveH(w http.ResponseWriter, r *http.Request) {
	id, err := entPathID(r)
	if err != nil {
		k.s.Error(w, r, err)
		return
	}
	archived, err := entArchivedFlag(r)
	if err == nil {
		_, err = k.archive(r.Context(), id, archived)
	}
	if err != nil {
		k.s.entRefused(w, r, err, k.showTitle, nil, k.renderShow)
		return
	}
	flash := k.unarchived
	if archived {
		flash = k.archived
	}
	k.s.redirect(w, r, k.path+strconv.FormatInt(id, 10), flash)
}

// entPageSize is how many rows a strategy list shows at once.
const entPageSize = 100

// entPager is a list's position: page Page of Pages, with links to the
// neighbours that keep the filters ("" when there is none).
type entPager struct {
	Page, Pages int
	Prev, Next  string
}

// entPage cuts items to the page the query asks for (?page=N, from 1;
// out of range is clamped).
func entPage[T any](r *http.Request, items []T) ([]T, entPager) {
	q := r.URL.Query()
	n, _ := strconv.Atoi(q.Get("page"))
	pages := max(1, (len(items)+entPageSize-1)/entPageSize)
	n = min(max(n, 1), pages)
	link := func(k int) string {
		q.Set("page", strconv.Itoa(k))
		return r.URL.Path + "?" + q.Encode()
	}
	pg := entPager{Page: n, Pages: pages}
	if n > 1 {
		pg.Prev = link(n - 1)
	}
	if n < pages {
		pg.Next = link(n + 1)
	}
	lo := (n - 1) * entPageSize
	return items[lo:min(lo+entPageSize, len(items))], pg
}

// stamp writes a record's UpdatedAt for an edit form's hidden updated_at
// field: as stored, to the microsecond.
func stamp(t time.Time) string { return sqldb.FormatTime(t) }

// basedOn returns the request's context saying, for an update (id not 0)
// whose form carries the updated_at it was opened on, that the update is
// based on that version: the store refuses it if the record changed since.
func basedOn(r *http.Request, id int64) context.Context {
	ctx := r.Context()
	if id == 0 {
		return ctx
	}
	if t, err := time.Parse(sqldb.TimeLayout, r.PostFormValue("updated_at")); err == nil {
		ctx = lodestar.WithBasedOn(ctx, t)
	}
	return ctx
}

// fromForm returns the request's context saying, when the stage or
// status form carries the stage or status the page showed (its hidden
// "from"), that the change is based on it: the store refuses it if the
// record has left it since (lodestar.WithFrom).
func fromForm(r *http.Request) context.Context {
	if from := r.PostFormValue("from"); from != "" {
		return lodestar.WithFrom(r.Context(), from)
	}
	return r.Context()
}
