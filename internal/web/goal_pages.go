package web

import (
	"net/http"
	"net/url"
	"slices"

	lodestar "github.com/lodestar-hq/lodestar"
)

// goalListData is the goals page.
type goalListData struct {
	V        *entView
	Items    []*lodestar.Goal
	Total    int
	Pager    entPager
	Units    []entOption // the business-unit filter
	Statuses []entOption // the status filter
	KPICount map[int64]int
}

func (s *Server) goalList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := lodestar.ListFilter{Query: q.Get("q"), BusinessUnitID: entQueryID(q, "business_unit_id"), Archived: q.Get("archived") == "1"}
	if st := q.Get("status"); slices.Contains(lodestar.GoalStatuses, st) {
		f.Status = st
	}
	if q.Get("sort") == "-updated" {
		f.Sort = "-updated"
	}
	goals, err := s.Goals.ListGoals(ctx, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v, ok := s.entViewFor(w, r, true, false, true)
	if !ok {
		return
	}
	kpis, err := s.KPIs.ListKPIs(ctx, lodestar.ListFilter{})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	d := &goalListData{V: v, Total: len(goals), KPICount: map[int64]int{}}
	d.Items, d.Pager = entPage(r, goals)
	for _, k := range kpis {
		d.KPICount[k.GoalID]++
	}
	p := s.page(r, "goal.plural", "strategy")
	p.Form = url.Values{"q": {f.Query}, "business_unit_id": {entIDValue(f.BusinessUnitID)}, "status": {f.Status},
		"sort": {f.Sort}, "archived": {q.Get("archived")}}
	d.Units = v.unitOptions(p.Form.Get("business_unit_id"), 0)
	d.Statuses = v.choices("goal.status.", lodestar.GoalStatuses, f.Status)
	p.Data = d
	s.render(w, r, http.StatusOK, "goals", p)
}

// goalFormData is the new and edit form.
type goalFormData struct {
	V        *entView
	ID       int64 // 0 for a new goal
	Units    []entOption
	Owners   []entOption
	Horizons []entOption
	Statuses []entOption
}

func (s *Server) renderGoalForm(w http.ResponseWriter, r *http.Request, status int, p *Page, id int64) {
	v, ok := s.entViewFor(w, r, true, false, true)
	if !ok {
		return
	}
	p.Data = &goalFormData{V: v, ID: id, Units: v.unitOptions(p.Form.Get("business_unit_id"), 0),
		Owners: v.userOptions(p.Form.Get("owner_id")), Horizons: v.choices("goal.horizon.", lodestar.GoalHorizons, p.Form.Get("horizon")),
		Statuses: v.choices("goal.status.", lodestar.GoalStatuses, p.Form.Get("status"))}
	s.render(w, r, status, "goal_form", p)
}

func (s *Server) goalNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "goal.new", "strategy")
	p.Form = url.Values{"horizon": {"year"}, "status": {"active"}, "business_unit_id": {r.URL.Query().Get("business_unit_id")}}
	s.renderGoalForm(w, r, http.StatusOK, p, 0)
}

func (s *Server) goalEdit(w http.ResponseWriter, r *http.Request) {
	g, ok := entFind(s, w, r, s.Goals.FindGoalByID)
	if !ok {
		return
	}
	p := s.page(r, "goal.edit", "strategy")
	p.Form = url.Values{"title": {g.Title}, "title_zh": {g.TitleZH}, "description": {g.Description},
		"business_unit_id": {entIDValue(g.BusinessUnitID)}, "owner_id": {entIDValue(g.OwnerID)}, "horizon": {g.Horizon}, "status": {g.Status}, "updated_at": {stamp(g.UpdatedAt)}}
	s.renderGoalForm(w, r, http.StatusOK, p, g.ID)
}

// goalKind is how the shared handlers create, update and archive goals.
func (s *Server) goalKind() entKind[lodestar.Goal, *lodestar.Goal] {
	return entKind[lodestar.Goal, *lodestar.Goal]{s: s, path: "/goals/",
		newTitle: "goal.new", editTitle: "goal.edit", showTitle: "goal.one",
		saved: "flash.goal_saved", archived: "flash.goal_archived", unarchived: "flash.goal_unarchived",
		invalid: "The goal could not be saved; check the fields.", parse: goalFromForm,
		create: s.Goals.CreateGoal, update: s.Goals.UpdateGoal, archive: s.Goals.ArchiveGoal,
		renderForm: s.renderGoalForm, renderShow: s.renderGoal}
}

func (s *Server) goalCreate(w http.ResponseWriter, r *http.Request)  { s.goalKind().createH(w, r) }
func (s *Server) goalUpdate(w http.ResponseWriter, r *http.Request)  { s.goalKind().updateH(w, r) }
func (s *Server) goalArchive(w http.ResponseWriter, r *http.Request) { s.goalKind().archiveH(w, r) }

// goalFromForm reads the new and edit form.
func goalFromForm(f *entForm) lodestar.Goal {
	return lodestar.Goal{Title: f.str("title"), TitleZH: f.str("title_zh"), Description: f.str("description"),
		BusinessUnitID: f.id("business_unit_id"), OwnerID: f.id("owner_id"), Horizon: f.str("horizon"), Status: f.str("status")}
}

// goalShowData is a goal's page.
type goalShowData struct {
	V     *entView
	Goal  *lodestar.Goal
	KPIs  []*lodestar.KPI
	Pains []*lodestar.PainPoint
}

func (s *Server) goalShow(w http.ResponseWriter, r *http.Request) {
	s.renderGoal(w, r, http.StatusOK, s.page(r, "goal.one", "strategy"))
}

// renderGoal renders the goal named by the path into p.
func (s *Server) renderGoal(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	ctx := r.Context()
	g, ok := entFind(s, w, r, s.Goals.FindGoalByID)
	if !ok {
		return
	}
	v, ok := s.entViewFor(w, r, true, false, true)
	if !ok {
		return
	}
	d := &goalShowData{V: v, Goal: g}
	var err error
	if d.KPIs, err = s.KPIs.ListKPIs(ctx, lodestar.ListFilter{GoalID: g.ID}); err != nil {
		s.Error(w, r, err)
		return
	}
	if d.Pains, err = s.Pains.ListPainPoints(ctx, lodestar.ListFilter{GoalID: g.ID}); err != nil {
		s.Error(w, r, err)
		return
	}
	p.Data = d
	s.render(w, r, status, "goal", p)
}
