package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

func TestPainPointCreate(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bu := f.unit("Manufacturing", 0)
		g := f.goal("Uptime", bu.ID)
		p, err := f.s.CreatePainPoint(f.ctx, lodestar.PainPoint{BusinessUnitID: bu.ID, Title: " Unplanned downtime ", TitleZH: " 非计划停机 ",
			Description: " Lines stop. ", Category: "cost", AnnualCost: 12_000_000, GoalID: g.ID})
		if err != nil {
			t.Fatalf("CreatePainPoint: %v", err)
		}
		if p.ID <= 0 || p.BusinessUnitID != bu.ID || p.Title != "Unplanned downtime" || p.TitleZH != "非计划停机" ||
			p.Description != "Lines stop." || p.Category != "cost" || p.AnnualCost != 12_000_000 || p.GoalID != g.ID || p.Archived {
			t.Errorf("CreatePainPoint: got %+v", *p)
		}
		f.wantAudit(3, "create", "pain_point", p.ID)
		for _, c := range lodestar.PainCategories {
			got, err := f.s.CreatePainPoint(f.ctx, lodestar.PainPoint{BusinessUnitID: bu.ID, Title: c, Category: c})
			if err != nil || got.Category != c || got.AnnualCost != 0 || got.GoalID != 0 {
				t.Errorf("CreatePainPoint(%s): got %+v, %v", c, got, err)
			}
		}
		found, err := f.s.FindPainPointByID(context.Background(), p.ID)
		if err != nil || found.Title != p.Title || found.AnnualCost != p.AnnualCost {
			t.Errorf("FindPainPointByID: got %+v, %v", found, err)
		}
		_, err = f.s.FindPainPointByID(context.Background(), 999)
		wantError(t, err, lodestar.ENotFound)
	})
}

func TestPainPointInvalid(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bu := f.unit("Retail", 0)
		oldBU := f.unit("Old", 0)
		if _, err := f.s.ArchiveBusinessUnit(f.ctx, oldBU.ID, true); err != nil {
			t.Fatal(err)
		}
		oldGoal := f.goal("Old goal", 0)
		if _, err := f.s.ArchiveGoal(f.ctx, oldGoal.ID, true); err != nil {
			t.Fatal(err)
		}
		existing := f.pain("Existing", bu.ID, 5)
		ok := lodestar.PainPoint{BusinessUnitID: bu.ID, Title: "P", Category: "risk", AnnualCost: 1}
		with := func(change func(p *lodestar.PainPoint)) lodestar.PainPoint {
			p := ok
			change(&p)
			return p
		}
		tests := []struct {
			name   string
			in     lodestar.PainPoint
			fields []string
		}{
			{"no title", with(func(p *lodestar.PainPoint) { p.Title = "" }), []string{"title"}},
			{"title too long", with(func(p *lodestar.PainPoint) { p.Title = repeat("痛", 201) }), []string{"title"}},
			{"description too long", with(func(p *lodestar.PainPoint) { p.Description = repeat("d", 10001) }), []string{"description"}},
			{"no category", with(func(p *lodestar.PainPoint) { p.Category = "" }), []string{"category"}},
			{"unknown category", with(func(p *lodestar.PainPoint) { p.Category = "morale" }), []string{"category"}},
			{"category is case-sensitive", with(func(p *lodestar.PainPoint) { p.Category = "Cost" }), []string{"category"}},
			{"negative annual cost", with(func(p *lodestar.PainPoint) { p.AnnualCost = -1 }), []string{"annual_cost"}},
			{"missing business unit", with(func(p *lodestar.PainPoint) { p.BusinessUnitID = 0 }), []string{"business_unit_id"}},
			{"unknown business unit", with(func(p *lodestar.PainPoint) { p.BusinessUnitID = 999 }), []string{"business_unit_id"}},
			{"archived business unit", with(func(p *lodestar.PainPoint) { p.BusinessUnitID = oldBU.ID }), []string{"business_unit_id"}},
			{"unknown goal", with(func(p *lodestar.PainPoint) { p.GoalID = 999 }), []string{"goal_id"}},
			{"archived goal", with(func(p *lodestar.PainPoint) { p.GoalID = oldGoal.ID }), []string{"goal_id"}},
			{"everything wrong", lodestar.PainPoint{AnnualCost: -5, Category: "x", GoalID: 999},
				[]string{"title", "category", "annual_cost", "business_unit_id", "goal_id"}},
		}
		before := f.snapshot()
		for _, tt := range tests {
			f.sub(tt.name, func(t *testing.T) {
				p, err := f.s.CreatePainPoint(f.ctx, tt.in)
				if p != nil {
					t.Errorf("CreatePainPoint: got %+v, want none", *p)
				}
				wantError(t, err, lodestar.EInvalid, tt.fields...)
				p, err = f.s.UpdatePainPoint(f.ctx, existing.ID, tt.in)
				if p != nil {
					t.Errorf("UpdatePainPoint: got %+v, want none", *p)
				}
				wantError(t, err, lodestar.EInvalid, tt.fields...)
				f.wantSame(before)
			})
		}
		_, err := f.s.UpdatePainPoint(f.ctx, 999, ok)
		wantError(t, err, lodestar.ENotFound)
		f.wantSame(before)
	})
}

