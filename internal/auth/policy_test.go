package auth_test

import (
	"slices"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/auth"
)

// wantMatrix is the role matrix written out independently of policy.go:
// the roles that hold each permission. A change to policy.go must be
// mirrored here on purpose.
var wantMatrix = map[auth.Permission][]lodestar.Role{
	auth.SignedIn: {lodestar.RoleAdmin, lodestar.RoleCommittee, lodestar.RoleBusinessOwner, lodestar.RoleAITeam,
		lodestar.RoleRiskOfficer, lodestar.RoleDataSteward, lodestar.RoleViewer},
	auth.UseCaseRead: {lodestar.RoleAdmin, lodestar.RoleCommittee, lodestar.RoleBusinessOwner, lodestar.RoleAITeam,
		lodestar.RoleRiskOfficer, lodestar.RoleDataSteward, lodestar.RoleViewer},
	auth.UseCaseWrite: {lodestar.RoleAdmin, lodestar.RoleCommittee, lodestar.RoleBusinessOwner, lodestar.RoleAITeam},
	auth.StrategyRead: {lodestar.RoleAdmin, lodestar.RoleCommittee, lodestar.RoleBusinessOwner, lodestar.RoleAITeam,
		lodestar.RoleRiskOfficer, lodestar.RoleDataSteward, lodestar.RoleViewer},
	auth.StrategyWrite: {lodestar.RoleAdmin, lodestar.RoleCommittee, lodestar.RoleBusinessOwner},
	auth.ModelRead: {lodestar.RoleAdmin, lodestar.RoleCommittee, lodestar.RoleBusinessOwner, lodestar.RoleAITeam,
		lodestar.RoleRiskOfficer, lodestar.RoleDataSteward, lodestar.RoleViewer},
	auth.ModelWrite:    {lodestar.RoleAdmin, lodestar.RoleAITeam},
	auth.SwitchFlip:    {lodestar.RoleAdmin, lodestar.RoleRiskOfficer, lodestar.RoleCommittee},
	auth.AlertAck:      {lodestar.RoleAdmin, lodestar.RoleAITeam, lodestar.RoleRiskOfficer},
	auth.ModelIngest:   {lodestar.RoleAdmin, lodestar.RoleAITeam},
	auth.EvidenceWrite: {lodestar.RoleAdmin, lodestar.RoleAITeam, lodestar.RoleRiskOfficer},
	auth.AuditRead:     {lodestar.RoleAdmin, lodestar.RoleRiskOfficer},
	auth.UserAdmin:     {lodestar.RoleAdmin},
}

// allRoles is every role, written out, plus the anonymous (empty) role and
// one that does not exist.
var allRoles = []lodestar.Role{"admin", "committee", "business_owner", "ai_team", "risk_officer", "data_steward", "viewer", "", "superuser"}

func TestPermissionsListed(t *testing.T) {
	t.Parallel()
	got := auth.Permissions()
	if len(got) != len(wantMatrix) {
		t.Errorf("Permissions() has %d entries, want %d: %v", len(got), len(wantMatrix), got)
	}
	for _, p := range got {
		if _, ok := wantMatrix[p]; !ok {
			t.Errorf("Permissions() lists %q, which the test's matrix does not declare", p)
		}
	}
	for p := range wantMatrix {
		if !slices.Contains(got, p) {
			t.Errorf("Permissions() lacks %q", p)
		}
	}
	if slices.Contains(got, auth.Public) {
		t.Errorf("Permissions() lists %q, want only permissions that need a role", auth.Public)
	}
	for _, r := range lodestar.Roles {
		if !slices.Contains(allRoles, r) {
			t.Errorf("lodestar.Roles holds %q, which the test does not know", r)
		}
	}
}

func TestAllowed(t *testing.T) {
	t.Parallel()
	for p, holders := range wantMatrix {
		for _, r := range allRoles {
			want := slices.Contains(holders, r)
			t.Run(string(p)+"/"+string(r), func(t *testing.T) {
				if got := auth.Allowed(r, p); got != want {
					t.Errorf("Allowed(%q, %q) = %v, want %v", r, p, got, want)
				}
			})
		}
	}
}

func TestAllowedPublicAndUnknown(t *testing.T) {
	t.Parallel()
	for _, r := range allRoles {
		if !auth.Allowed(r, auth.Public) {
			t.Errorf("Allowed(%q, public) = false, want true", r)
		}
		for _, p := range []auth.Permission{"", "no.such.permission", "Public", "USER.ADMIN"} {
			if auth.Allowed(r, p) {
				t.Errorf("Allowed(%q, %q) = true, want false for an unknown permission", r, p)
			}
		}
	}
	for p := range wantMatrix {
		if auth.Allowed("", p) {
			t.Errorf("Allowed(anonymous, %q) = true, want false", p)
		}
	}
}

// TestKnown: the permissions a route may name are Public and those of the
// matrix; anything else (the empty string of a route that forgot its
// permission, a misspelling) is not.
func TestKnown(t *testing.T) {
	t.Parallel()
	if !auth.Known(auth.Public) {
		t.Errorf("Known(public) = false, want true")
	}
	for p := range wantMatrix {
		if !auth.Known(p) {
			t.Errorf("Known(%q) = false, want true", p)
		}
	}
	for _, p := range []auth.Permission{"", "no.such.permission", "Public", "USER.ADMIN"} {
		if auth.Known(p) {
			t.Errorf("Known(%q) = true, want false", p)
		}
	}
}
