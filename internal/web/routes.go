package web

import (
	"net/http"
	"slices"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// Routes is the HTML surface's route table: every page, the permission it
// needs, and its handler.
func (s *Server) Routes() []httpx.Route {
	return append([]httpx.Route{
		{Method: "GET", Pattern: "/login", Perm: auth.Public, Handler: s.loginForm},
		{Method: "POST", Pattern: "/login", Perm: auth.Public, Handler: s.login},
		{Method: "POST", Pattern: "/logout", Perm: auth.SignedIn, Handler: s.logout},
		{Method: "POST", Pattern: "/locale", Perm: auth.Public, Handler: s.setLocale},
		{Method: "GET", Pattern: "/static/{name}", Perm: auth.Public, Handler: s.serveAsset},
		{Method: "GET", Pattern: "/{$}", Perm: auth.SignedIn, Handler: s.home},
		{Method: "GET", Pattern: "/resources", Perm: auth.SignedIn, Handler: s.section("resources")},
		{Method: "GET", Pattern: "/risk", Perm: auth.ModelRead, Handler: s.riskOverview},
		{Method: "GET", Pattern: "/organisation", Perm: auth.SignedIn, Handler: s.section("organisation")},
		{Method: "GET", Pattern: "/iteration", Perm: auth.ModelRead, Handler: s.iterationOverview},
		{Method: "GET", Pattern: "/use-cases", Perm: auth.UseCaseRead, Handler: s.useCaseList},
		{Method: "GET", Pattern: "/use-cases/new", Perm: auth.UseCaseWrite, Handler: s.useCaseNew},
		{Method: "GET", Pattern: "/use-cases/export", Perm: auth.UseCaseRead, Handler: s.useCaseExport},
		{Method: "GET", Pattern: "/use-cases/import", Perm: auth.UseCaseWrite, Handler: s.importForm},
		{Method: "POST", Pattern: "/use-cases/import", Perm: auth.UseCaseWrite, Handler: s.importStep, MaxBody: 16 << 20},
		{Method: "POST", Pattern: "/use-cases", Perm: auth.UseCaseWrite, Handler: s.useCaseCreate},
		{Method: "GET", Pattern: "/use-cases/{id}", Perm: auth.UseCaseRead, Handler: s.useCaseShow},
		{Method: "GET", Pattern: "/use-cases/{id}/edit", Perm: auth.UseCaseWrite, Handler: s.useCaseEdit},
		{Method: "POST", Pattern: "/use-cases/{id}", Perm: auth.UseCaseWrite, Handler: s.useCaseUpdate},
		{Method: "POST", Pattern: "/use-cases/{id}/stage", Perm: auth.UseCaseWrite, Handler: s.useCaseStage},
		{Method: "POST", Pattern: "/use-cases/{id}/archive", Perm: auth.UseCaseWrite, Handler: s.useCaseArchive},
		{Method: "GET", Pattern: "/admin", Perm: auth.AuditRead, Handler: s.adminHome},
		{Method: "GET", Pattern: "/admin/audit", Perm: auth.AuditRead, Handler: s.auditList},
		{Method: "GET", Pattern: "/admin/audit/export", Perm: auth.AuditRead, Handler: s.auditExport},
		{Method: "GET", Pattern: "/admin/users", Perm: auth.UserAdmin, Handler: s.userList},
		{Method: "POST", Pattern: "/admin/users", Perm: auth.UserAdmin, Handler: s.userCreate},
		{Method: "POST", Pattern: "/admin/users/{email}/role", Perm: auth.UserAdmin, Handler: s.userSetRole},
		{Method: "POST", Pattern: "/admin/users/{email}/disabled", Perm: auth.UserAdmin, Handler: s.userSetDisabled},
	}, slices.Concat(s.entityRoutes(), s.modelRoutes(), s.healthRoutes(), s.evidenceRoutes(), s.experimentRoutes(), s.tokenRoutes(), s.accountRoutes())...)
}

// NotFound renders the 404 page; the app routes unmatched paths here.
func (s *Server) NotFound(w http.ResponseWriter, r *http.Request) {
	s.Error(w, r, lodestar.Errorf(lodestar.ENotFound, "Page not found."))
}

func canRole(role lodestar.Role, perm string) bool { return auth.Allowed(role, auth.Permission(perm)) }

func httpxStatus(code string) int { return httpx.StatusOf(code) }

func httpxIdentityEmail(r *http.Request) string {
	if u := httpx.IdentityFrom(r.Context()).User; u != nil {
		return u.Email
	}
	return ""
}
