package store_test

import (
	"context"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestUpdateBasedOnAnOlderVersionRefused: two people open the same
// record; the first saves; the second's save, based on the record as it
// was before, is refused as a conflict instead of silently undoing the
// first's change. A save based on the current version goes in.
func TestUpdateBasedOnAnOlderVersionRefused(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bu := f.unit("Retail", 0)
		g := f.goal("Grow", bu.ID)
		k := f.kpi("Conversion", g.ID, "up")
		p := f.pain("Stock-outs", bu.ID, 1000)
		uc := f.useCase(lodestar.NewUseCase{Title: "Forecasting", Stage: "idea"})

		check := func(name string, opened time.Time, save func(ctx context.Context) error, title func() string, want string) {
			t.Helper()
			f.clock.Advance(time.Second)
			if err := save(lodestar.WithBasedOn(f.ctx, opened)); err != nil {
				t.Fatalf("%s: first save: %v", name, err)
			}
			audits := f.auditCount()
			f.clock.Advance(time.Second)
			err := save(lodestar.WithBasedOn(f.ctx, opened))
			if lodestar.ErrorCode(err) != lodestar.EConflict {
				t.Errorf("%s: a save based on the version before the first: got %v, want a conflict", name, err)
			}
			if n := f.auditCount(); n != audits {
				t.Errorf("%s: the refused save wrote %d audit entries", name, n-audits)
			}
			if got := title(); got != want {
				t.Errorf("%s: after the refused save the record reads %q, want the first save's %q", name, got, want)
			}
		}
		n := 0
		check("business unit", bu.UpdatedAt, func(ctx context.Context) error {
			n++
			_, err := f.s.UpdateBusinessUnit(ctx, bu.ID, lodestar.BusinessUnit{Name: "Retail " + string(rune('A'+n))})
			return err
		}, func() string { b, _ := f.s.FindBusinessUnitByID(f.ctx, bu.ID); return b.Name }, "Retail B")
		check("goal", g.UpdatedAt, func(ctx context.Context) error {
			n++
			_, err := f.s.UpdateGoal(ctx, g.ID, lodestar.Goal{Title: "Grow " + string(rune('A'+n)), BusinessUnitID: bu.ID, Horizon: "year"})
			return err
		}, func() string { x, _ := f.s.FindGoalByID(f.ctx, g.ID); return x.Title }, "Grow D")
		check("kpi", k.UpdatedAt, func(ctx context.Context) error {
			n++
			_, err := f.s.UpdateKPI(ctx, k.ID, lodestar.KPI{GoalID: g.ID, Name: "Conv " + string(rune('A'+n)), Unit: "%", Direction: "up", Baseline: 1, Target: 2, TargetDate: "2031-03-04"})
			return err
		}, func() string { x, _ := f.s.FindKPIByID(f.ctx, k.ID); return x.Name }, "Conv F")
		check("pain point", p.UpdatedAt, func(ctx context.Context) error {
			n++
			_, err := f.s.UpdatePainPoint(ctx, p.ID, lodestar.PainPoint{Title: "Stock " + string(rune('A'+n)), BusinessUnitID: bu.ID, Category: "cost", AnnualCost: 5})
			return err
		}, func() string { x, _ := f.s.FindPainPointByID(f.ctx, p.ID); return x.Title }, "Stock H")
		check("use case", uc.UpdatedAt, func(ctx context.Context) error {
			n++
			_, err := f.s.UpdateUseCase(ctx, uc.ID, lodestar.NewUseCase{Title: "Forecast " + string(rune('A'+n)), Stage: "idea"})
			return err
		}, func() string { x, _ := f.s.FindUseCaseByID(f.ctx, uc.ID); return x.Title }, "Forecast J")

		// A reading added meanwhile (a pipeline) is no change to the KPI's
		// definition: a save based on the version opened before it goes in.
		opened, _ := f.s.FindKPIByID(f.ctx, k.ID)
		f.clock.Advance(time.Second)
		if _, err := f.s.AddReadings(f.ctx, k.ID, []lodestar.KPIReading{{Date: "2030-01-01", Value: 1}}); err != nil {
			t.Fatal(err)
		}
		f.clock.Advance(time.Second)
		if _, err := f.s.UpdateKPI(lodestar.WithBasedOn(f.ctx, opened.UpdatedAt), k.ID, lodestar.KPI{GoalID: g.ID, Name: "Conv Z", Unit: "%", Direction: "up", Baseline: 1, Target: 2, TargetDate: "2031-03-04"}); err != nil {
			t.Errorf("a KPI save after a reading came in: %v, want it saved", err)
		}

		// Based on the current version, a save goes in.
		cur, _ := f.s.FindGoalByID(f.ctx, g.ID)
		f.clock.Advance(time.Second)
		if _, err := f.s.UpdateGoal(lodestar.WithBasedOn(f.ctx, cur.UpdatedAt), g.ID, lodestar.Goal{Title: "Grow Z", BusinessUnitID: bu.ID, Horizon: "year"}); err != nil {
			t.Errorf("a save based on the current version: %v", err)
		}
	})
}
