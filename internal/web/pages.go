package web

import (
	"net/http"
	"net/url"
	"strconv"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/store"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	ucs, total, err := s.UseCases.FindUseCases(r.Context(), lodestar.UseCaseFilter{Limit: 5})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := s.page(r, "home.title", "home")
	p.Data = struct {
		Total  int
		Recent []*lodestar.UseCase
	}{total, ucs}
	s.render(w, r, http.StatusOK, "home", p)
}

// section renders a navigation section's landing page; later paths fill
// each with its own records.
func (s *Server) section(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.page(r, "nav."+name, name)
		p.Data = name
		s.render(w, r, http.StatusOK, "section", p)
	}
}

const useCasePage = 50

func (s *Server) useCaseList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	ucs, total, err := s.UseCases.FindUseCases(r.Context(), lodestar.UseCaseFilter{Query: q.Get("q"), After: after, Limit: useCasePage})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	next := int64(0)
	if len(ucs) == useCasePage {
		next = ucs[len(ucs)-1].ID
	}
	p := s.page(r, "usecases.title", "strategy")
	p.Form = url.Values{"q": {q.Get("q")}}
	p.Data = struct {
		Items []*lodestar.UseCase
		Total int
		Next  int64
	}{ucs, total, next}
	s.render(w, r, http.StatusOK, "usecases", p)
}

func (s *Server) useCaseNew(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "usecase_new", s.page(r, "usecases.new", "strategy"))
}

func (s *Server) useCaseCreate(w http.ResponseWriter, r *http.Request) {
	in := lodestar.NewUseCase{Title: r.PostFormValue("title"), Description: r.PostFormValue("description")}
	uc, err := s.UseCases.CreateUseCase(r.Context(), in)
	if err != nil {
		if lodestar.ErrorCode(err) != lodestar.EInvalid {
			s.Error(w, r, err)
			return
		}
		p := s.page(r, "usecases.new", "strategy")
		p.Form = r.PostForm
		p.Error = lodestar.ErrorMessage(err)
		p.Fields = err.(*lodestar.Error).Fields
		s.render(w, r, http.StatusBadRequest, "usecase_new", p)
		return
	}
	s.redirect(w, r, "/use-cases/"+strconv.FormatInt(uc.ID, 10), "flash.usecase_created")
}

func (s *Server) useCaseShow(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.Error(w, r, lodestar.Errorf(lodestar.ENotFound, "Use case not found."))
		return
	}
	uc, err := s.UseCases.FindUseCaseByID(r.Context(), id)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := s.page(r, "usecases.title", "strategy")
	p.Data = uc
	s.render(w, r, http.StatusOK, "usecase", p)
}

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "admin", s.page(r, "nav.admin", "admin"))
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	f := lodestar.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), EntityType: q.Get("entity_type"),
		EntityID: q.Get("entity_id"), Before: before, Limit: 100}
	events, err := s.Audit.FindEvents(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	next := int64(0)
	if len(events) == f.Limit {
		next = events[len(events)-1].Seq
	}
	p := s.page(r, "audit.title", "admin")
	p.Form = q
	p.Data = struct {
		Events []*lodestar.AuditEvent
		Next   int64
	}{events, next}
	s.render(w, r, http.StatusOK, "audit", p)
}

func (s *Server) userList(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, s.page(r, "users.title", "admin"))
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	users, err := s.Users.ListUsers(r.Context())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p.Data = struct {
		Users []*lodestar.User
		Roles []lodestar.Role
	}{users, lodestar.Roles}
	s.render(w, r, status, "users", p)
}

func (s *Server) userCreate(w http.ResponseWriter, r *http.Request) {
	_, err := s.Users.CreateUser(r.Context(), lodestar.NewUser{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"),
		Role: lodestar.Role(r.PostFormValue("role")), Password: r.PostFormValue("password")})
	if err != nil {
		code := lodestar.ErrorCode(err)
		if code != lodestar.EInvalid && code != lodestar.EConflict {
			s.Error(w, r, err)
			return
		}
		p := s.page(r, "users.title", "admin")
		p.Form = r.PostForm
		p.Form.Del("password")
		p.Error = lodestar.ErrorMessage(err)
		p.Fields = err.(*lodestar.Error).Fields
		s.renderUsers(w, r, httpxStatus(code), p)
		return
	}
	s.redirect(w, r, "/admin/users", "flash.user_created")
}

func (s *Server) userSetRole(w http.ResponseWriter, r *http.Request) {
	if _, err := s.Users.SetRole(r.Context(), r.PathValue("email"), lodestar.Role(r.PostFormValue("role"))); err != nil {
		s.Error(w, r, err)
		return
	}
	s.redirect(w, r, "/admin/users", "flash.user_updated")
}

func (s *Server) userSetDisabled(w http.ResponseWriter, r *http.Request) {
	disabled := r.PostFormValue("disabled") == "true"
	email := store.NormalizeEmail(r.PathValue("email"))
	if disabled && email == httpxIdentityEmail(r) {
		s.Error(w, r, lodestar.Errorf(lodestar.EInvalid, "You cannot disable your own account."))
		return
	}
	if _, err := s.Users.SetDisabled(r.Context(), email, disabled); err != nil {
		s.Error(w, r, err)
		return
	}
	s.redirect(w, r, "/admin/users", "flash.user_updated")
}
