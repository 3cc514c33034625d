package store_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// world is a small enterprise for use-case tests: two users and a
// disabled one, a live and an archived unit, a goal with two KPIs, a KPI
// with no goal, an archived KPI, a live and an archived pain point.
type world struct {
	sponsor, lead, gone      *lodestar.User
	bu, oldBU                *lodestar.BusinessUnit
	goal                     *lodestar.Goal
	k1, k2, orphan, archived *lodestar.KPI
	pain, pain2, oldPain     *lodestar.PainPoint
	aligned                  lodestar.NewUseCase // a valid, aligned input
}

func newWorld(f *fixture) *world {
	f.t.Helper()
	w := &world{}
	w.sponsor = f.seedUser("sponsor@example.com", lodestar.RoleBusinessOwner)
	w.lead = f.seedUser("lead@example.com", lodestar.RoleAITeam)
	w.gone = f.seedUser("gone@example.com", lodestar.RoleBusinessOwner)
	f.disableUser(w.gone.ID)
	w.bu = f.unit("Retail", 0)
	w.oldBU = f.unit("Old", 0)
	w.goal = f.goal("Grow basket size", w.bu.ID)
	w.k1 = f.kpi("Basket size", w.goal.ID, "up")
	w.k2 = f.kpi("Return rate", w.goal.ID, "down")
	w.orphan = f.kpi("Page views", 0, "up")
	w.archived = f.kpi("Old KPI", w.goal.ID, "up")
	w.pain = f.pain("No personalisation", w.bu.ID, 4_000_000)
	w.pain2 = f.pain("Stale assortments", w.bu.ID, 2_000_000)
	w.oldPain = f.pain("Old pain", w.bu.ID, 1)
	for _, err := range []error{
		second(f.s.ArchiveBusinessUnit(f.ctx, w.oldBU.ID, true)),
		second(f.s.ArchiveKPI(f.ctx, w.archived.ID, true)),
		second(f.s.ArchivePainPoint(f.ctx, w.oldPain.ID, true)),
	} {
		if err != nil {
			f.t.Fatal(err)
		}
	}
	w.aligned = lodestar.NewUseCase{
		Title: "Recommendations", BusinessUnitID: w.bu.ID, SponsorID: w.sponsor.ID, AILeadID: w.lead.ID,
		PainPointIDs: []int64{w.pain.ID}, Impacts: []lodestar.Impact{{KPIID: w.k1.ID, Change: 5, Confidence: 0.6}},
		ValueEstimate: 10_000_000, CostEstimate: 2_000_000, Feasibility: fz(4, 4, 4, 4), Tags: []string{"ml"},
	}
	return w
}

func second[T any](_ T, err error) error { return err }

func fz(data, tech, skills, integration int) lodestar.Feasibility {
	return lodestar.Feasibility{DataReadiness: data, TechnicalMaturity: tech, Skills: skills, Integration: integration}
}

