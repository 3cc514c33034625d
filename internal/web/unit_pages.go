package web

import (
	"net/http"
	"net/url"
	"strconv"

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
	v := s.entView(r)
	if err := s.entLoad(ctx, v, true, false, false); err != nil {
		s.Error(w, r, err)
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
	v := s.entView(r)
	if err := s.entLoad(r.Context(), v, true, false, false); err != nil {
		s.Error(w, r, err)
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
	id, err := entPathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.Units.FindBusinessUnitByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := s.page(r, "unit.edit", "strategy")
	p.Form = url.Values{"name": {u.Name}, "name_zh": {u.NameZH}, "parent_id": {entIDValue(u.ParentID)}}
	s.renderUnitForm(w, r, http.StatusOK, p, id)
}

// entIDValue is an optional ID as a form value: "" for none.
func entIDValue(id int64) string {
	if id == 0 {
		return ""
	}
	return strconv.FormatInt(id, 10)
}

func (s *Server) unitCreate(w http.ResponseWriter, r *http.Request) { s.unitSave(w, r, 0) }

func (s *Server) unitUpdate(w http.ResponseWriter, r *http.Request) {
	id, err := entPathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.unitSave(w, r, id)
}

// unitSave creates (id 0) or updates a business unit from the form.
func (s *Server) unitSave(w http.ResponseWriter, r *http.Request, id int64) {
	f := newEntForm(r)
	in := lodestar.BusinessUnit{Name: f.str("name"), NameZH: f.str("name_zh"), ParentID: f.id("parent_id")}
	const msg = "The business unit could not be saved; check the fields."
	err := f.failed(msg)
	var u *lodestar.BusinessUnit
	if err == nil {
		if id == 0 {
			u, err = s.Units.CreateBusinessUnit(r.Context(), in)
		} else {
			u, err = s.Units.UpdateBusinessUnit(r.Context(), id, in)
		}
	}
	if err != nil {
		status, ok := entFormError(err)
		if !ok {
			s.Error(w, r, err)
			return
		}
		title := "unit.new"
		if id != 0 {
			title = "unit.edit"
		}
		p := s.page(r, title, "strategy")
		p.Form = r.PostForm
		entFail(p, err)
		s.renderUnitForm(w, r, status, p, id)
		return
	}
	s.redirect(w, r, "/business-units/"+strconv.FormatInt(u.ID, 10), "flash.unit_saved")
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
	id, err := entPathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	u, err := s.Units.FindBusinessUnitByID(ctx, id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	v := s.entView(r)
	if err := s.entLoad(ctx, v, true, false, true); err != nil {
		s.Error(w, r, err)
		return
	}
	d := &unitShowData{V: v, Unit: u}
	for _, c := range v.Units {
		if c.ParentID == id {
			d.Children = append(d.Children, c)
		}
	}
	if d.Goals, err = s.Goals.ListGoals(ctx, lodestar.ListFilter{BusinessUnitID: id}); err != nil {
		s.Error(w, r, err)
		return
	}
	if d.Pains, err = s.Pains.ListPainPoints(ctx, lodestar.ListFilter{BusinessUnitID: id}); err != nil {
		s.Error(w, r, err)
		return
	}
	p.Data = d
	s.render(w, r, status, "unit", p)
}

func (s *Server) unitArchive(w http.ResponseWriter, r *http.Request) {
	id, err := entPathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	archived, err := entArchivedFlag(r)
	if err == nil {
		_, err = s.Units.ArchiveBusinessUnit(r.Context(), id, archived)
	}
	if err != nil {
		status, ok := entFormError(err)
		if !ok {
			s.Error(w, r, err)
			return
		}
		p := s.page(r, "unit.one", "strategy")
		entFail(p, err)
		s.renderUnit(w, r, status, p)
		return
	}
	flash := "flash.unit_unarchived"
	if archived {
		flash = "flash.unit_archived"
	}
	s.redirect(w, r, "/business-units/"+strconv.FormatInt(id, 10), flash)
}
