package web

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// tokenRoutes are the API token pages: every signed-in user manages their
// own tokens; a user administrator also sees and may revoke everyone's.
func (s *Server) tokenRoutes() []httpx.Route {
	return []httpx.Route{
		{Method: "GET", Pattern: "/tokens", Perm: auth.SignedIn, Handler: s.tokenList},
		{Method: "POST", Pattern: "/tokens", Perm: auth.SignedIn, Handler: s.tokenCreate, Resent: s.tokenResent},
		{Method: "POST", Pattern: "/tokens/{id}/revoke", Perm: auth.SignedIn, Handler: s.tokenRevoke},
	}
}

// tokenScopes are the scopes the form offers, the store's own.
var tokenScopes = []string{lodestar.ScopeIngest, lodestar.ScopeRead, lodestar.ScopeWrite}

// tokenLifetimes are the expiries the form offers, in days ("never": no
// expiry); the first is the default, as the widely used code hosts do.
var tokenLifetimes = []string{"90", "30", "365", "never"}

// tokenRow is a token in a list, with its user's e-mail.
type tokenRow struct {
	T       *lodestar.APIToken
	Email   string
	Expired bool // at the time the page is made
}

// tokenScope is a scope the create form offers. One the user's role can
// never use (auth.ScopeUsable) is shown disabled, naming the roles that
// can, rather than refused after the form is sent.
type tokenScope struct {
	Name   string
	Usable bool
	Roles  []string // the roles that can use it, when not Usable
}

// formScopes are tokenScopes as role sees them.
func formScopes(role lodestar.Role) []tokenScope {
	out := make([]tokenScope, len(tokenScopes))
	for i, sc := range tokenScopes {
		out[i] = tokenScope{Name: sc, Usable: auth.ScopeUsable(role, sc)}
		if !out[i].Usable {
			for _, r := range auth.ScopeRoles(sc) {
				out[i].Roles = append(out[i].Roles, string(r))
			}
		}
	}
	return out
}

// tokenPage is what tokens.html receives.
type tokenPage struct {
	Mine    []tokenRow
	All     []tokenRow // every user's; only for user administrators
	IsAdmin bool
	Scopes  []tokenScope
	Checked map[string]bool // the scopes ticked on the create form
	// Lifetimes are the expiry choices, Lifetime the one selected.
	Lifetimes []string
	Lifetime  string
	// Created and Secret are the token just made and its secret, shown
	// once on the answer to the create form and nowhere else.
	Created *lodestar.APIToken
	Secret  string
	// CanIngest: the user's role may send events, so the form offers to
	// bind the token to Models (those not archived, by key); Bound are
	// the keys ticked.
	CanIngest bool
	Models    []*lodestar.Model
	Bound     map[string]bool
	// Resent: the create form was sent again (a double click) after its
	// first submission made a token, whose secret went to the answer the
	// browser dropped; Token is that token, when it is found (nil: not).
	Resent *tokenResent
}

// tokenResent is the token a create form sent twice made (tokenPage.Resent).
type tokenResent struct {
	ID    int64              // as the first submission said (0: not known)
	Token *lodestar.APIToken // the user's token of that ID, nil if none
}

func tokenAdmin(r *http.Request) bool {
	return auth.Allowed(httpx.IdentityFrom(r.Context()).Role(), auth.UserAdmin)
}

func (s *Server) tokenList(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, s.page(r, "tokens.title", "tokens"))
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, p *Page) {
	s.renderTokensWith(w, r, status, p, tokenPage{})
}

// renderTokensWith renders the tokens page with what init holds of a
// token just made (Created, Secret) or made by a form sent twice
// (Resent).
func (s *Server) renderTokensWith(w http.ResponseWriter, r *http.Request, status int, p *Page, init tokenPage) {
	ctx := r.Context()
	email := httpxIdentityEmail(r)
	d := tokenPage{IsAdmin: tokenAdmin(r), Scopes: formScopes(httpx.IdentityFrom(ctx).Role()), Checked: map[string]bool{}, Created: init.Created, Secret: init.Secret,
		Resent: init.Resent, Lifetimes: tokenLifetimes, Lifetime: tokenLifetimes[0]}
	if l := p.Form.Get("expires"); slices.Contains(tokenLifetimes, l) {
		d.Lifetime = l
	}
	if p.Form == nil {
		// What a model pipeline needs, for a role that may send events;
		// else reading, the most any other role's token is useful for by
		// default.
		if auth.Allowed(httpx.IdentityFrom(ctx).Role(), auth.ModelIngest) {
			d.Checked[lodestar.ScopeIngest] = true
		} else {
			d.Checked[lodestar.ScopeRead] = true
		}
	}
	for _, sc := range p.Form["scope"] {
		d.Checked[sc] = true
	}
	d.Bound = map[string]bool{}
	for _, k := range p.Form["models"] {
		d.Bound[k] = true
	}
	if d.CanIngest = auth.Allowed(httpx.IdentityFrom(ctx).Role(), auth.ModelIngest); d.CanIngest {
		ms, err := s.Models.ListModels(ctx, 0)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		for _, m := range ms {
			if !m.Archived {
				d.Models = append(d.Models, m)
			}
		}
		slices.SortFunc(d.Models, func(a, b *lodestar.Model) int { return strings.Compare(a.Key, b.Key) })
	}
	now := s.Now()
	mine, err := s.Tokens.ListTokens(ctx, email)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	var resent *lodestar.APIToken
	for _, t := range mine {
		d.Mine = append(d.Mine, tokenRow{T: t, Email: email, Expired: t.Expired(now)})
		if d.Resent != nil && d.Resent.ID == t.ID {
			resent = t
		}
	}
	if d.Resent != nil {
		d.Resent = &tokenResent{ID: d.Resent.ID, Token: resent} // nil: not among the user's tokens
	}
	if d.IsAdmin {
		all, err := s.Tokens.ListTokens(ctx, "")
		if err != nil {
			s.Error(w, r, err)
			return
		}
		users, err := s.Users.ListUsers(ctx)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		emails := make(map[int64]string, len(users))
		for _, u := range users {
			emails[u.ID] = u.Email
		}
		for _, t := range all {
			d.All = append(d.All, tokenRow{T: t, Email: emails[t.UserID], Expired: t.Expired(now)})
		}
	}
	// Newest first: the token just made heads the list.
	slices.Reverse(d.Mine)
	slices.Reverse(d.All)
	p.Data = d
	s.render(w, r, status, "tokens", p)
}

