package auth

import (
	"slices"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
)

// Permission is what a route needs. Every route, HTML or API, names one;
// the matrix below says which roles hold it. This is the only place roles
// are mapped to capabilities.
type Permission string

// The permissions.
const (
	// Public routes need no sign-in: login, health, metrics, static assets.
	Public Permission = "public"
	// SignedIn routes need any signed-in user: home, logout, own settings.
	SignedIn Permission = "signed_in"
	// UseCaseRead lists and reads use cases.
	UseCaseRead Permission = "use_case.read"
	// UseCaseWrite creates and changes use cases.
	UseCaseWrite Permission = "use_case.write"
	// StrategyRead reads business units, goals, KPIs and pain points.
	StrategyRead Permission = "strategy.read"
	// StrategyWrite creates and changes business units, goals, KPIs,
	// readings and pain points.
	StrategyWrite Permission = "strategy.write"
	// ModelRead reads the model registry.
	ModelRead Permission = "model.read"
	// ModelWrite registers models and versions, edits model cards and moves
	// versions through their lifecycle.
	ModelWrite Permission = "model.write"
	// ModelIngest sends a model's prediction events and late labels.
	ModelIngest Permission = "model.ingest"
	// EvidenceWrite attaches evidence to model versions: experiments and
	// their data, fairness audits, explanation reports.
	EvidenceWrite Permission = "evidence.write"
	// SwitchFlip flips a model's human intervention switch.
	SwitchFlip Permission = "switch.flip"
	// AlertAck acknowledges a monitor's open alert: someone is on it.
	AlertAck Permission = "alert.ack"
	// AuditRead lists and filters the audit log.
	AuditRead Permission = "audit.read"
	// UserAdmin manages users and their roles.
	UserAdmin Permission = "user.admin"
)

var all = lodestar.Roles

// matrix maps each permission to the roles that hold it.
var matrix = map[Permission][]lodestar.Role{
	SignedIn:      all,
	UseCaseRead:   all,
	UseCaseWrite:  {lodestar.RoleAdmin, lodestar.RoleCommittee, lodestar.RoleBusinessOwner, lodestar.RoleAITeam},
	AuditRead:     {lodestar.RoleAdmin, lodestar.RoleRiskOfficer},
	StrategyRead:  all,
	StrategyWrite: {lodestar.RoleAdmin, lodestar.RoleCommittee, lodestar.RoleBusinessOwner},
	ModelRead:     all,
	ModelWrite:    {lodestar.RoleAdmin, lodestar.RoleAITeam},
	SwitchFlip:    {lodestar.RoleAdmin, lodestar.RoleRiskOfficer, lodestar.RoleCommittee},
	AlertAck:      {lodestar.RoleAdmin, lodestar.RoleAITeam, lodestar.RoleRiskOfficer},
	ModelIngest:   {lodestar.RoleAdmin, lodestar.RoleAITeam},
	EvidenceWrite: {lodestar.RoleAdmin, lodestar.RoleAITeam, lodestar.RoleRiskOfficer},
	UserAdmin:     {lodestar.RoleAdmin},
}

// Permissions lists every permission that needs a role, for tests and docs.
func Permissions() []Permission {
	return []Permission{SignedIn, UseCaseRead, UseCaseWrite, StrategyRead, StrategyWrite, ModelRead, ModelWrite, ModelIngest, EvidenceWrite, SwitchFlip, AlertAck, AuditRead, UserAdmin}
}

// Known reports whether p is a permission the policy defines: Public, or
// one the matrix maps to roles. A route naming any other (the empty
// string: a route that forgot its permission) is refused at start.
func Known(p Permission) bool {
	_, ok := matrix[p]
	return p == Public || ok
}

// Allowed reports whether role holds p. Public is allowed to everyone,
// including the anonymous (empty) role; an unknown permission to no one.
func Allowed(role lodestar.Role, p Permission) bool {
	if p == Public {
		return true
	}
	for _, r := range matrix[p] {
		if r == role {
			return true
		}
	}
	return false
}

// RolesWith lists the roles that hold p, in the order of lodestar.Roles:
// every role for Public, none for an unknown permission.
func RolesWith(p Permission) []lodestar.Role {
	var out []lodestar.Role
	for _, r := range lodestar.Roles {
		if Allowed(r, p) {
			out = append(out, r)
		}
	}
	return out
}

// RoleList writes roles for a message: "admin, ai_team".
func RoleList(roles []lodestar.Role) string {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

// ScopeRoles lists the roles whose tokens can use scope at all, or nil
// when every role's can: an ingest token does nothing but send events and
// labels (ModelIngest), while read and write tokens may at least read.
func ScopeRoles(scope string) []lodestar.Role {
	if scope == lodestar.ScopeIngest {
		return RolesWith(ModelIngest)
	}
	return nil
}

// ScopeUsable reports whether a token of role can ever use scope.
func ScopeUsable(role lodestar.Role, scope string) bool {
	roles := ScopeRoles(scope)
	return roles == nil || slices.Contains(roles, role)
}
