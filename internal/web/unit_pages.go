package web

import (
	"net/http"
	"net/url"

	lodestar "github.com/lodestar-hq/lodestar"
)

// unitListData is the business-unit tree page.
type unitListData struct {
	V         *entView
	Rows      []unitNode
	GoalCount map[int64]int
	PainCount map[int64]int
}

func (s *Server) unitList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	f := lodestar.ListFilter{Query: q.Get("q"), Archived: q.Get("archived") == "1"}
	units, err := s.Units.ListBusinessUnits(ctx, f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v, ok := s.entViewFor(w, r, true, false, false)
	if !ok {
		return
	}
	d := &unitListData{V: v, Rows: unitTree(units), GoalCount: map[int64]int{}, PainCount: map[int64]int{}}
	goals, err := s.Goals.ListGoals(ctx, lodestar.ListFilter{})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, g := range goals {
		d.GoalCount[g.BusinessUnitID]++
	}
	pains, err := s.Pains.ListPainPoints(ctx, lodestar.ListFilter{})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	for _, pp := range pains {
		d.PainCount[pp.BusinessUnitID]++
	}
	p := s.page(r, "unit.plural", "strategy")
	p.Form = url.Values{"q": {f.Query}, "archived": {q.Get("archived")}}
	p.Data = d
	s.render(w, r, http.StatusOK, "units", p)
}

// unitFormData is the new and edit form.
type unitFormData struct {
	V       *entView
	ID      int64 // 0 for a new unit
	Parents []entOption
}

func (s *Server) renderUnitForm(w http.ResponseWriter, r *http.Request, status int, p *Page, id int64) {
	v, ok := s.entViewFor(w, r, true, false, false)
	if !ok {
		return
	}
	p.Data = &unitFormData{V: v, ID: id, Parents: v.unitOptions(p.Form.Get("parent_id"), id)}
	s.render(w, r, status, "unit_form", p)
}

func (s *Server) unitNew(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "unit.new", "strategy")
	p.Form = url.Values{"parent_id": {r.URL.Query().Get("parent")}}
	s.renderUnitForm(w, r, http.StatusOK, p, 0)
}

func (s *Server) unitEdit(w http.ResponseWriter, r *http.Request) {
	u, ok := entFind(s, w, r, s.Units.FindBusinessUnitByID)
	if !ok {
		return
	}
	p := s.page(r, "unit.edit", "strategy")
	p.Form = url.Values{"name": {u.Name}, "name_zh": {u.NameZH}, "parent_id": {entIDValue(u.ParentID)}, "updated_at": {stamp(u.UpdatedAt)}}
	s.renderUnitForm(w, r, http.StatusOK, p, u.ID)
}

// unitKind is how the shared handlers create, update and archive business
// units.
func (s *Server) unitKind() entKind[lodestar.BusinessUnit, *lodestar.BusinessUnit] {
	return entKind[lodestar.BusinessUnit, *lodestar.BusinessUnit]{s: s, path: "/business-units/",
		newTitle: "unit.new", editTitle: "unit.edit", showTitle: "unit.one",
		saved: "flash.unit_saved", archived: "flash.unit_archived", unarchived: "flash.unit_unarchived",
		invalid: "The business unit could not be saved; check the fields.", parse: unitFromForm,
		create: s.Units.CreateBusinessUnit, update: s.Units.UpdateBusinessUnit, archive: s.Units.ArchiveBusinessUnit,
		renderForm: s.renderUnitForm, renderShow: s.renderUnit}
}

func (s *Server) unitCreate(w http.ResponseWriter, r *http.Request)  { s.unitKind().createH(w, r) }
func (s *Server) unitUpdate(w http.ResponseWriter, r *http.Request)  { s.unitKind().updateH(w, r) }
func (s *Server) unitArchive(w http.ResponseWriter, r *http.Request) { s.unitKind().archiveH(w, r) }

// unitFromForm reads the new and edit form.
func unitFromForm(f *entForm) lodestar.BusinessUnit {
	return lodestar.BusinessUnit{Name: f.str("name"), NameZH: f.str("name_zh"), ParentID: f.id("parent_id")}
}

// unitShowData is a business unit's page.
type unitShowData struct {
	V        *entView
	Unit     *lodestar.BusinessUnit
	Children []*lodestar.BusinessUnit
	Goals    []*lodestar.Goal
	Pains    []*lodestar.PainPoint
}

func (s *Server) unitShow(w http.ResponseWriter, r *http.Request) {
	s.renderUnit(w, r, http.StatusOK, s.page(r, "unit.one", "strategy"))
}

// renderUnit renders the business unit named by the path into p.
func (s *Server) renderUnit(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	ctx := r.Context()
	u, ok := entFind(s, w, r, s.Units.FindBusinessUnitByID)
	if !ok {
		return
	}
	v, ok := s.entViewFor(w, r, true, false, true)
	if !ok {
		return
	}
	d := &unitShowData{V: v, Unit: u}
	for _, c := range v.Units {
		if c.ParentID == u.ID {
			d.Children = append(d.Children, c)
		}
	}
	var err error
	if d.Goals, err = s.Goals.ListGoals(ctx, lodestar.ListFilter{BusinessUnitID: u.ID}); err != nil {
		s.Error(w, r, err)
		return
	}
	if d.Pains, err = s.Pains.ListPainPoints(ctx, lodestar.ListFilter{BusinessUnitID: u.ID}); err != nil {
		s.Error(w, r, err)
		return
	}
	p.Data = d
	s.render(w, r, status, "unit", p)
}
