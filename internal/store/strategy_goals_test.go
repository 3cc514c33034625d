package store_test

import (
	"context"
	"slices"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

func TestGoalCreate(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		owner := f.seedUser("ceo@example.com", lodestar.RoleCommittee)
		bu := f.unit("Retail", 0)
		g, err := f.s.CreateGoal(f.ctx, lodestar.Goal{Title: " Grow margin ", TitleZH: " 提升毛利 ", Description: " By 2 points. ",
			BusinessUnitID: bu.ID, OwnerID: owner.ID, Horizon: "year"})
		if err != nil {
			t.Fatalf("CreateGoal: %v", err)
		}
		if g.ID <= 0 || g.Title != "Grow margin" || g.TitleZH != "提升毛利" || g.Description != "By 2 points." ||
			g.BusinessUnitID != bu.ID || g.OwnerID != owner.ID || g.Horizon != "year" || g.Archived ||
			!g.CreatedAt.Equal(f.clock.Now()) {
			t.Errorf("CreateGoal: got %+v, want trimmed fields with unit and owner", *g)
		}
		if g.Status != "active" {
			t.Errorf("CreateGoal without status: got %q, want active", g.Status)
		}
		f.wantAudit(2, "create", "goal", g.ID)

		// Every horizon and status is accepted; unit and owner are optional.
		for _, h := range lodestar.GoalHorizons {
			for _, st := range lodestar.GoalStatuses {
				got, err := f.s.CreateGoal(f.ctx, lodestar.Goal{Title: h + " " + st, Horizon: h, Status: st})
				if err != nil {
					t.Errorf("CreateGoal(%s, %s): %v", h, st, err)
					continue
				}
				if got.Horizon != h || got.Status != st || got.BusinessUnitID != 0 || got.OwnerID != 0 {
					t.Errorf("CreateGoal(%s, %s): got %+v", h, st, *got)
				}
			}
		}
		found, err := f.s.FindGoalByID(context.Background(), g.ID)
		if err != nil || found.Title != g.Title || found.OwnerID != owner.ID {
			t.Errorf("FindGoalByID: got %+v, %v", found, err)
		}
		_, err = f.s.FindGoalByID(context.Background(), 999)
		wantError(t, err, lodestar.ENotFound)
	})
}

func TestGoalInvalid(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		owner := f.seedUser("ceo@example.com", lodestar.RoleCommittee)
		gone := f.seedUser("gone@example.com", lodestar.RoleBusinessOwner)
		f.disableUser(gone.ID)
		bu := f.unit("Retail", 0)
		old := f.unit("Old", 0)
		if _, err := f.s.ArchiveBusinessUnit(f.ctx, old.ID, true); err != nil {
			t.Fatal(err)
		}
		existing := f.goal("Existing", bu.ID)
		ok := lodestar.Goal{Title: "T", Horizon: "quarter", BusinessUnitID: bu.ID, OwnerID: owner.ID}
		with := func(change func(g *lodestar.Goal)) lodestar.Goal {
			g := ok
			change(&g)
			return g
		}
		tests := []struct {
			name   string
			in     lodestar.Goal
			fields []string
		}{
			{"no title", with(func(g *lodestar.Goal) { g.Title = " " }), []string{"title"}},
			{"title too long", with(func(g *lodestar.Goal) { g.Title = repeat("目", 201) }), []string{"title"}},
			{"Chinese title too long", with(func(g *lodestar.Goal) { g.TitleZH = repeat("目", 201) }), []string{"title_zh"}},
			{"description too long", with(func(g *lodestar.Goal) { g.Description = repeat("d", 10001) }), []string{"description"}},
			{"no horizon", with(func(g *lodestar.Goal) { g.Horizon = "" }), []string{"horizon"}},
			{"unknown horizon", with(func(g *lodestar.Goal) { g.Horizon = "decade" }), []string{"horizon"}},
			{"horizon is case-sensitive", with(func(g *lodestar.Goal) { g.Horizon = "Year" }), []string{"horizon"}},
			{"unknown status", with(func(g *lodestar.Goal) { g.Status = "paused" }), []string{"status"}},
			{"unknown business unit", with(func(g *lodestar.Goal) { g.BusinessUnitID = 999 }), []string{"business_unit_id"}},
			{"archived business unit", with(func(g *lodestar.Goal) { g.BusinessUnitID = old.ID }), []string{"business_unit_id"}},
			{"unknown owner", with(func(g *lodestar.Goal) { g.OwnerID = 999 }), []string{"owner_id"}},
			{"disabled owner", with(func(g *lodestar.Goal) { g.OwnerID = gone.ID }), []string{"owner_id"}},
			{"everything wrong", lodestar.Goal{Horizon: "x", Status: "y", BusinessUnitID: 999, OwnerID: 999},
				[]string{"title", "horizon", "status", "business_unit_id", "owner_id"}},
		}
		before := f.snapshot()
		for _, tt := range tests {
			f.sub(tt.name, func(t *testing.T) {
				g, err := f.s.CreateGoal(f.ctx, tt.in)
				if g != nil {
					t.Errorf("CreateGoal: got %+v, want none", *g)
				}
				wantError(t, err, lodestar.EInvalid, tt.fields...)
				g, err = f.s.UpdateGoal(f.ctx, existing.ID, tt.in)
				if g != nil {
					t.Errorf("UpdateGoal: got %+v, want none", *g)
				}
				wantError(t, err, lodestar.EInvalid, tt.fields...)
				f.wantSame(before)
			})
		}
		_, err := f.s.UpdateGoal(f.ctx, 999, ok)
		wantError(t, err, lodestar.ENotFound)
		f.wantSame(before)
	})
}

