package web

import (
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strconv"

	lodestar "github.com/lodestar-hq/lodestar"
)

// section renders a navigation section's landing page; later paths fill
// each with its own records.
func (s *Server) section(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.page(r, "nav."+name, name)
		p.Data = name
		s.render(w, r, http.StatusOK, "section", p)
	}
}

func (s *Server) adminHome(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "admin", s.page(r, "nav.admin", "admin"))
}

func (s *Server) auditList(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := s.page(r, "audit.title", "admin")
	p.Form = q
	type data struct {
		Events []*lodestar.AuditEvent
		Next   int64
		Query  template.URL // the filters, for the next page's link (encoded here)
	}
	f, err := auditFilter(q)
	if err != nil {
		entFail(p, err)
		p.Data = data{}
		s.render(w, r, http.StatusBadRequest, "audit", p)
		return
	}
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	f.Limit = 100
	events, err := s.Audit.FindEvents(r.Context(), f)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	next := int64(0)
	if len(events) == f.Limit {
		next = events[len(events)-1].Seq
	}
	keep := url.Values{}
	for _, k := range []string{"actor", "action", "entity_type", "entity_id", "from", "to"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	p.Data = data{events, next, template.URL(keep.Encode())}
	s.render(w, r, http.StatusOK, "audit", p)
}

// auditFilter reads the audit page's filters; a bad time range is a
// field error.
func auditFilter(q url.Values) (lodestar.AuditFilter, error) {
	from, to, err := lodestar.ParseTimeRange(q.Get("from"), q.Get("to"))
	return lodestar.AuditFilter{Actor: q.Get("actor"), Action: q.Get("action"), EntityType: q.Get("entity_type"),
		EntityID: q.Get("entity_id"), From: from, To: to}, err
}

// auditExport streams every entry the audit page's filters match as CSV,
// newest first, with each entry's hashes, so that an auditor holds the
// log of a period and can check its chain outside Lodestar.
func (s *Server) auditExport(w http.ResponseWriter, r *http.Request) {
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		s.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="lodestar-audit-`+s.Now().UTC().Format("20060102")+`.csv"`)
	// The log names people and what they did: no cache may keep a copy.
	w.Header().Set("Cache-Control", "no-store")
	// A byte-order mark, so that Excel reads the names as UTF-8; whoever
	// checks the chain reads past it (README, "Audit log").
	dw := &downloadWriter{ResponseWriter: w}
	_, err = io.WriteString(dw, evidence.BOM)
	if err == nil {
		_, err = evidence.WriteAuditCSV(r.Context(), s.Audit.FindEvents, f, dw)
	}
	if err == nil {
		err = dw.finish()
	}
	if err != nil {
		s.failDownload(dw, r, "audit export", err)
	}
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
		p.Fields = lodestar.ErrorFields(err)
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
	disabled, err := formFlag(r, "disabled", "Disabled must be true or false.")
	if err != nil {
		s.Error(w, r, err)
		return
	}
	email := lodestar.NormalizeEmail(r.PathValue("email"))
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
