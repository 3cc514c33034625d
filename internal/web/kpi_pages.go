package web

import (
	"context"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
)

// kpiStatuses maps each live KPI to met, on_track, behind or no_data.
func (s *Server) kpiStatuses(ctx context.Context) (map[int64]string, error) {
	out := map[int64]string{}
	all, err := s.Portfolio.KPIStatuses(ctx)
	if err != nil {
		return nil, err
	}
	for _, st := range all {
		out[st.KPI.ID] = st.Status
	}
	return out, nil
}

// kpiRow is one KPI of the list with where it stands ("" when unknown,
// e.g. archived).
type kpiRow struct {
	KPI    *lodestar.KPI
	Status string
}

// kpiListData is the KPIs page.
type kpiListData struct {
	V     *entView
	Items []kpiRow
	Total int
	Pager entPager
	Goals []entOption // the goal filter
}

// kpiStatusRank orders the list's "behind first" sort.
var kpiStatusRank = map[string]int{portfolio.Behind: 0, portfolio.NoData: 1, portfolio.OnTrack: 2, portfolio.Met: 3, "": 4}

func (s *Server) kpiList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := lodestar.ListFilter{Query: q.Get("q"), GoalID: entQueryID(q, "goal_id"), Archived: q.Get("archived") == "1"}
	kpis, err := s.KPIs.ListKPIs(ctx, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	statuses, err := s.kpiStatuses(ctx)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v, ok := s.entViewFor(w, r, false, true, false)
	if !ok {
		return
	}
	d := &kpiListData{V: v}
	for _, k := range kpis {
		st := statuses[k.ID]
		if st == "" && !k.Archived {
			st = portfolio.NoData
		}
		d.Items = append(d.Items, kpiRow{KPI: k, Status: st})
	}
	sortBy := q.Get("sort")
	switch sortBy {
	case "status":
		slices.SortStableFunc(d.Items, func(a, b kpiRow) int { return kpiStatusRank[a.Status] - kpiStatusRank[b.Status] })
	case "target_date":
		slices.SortStableFunc(d.Items, func(a, b kpiRow) int { return strings.Compare(a.KPI.TargetDate, b.KPI.TargetDate) })
	default:
		sortBy = ""
	}
	d.Total = len(d.Items)
	d.Items, d.Pager = entPage(r, d.Items)
	p := s.page(r, "kpi.plural", "strategy")
	p.Form = url.Values{"q": {f.Query}, "goal_id": {entIDValue(f.GoalID)}, "sort": {sortBy}, "archived": {q.Get("archived")}}
	d.Goals = v.goalOptions(p.Form.Get("goal_id"))
	p.Data = d
	s.render(w, r, http.StatusOK, "kpis", p)
}

// kpiFormData is the new and edit form.
type kpiFormData struct {
	V          *entView
	ID         int64 // 0 for a new KPI
	Goals      []entOption
	Owners     []entOption
	Directions []entOption
}

func (s *Server) renderKPIForm(w http.ResponseWriter, r *http.Request, status int, p *Page, id int64) {
	v, ok := s.entViewFor(w, r, false, true, true)
	if !ok {
		return
	}
	p.Data = &kpiFormData{V: v, ID: id, Goals: v.goalOptions(p.Form.Get("goal_id")), Owners: v.userOptions(p.Form.Get("owner_id")),
		Directions: v.choices("kpi.direction.", []string{lodestar.DirectionUp, lodestar.DirectionDown}, p.Form.Get("direction"))}
	s.render(w, r, status, "kpi_form", p)
}

func (s *Server) kpiNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "kpi.new", "strategy")
	p.Form = url.Values{"direction": {lodestar.DirectionUp}, "goal_id": {r.URL.Query().Get("goal_id")}}
	s.renderKPIForm(w, r, http.StatusOK, p, 0)
}