func TestGoalUpdateAndArchive(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		owner := f.seedUser("ceo@example.com", lodestar.RoleCommittee)
		bu := f.unit("Retail", 0)
		g := f.goal("Grow margin", 0)
		n := int64(f.auditCount())

		f.clock.Advance(time.Hour)
		up, err := f.s.UpdateGoal(f.ctx, g.ID, lodestar.Goal{Title: "Grow gross margin", BusinessUnitID: bu.ID, OwnerID: owner.ID,
			Horizon: "three_years", Status: "achieved"})
		if err != nil {
			t.Fatalf("UpdateGoal: %v", err)
		}
		if up.Title != "Grow gross margin" || up.BusinessUnitID != bu.ID || up.OwnerID != owner.ID || up.Horizon != "three_years" ||
			up.Status != "achieved" || !up.UpdatedAt.Equal(f.clock.Now()) || !up.CreatedAt.Equal(g.CreatedAt) {
			t.Errorf("UpdateGoal: got %+v", *up)
		}
		n++
		f.wantAudit(n, "update", "goal", g.ID)

		// An update without a status means active again.
		up, err = f.s.UpdateGoal(f.ctx, g.ID, lodestar.Goal{Title: "Grow gross margin", Horizon: "year"})
		if err != nil || up.Status != "active" || up.BusinessUnitID != 0 || up.OwnerID != 0 {
			t.Errorf("UpdateGoal without status, unit, owner: got %+v, %v", up, err)
		}
		n++

		arch, err := f.s.ArchiveGoal(f.ctx, g.ID, true)
		if err != nil || !arch.Archived {
			t.Fatalf("ArchiveGoal: got %+v, %v", arch, err)
		}
		n++
		f.wantAudit(n, "archive", "goal", g.ID)
		before := f.snapshot()
		_, err = f.s.ArchiveGoal(f.ctx, g.ID, true)
		wantError(t, err, lodestar.EConflict)
		_, err = f.s.ArchiveGoal(f.ctx, 999, true)
		wantError(t, err, lodestar.ENotFound)
		// An archived goal cannot be given new KPIs or pain points.
		_, err = f.s.CreateKPI(f.ctx, lodestar.KPI{GoalID: g.ID, Name: "K", Unit: "%", Direction: "up", TargetDate: "2031-01-01"})
		wantError(t, err, lodestar.EInvalid, "goal_id")
		_, err = f.s.CreatePainPoint(f.ctx, lodestar.PainPoint{GoalID: g.ID, BusinessUnitID: bu.ID, Title: "P", Category: "cost"})
		wantError(t, err, lodestar.EInvalid, "goal_id")
		f.wantSame(before)
		if _, err := f.s.ArchiveGoal(f.ctx, g.ID, false); err != nil {
			t.Fatalf("unarchive: %v", err)
		}
		n++
		f.wantAudit(n, "unarchive", "goal", g.ID)
	})
}

func TestListGoals(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		retail, finance := f.unit("Retail", 0), f.unit("Finance", 0)
		mk := func(title, zh string, bu int64, status string) *lodestar.Goal {
			t.Helper()
			f.clock.Advance(time.Minute)
			g, err := f.s.CreateGoal(f.ctx, lodestar.Goal{Title: title, TitleZH: zh, BusinessUnitID: bu, Horizon: "year", Status: status})
			if err != nil {
				t.Fatal(err)
			}
			return g
		}
		mk("Cut churn", "降低流失", retail.ID, "active")
		mk("Any margin", "毛利", finance.ID, "draft")
		old := mk("Be first", "第一", retail.ID, "abandoned")
		mk("Detect fraud", "反欺诈", finance.ID, "active")
		if _, err := f.s.ArchiveGoal(f.ctx, old.ID, true); err != nil {
			t.Fatal(err)
		}
		tests := []struct {
			name string
			f    lodestar.ListFilter
			want []string
		}{
			{"all live, by title", lodestar.ListFilter{}, []string{"Any margin", "Cut churn", "Detect fraud"}},
			{"with archived", lodestar.ListFilter{Archived: true}, []string{"Any margin", "Be first", "Cut churn", "Detect fraud"}},
			{"business unit", lodestar.ListFilter{BusinessUnitID: finance.ID}, []string{"Any margin", "Detect fraud"}},
			{"status", lodestar.ListFilter{Status: "active"}, []string{"Cut churn", "Detect fraud"}},
			{"query", lodestar.ListFilter{Query: "FRAUD"}, []string{"Detect fraud"}},
			{"query in Chinese", lodestar.ListFilter{Query: "流失"}, []string{"Cut churn"}},
			{"newest change first", lodestar.ListFilter{Sort: "-updated"}, []string{"Detect fraud", "Any margin", "Cut churn"}},
		}
		for _, tt := range tests {
			list, err := f.s.ListGoals(context.Background(), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, g := range list {
				got = append(got, g.Title)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ListGoals %s: got %v, want %v", tt.name, got, tt.want)
			}
		}
	})
}
