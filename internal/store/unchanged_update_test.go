package store_test

import (
	"reflect"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestUpdateThatChangesNothingIsNoChange: saving a record with every field
// as it is (a PUT of what GET returned, a form saved untouched) moves no
// updated_at and writes no audit entry, and the record comes back as it
// was; one changed field is an update as before, audited with its new
// updated_at.
func TestUpdateThatChangesNothingIsNoChange(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bu := f.unit("Retail", 0)
		g := f.goal("Grow", bu.ID)
		k := f.kpi("Conversion", g.ID, "up")
		p := f.pain("Stock-outs", bu.ID, 1000)
		uc := f.useCase(lodestar.NewUseCase{Title: "Forecasting", Stage: "idea", BusinessUnitID: bu.ID,
			PainPointIDs: []int64{p.ID}, Impacts: []lodestar.Impact{{KPIID: k.ID, Change: 5, Confidence: 0.5}}})
		m := f.recModel("1")
		mv, err := f.s.ListModelVersions(f.ctx, m.ID)
		if err != nil || len(mv) != 1 {
			t.Fatal(mv, err)
		}

		type step struct {
			name    string
			same    func() (time.Time, error) // the record saved as it is: its updated_at after
			changed func() (time.Time, error) // one field changed
			was     time.Time
		}
		steps := []step{
			{name: "business unit", was: bu.UpdatedAt,
				same: func() (time.Time, error) {
					x, err := f.s.UpdateBusinessUnit(f.ctx, bu.ID, lodestar.BusinessUnit{Name: "Retail"})
					return stamp(x, err)
				},
				changed: func() (time.Time, error) {
					x, err := f.s.UpdateBusinessUnit(f.ctx, bu.ID, lodestar.BusinessUnit{Name: "Retail", NameZH: "零售"})
					return stamp(x, err)
				}},
			{name: "goal", was: g.UpdatedAt,
				same: func() (time.Time, error) {
					x, err := f.s.UpdateGoal(f.ctx, g.ID, lodestar.Goal{Title: "Grow", BusinessUnitID: bu.ID, Horizon: "year"})
					return stamp(x, err)
				},
				changed: func() (time.Time, error) {
					x, err := f.s.UpdateGoal(f.ctx, g.ID, lodestar.Goal{Title: "Grow more", BusinessUnitID: bu.ID, Horizon: "year"})
					return stamp(x, err)
				}},
			{name: "kpi", was: k.UpdatedAt,
				same: func() (time.Time, error) {
					x, err := f.s.UpdateKPI(f.ctx, k.ID, lodestar.KPI{GoalID: g.ID, Name: "Conversion", Unit: "%", Direction: "up", Baseline: 100, Target: 200, TargetDate: "2031-03-04"})
					return stamp(x, err)
				},
				changed: func() (time.Time, error) {
					x, err := f.s.UpdateKPI(f.ctx, k.ID, lodestar.KPI{GoalID: g.ID, Name: "Conversion", Unit: "%", Direction: "up", Baseline: 100, Target: 250, TargetDate: "2031-03-04"})
					return stamp(x, err)
				}},
			{name: "pain point", was: p.UpdatedAt,
				same: func() (time.Time, error) {
					x, err := f.s.UpdatePainPoint(f.ctx, p.ID, lodestar.PainPoint{Title: "Stock-outs", BusinessUnitID: bu.ID, Category: "cost", AnnualCost: 1000})
					return stamp(x, err)
				},
				changed: func() (time.Time, error) {
					x, err := f.s.UpdatePainPoint(f.ctx, p.ID, lodestar.PainPoint{Title: "Stock-outs", BusinessUnitID: bu.ID, Category: "cost", AnnualCost: 1001})
					return stamp(x, err)
				}},
			{name: "use case", was: uc.UpdatedAt,
				same: func() (time.Time, error) {
					x, err := f.s.UpdateUseCase(f.ctx, uc.ID, lodestar.NewUseCase{Title: "Forecasting", BusinessUnitID: bu.ID,
						PainPointIDs: []int64{p.ID}, Impacts: []lodestar.Impact{{KPIID: k.ID, Change: 5, Confidence: 0.5}}})
					return stamp(x, err)
				},
				changed: func() (time.Time, error) {
					x, err := f.s.UpdateUseCase(f.ctx, uc.ID, lodestar.NewUseCase{Title: "Forecasting", BusinessUnitID: bu.ID,
						PainPointIDs: []int64{p.ID}, Impacts: []lodestar.Impact{{KPIID: k.ID, Change: 6, Confidence: 0.5}}})
					return stamp(x, err)
				}},
			{name: "model", was: m.UpdatedAt,
				same: func() (time.Time, error) {
					x, err := f.s.UpdateModel(f.ctx, m.ID, lodestar.Model{UseCaseID: m.UseCaseID, Name: "Rec"})
					return stamp(x, err)
				},
				changed: func() (time.Time, error) {
					x, err := f.s.UpdateModel(f.ctx, m.ID, lodestar.Model{UseCaseID: m.UseCaseID, Name: "Rec", Description: "Ranks products."})
					return stamp(x, err)
				}},
			{name: "provenance", was: mv[0].UpdatedAt,
				same: func() (time.Time, error) {
					x, err := f.s.UpdateModelProvenance(f.ctx, mv[0].ID, lodestar.Provenance{})
					return stamp(x, err)
				},
				changed: func() (time.Time, error) {
					x, err := f.s.UpdateModelProvenance(f.ctx, mv[0].ID, lodestar.Provenance{SourceCommit: "0123456789abcdef0123456789abcdef01234567"})
					return stamp(x, err)
				}},
		}
		for _, s := range steps {
			f.clock.Advance(time.Second)
			audits := f.auditCount()
			got, err := s.same()
			if err != nil {
				t.Fatalf("%s: saved unchanged: %v", s.name, err)
			}
			if !got.Equal(s.was) {
				t.Errorf("%s: saved unchanged, updated_at moved from %v to %v", s.name, s.was, got)
			}
			if n := f.auditCount() - audits; n != 0 {
				t.Errorf("%s: saved unchanged, %d audit entries written, want none", s.name, n)
			}
			f.clock.Advance(time.Second)
			got, err = s.changed()
			if err != nil {
				t.Fatalf("%s: one field changed: %v", s.name, err)
			}
			if !got.After(s.was) {
				t.Errorf("%s: one field changed, updated_at %v, want after %v", s.name, got, s.was)
			}
			if n := f.auditCount() - audits; n != 1 {
				t.Errorf("%s: one field changed, %d audit entries written, want 1", s.name, n)
			}
		}
		f.verify(int64(f.auditCount()))
	})
}

// stamp is an updated record's updated_at (x: a pointer to a record).
func stamp(x any, err error) (time.Time, error) {
	if err != nil {
		return time.Time{}, err
	}
	return reflect.ValueOf(x).Elem().FieldByName("UpdatedAt").Interface().(time.Time), nil
}