func TestPainPointUpdateArchiveList(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		retail, logistics := f.unit("Retail", 0), f.unit("Logistics", 0)
		g := f.goal("Margin", 0)
		mk := func(title string, bu int64, cat string, cost int64, goal int64) *lodestar.PainPoint {
			t.Helper()
			p, err := f.s.CreatePainPoint(f.ctx, lodestar.PainPoint{BusinessUnitID: bu, Title: title, Category: cat, AnnualCost: cost, GoalID: goal})
			if err != nil {
				t.Fatal(err)
			}
			return p
		}
		stock := mk("Stock-outs 缺货", retail.ID, "revenue", 8_000_000, g.ID)
		waste := mk("Waste", retail.ID, "cost", 3_000_000, 0)
		late := mk("Late trucks", logistics.ID, "efficiency", 8_000_000, 0)
		queue := mk("Queues", retail.ID, "experience", 500_000, g.ID)
		n := int64(f.auditCount())

		f.clock.Advance(time.Hour)
		up, err := f.s.UpdatePainPoint(f.ctx, waste.ID, lodestar.PainPoint{BusinessUnitID: logistics.ID, Title: "Food waste", Category: "cost",
			AnnualCost: 9_000_000, GoalID: g.ID})
		if err != nil {
			t.Fatalf("UpdatePainPoint: %v", err)
		}
		if up.BusinessUnitID != logistics.ID || up.Title != "Food waste" || up.AnnualCost != 9_000_000 || up.GoalID != g.ID ||
			!up.UpdatedAt.Equal(f.clock.Now()) {
			t.Errorf("UpdatePainPoint: got %+v", *up)
		}
		n++
		f.wantAudit(n, "update", "pain_point", waste.ID)

		if got, err := f.s.ArchivePainPoint(f.ctx, queue.ID, true); err != nil || !got.Archived {
			t.Fatalf("ArchivePainPoint: %+v, %v", got, err)
		}
		n++
		f.wantAudit(n, "archive", "pain_point", queue.ID)
		before := f.snapshot()
		_, err = f.s.ArchivePainPoint(f.ctx, queue.ID, true)
		wantError(t, err, lodestar.EConflict)
		_, err = f.s.ArchivePainPoint(f.ctx, 999, true)
		wantError(t, err, lodestar.ENotFound)
		f.wantSame(before)

		tests := []struct {
			name string
			f    lodestar.ListFilter
			want []int64
		}{
			// Costliest first; equal costs by ID.
			{"live", lodestar.ListFilter{}, []int64{waste.ID, stock.ID, late.ID}},
			{"with archived", lodestar.ListFilter{Archived: true}, []int64{waste.ID, stock.ID, late.ID, queue.ID}},
			{"business unit", lodestar.ListFilter{BusinessUnitID: retail.ID}, []int64{stock.ID}},
			{"goal", lodestar.ListFilter{GoalID: g.ID}, []int64{waste.ID, stock.ID}},
			{"category", lodestar.ListFilter{Category: "efficiency"}, []int64{late.ID}},
			{"query", lodestar.ListFilter{Query: "trucks"}, []int64{late.ID}},
			{"query in Chinese", lodestar.ListFilter{Query: "缺货"}, []int64{stock.ID}},
		}
		for _, tt := range tests {
			list, err := f.s.ListPainPoints(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, p := range list {
				got = append(got, p.ID)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ListPainPoints %s: got %v, want %v", tt.name, got, tt.want)
			}
		}
	})
}
