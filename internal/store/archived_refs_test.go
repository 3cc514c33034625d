package store_test

import (
	"context"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// An archived unit must not end up with a live child: unarchiving a child
// whose parent is archived should be refused (or unarchive the parent).
func TestUnarchiveChildUnderArchivedParent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		parent := f.unit("Parent", 0).ID
		child := f.unit("Child", parent).ID
		if _, err := f.s.ArchiveBusinessUnit(f.ctx, child, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ArchiveBusinessUnit(f.ctx, parent, true); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.ArchiveBusinessUnit(f.ctx, child, false)
		if err == nil {
			p, _ := f.s.FindBusinessUnitByID(context.Background(), parent)
			c, _ := f.s.FindBusinessUnitByID(context.Background(), child)
			t.Fatalf("unarchived child %d (archived=%v) under archived parent %d (archived=%v)", c.ID, c.Archived, p.ID, p.Archived)
		}
		wantError(t, err, lodestar.EConflict)
	})
}

// Archiving a unit with live pain points is allowed, after which the pain
// point can no longer be edited at all (its own, unchanged unit is refused).
func TestArchivedUnitKeepsItsPainPointsEditable(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bu := f.unit("Retail", 0).ID
		p := f.pain("Stockouts", bu, 1_000_000)
		if _, err := f.s.ArchiveBusinessUnit(f.ctx, bu, true); err != nil {
			t.Fatalf("archive unit with a live pain point: %v", err)
		}
		in := *p
		in.AnnualCost = 2_000_000 // only the cost changes
		if _, err := f.s.UpdatePainPoint(f.ctx, p.ID, in); err != nil {
			t.Fatalf("live pain point of an archived unit cannot be updated: %v", err)
		}
	})
}

// Same for goals: archiving a goal leaves its KPIs live, and then a KPI's
// target cannot be corrected because its unchanged goal is "archived".
func TestArchivedGoalKeepsItsKPIsEditable(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		g := f.goal("Grow", 0)
		k := f.kpi("Revenue", g.ID, lodestar.DirectionUp)
		if _, err := f.s.ArchiveGoal(f.ctx, g.ID, true); err != nil {
			t.Fatal(err)
		}
		in := *k
		in.Latest = nil
		in.Target = 250
		if _, err := f.s.UpdateKPI(f.ctx, k.ID, in); err != nil {
			t.Fatalf("live KPI of an archived goal cannot be updated: %v", err)
		}
	})
}

// "Existing impacts stay (they are history); new impacts on an archived
// KPI are refused" (kpi.go) — yet any edit of a use case holding such an
// impact is refused, so the user must delete the history to fix a typo.
func TestUseCaseEditWithArchivedKPIImpact(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		k := f.kpi("Revenue", 0, lodestar.DirectionUp)
		in := lodestar.NewUseCase{Title: "Pricing", Impacts: []lodestar.Impact{{KPIID: k.ID, Change: 5, Confidence: 0.5}}}
		uc := f.useCase(in)
		if _, err := f.s.ArchiveKPI(f.ctx, k.ID, true); err != nil {
			t.Fatal(err)
		}
		in.Title = "Dynamic pricing"
		if _, err := f.s.UpdateUseCase(f.ctx, uc.ID, in); err != nil {
			t.Fatalf("renaming a use case with an existing impact on an archived KPI: %v", err)
		}
	})
}

// What a record holds stays after archiving; what a change adds must
// still be live.
func TestNewReferencesMustBeLive(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		k := f.kpi("Revenue", 0, lodestar.DirectionUp)
		gone := f.kpi("Old measure", 0, lodestar.DirectionUp)
		in := lodestar.NewUseCase{Title: "Pricing", Impacts: []lodestar.Impact{{KPIID: k.ID, Change: 5, Confidence: 0.5}}}
		uc := f.useCase(in)
		if _, err := f.s.ArchiveKPI(f.ctx, gone.ID, true); err != nil {
			t.Fatal(err)
		}
		in.Impacts = append(in.Impacts, lodestar.Impact{KPIID: gone.ID, Change: 1, Confidence: 0.5})
		_, err := f.s.UpdateUseCase(f.ctx, uc.ID, in)
		if lodestar.ErrorFields(err)["impacts[1].kpi_id"] == "" {
			t.Errorf("a new impact on an archived KPI: got %v, want it refused", err)
		}
		bu := f.unit("Retail", 0).ID
		if _, err := f.s.ArchiveBusinessUnit(f.ctx, bu, true); err != nil {
			t.Fatal(err)
		}
		_, err = f.s.CreatePainPoint(f.ctx, lodestar.PainPoint{Title: "New", BusinessUnitID: bu, Category: "cost", AnnualCost: 1})
		if lodestar.ErrorFields(err)["business_unit_id"] == "" {
			t.Errorf("a new pain point in an archived unit: got %v, want it refused", err)
		}
	})
}

// An archived use case is read-only until restored, for its fields as for
// its stage.
func TestArchivedUseCaseReadOnly(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		in := lodestar.NewUseCase{Title: "Old idea"}
		uc := f.useCase(in)
		if _, err := f.s.ArchiveUseCase(f.ctx, uc.ID, true); err != nil {
			t.Fatal(err)
		}
		in.Title = "Renamed"
		if _, err := f.s.UpdateUseCase(f.ctx, uc.ID, in); lodestar.ErrorCode(err) != lodestar.EConflict {
			t.Errorf("editing an archived use case: got %v, want a conflict", err)
		}
		if _, err := f.s.ArchiveUseCase(f.ctx, uc.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.UpdateUseCase(f.ctx, uc.ID, in); err != nil {
			t.Errorf("editing it once restored: %v", err)
		}
	})
}

// A disabled user held in one slot is not thereby allowed in the other:
// a use case's disabled AI lead cannot be made its sponsor.
func TestHeldUserStaysInItsSlot(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		lead := f.seedUser("lead@example.com", lodestar.RoleAITeam)
		in := lodestar.NewUseCase{Title: "Chatbot", AILeadID: lead.ID}
		uc := f.useCase(in)
		if _, err := f.s.SetDisabled(f.ctx, lead.Email, true); err != nil {
			t.Fatal(err)
		}
		in.Title = "Chatbot 2" // kept where it was: allowed
		if _, err := f.s.UpdateUseCase(f.ctx, uc.ID, in); err != nil {
			t.Fatalf("keeping the disabled lead: %v", err)
		}
		in.SponsorID = lead.ID
		if _, err := f.s.UpdateUseCase(f.ctx, uc.ID, in); lodestar.ErrorFields(err)["sponsor_id"] == "" {
			t.Errorf("the disabled lead made sponsor too: got %v, want sponsor_id refused", err)
		}
	})
}