func TestUseCaseInvalid(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		w := newWorld(f)
		existing := f.useCase(w.aligned)
		imp := func(kpi int64, change, conf float64) lodestar.Impact {
			return lodestar.Impact{KPIID: kpi, Change: change, Confidence: conf}
		}
		with := func(change func(in *lodestar.NewUseCase)) lodestar.NewUseCase {
			in := w.aligned
			in.Impacts = slices.Clone(in.Impacts)
			change(&in)
			return in
		}
		k1 := w.k1.ID
		tests := []struct {
			name   string
			in     lodestar.NewUseCase
			fields []string
		}{
			{"no title", with(func(in *lodestar.NewUseCase) { in.Title = "  " }), []string{"title"}},
			{"unknown stage", with(func(in *lodestar.NewUseCase) { in.Stage = "paused" }), []string{"stage"}},
			{"impact on an unknown KPI", with(func(in *lodestar.NewUseCase) { in.Impacts = []lodestar.Impact{imp(999, 1, 0.5)} }),
				[]string{"impacts[0].kpi_id"}},
			{"impact on an archived KPI", with(func(in *lodestar.NewUseCase) {
				in.Impacts = []lodestar.Impact{imp(k1, 1, 0.5), imp(w.archived.ID, 1, 0.5)}
			}), []string{"impacts[1].kpi_id"}},
			{"same KPI twice", with(func(in *lodestar.NewUseCase) {
				in.Impacts = []lodestar.Impact{imp(k1, 1, 0.5), imp(w.k2.ID, -1, 0.5), imp(k1, 2, 0.5)}
			}), []string{"impacts[2].kpi_id"}},
			{"no KPI chosen", with(func(in *lodestar.NewUseCase) { in.Impacts = []lodestar.Impact{imp(0, 1, 0.5)} }), []string{"impacts[0].kpi_id"}},
			{"negative KPI id", with(func(in *lodestar.NewUseCase) { in.Impacts = []lodestar.Impact{imp(-3, 1, 0.5)} }), []string{"impacts[0].kpi_id"}},
			{"zero change", with(func(in *lodestar.NewUseCase) { in.Impacts = []lodestar.Impact{imp(k1, 0, 0.5)} }), []string{"impacts[0].change"}},
			{"NaN change", with(func(in *lodestar.NewUseCase) { in.Impacts = []lodestar.Impact{imp(k1, math.NaN(), 0.5)} }), []string{"impacts[0].change"}},
			{"infinite change", with(func(in *lodestar.NewUseCase) { in.Impacts = []lodestar.Impact{imp(k1, math.Inf(-1), 0.5)} }), []string{"impacts[0].change"}},
			{"confidence above 1", with(func(in *lodestar.NewUseCase) { in.Impacts = []lodestar.Impact{imp(k1, 1, 1.01)} }), []string{"impacts[0].confidence"}},
			{"confidence below 0", with(func(in *lodestar.NewUseCase) {
				in.Impacts = []lodestar.Impact{imp(k1, 1, 0.5), imp(w.k2.ID, 1, -0.1)}
			}), []string{"impacts[1].confidence"}},
			{"confidence NaN", with(func(in *lodestar.NewUseCase) { in.Impacts = []lodestar.Impact{imp(k1, 1, math.NaN())} }), []string{"impacts[0].confidence"}},
			{"negative value", with(func(in *lodestar.NewUseCase) { in.ValueEstimate = -1 }), []string{"value_estimate"}},
			{"negative cost", with(func(in *lodestar.NewUseCase) { in.CostEstimate = -1_000_000 }), []string{"cost_estimate"}},
			{"data readiness 6", with(func(in *lodestar.NewUseCase) { in.Feasibility.DataReadiness = 6 }), []string{"feasibility.data_readiness"}},
			{"technical maturity -1", with(func(in *lodestar.NewUseCase) { in.Feasibility.TechnicalMaturity = -1 }), []string{"feasibility.technical_maturity"}},
			{"skills 10", with(func(in *lodestar.NewUseCase) { in.Feasibility.Skills = 10 }), []string{"feasibility.skills"}},
			{"integration 6", with(func(in *lodestar.NewUseCase) { in.Feasibility.Integration = 6 }), []string{"feasibility.integration"}},
			{"unknown pain point", with(func(in *lodestar.NewUseCase) { in.PainPointIDs = []int64{w.pain.ID, 999} }), []string{"pain_point_ids[1]"}},
			// The index is the input's, repeats included.
			{"unknown pain point after a repeat", with(func(in *lodestar.NewUseCase) { in.PainPointIDs = []int64{w.pain.ID, w.pain.ID, 999} }),
				[]string{"pain_point_ids[2]"}},
			{"archived pain point", with(func(in *lodestar.NewUseCase) { in.PainPointIDs = []int64{w.oldPain.ID} }), []string{"pain_point_ids[0]"}},
			{"unknown sponsor", with(func(in *lodestar.NewUseCase) { in.SponsorID = 999 }), []string{"sponsor_id"}},
			{"disabled sponsor", with(func(in *lodestar.NewUseCase) { in.SponsorID = w.gone.ID }), []string{"sponsor_id"}},
			{"unknown AI lead", with(func(in *lodestar.NewUseCase) { in.AILeadID = 999 }), []string{"ai_lead_id"}},
			{"unknown business unit", with(func(in *lodestar.NewUseCase) { in.BusinessUnitID = 999 }), []string{"business_unit_id"}},
			{"archived business unit", with(func(in *lodestar.NewUseCase) { in.BusinessUnitID = w.oldBU.ID }), []string{"business_unit_id"}},
			{"tag too long", with(func(in *lodestar.NewUseCase) { in.Tags = []string{"ok", repeat("标", 41)} }), []string{"tags"}},
			{"too many tags", with(func(in *lodestar.NewUseCase) {
				in.Tags = nil
				for i := range 21 {
					in.Tags = append(in.Tags, fmt.Sprint("t", i))
				}
			}), []string{"tags"}},
			{"several faults of the input itself", with(func(in *lodestar.NewUseCase) {
				in.ValueEstimate, in.CostEstimate, in.Feasibility.Skills = -1, -1, 7
				in.Impacts = []lodestar.Impact{imp(k1, 0, 0.5), imp(w.k2.ID, 1, 2)}
			}), []string{"value_estimate", "cost_estimate", "feasibility.skills", "impacts[0].change", "impacts[1].confidence"}},
			{"several bad references", with(func(in *lodestar.NewUseCase) {
				in.SponsorID, in.AILeadID, in.BusinessUnitID = 999, w.gone.ID, w.oldBU.ID
				in.PainPointIDs = []int64{999}
				in.Impacts = []lodestar.Impact{imp(998, 1, 0.5), imp(w.archived.ID, 1, 0.5)}
			}), []string{"sponsor_id", "ai_lead_id", "business_unit_id", "pain_point_ids[0]", "impacts[0].kpi_id", "impacts[1].kpi_id"}},
		}
		before := f.snapshot()
		for _, tt := range tests {
			f.sub(tt.name, func(t *testing.T) {
				uc, err := f.s.CreateUseCase(f.ctx, tt.in)
				if uc != nil {
					t.Errorf("CreateUseCase: got %+v, want none", *uc)
				}
				wantError(t, err, lodestar.EInvalid, tt.fields...)
				uc, err = f.s.UpdateUseCase(f.ctx, existing.ID, tt.in)
				if uc != nil {
					t.Errorf("UpdateUseCase: got %+v, want none", *uc)
				}
				wantError(t, err, lodestar.EInvalid, tt.fields...)
				f.wantSame(before)
			})
		}
		_, err := f.s.UpdateUseCase(f.ctx, 999, w.aligned)
		wantError(t, err, lodestar.ENotFound)
		f.wantSame(before)

		// The limits themselves are accepted.
		edge := with(func(in *lodestar.NewUseCase) {
			in.Title = "Recommendations at the limits" // the same title again would be a duplicate
			in.Feasibility = fz(5, 0, 1, 5)
			in.Impacts = []lodestar.Impact{imp(k1, 0.001, 0), imp(w.k2.ID, -1e9, 1)}
			in.ValueEstimate, in.CostEstimate = 0, 0
		})
		if _, err := f.s.CreateUseCase(f.ctx, edge); err != nil {
			t.Errorf("CreateUseCase at the limits: %v", err)
		}
	})
}