func kpiNumber(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

func (s *Server) kpiEdit(w http.ResponseWriter, r *http.Request) {
	k, ok := entFind(s, w, r, s.KPIs.FindKPIByID)
	if !ok {
		return
	}
	p := s.page(r, "kpi.edit", "strategy")
	p.Form = url.Values{"goal_id": {entIDValue(k.GoalID)}, "name": {k.Name}, "name_zh": {k.NameZH}, "unit": {k.Unit},
		"direction": {k.Direction}, "baseline": {kpiNumber(k.Baseline)}, "target": {kpiNumber(k.Target)},
		"target_date": {k.TargetDate}, "owner_id": {entIDValue(k.OwnerID)}, "updated_at": {stamp(k.UpdatedAt)}}
	s.renderKPIForm(w, r, http.StatusOK, p, k.ID)
}

// kpiKind is how the shared handlers create, update and archive KPIs.
func (s *Server) kpiKind() entKind[lodestar.KPI, *lodestar.KPI] {
	return entKind[lodestar.KPI, *lodestar.KPI]{s: s, path: "/kpis/",
		newTitle: "kpi.new", editTitle: "kpi.edit", showTitle: "kpi.one",
		saved: "flash.kpi_saved", archived: "flash.kpi_archived", unarchived: "flash.kpi_unarchived",
		invalid: "The KPI could not be saved; check the fields.", parse: kpiFromForm,
		create: s.KPIs.CreateKPI, update: s.KPIs.UpdateKPI, archive: s.KPIs.ArchiveKPI,
		renderForm: s.renderKPIForm, renderShow: s.renderKPI}
}

func (s *Server) kpiCreate(w http.ResponseWriter, r *http.Request)  { s.kpiKind().createH(w, r) }
func (s *Server) kpiUpdate(w http.ResponseWriter, r *http.Request)  { s.kpiKind().updateH(w, r) }
func (s *Server) kpiArchive(w http.ResponseWriter, r *http.Request) { s.kpiKind().archiveH(w, r) }

// kpiFromForm reads the new and edit form.
func kpiFromForm(f *entForm) lodestar.KPI {
	return lodestar.KPI{GoalID: f.id("goal_id"), Name: f.str("name"), NameZH: f.str("name_zh"), Unit: f.str("unit"),
		Direction: f.str("direction"), Baseline: f.decimal("baseline"), Target: f.decimal("target"),
		TargetDate: strings.TrimSpace(f.str("target_date")), OwnerID: f.id("owner_id")}
}

// kpiShowData is a KPI's page.
type kpiShowData struct {
	V        *entView
	KPI      *lodestar.KPI
	Status   string
	Expected float64
	Readings []lodestar.KPIReading // newest first, for the table
	Chart    *kpiChart
	Pains    []*lodestar.PainPoint // of the KPI's goal
	Today    string
	MaxDate  string // the latest date a reading may have (the store's rule: tomorrow, UTC)
}

func (s *Server) kpiShow(w http.ResponseWriter, r *http.Request) {
	s.renderKPI(w, r, http.StatusOK, s.page(r, "kpi.one", "strategy"))
}

// renderKPI renders the KPI named by the path into p.
func (s *Server) renderKPI(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	ctx := r.Context()
	k, ok := entFind(s, w, r, s.KPIs.FindKPIByID)
	if !ok {
		return
	}
	readings, err := s.KPIs.Readings(ctx, k.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v, ok := s.entViewFor(w, r, true, true, true)
	if !ok {
		return
	}
	rs := make([]portfolio.Reading, 0, len(readings))
	for _, rd := range readings {
		t, _ := time.Parse(time.DateOnly, rd.Date)
		rs = append(rs, portfolio.Reading{Date: t, Value: rd.Value})
	}
	target, _ := time.Parse(time.DateOnly, k.TargetDate)
	st := portfolio.KPIProgress(*k, target, s.Now(), rs)
	// The expected value is shown as precisely as the KPI's own numbers.
	d := max(entDecimals(k.Baseline), entDecimals(k.Target))
	for _, rd := range readings {
		d = max(d, entDecimals(rd.Value))
	}
	st.Expected = math.Round(st.Expected*math.Pow10(d)) / math.Pow10(d)
	data := &kpiShowData{V: v, KPI: k, Status: st.Status, Expected: st.Expected, Chart: newKPIChart(v, k, readings, st.Status, st.Expected),
		Today: s.Now().UTC().Format(time.DateOnly), MaxDate: s.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)}
	data.Readings = slices.Clone(readings)
	slices.Reverse(data.Readings)
	if k.GoalID != 0 {
		if data.Pains, err = s.Pains.ListPainPoints(ctx, lodestar.ListFilter{GoalID: k.GoalID}); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if p.Form == nil {
		p.Form = url.Values{"date": {data.Today}}
	}
	p.Data = data
	s.render(w, r, status, "kpi", p)
}

// kpiAddReading records one reading from the KPI page's form; a reading
// on a date that already has one replaces it.
func (s *Server) kpiAddReading(w http.ResponseWriter, r *http.Request) {
	id, err := entPathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := newEntForm(r)
	date := strings.TrimSpace(f.str("date"))
	if !lodestar.ValidDate(date) {
		f.errs["date"] = "Use a date as YYYY-MM-DD."
	}
	value := f.decimal("value")
	err = f.failed("The readings could not be saved; check the fields.")
	if err == nil {
		_, err = s.KPIs.AddReadings(r.Context(), id, []lodestar.KPIReading{{KPIID: id, Date: date, Value: value}})
	}
	if err != nil {
		s.entRefused(w, r, err, "kpi.one", r.PostForm, s.renderKPIReadingRefused)
		return
	}
	s.redirect(w, r, "/kpis/"+strconv.FormatInt(id, 10), "flash.kpi_reading_added")
}

// renderKPIReadingRefused renders the KPI page with the reading form's
// errors under the form's field names.
func (s *Server) renderKPIReadingRefused(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	// The service names fields by their place in the batch.
	for from, to := range map[string]string{"readings[0].date": "date", "readings[0].value": "value"} {
		if m, ok := p.Fields[from]; ok {
			p.Fields[to] = m
		}
	}
	s.renderKPI(w, r, status, p)
}
