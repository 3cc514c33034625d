package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
)

// painListData is the pain points page.
type painListData struct {
	V          *entView
	Items      []*lodestar.PainPoint
	Count      int
	Cost       int64 // summed annual cost of the pain points that match
	Pager      entPager
	Units      []entOption
	Categories []entOption
}

func (s *Server) painList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := lodestar.ListFilter{Query: q.Get("q"), BusinessUnitID: entQueryID(q, "business_unit_id"), Archived: q.Get("archived") == "1"}
	if c := q.Get("category"); slices.Contains(lodestar.PainCategories, c) {
		f.Category = c
	}
	pains, err := s.Pains.ListPainPoints(ctx, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v, ok := s.entViewFor(w, r, true, true, false)
	if !ok {
		return
	}
	sortBy := q.Get("sort")
	if sortBy == "title" {
		slices.SortStableFunc(pains, func(a, b *lodestar.PainPoint) int { return strings.Compare(v.Name(a), v.Name(b)) })
	} else {
		sortBy = "" // the service's order: costliest first
	}
	d := &painListData{V: v, Count: len(pains)}
	for _, pp := range pains {
		d.Cost += pp.AnnualCost
	}
	d.Items, d.Pager = entPage(r, pains)
	p := s.page(r, "pain.plural", "strategy")
	p.Form = url.Values{"q": {f.Query}, "business_unit_id": {entIDValue(f.BusinessUnitID)}, "category": {f.Category},
		"sort": {sortBy}, "archived": {q.Get("archived")}}
	d.Units = v.unitOptions(p.Form.Get("business_unit_id"), 0)
	d.Categories = v.choices("pain.category.", lodestar.PainCategories, f.Category)
	p.Data = d
	s.render(w, r, http.StatusOK, "pains", p)
}

// painFormData is the new and edit form.
type painFormData struct {
	V          *entView
	ID         int64 // 0 for a new pain point
	Units      []entOption
	Goals      []entOption
	Categories []entOption
}

func (s *Server) renderPainForm(w http.ResponseWriter, r *http.Request, status int, p *Page, id int64) {
	v, ok := s.entViewFor(w, r, true, true, false)
	if !ok {
		return
	}
	p.Data = &painFormData{V: v, ID: id, Units: v.unitOptions(p.Form.Get("business_unit_id"), 0), Goals: v.goalOptions(p.Form.Get("goal_id")),
		Categories: v.choices("pain.category.", lodestar.PainCategories, p.Form.Get("category"))}
	s.render(w, r, status, "pain_form", p)
}

func (s *Server) painNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "pain.new", "strategy")
	q := r.URL.Query()
	p.Form = url.Values{"category": {lodestar.PainCategories[0]}, "business_unit_id": {q.Get("business_unit_id")}, "goal_id": {q.Get("goal_id")}}
	s.renderPainForm(w, r, http.StatusOK, p, 0)
}

func (s *Server) painEdit(w http.ResponseWriter, r *http.Request) {
	pp, ok := entFind(s, w, r, s.Pains.FindPainPointByID)
	if !ok {
		return
	}
	p := s.page(r, "pain.edit", "strategy")
	p.Form = url.Values{"title": {pp.Title}, "title_zh": {pp.TitleZH}, "description": {pp.Description},
		"business_unit_id": {entIDValue(pp.BusinessUnitID)}, "category": {pp.Category},
		"annual_cost": {strconv.FormatInt(pp.AnnualCost, 10)}, "goal_id": {entIDValue(pp.GoalID)}, "updated_at": {stamp(pp.UpdatedAt)}}
	s.renderPainForm(w, r, http.StatusOK, p, pp.ID)
}

// painKind is how the shared handlers create, update and archive pain
// points.
func (s *Server) painKind() entKind[lodestar.PainPoint, *lodestar.PainPoint] {
	return entKind[lodestar.PainPoint, *lodestar.PainPoint]{s: s, path: "/pain-points/",
		newTitle: "pain.new", editTitle: "pain.edit", showTitle: "pain.one",
		saved: "flash.pain_saved", archived: "flash.pain_archived", unarchived: "flash.pain_unarchived",
		invalid: "The pain point could not be saved; check the fields.", parse: painFromForm,
		create: s.Pains.CreatePainPoint, update: s.Pains.UpdatePainPoint, archive: s.Pains.ArchivePainPoint,
		renderForm: s.renderPainForm, renderShow: s.renderPain}
}

func (s *Server) painCreate(w http.ResponseWriter, r *http.Request)  { s.painKind().createH(w, r) }
func (s *Server) painUpdate(w http.ResponseWriter, r *http.Request)  { s.painKind().updateH(w, r) }
func (s *Server) painArchive(w http.ResponseWriter, r *http.Request) { s.painKind().archiveH(w, r) }

// painFromForm reads the new and edit form.
func painFromForm(f *entForm) lodestar.PainPoint {
	return lodestar.PainPoint{BusinessUnitID: f.id("business_unit_id"), Title: f.str("title"), TitleZH: f.str("title_zh"),
		Description: f.str("description"), Category: f.str("category"), AnnualCost: f.whole("annual_cost"), GoalID: f.id("goal_id")}
}

// painShowData is a pain point's page.
type painShowData struct {
	V    *entView
	Pain *lodestar.PainPoint
}

func (s *Server) painShow(w http.ResponseWriter, r *http.Request) {
	s.renderPain(w, r, http.StatusOK, s.page(r, "pain.one", "strategy"))
}

// renderPain renders the pain point named by the path into p.
func (s *Server) renderPain(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	pp, ok := entFind(s, w, r, s.Pains.FindPainPointByID)
	if !ok {
		return
	}
	v, ok := s.entViewFor(w, r, true, true, false)
	if !ok {
		return
	}
	p.Data = &painShowData{V: v, Pain: pp}
	s.render(w, r, status, "pain", p)
}