func TestUseCaseCreateStoresEverything(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		w := newWorld(f)
		in := w.aligned
		in.TitleZH = " 智能推荐 "
		in.PainPointIDs = []int64{w.pain2.ID, w.pain.ID, w.pain2.ID} // a repeat is dropped
		in.Impacts = []lodestar.Impact{{KPIID: w.k2.ID, Change: -0.5, Confidence: 0.3}, {KPIID: w.k1.ID, Change: 5, Confidence: 0.6}}
		in.Tags = []string{" ml ", "", "cv", "ml"}
		n := int64(f.auditCount())
		uc, err := f.s.CreateUseCase(f.ctx, in)
		if err != nil {
			t.Fatalf("CreateUseCase: %v", err)
		}
		n++
		f.wantAudit(n, "create", "use_case", uc.ID)
		for label, got := range map[string]*lodestar.UseCase{"created": uc, "found": must(f.s.FindUseCaseByID(context.Background(), uc.ID))} {
			if got.TitleZH != "智能推荐" || got.BusinessUnitID != w.bu.ID || got.SponsorID != w.sponsor.ID || got.AILeadID != w.lead.ID ||
				got.Stage != lodestar.StageIdea || !got.StageChangedAt.Equal(f.clock.Now()) || got.ValueEstimate != 10_000_000 ||
				got.CostEstimate != 2_000_000 || got.Feasibility != fz(4, 4, 4, 4) || got.RiskTier != "unassessed" || got.Archived {
				t.Errorf("%s: got %+v", label, *got)
			}
			if !slices.Equal(got.PainPointIDs, []int64{w.pain.ID, w.pain2.ID}) {
				t.Errorf("%s: got pain points %v, want %v", label, got.PainPointIDs, []int64{w.pain.ID, w.pain2.ID})
			}
			wantImpacts := []lodestar.Impact{{KPIID: w.k1.ID, Change: 5, Confidence: 0.6}, {KPIID: w.k2.ID, Change: -0.5, Confidence: 0.3}}
			if !slices.Equal(got.Impacts, wantImpacts) {
				t.Errorf("%s: got impacts %+v, want %+v", label, got.Impacts, wantImpacts)
			}
			if !slices.Equal(got.Tags, []string{"ml", "cv"}) {
				t.Errorf("%s: got tags %q, want [ml cv]", label, got.Tags)
			}
			// 8M net × 4/5 ÷ 1 (unassessed).
			if got.Score != 6.4 || got.Score != portfolio.Score(in.ValueEstimate, in.CostEstimate, in.Feasibility, "unassessed") {
				t.Errorf("%s: got score %v, want 6.4", label, got.Score)
			}
			if got.Alignment.Status != "aligned" || len(got.Alignment.Reasons) != 0 || got.Alignment.Reasons == nil {
				t.Errorf("%s: got alignment %+v, want aligned with an empty list", label, got.Alignment)
			}
		}
		if got := testdb0(t, f, `SELECT COUNT(*) FROM use_case_pain_points WHERE use_case_id = ?`, uc.ID); got != 2 {
			t.Errorf("got %d pain point links, want 2", got)
		}
		// Created straight into a live stage, a use case is live from then.
		live, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Already running", Stage: lodestar.StagePilot})
		if err != nil || live.Stage != lodestar.StagePilot {
			t.Fatalf("CreateUseCase in pilot: %+v, %v", live, err)
		}
		if since, _ := f.s.LiveSince(context.Background(), live.ID); since != sqldb.FormatTime(f.clock.Now()) {
			t.Errorf("LiveSince of a use case created in pilot: got %q, want now", since)
		}
		if since, _ := f.s.LiveSince(context.Background(), uc.ID); since != "" {
			t.Errorf("LiveSince of an idea: got %q, want none", since)
		}
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestUseCaseAlignmentAndScore(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		w := newWorld(f)
		orphan := fmt.Sprintf("kpi_without_goal:%d", w.orphan.ID)
		tests := []struct {
			name    string
			change  func(in *lodestar.NewUseCase)
			reasons []string
			score   float64 // by hand
		}{
			{"aligned", func(in *lodestar.NewUseCase) {}, nil, 6.4},
			{"no KPI impact", func(in *lodestar.NewUseCase) { in.Impacts = nil }, []string{lodestar.ReasonNoKPIImpact}, 6.4},
			{"no sponsor", func(in *lodestar.NewUseCase) { in.SponsorID = 0 }, []string{lodestar.ReasonNoSponsor}, 6.4},
			{"no pain point", func(in *lodestar.NewUseCase) { in.PainPointIDs = nil }, []string{lodestar.ReasonNoPainPoint}, 6.4},
			{"KPI without goal", func(in *lodestar.NewUseCase) {
				in.Impacts = append(in.Impacts, lodestar.Impact{KPIID: w.orphan.ID, Change: 100, Confidence: 0.2})
			}, []string{orphan}, 6.4},
			{"the AI lead is no sponsor", func(in *lodestar.NewUseCase) { in.SponsorID, in.AILeadID = 0, w.sponsor.ID }, []string{lodestar.ReasonNoSponsor}, 6.4},
			{"all four", func(in *lodestar.NewUseCase) {
				in.SponsorID, in.PainPointIDs = 0, nil
				in.Impacts = []lodestar.Impact{{KPIID: w.orphan.ID, Change: 1, Confidence: 1}}
			}, []string{lodestar.ReasonNoSponsor, lodestar.ReasonNoPainPoint, orphan}, 6.4},
			{"nothing linked", func(in *lodestar.NewUseCase) { in.SponsorID, in.PainPointIDs, in.Impacts = 0, nil, nil },
				[]string{lodestar.ReasonNoKPIImpact, lodestar.ReasonNoSponsor, lodestar.ReasonNoPainPoint}, 6.4},
			// 7M net × ((5+1+3+1)/4 ÷ 5) = 7 × 0.5.
			{"partly scored feasibility", func(in *lodestar.NewUseCase) { in.CostEstimate, in.Feasibility = 3_000_000, fz(5, 0, 3, 0) }, nil, 3.5},
			{"costs more than it brings", func(in *lodestar.NewUseCase) { in.CostEstimate = 12_000_000 }, nil, 0},
			{"unscored", func(in *lodestar.NewUseCase) { in.Feasibility = lodestar.Feasibility{} }, nil, 1.6},
		}
		for _, tt := range tests {
			in := w.aligned
			in.Title = tt.name
			tt.change(&in)
			wantReasons := tt.reasons
			if wantReasons == nil {
				wantReasons = []string{}
			}
			status := "aligned"
			if len(wantReasons) > 0 {
				status = "misaligned"
			}
			check := func(t *testing.T, label string, uc *lodestar.UseCase) {
				t.Helper()
				if uc.Alignment.Status != status || !slices.Equal(uc.Alignment.Reasons, wantReasons) {
					t.Errorf("%s: got %s %q, want %s %q", label, uc.Alignment.Status, uc.Alignment.Reasons, status, wantReasons)
				}
				if uc.Score != tt.score || uc.Score != portfolio.Score(in.ValueEstimate, in.CostEstimate, in.Feasibility, uc.RiskTier) {
					t.Errorf("%s: got score %v, want %v", label, uc.Score, tt.score)
				}
			}
			f.sub(tt.name, func(t *testing.T) {
				uc, err := f.s.CreateUseCase(f.ctx, in)
				if err != nil {
					t.Fatalf("CreateUseCase: %v", err)
				}
				check(t, "create", uc)
				check(t, "create, read back", must(f.s.FindUseCaseByID(context.Background(), uc.ID)))

				// Update to the opposite and back: recomputed each time.
				opposite := w.aligned
				opposite.Title = "opposite"
				opposite.ValueEstimate = 0
				if status == "aligned" {
					opposite.SponsorID, opposite.PainPointIDs, opposite.Impacts = 0, nil, nil
				}
				mid, err := f.s.UpdateUseCase(f.ctx, uc.ID, opposite)
				if err != nil {
					t.Fatalf("UpdateUseCase: %v", err)
				}
				if mid.Score != 0 || (mid.Alignment.Status == status) {
					t.Errorf("update to the opposite: got %s score %v", mid.Alignment.Status, mid.Score)
				}
				up, err := f.s.UpdateUseCase(f.ctx, uc.ID, in)
				if err != nil {
					t.Fatalf("UpdateUseCase back: %v", err)
				}
				check(t, "update", up)
				check(t, "update, read back", must(f.s.FindUseCaseByID(context.Background(), uc.ID)))
			})
		}
	})
}

