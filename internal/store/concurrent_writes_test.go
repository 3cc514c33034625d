package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// Two people move the same pilot at once, one retires it, the other
// scales it. Both are valid from pilot, but only one can happen: whichever
// commits second must be judged against the stage the first left. On
// PostgreSQL (read committed) both pass CheckTransition on the stale
// "pilot" and the second overwrites the first: a retired use case comes
// back as scaling ("retired is final"), and the history has two moves
// out of pilot.
func TestConcurrentStageChanges(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		for i := range 40 {
			uc := f.useCase(lodestar.NewUseCase{Title: fmt.Sprintf("UC %d", i), Stage: lodestar.StagePilot})
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			for j, to := range []string{lodestar.StageRetired, lodestar.StageScaling} {
				wg.Go(func() {
					<-start
					_, errs[j] = f.s.ChangeStage(f.ctx, uc.ID, to, "race")
				})
			}
			close(start)
			wg.Wait()
			h, _ := f.s.StageHistory(context.Background(), uc.ID)
			got, _ := f.s.FindUseCaseByID(context.Background(), uc.ID)
			var moves []string
			broken := false
			prev := lodestar.StagePilot
			for _, c := range h {
				moves = append(moves, c.From+"→"+c.To)
				if c.From != prev {
					broken = true
				}
				prev = c.To
			}
			if broken || got.Stage != prev {
				t.Fatalf("iteration %d: history %v does not chain, final stage %q (errors %v)", i, moves, got.Stage, errs)
			}
		}
	})
}

// Two AddReadings calls on one KPI at once, one with a later date: the
// cached latest/first reading (kpis.last_date, used by KPI pages, the
// dashboard's "KPIs behind" and KPIStatuses) must end as the real latest.
// On PostgreSQL the second writer's UPDATE subqueries run on a snapshot
// without the first's reading and overwrite the cache with a stale one.
func TestConcurrentReadingsKeepLatest(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		for i := range 40 {
			k := f.kpi(fmt.Sprintf("K%d", i), 0, lodestar.DirectionUp)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for _, d := range []string{"2025-01-01", "2025-06-01"} {
				wg.Go(func() {
					<-start
					if _, err := f.s.AddReadings(f.ctx, k.ID, []lodestar.KPIReading{{Date: d, Value: 1}}); err != nil {
						t.Error(err)
					}
				})
			}
			close(start)
			wg.Wait()
			got, err := f.s.FindKPIByID(context.Background(), k.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Latest == nil || got.Latest.Date != "2025-06-01" {
				t.Fatalf("iteration %d: latest reading %+v, want 2025-06-01 (readings hold both dates)", i, got.Latest)
			}
			var first string
			if err := db.QueryRow(context.Background(), `SELECT first_date FROM kpis WHERE id = ?`, k.ID).Scan(&first); err != nil {
				t.Fatal(err)
			}
			if first != "2025-01-01" {
				t.Fatalf("iteration %d: first_date %q, want 2025-01-01", i, first)
			}
		}
	})
}

// A use case gains an impact on a KPI while someone puts that KPI under a
// goal. Afterwards the stored alignment must match the KPI's goal. On
// PostgreSQL neither transaction sees the other's write (write skew): the
// use case stays "misaligned: kpi_without_goal" for a KPI that has a goal.
func TestConcurrentAlignment(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		sp := f.seedUser("sponsor@example.com", lodestar.RoleBusinessOwner)
		bu := f.unit("Retail", 0).ID
		pain := f.pain("Stockouts", bu, 1_000_000)
		g := f.goal("Grow", bu)
		for i := range 40 {
			k := f.kpi(fmt.Sprintf("K%d", i), 0, lodestar.DirectionUp)
			in := lodestar.NewUseCase{Title: fmt.Sprintf("UC %d", i), SponsorID: sp.ID, PainPointIDs: []int64{pain.ID}}
			uc := f.useCase(in)
			in.Impacts = []lodestar.Impact{{KPIID: k.ID, Change: 5, Confidence: 0.5}}
			kin := *k
			kin.Latest, kin.GoalID = nil, g.ID
			var wg sync.WaitGroup
			start := make(chan struct{})
			wg.Go(func() {
				<-start
				if _, err := f.s.UpdateUseCase(f.ctx, uc.ID, in); err != nil {
					t.Error(err)
				}
			})
			wg.Go(func() {
				<-start
				if _, err := f.s.UpdateKPI(f.ctx, k.ID, kin); err != nil {
					t.Error(err)
				}
			})
			close(start)
			wg.Wait()
			got, err := f.s.FindUseCaseByID(context.Background(), uc.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Alignment.Status != "aligned" {
				t.Fatalf("iteration %d: KPI %d is under goal %d, yet the use case is %s %v", i, k.ID, g.ID, got.Alignment.Status, got.Alignment.Reasons)
			}
		}
	})
}

// TestConcurrentUseCaseAndKPIUpdates: a use case that impacts a KPI is
// edited while the KPI moves under a goal; on PostgreSQL the two took
// their locks in opposite orders and one was aborted as a deadlock.
func TestConcurrentUseCaseAndKPIUpdates(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		g := f.goal("Grow", 0)
		for i := range 20 {
			k := f.kpi(fmt.Sprintf("K%d", i), 0, lodestar.DirectionUp)
			in := lodestar.NewUseCase{Title: fmt.Sprintf("UC %d", i), Impacts: []lodestar.Impact{{KPIID: k.ID, Change: 5, Confidence: 0.5}}}
			uc := f.useCase(in)
			in.Title += " renamed"
			kin := *k
			kin.Latest, kin.GoalID = nil, g.ID
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			wg.Go(func() { <-start; _, errs[0] = f.s.UpdateUseCase(f.ctx, uc.ID, in) })
			wg.Go(func() { <-start; _, errs[1] = f.s.UpdateKPI(f.ctx, k.ID, kin) })
			close(start)
			wg.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatalf("iteration %d: use case update %v, KPI update %v; want both done", i, errs[0], errs[1])
			}
		}
	})
}
