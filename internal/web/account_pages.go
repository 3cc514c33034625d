package web

import (
	"net/http"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// accountRoutes are the password pages: every signed-in user changes
// their own password (knowing the current one); a user administrator
// sets a new one for another user, who has forgotten theirs.
func (s *Server) accountRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/account/password", Perm: auth.SignedIn, Handler: s.passwordForm},
		{Method: "POST", Pattern: "/account/password", Perm: auth.SignedIn, Handler: s.passwordChange},
		{Method: "GET", Pattern: "/admin/users/{email}/password", Perm: auth.UserAdmin, Handler: s.userPasswordForm},
		{Method: "POST", Pattern: "/admin/users/{email}/password", Perm: auth.UserAdmin, Handler: s.userPasswordReset},
	}
}

// passwordPage is what password.html receives: Target is the user whose
// password an administrator resets, nil on the user's own page.
type passwordPage struct {
	Target *lodestar.User
}

// mismatch is the refusal of a form whose two new passwords differ.
func mismatch() error {
	return lodestar.FieldError("confirm_password", "The two new passwords are not the same.")
}

func (s *Server) passwordForm(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "password.title", "account")
	p.Data = passwordPage{}
	s.render(w, r, http.StatusOK, "password", p)
}

// passwordChange changes the signed-in user's password and ends their
// other sessions; this one stays signed in. A refusal shows the form
// again, its passwords never echoed.
func (s *Server) passwordChange(w http.ResponseWriter, r *http.Request) {
	id := httpx.IdentityFrom(r.Context())
	next := r.PostFormValue("new_password")
	var err error
	if next != r.PostFormValue("confirm_password") {
		err = mismatch()
	} else {
		var keep int64
		if id.Session != nil {
			keep = id.Session.ID
		}
		_, err = s.Users.ChangePassword(r.Context(), id.User.ID, keep, r.PostFormValue("current_password"), next)
	}
	if err != nil {
		s.passwordRefused(w, r, err, "password.title", "account", passwordPage{})
		return
	}
	s.redirect(w, r, "/account/password", "flash.password_changed")
}

// passwordRefused shows a password form again with why it was refused.
func (s *Server) passwordRefused(w http.ResponseWriter, r *http.Request, err error, title, section string, d passwordPage) {
	code := lodestar.ErrorCode(err)
	if code != lodestar.EInvalid && code != lodestar.ETooManyRequests {
		s.Error(w, r, err)
		return
	}
	p := s.page(r, title, section)
	entFail(p, err)
	p.Data = d
	s.render(w, r, httpx.StatusOf(code), "password", p)
}

// resetTarget finds the user an administrator's reset is for. Their own
// password an administrator changes on their own page, which asks for
// the current one and keeps them signed in.
func (s *Server) resetTarget(r *http.Request) (*lodestar.User, error) {
	u, err := s.Users.FindUserByEmail(r.Context(), r.PathValue("email"))
	if err != nil {
		return nil, err
	}
	if u.Email == httpxIdentityEmail(r) {
		return nil, lodestar.Errorf(lodestar.EInvalid, "Change your own password on your password page, which asks for the current one.")
	}
	return u, nil
}

func (s *Server) userPasswordForm(w http.ResponseWriter, r *http.Request) {
	if lodestar.NormalizeEmail(r.PathValue("email")) == httpxIdentityEmail(r) {
		// The administrator's own: the form that asks for the current one.
		s.passwordForm(w, r)
		return
	}
	u, err := s.resetTarget(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	p := s.page(r, "password.reset_title", "admin")
	p.Data = passwordPage{Target: u}
	s.render(w, r, http.StatusOK, "password", p)
}

// userPasswordReset gives a user a new password and ends every session
// of theirs (store.SetPassword, audited).
func (s *Server) userPasswordReset(w http.ResponseWriter, r *http.Request) {
	u, err := s.resetTarget(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	next := r.PostFormValue("new_password")
	if next != r.PostFormValue("confirm_password") {
		err = mismatch()
	} else if _, err = s.Users.SetPassword(r.Context(), u.Email, next); lodestar.ErrorCode(err) == lodestar.EInvalid {
		// The store names the field "password"; the form's is new_password.
		err = &lodestar.Error{Code: lodestar.EInvalid, Message: lodestar.ErrorMessage(err),
			Fields: map[string]string{"new_password": lodestar.ErrorFields(err)["password"]}}
	}
	if err != nil {
		s.passwordRefused(w, r, err, "password.reset_title", "admin", passwordPage{Target: u})
		return
	}
	s.redirect(w, r, "/admin/users", "flash.password_reset")
}