func TestUseCaseUpdate(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		w := newWorld(f)
		uc := f.useCase(w.aligned)
		n := int64(f.auditCount())
		f.clock.Advance(time.Hour)

		in := w.aligned
		in.Title = "Next best offer"
		in.PainPointIDs = []int64{w.pain2.ID}
		in.Impacts = []lodestar.Impact{{KPIID: w.k2.ID, Change: -1, Confidence: 0.4}}
		in.Tags = nil
		in.Stage = lodestar.StageIdea // the current stage: no change
		up, err := f.s.UpdateUseCase(f.ctx, uc.ID, in)
		if err != nil {
			t.Fatalf("UpdateUseCase: %v", err)
		}
		if up.Title != "Next best offer" || !slices.Equal(up.PainPointIDs, []int64{w.pain2.ID}) || len(up.Impacts) != 1 ||
			up.Impacts[0].KPIID != w.k2.ID || len(up.Tags) != 0 || !up.UpdatedAt.Equal(f.clock.Now()) ||
			!up.CreatedAt.Equal(uc.CreatedAt) || !up.StageChangedAt.Equal(uc.StageChangedAt) || up.Stage != lodestar.StageIdea {
			t.Errorf("UpdateUseCase: got %+v", *up)
		}
		n++
		f.wantAudit(n, "update", "use_case", uc.ID)
		if got := testdb0(t, f, `SELECT COUNT(*) FROM use_case_impacts WHERE use_case_id = ?`, uc.ID); got != 1 {
			t.Errorf("got %d impact rows, want 1: the old ones replaced", got)
		}

		// The stage only moves through ChangeStage.
		before := f.snapshot()
		for _, st := range []string{lodestar.StageAssessment, lodestar.StagePilot, lodestar.StageRejected} {
			in.Stage = st
			got, err := f.s.UpdateUseCase(f.ctx, uc.ID, in)
			if got != nil {
				t.Errorf("UpdateUseCase to %s: got %+v, want none", st, *got)
			}
			wantError(t, err, lodestar.EInvalid, "stage")
		}
		f.wantSame(before)
		in.Stage = ""
		if _, err := f.s.UpdateUseCase(f.ctx, uc.ID, in); err != nil {
			t.Errorf("UpdateUseCase without a stage: %v", err)
		}
	})
}

