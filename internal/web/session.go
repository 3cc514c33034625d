package web

import (
	"net/http"
	"net/url"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

func (s *Server) loginForm(w http.ResponseWriter, r *http.Request) {
	if httpx.IdentityFrom(r.Context()).User != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	p := s.page(r, "login.title", "")
	p.Form = url.Values{"next": {safeNext(r.URL.Query().Get("next"))}}
	s.render(w, r, http.StatusOK, "login", p)
}

// safeNext keeps post-login redirects on this site: a path, with no
// scheme or host, no backslash and no control characters (browsers drop
// tabs and newlines, so "/\t/evil.example" would become "//evil.example").
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\") {
		return "/"
	}
	for _, c := range next {
		if c < 0x20 || c == 0x7f {
			return "/"
		}
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || strings.HasPrefix(u.Path, "//") {
		return "/"
	}
	return next
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	email, password := r.PostFormValue("email"), r.PostFormValue("password")
	next := safeNext(r.PostFormValue("next"))
	fail := func(status int, err error) {
		p := s.page(r, "login.title", "")
		p.Form = url.Values{"email": {email}, "next": {next}}
		p.Error = lodestar.ErrorMessage(err)
		s.render(w, r, status, "login", p)
	}
	if strings.TrimSpace(email) == "" || password == "" {
		fail(http.StatusBadRequest, lodestar.Errorf(lodestar.EInvalid, "Enter your e-mail and password."))
		return
	}
	u, err := s.Users.Authenticate(r.Context(), email, password, s.Guard.ClientIP(r))
	if err != nil {
		code := lodestar.ErrorCode(err)
		if code == lodestar.EInternal {
			s.Error(w, r, err)
			return
		}
		s.signIns.refused(s.Log, s.Now(), email, s.Guard.ClientIP(r), err)
		fail(httpx.StatusOf(code), err)
		return
	}
	// A visitor's language choice becomes the user's setting when they
	// have none yet.
	if c, err := r.Cookie(httpx.LocaleCookie); err == nil && u.Locale == "" && i18n.Supported(c.Value) {
		ctx := lodestar.WithActor(r.Context(), lodestar.Actor{ID: u.ID, Label: u.Email, Role: u.Role})
		if err := s.Users.SetLocale(ctx, u.ID, c.Value); err != nil {
			s.Log.Warn("keep locale at sign-in", "err", err)
		}
	}
	_, secret, err := s.Sessions.CreateSession(r.Context(), u.ID, s.SessionTTL)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	http.SetCookie(w, s.Guard.SessionCookieFor(secret, s.SessionTTL))
	http.SetCookie(w, s.Guard.ClearCookie(httpx.CSRFCookie))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(httpx.SessionCookie); err == nil {
		if err := s.Sessions.DeleteSession(r.Context(), c.Value); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	http.SetCookie(w, s.Guard.ClearCookie(httpx.SessionCookie))
	s.redirect(w, r, "/login", "flash.signed_out")
}

// setLocale is the language switch: a signed-in user's setting, or a
// cookie for a visitor.
func (s *Server) setLocale(w http.ResponseWriter, r *http.Request) {
	loc := r.PostFormValue("locale")
	if !i18n.Supported(loc) {
		s.Error(w, r, lodestar.FieldError("locale", "Locale must be en or zh-CN."))
		return
	}
	id := httpx.IdentityFrom(r.Context())
	if id.User != nil {
		if err := s.Users.SetLocale(r.Context(), id.User.ID, loc); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	c := s.Guard.ClearCookie(httpx.LocaleCookie)
	c.Value, c.MaxAge = loc, 365*24*3600
	http.SetCookie(w, c)
	s.redirect(w, r, safeNext(r.PostFormValue("next")), "")
}
