package store_test

import (
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestArchivedRecordsAreReadOnly: an archived business unit, goal, KPI or
// pain point is not changed by an update (as an archived use case is
// not): it is restored first. Nothing is written or audited.
func TestArchivedRecordsAreReadOnly(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bu := f.unit("Retail", 0)
		other := f.unit("Other", 0)
		g := f.goal("Grow", other.ID)
		k := f.kpi("Conversion", g.ID, "up")
		p := f.pain("Stock-outs", other.ID, 1000)
		for _, archive := range []func() error{
			func() error { _, err := f.s.ArchiveBusinessUnit(f.ctx, bu.ID, true); return err },
			func() error { _, err := f.s.ArchiveGoal(f.ctx, g.ID, true); return err },
			func() error { _, err := f.s.ArchiveKPI(f.ctx, k.ID, true); return err },
			func() error { _, err := f.s.ArchivePainPoint(f.ctx, p.ID, true); return err },
		} {
			if err := archive(); err != nil {
				t.Fatal(err)
			}
		}
		audits := f.auditCount()
		for name, upd := range map[string]func() error{
			"unit": func() error {
				_, err := f.s.UpdateBusinessUnit(f.ctx, bu.ID, lodestar.BusinessUnit{Name: "Renamed"})
				return err
			},
			"goal": func() error {
				_, err := f.s.UpdateGoal(f.ctx, g.ID, lodestar.Goal{Title: "Renamed", BusinessUnitID: other.ID, Horizon: "year"})
				return err
			},
			"kpi": func() error {
				_, err := f.s.UpdateKPI(f.ctx, k.ID, lodestar.KPI{GoalID: g.ID, Name: "Renamed", Unit: "%", Direction: "up", Baseline: 1, Target: 2, TargetDate: "2031-03-04"})
				return err
			},
			"pain point": func() error {
				_, err := f.s.UpdatePainPoint(f.ctx, p.ID, lodestar.PainPoint{Title: "Renamed", BusinessUnitID: other.ID, Category: "cost", AnnualCost: 5})
				return err
			},
		} {
			if err := upd(); lodestar.ErrorCode(err) != lodestar.EConflict {
				t.Errorf("update of an archived %s: got %v, want a conflict", name, err)
			}
		}
		if n := f.auditCount(); n != audits {
			t.Errorf("refused updates wrote %d audit entries", n-audits)
		}
		if b, _ := f.s.FindBusinessUnitByID(f.ctx, bu.ID); b.Name != "Retail" {
			t.Errorf("archived unit renamed to %q", b.Name)
		}
		// Restored, it can be changed again.
		if _, err := f.s.ArchiveGoal(f.ctx, g.ID, false); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.UpdateGoal(f.ctx, g.ID, lodestar.Goal{Title: "Renamed", BusinessUnitID: other.ID, Horizon: "year"}); err != nil {
			t.Errorf("update of a restored goal: %v", err)
		}
	})
}