func TestChangeStage(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		w := newWorld(f)
		uc := f.useCase(w.aligned)
		alice := lodestar.Actor{ID: w.sponsor.ID, Label: "sponsor@example.com", Role: lodestar.RoleBusinessOwner}
		bob := lodestar.Actor{ID: w.lead.ID, Label: "lead@example.com", Role: lodestar.RoleAITeam}
		n := int64(f.auditCount())

		type move struct {
			to, reason string
			by         lodestar.Actor
		}
		path := []move{
			{lodestar.StageAssessment, "Worth a look", alice},
			{lodestar.StageApproved, "  Committee said yes  ", bob},
			{lodestar.StagePilot, "Go live in two stores", alice}, // go-live
			{lodestar.StageScaling, "Pilot worked", bob},
			{lodestar.StagePilot, "Scaling broke the data feed", bob},
			{lodestar.StageApproved, "Pause", alice},
			{lodestar.StagePilot, "Back on", alice},
			{lodestar.StageScaling, "Fixed", alice},
			{lodestar.StageOperating, "Business as usual", bob},
		}
		var at []time.Time
		for i, m := range path {
			f.clock.Advance(time.Duration(i+1) * 24 * time.Hour)
			at = append(at, f.clock.Now())
			got, err := f.s.ChangeStage(lodestar.WithActor(context.Background(), m.by), uc.ID, m.to, m.reason)
			if err != nil {
				t.Fatalf("move %d to %s: %v", i, m.to, err)
			}
			if got.Stage != m.to || !got.StageChangedAt.Equal(f.clock.Now()) || !got.UpdatedAt.Equal(f.clock.Now()) {
				t.Errorf("move %d: got stage %s changed %v, want %s now", i, got.Stage, got.StageChangedAt, m.to)
			}
			n++
			wantEvent(t, f.lastEvent(), m.by, "change_stage", "use_case", uc.ID)
			f.verify(n)
		}
		goLive := sqldb.FormatTime(at[2])
		if since, err := f.s.LiveSince(context.Background(), uc.ID); err != nil || since != goLive {
			t.Errorf("LiveSince: got %q, %v, want the first entry into pilot %s", since, err, goLive)
		}
		hist, err := f.s.StageHistory(context.Background(), uc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != len(path) {
			t.Fatalf("StageHistory: got %d entries, want %d", len(hist), len(path))
		}
		from := lodestar.StageIdea
		for i, h := range hist {
			m := path[i]
			want := lodestar.StageChange{UseCaseID: uc.ID, From: from, To: m.to, ActorID: m.by.ID, Actor: m.by.Label,
				Reason: strings.TrimSpace(m.reason)}
			got := *h
			got.At = time.Time{}
			if got != want || !h.At.Equal(at[i]) {
				t.Errorf("history %d: got %+v, want %+v at %v", i, *h, want, at[i])
			}
			from = m.to
		}

		// Refused moves change nothing.
		other := f.useCase(lodestar.NewUseCase{Title: "Other"})
		retired := f.useCase(lodestar.NewUseCase{Title: "Retired", Stage: lodestar.StageOperating})
		if _, err := f.s.ChangeStage(f.ctx, retired.ID, lodestar.StageRetired, "Done"); err != nil {
			t.Fatal(err)
		}
		archived := f.useCase(lodestar.NewUseCase{Title: "Archived"})
		if _, err := f.s.ArchiveUseCase(f.ctx, archived.ID, true); err != nil {
			t.Fatal(err)
		}
		refused := []struct {
			name   string
			id     int64
			to     string
			reason string
			code   string
			field  string
		}{
			{"jump forward two", other.ID, lodestar.StageApproved, "hurry", lodestar.EInvalid, "stage"},
			{"jump to pilot", other.ID, lodestar.StagePilot, "hurry", lodestar.EInvalid, "stage"},
			{"retire an idea", other.ID, lodestar.StageRetired, "never mind", lodestar.EInvalid, "stage"},
			{"reject once operating", uc.ID, lodestar.StageRejected, "too late", lodestar.EInvalid, "stage"},
			{"back two", uc.ID, lodestar.StagePilot, "again", lodestar.EInvalid, "stage"},
			{"same stage", uc.ID, lodestar.StageOperating, "still", lodestar.EInvalid, "stage"},
			{"no reason", other.ID, lodestar.StageAssessment, "", lodestar.EInvalid, "reason"},
			{"blank reason", other.ID, lodestar.StageAssessment, " \n\t ", lodestar.EInvalid, "reason"},
			{"reason too long", other.ID, lodestar.StageAssessment, repeat("因", 2001), lodestar.EInvalid, "reason"},
			{"unknown stage", other.ID, "paused", "why not", lodestar.EInvalid, "stage"},
			{"retired is final", retired.ID, lodestar.StageOperating, "revive", lodestar.EInvalid, "stage"},
			{"retired is final, even to idea", retired.ID, lodestar.StageIdea, "revive", lodestar.EInvalid, "stage"},
			{"archived use case", archived.ID, lodestar.StageAssessment, "look", lodestar.EConflict, ""},
			{"unknown use case", 999, lodestar.StageAssessment, "look", lodestar.ENotFound, ""},
		}
		before := f.snapshot()
		for _, tt := range refused {
			f.sub(tt.name, func(t *testing.T) {
				got, err := f.s.ChangeStage(f.ctx, tt.id, tt.to, tt.reason)
				if got != nil {
					t.Errorf("got %+v, want none", *got)
				}
				if tt.field != "" {
					wantError(t, err, tt.code, tt.field)
				} else {
					wantError(t, err, tt.code)
				}
				f.wantSame(before)
			})
		}

		// Rejected, then reopened as an idea; the longest reason is fine.
		for _, m := range []move{{lodestar.StageRejected, "No data", alice}, {lodestar.StageIdea, repeat("因", 2000), bob}} {
			if _, err := f.s.ChangeStage(lodestar.WithActor(context.Background(), m.by), other.ID, m.to, m.reason); err != nil {
				t.Errorf("move to %s: %v", m.to, err)
			}
		}
		if since, _ := f.s.LiveSince(context.Background(), other.ID); since != "" {
			t.Errorf("LiveSince of a never-live use case: got %q, want none", since)
		}
		// Without an actor in the context the system moves it.
		if _, err := f.s.ChangeStage(context.Background(), other.ID, lodestar.StageAssessment, "cron"); err != nil {
			t.Fatal(err)
		}
		hist, _ = f.s.StageHistory(context.Background(), other.ID)
		if last := hist[len(hist)-1]; last.ActorID != 0 || last.Actor != "system" {
			t.Errorf("system move: got actor %d/%q, want 0/system", last.ActorID, last.Actor)
		}
		if h, err := f.s.StageHistory(context.Background(), 999); err != nil || len(h) != 0 {
			t.Errorf("StageHistory of an unknown use case: got %v, %v, want empty", h, err)
		}
	})
}

func TestUseCaseArchive(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		uc := f.useCase(lodestar.NewUseCase{Title: "A"})
		n := int64(f.auditCount())
		got, err := f.s.ArchiveUseCase(f.ctx, uc.ID, true)
		if err != nil || !got.Archived {
			t.Fatalf("ArchiveUseCase: %+v, %v", got, err)
		}
		n++
		f.wantAudit(n, "archive", "use_case", uc.ID)
		before := f.snapshot()
		_, err = f.s.ArchiveUseCase(f.ctx, uc.ID, true)
		wantError(t, err, lodestar.EConflict)
		_, err = f.s.ArchiveUseCase(f.ctx, 999, true)
		wantError(t, err, lodestar.ENotFound)
		f.wantSame(before)
		if got, err := f.s.ArchiveUseCase(f.ctx, uc.ID, false); err != nil || got.Archived {
			t.Fatalf("unarchive: %+v, %v", got, err)
		}
		n++
		f.wantAudit(n, "unarchive", "use_case", uc.ID)
	})
}