// tokenCreate makes a token for the signed-in user and answers with the
// page showing its secret, once: the secret is in this response's body
// only (never a redirect URL, a log or the database), which is not cached
// (render sends Cache-Control: no-store), and the form's ID is claimed, so
// sending it again makes no second token and shows no secret.
func (s *Server) tokenCreate(w http.ResponseWriter, r *http.Request) {
	scopes, err := tokenFormScopes(r.PostForm["scope"])
	var until time.Time
	if err == nil {
		until, err = tokenFormExpiry(r.PostFormValue("expires"), s.Now())
	}
	var tok *lodestar.APIToken
	var secret string
	if err == nil {
		// No model ticked: the token may send to every model, as the page
		// says. The store refuses models that are not there or archived,
		// or a binding without ingest or with write, by field, and makes
		// nothing.
		tok, secret, err = s.Tokens.CreateTokenFor(r.Context(), lodestar.NewToken{Email: httpxIdentityEmail(r),
			Name: r.PostFormValue("name"), Scopes: scopes, Expires: until, Models: r.PostForm["models"]})
	}
	if err != nil {
		s.refused(w, r, err, "tokens.title", "tokens", r.PostForm, s.renderTokens)
		return
	}
	// A second send of this form links to the token's row (tokenResent).
	httpx.FormResultAt(r, "/tokens#"+tokenAnchor+strconv.FormatInt(tok.ID, 10))
	p := s.page(r, "tokens.title", "tokens")
	p.Flash = "flash.token_created"
	s.renderTokensWith(w, r, http.StatusCreated, p, tokenPage{Created: tok, Secret: secret})
}

// tokenAnchor starts the ID of a row of the user's tokens (tokens.html).
const tokenAnchor = "token-"

// tokenResent answers the create form sent again (a double click, a
// resend) after its first submission made a token. The only answer that
// shows a token's secret went to that first submission — which the
// browser dropped when the form was sent again — and the secret cannot be
// shown again: the page says so, names the token, and offers to revoke it
// and to create another. see is where tokenCreate said the token is.
func (s *Server) tokenResent(w http.ResponseWriter, r *http.Request, see string) {
	res := &tokenResent{}
	if _, frag, ok := strings.Cut(see, "#"+tokenAnchor); ok {
		if id, err := strconv.ParseInt(frag, 10, 64); err == nil {
			res.ID = id
		}
	}
	p := s.page(r, "tokens.title", "tokens")
	s.renderTokensWith(w, r, http.StatusConflict, p, tokenPage{Resent: res})
}

// tokenFormScopes checks the form's scopes: at least one, each one the
// store knows. The store would take none as write, which a form left
// blank should not mean.
func tokenFormScopes(sent []string) ([]string, error) {
	var out []string
	for _, sc := range sent {
		sc = strings.TrimSpace(sc)
		if !slices.Contains(tokenScopes, sc) {
			return nil, lodestar.FieldError("scope", "Unknown scope; choose ingest, read or write.")
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, lodestar.FieldError("scope", "Choose at least one scope: ingest, read or write.")
	}
	return out, nil
}

// tokenFormExpiry reads the form's expiry: one of tokenLifetimes (a
// form that sends none is refused, not taken as "never").
func tokenFormExpiry(sent string, now time.Time) (time.Time, error) {
	if !slices.Contains(tokenLifetimes, sent) {
		return time.Time{}, lodestar.FieldError("expires", "Choose when the token expires.")
	}
	if sent == "never" {
		return time.Time{}, nil
	}
	days, _ := strconv.Atoi(sent)
	return now.Add(time.Duration(days) * 24 * time.Hour), nil
}

// tokenRevoke revokes one of the user's tokens, or any token for a user
// administrator. Another user's token is not found for anyone else, so
// the page does not tell which token IDs exist.
func (s *Server) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := entPathID(r)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	owner := httpxIdentityEmail(r)
	if tokenAdmin(r) {
		owner = ""
	}
	toks, err := s.Tokens.ListTokens(r.Context(), owner)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	i := slices.IndexFunc(toks, func(t *lodestar.APIToken) bool { return t.ID == id })
	if i < 0 {
		s.Error(w, r, lodestar.Errorf(lodestar.ENotFound, "Token not found."))
		return
	}
	alreadyRevoked := lodestar.Errorf(lodestar.EConflict, "This token is already revoked.")
	if !toks[i].RevokedAt.IsZero() {
		s.refused(w, r, alreadyRevoked, "tokens.title", "tokens", nil, s.renderTokens)
		return
	}
	if err := s.Tokens.RevokeToken(r.Context(), id); err != nil {
		if lodestar.ErrorCode(err) == lodestar.EConflict { // revoked meanwhile
			err = alreadyRevoked
		}
		s.refused(w, r, err, "tokens.title", "tokens", nil, s.renderTokens)
		return
	}
	s.redirect(w, r, "/tokens", "flash.token_revoked")
}