// portfolioCases creates the use cases the list and sort tests share,
// returning them by ID as read back from the store.
func portfolioCases(f *fixture, w *world, finance int64) map[int64]*lodestar.UseCase {
	f.t.Helper()
	type spec struct {
		in       lodestar.NewUseCase
		aligned  bool
		archived bool
		tick     bool // advance the clock before creating
	}
	mk := func(title, zh, desc string, bu int64, stage string, value, cost int64, fe lodestar.Feasibility) lodestar.NewUseCase {
		return lodestar.NewUseCase{Title: title, TitleZH: zh, Description: desc, BusinessUnitID: bu, Stage: stage,
			ValueEstimate: value, CostEstimate: cost, Feasibility: fe}
	}
	retail := w.bu.ID
	specs := []spec{
		{mk("Alpha", "促销优化", "Promo uplift 50% faster", retail, "idea", 5_000_000, 1_000_000, fz(4, 4, 4, 4)), true, false, true},
		{mk("Bravo", "", "fraud_score model", finance, "pilot", 5_000_000, 2_000_000, fz(3, 3, 3, 3)), false, false, true},
		{mk("Charlie", "", "", retail, "rejected", 1_000_000, 3_000_000, fz(5, 5, 5, 5)), false, false, true},
		{mk("Delta", "", "", retail, "operating", 9_000_000, 1_000_000, lodestar.Feasibility{}), true, false, true},
		{mk("Echo", "", "", finance, "retired", 2_000_000, 3_000_000, fz(2, 2, 2, 2)), true, false, false}, // same tick as Delta
		{mk("Alpha", "", "a second Alpha", finance, "assessment", 0, 0, fz(4, 4, 4, 4)), false, false, true},
		{mk("Foxtrot", "", "", retail, "idea", 20_000_000, 0, fz(5, 5, 5, 5)), false, true, true},
		{mk("Golf", "智能客服", "", retail, "scaling", 3_000_000, 1_000_000, fz(5, 4, 3, 2)), true, false, true},
	}
	out := map[int64]*lodestar.UseCase{}
	var order []int64
	for _, s := range specs {
		in := s.in
		if s.aligned {
			in.SponsorID, in.PainPointIDs = w.sponsor.ID, []int64{w.pain.ID}
			in.Impacts = []lodestar.Impact{{KPIID: w.k1.ID, Change: 1, Confidence: 0.5}}
		}
		if s.tick {
			f.clock.Advance(time.Minute)
		}
		uc := f.useCase(in)
		if s.archived {
			if _, err := f.s.ArchiveUseCase(f.ctx, uc.ID, true); err != nil {
				f.t.Fatal(err)
			}
		}
		out[uc.ID] = uc
		order = append(order, uc.ID)
	}
	// Bravo (2) changes last, so "updated" is not creation order.
	f.clock.Advance(time.Minute)
	bravo := specs[1].in
	bravo.Description += " v2"
	bravo.Stage = ""
	if _, err := f.s.UpdateUseCase(f.ctx, order[1], bravo); err != nil {
		f.t.Fatal(err)
	}
	for id := range out {
		out[id] = must(f.s.FindUseCaseByID(context.Background(), id))
	}
	return out
}

func TestFindUseCasesFilters(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		w := newWorld(f)
		finance := f.unit("Finance", 0).ID
		ucs := portfolioCases(f, w, finance)
		if len(ucs) != 8 || ucs[1].Title != "Alpha" || ucs[8].Title != "Golf" {
			t.Fatalf("setup: got %d use cases, want Alpha as 1 … Golf as 8", len(ucs))
		}
		retail := w.bu.ID
		tests := []struct {
			name string
			f    lodestar.UseCaseFilter
			want []int64 // ID descending
		}{
			{"all live", lodestar.UseCaseFilter{}, []int64{8, 6, 5, 4, 3, 2, 1}},
			{"with archived", lodestar.UseCaseFilter{Archived: true}, []int64{8, 7, 6, 5, 4, 3, 2, 1}},
			{"business unit", lodestar.UseCaseFilter{BusinessUnitID: retail}, []int64{8, 4, 3, 1}},
			{"other business unit", lodestar.UseCaseFilter{BusinessUnitID: finance}, []int64{6, 5, 2}},
			{"business unit with archived", lodestar.UseCaseFilter{BusinessUnitID: retail, Archived: true}, []int64{8, 7, 4, 3, 1}},
			{"unit with nothing", lodestar.UseCaseFilter{BusinessUnitID: w.oldBU.ID}, nil},
			{"stage", lodestar.UseCaseFilter{Stage: "pilot"}, []int64{2}},
			{"stage idea", lodestar.UseCaseFilter{Stage: "idea"}, []int64{1}},
			{"stage idea with archived", lodestar.UseCaseFilter{Stage: "idea", Archived: true}, []int64{7, 1}},
			{"empty stage", lodestar.UseCaseFilter{Stage: "approved"}, nil},
			{"aligned", lodestar.UseCaseFilter{Alignment: "aligned"}, []int64{8, 5, 4, 1}},
			{"misaligned", lodestar.UseCaseFilter{Alignment: "misaligned"}, []int64{6, 3, 2}},
			{"active", lodestar.UseCaseFilter{Active: true}, []int64{8, 6, 4, 2, 1}},
			{"active and misaligned", lodestar.UseCaseFilter{Active: true, Alignment: "misaligned"}, []int64{6, 2}},
			{"unit and stage", lodestar.UseCaseFilter{BusinessUnitID: retail, Stage: "operating"}, []int64{4}},
			{"unit, aligned, active", lodestar.UseCaseFilter{BusinessUnitID: retail, Alignment: "aligned", Active: true}, []int64{8, 4, 1}},
			{"query", lodestar.UseCaseFilter{Query: "alpha"}, []int64{6, 1}},
			{"query in description", lodestar.UseCaseFilter{Query: "MODEL"}, []int64{2}},
			{"query with a literal percent", lodestar.UseCaseFilter{Query: "50%"}, []int64{1}},
			{"query of a percent alone", lodestar.UseCaseFilter{Query: "%"}, []int64{1}},
			{"query with a literal underscore", lodestar.UseCaseFilter{Query: "d_s"}, []int64{2}},
			{"query of an underscore alone", lodestar.UseCaseFilter{Query: "_"}, []int64{2}},
			{"percent is no wildcard", lodestar.UseCaseFilter{Query: "o%e"}, nil},
			{"underscore is no wildcard", lodestar.UseCaseFilter{Query: "g_lf"}, nil},
			{"query in Chinese title", lodestar.UseCaseFilter{Query: "智能"}, []int64{8}},
			{"query in Chinese, another", lodestar.UseCaseFilter{Query: "促销"}, []int64{1}},
			{"query in Chinese, no match", lodestar.UseCaseFilter{Query: "物流"}, nil},
			{"query and unit", lodestar.UseCaseFilter{Query: "alpha", BusinessUnitID: finance}, []int64{6}},
			{"query, second version of a description", lodestar.UseCaseFilter{Query: "v2"}, []int64{2}},
		}
		for _, tt := range tests {
			f.sub(tt.name, func(t *testing.T) {
				tt.f.Limit = 50
				page, total, err := f.s.FindUseCases(context.Background(), tt.f)
				if err != nil {
					t.Fatalf("FindUseCases(%+v): %v", tt.f, err)
				}
				want := tt.want
				if want == nil {
					want = []int64{}
				}
				if got := ucIDs(page); !slices.Equal(got, want) || total != len(want) {
					t.Errorf("FindUseCases(%+v): got %v total %d, want %v total %d", tt.f, got, total, want, len(want))
				}
				for _, uc := range page {
					if !slices.Equal(uc.Impacts, ucs[uc.ID].Impacts) || !slices.Equal(uc.PainPointIDs, ucs[uc.ID].PainPointIDs) {
						t.Errorf("use case %d: got impacts %v pains %v, want %v %v", uc.ID, uc.Impacts, uc.PainPointIDs,
							ucs[uc.ID].Impacts, ucs[uc.ID].PainPointIDs)
					}
				}
			})
		}

		bad := []struct {
			name  string
			f     lodestar.UseCaseFilter
			field string
		}{
			{"unknown sort", lodestar.UseCaseFilter{Sort: "price"}, "sort"},
			{"sort with a space", lodestar.UseCaseFilter{Sort: "score "}, "sort"},
			{"sort as SQL", lodestar.UseCaseFilter{Sort: "id; DROP TABLE use_cases"}, "sort"},
			{"double minus", lodestar.UseCaseFilter{Sort: "--score"}, "sort"},
			{"unknown stage", lodestar.UseCaseFilter{Stage: "paused"}, "stage"},
			{"unknown alignment", lodestar.UseCaseFilter{Alignment: "partly"}, "alignment"},
		}
		for _, tt := range bad {
			f.sub(tt.name, func(t *testing.T) {
				tt.f.Limit = 10
				page, total, err := f.s.FindUseCases(context.Background(), tt.f)
				if page != nil || total != 0 {
					t.Errorf("got %d results, total %d, want none", len(page), total)
				}
				wantError(t, err, lodestar.EInvalid, tt.field)
			})
		}
	})
}

func TestFindUseCasesSorts(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		w := newWorld(f)
		ucs := portfolioCases(f, w, f.unit("Finance", 0).ID)
		var live []*lodestar.UseCase
		for _, uc := range ucs {
			if !uc.Archived {
				live = append(live, uc)
			}
		}
		// cmp compares two use cases by a sort key, ascending.
		keys := map[string]func(a, b *lodestar.UseCase) int{
			"score": func(a, b *lodestar.UseCase) int { return cmpNum(a.Score, b.Score) },
			"title": func(a, b *lodestar.UseCase) int { return strings.Compare(a.Title, b.Title) },
			"value": func(a, b *lodestar.UseCase) int { return cmpNum(a.ValueEstimate, b.ValueEstimate) },
			"feasibility": func(a, b *lodestar.UseCase) int {
				return cmpNum(portfolio.FeasibilityMean(a.Feasibility), portfolio.FeasibilityMean(b.Feasibility))
			},
			"cost":    func(a, b *lodestar.UseCase) int { return cmpNum(a.CostEstimate, b.CostEstimate) },
			"updated": func(a, b *lodestar.UseCase) int { return a.UpdatedAt.Compare(b.UpdatedAt) },
		}
		sorts := store.UseCaseSorts()
		if len(sorts) != 2*len(keys) {
			t.Errorf("UseCaseSorts: got %d keys %v, want %d", len(sorts), sorts, 2*len(keys))
		}
		ties := 0
		for _, s := range sorts {
			f.sub(s, func(t *testing.T) {
				key, desc := strings.TrimPrefix(s, "-"), strings.HasPrefix(s, "-")
				cmp, ok := keys[key]
				if !ok {
					t.Fatalf("sort %q: no model for key %q", s, key)
				}
				want := slices.Clone(live)
				sort.SliceStable(want, func(i, j int) bool {
					c := cmp(want[i], want[j])
					if c == 0 {
						c = cmpNum(want[i].ID, want[j].ID)
					}
					if desc {
						return c > 0
					}
					return c < 0
				})
				for i := 1; i < len(want); i++ {
					if cmp(want[i-1], want[i]) == 0 {
						ties++
					}
				}
				page, total, err := f.s.FindUseCases(context.Background(), lodestar.UseCaseFilter{Sort: s, Limit: 50})
				if err != nil {
					t.Fatalf("FindUseCases(sort %s): %v", s, err)
				}
				if got := ucIDs(page); !slices.Equal(got, ucIDs(want)) || total != len(want) {
					t.Errorf("sort %s: got %v total %d, want %v total %d", s, got, total, ucIDs(want), len(want))
				}
				// Offset pages of 3 walk the same order; a cursor is ignored.
				var walked []int64
				for off := 0; off < len(want)+3; off += 3 {
					page, total, err := f.s.FindUseCases(context.Background(), lodestar.UseCaseFilter{Sort: s, Limit: 3, Offset: off, After: 1})
					if err != nil {
						t.Fatal(err)
					}
					if total != len(want) {
						t.Errorf("sort %s offset %d: got total %d, want %d", s, off, total, len(want))
					}
					walked = append(walked, ucIDs(page)...)
				}
				if !slices.Equal(walked, ucIDs(want)) {
					t.Errorf("sort %s in pages of 3: got %v, want %v", s, walked, ucIDs(want))
				}
				// With a filter, the order holds within it.
				page, _, err = f.s.FindUseCases(context.Background(), lodestar.UseCaseFilter{Sort: s, Limit: 50, Active: true})
				if err != nil {
					t.Fatal(err)
				}
				var wantActive []int64
				for _, uc := range want {
					if uc.Stage != lodestar.StageRejected && uc.Stage != lodestar.StageRetired {
						wantActive = append(wantActive, uc.ID)
					}
				}
				if got := ucIDs(page); !slices.Equal(got, wantActive) {
					t.Errorf("sort %s, active: got %v, want %v", s, got, wantActive)
				}
			})
		}
		if ties == 0 {
			t.Error("the data has no ties, so the ID tie-break is untested")
		}
		// Spot checks written out by hand. Scores: Alpha(1) 3.2, Bravo(2)
		// 1.8, Charlie(3) 0, Delta(4) 1.6, Echo(5) 0, Alpha(6) 0, Golf(8) 1.4.
		hand := map[string][]int64{
			"-score":   {1, 2, 4, 8, 6, 5, 3},
			"title":    {1, 6, 2, 3, 4, 5, 8},
			"-cost":    {5, 3, 2, 8, 4, 1, 6},
			"-updated": {2, 8, 6, 5, 4, 3, 1},
		}
		for s, want := range hand {
			page, _, err := f.s.FindUseCases(context.Background(), lodestar.UseCaseFilter{Sort: s, Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			if got := ucIDs(page); !slices.Equal(got, want) {
				t.Errorf("sort %s by hand: got %v, want %v", s, got, want)
			}
		}
		// Past the end: nothing, but the total.
		page, total, err := f.s.FindUseCases(context.Background(), lodestar.UseCaseFilter{Sort: "title", Limit: 5, Offset: 100})
		if err != nil || len(page) != 0 || total != 7 {
			t.Errorf("offset past the end: got %d results total %d, %v, want 0 total 7", len(page), total, err)
		}
	})
}

func cmpNum[T int64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestUseCaseAndGoalDuplicates: the import's rule — one live use case per
// title (trimmed, ignoring case) and business unit — holds for every
// write, as it does for goals: a second is a 409 naming the first. A use
// case or goal archived, or in another unit, is no duplicate; a rename
// or move into a duplicate is refused; an edit of a duplicate made before
// the rule is not.
func TestUseCaseAndGoalDuplicates(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bu := f.unit("Retail", 0)
		other := f.unit("Wholesale", 0)
		first := f.useCase(lodestar.NewUseCase{Title: "Dup test UC", BusinessUnitID: bu.ID})
		wantConflict := func(err error, what string, id int64) {
			t.Helper()
			wantError(t, err, lodestar.EConflict, "title")
			if want := fmt.Sprintf("(ID %d)", id); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("%s: got %v, want the existing record named %s", what, err, want)
			}
		}
		before := f.snapshot()
		for _, title := range []string{"Dup test UC", "dup TEST uc", "  DUP test uc  "} {
			_, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: title, BusinessUnitID: bu.ID})
			wantConflict(err, title, first.ID)
		}
		f.wantSame(before)
		// Another unit, or none, is another use case.
		elsewhere := f.useCase(lodestar.NewUseCase{Title: "Dup test UC", BusinessUnitID: other.ID})
		f.useCase(lodestar.NewUseCase{Title: "Dup test UC"})
		_, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "dup test uc"})
		wantError(t, err, lodestar.EConflict, "title")
		// A move or rename into the first's place is refused.
		_, err = f.s.UpdateUseCase(f.ctx, elsewhere.ID, lodestar.NewUseCase{Title: "Dup test UC", BusinessUnitID: bu.ID})
		wantConflict(err, "move", first.ID)
		renamed := f.useCase(lodestar.NewUseCase{Title: "Another", BusinessUnitID: bu.ID})
		_, err = f.s.UpdateUseCase(f.ctx, renamed.ID, lodestar.NewUseCase{Title: "DUP TEST UC", BusinessUnitID: bu.ID})
		wantConflict(err, "rename", first.ID)
		// Its own title in other letters is no duplicate of itself.
		if _, err := f.s.UpdateUseCase(f.ctx, first.ID, lodestar.NewUseCase{Title: "Dup Test UC", BusinessUnitID: bu.ID, Description: "edited"}); err != nil {
			t.Errorf("recasing its own title: %v", err)
		}
		// Archived, the title is free again.
		if _, err := f.s.ArchiveUseCase(f.ctx, first.ID, true); err != nil {
			t.Fatal(err)
		}
		second := f.useCase(lodestar.NewUseCase{Title: "Dup test UC", BusinessUnitID: bu.ID})
		// Restoring the first beside the second would make two: refused,
		// naming the live one, and the first stays archived.
		before = f.snapshot()
		_, err = f.s.ArchiveUseCase(f.ctx, first.ID, false)
		wantConflict(err, "restore", second.ID)
		f.wantSame(before)
		// A duplicate from before the rule can still be edited.
		if _, err := db.ExecContext(f.ctx, db.Rebind(`UPDATE use_cases SET title = ?, business_unit_id = ? WHERE id = ?`), "dup test uc", bu.ID, renamed.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.UpdateUseCase(f.ctx, renamed.ID, lodestar.NewUseCase{Title: "dup test uc", BusinessUnitID: bu.ID, Description: "kept"}); err != nil {
			t.Errorf("editing a duplicate made before the rule: %v", err)
		}

		g := f.goal("Grow revenue", bu.ID)
		for _, title := range []string{"Grow revenue", "GROW REVENUE "} {
			_, err := f.s.CreateGoal(f.ctx, lodestar.Goal{Title: title, BusinessUnitID: bu.ID, Horizon: lodestar.GoalHorizons[0]})
			wantConflict(err, "goal "+title, g.ID)
		}
		g2 := f.goal("Grow revenue", other.ID)
		_, err = f.s.UpdateGoal(f.ctx, g2.ID, lodestar.Goal{Title: "grow revenue", BusinessUnitID: bu.ID, Horizon: lodestar.GoalHorizons[0]})
		wantConflict(err, "goal move", g.ID)
		if _, err := f.s.UpdateGoal(f.ctx, g.ID, lodestar.Goal{Title: "Grow Revenue", BusinessUnitID: bu.ID, Horizon: lodestar.GoalHorizons[0], Description: "edited"}); err != nil {
			t.Errorf("recasing a goal's own title: %v", err)
		}
		if _, err := f.s.ArchiveGoal(f.ctx, g.ID, true); err != nil {
			t.Fatal(err)
		}
		g3 := f.goal("Grow revenue", bu.ID)
		before = f.snapshot()
		_, err = f.s.ArchiveGoal(f.ctx, g.ID, false)
		wantConflict(err, "goal restore", g3.ID)
		f.wantSame(before)
		// With the other archived, it is restored.
		if _, err := f.s.ArchiveGoal(f.ctx, g3.ID, true); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.ArchiveGoal(f.ctx, g.ID, false); err != nil {
			t.Errorf("restoring a goal whose title is free: %v", err)
		}
	})
}
