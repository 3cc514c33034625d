// Command portfolio measures the server time of the strategy pages at
// scale: it generates an enterprise (10,000 use cases, 50 business units,
// 500 KPIs, 100,000 readings by default) into a fresh SQLite database
// through the services, then requests each page many times in-process
// and prints p50/p95/p99 server time. Nothing is asserted; the figures
// go into the README.
//
//	go run ./bench/portfolio [-use-cases 10000] [-units 50] [-kpis 500] [-readings 100000] [-n 200]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

func main() {
	nUC := flag.Int("use-cases", 10000, "use cases to generate")
	nBU := flag.Int("units", 50, "business units")
	nKPI := flag.Int("kpis", 500, "KPIs")
	nRead := flag.Int("readings", 100000, "KPI readings in all")
	n := flag.Int("n", 200, "requests per page")
	cpu := flag.String("cpuprofile", "", "write a CPU profile of the measured requests to this file")
	flag.Parse()
	cpuProfile = *cpu
	if err := run(*nUC, *nBU, *nKPI, *nRead, *n); err != nil {
		fmt.Fprintln(os.Stderr, "portfolio:", err)
		os.Exit(1)
	}
}

var cpuProfile string

func run(nUC, nBU, nKPI, nRead, n int) error {
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{ID: 1, Label: "bench"})
	dir, err := os.MkdirTemp("", "lodestar-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	db, err := sqldb.Open(ctx, dir, "")
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.Migrate(ctx); err != nil {
		return err
	}
	a, err := app.New(db, slog.New(slog.NewTextHandler(io.Discard, nil)), app.Options{})
	if err != nil {
		return err
	}
	start := time.Now()
	if err := generate(ctx, a, nUC, nBU, nKPI, nRead); err != nil {
		return err
	}
	fmt.Printf("generated %d use cases, %d business units, %d KPIs, %d readings in %s (through the services, audited)\n",
		nUC, nBU, nKPI, nRead, time.Since(start).Round(time.Millisecond))

	u, err := a.Store.CreateUser(ctx, lodestar.NewUser{Email: "bench@example.com", Role: lodestar.RoleAdmin, Password: "bench-password-123"})
	if err != nil {
		return err
	}
	_, secret, err := a.Store.CreateSession(ctx, u.ID, time.Hour)
	if err != nil {
		return err
	}
	pages := []string{"/", "/use-cases", "/use-cases?sort=-score", "/use-cases?alignment=misaligned&sort=-value",
		"/use-cases?stage=pilot", "/use-cases?q=forecast", "/api/v1/use-cases?limit=50", "/api/v1/portfolio", fmt.Sprintf("/use-cases/%d", nUC/2),
		"/business-units", "/goals", "/kpis", "/kpis?sort=status", "/pain-points", "/kpis/1"}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	fmt.Printf("%d requests per page, in-process (no network), %d cores, %s\n", n, runtime.NumCPU(), runtime.GOARCH)
	fmt.Printf("%-46s %9s %9s %9s\n", "page", "p50 ms", "p95 ms", "p99 ms")
	for _, p := range pages {
		var ds []float64
		for i := 0; i < n+5; i++ {
			req := httptest.NewRequest("GET", p, nil)
			req.AddCookie(&http.Cookie{Name: "lodestar_session", Value: secret})
			rec := httptest.NewRecorder()
			t0 := time.Now()
			a.Handler.ServeHTTP(rec, req)
			d := time.Since(t0)
			if rec.Code != http.StatusOK {
				return fmt.Errorf("%s: status %d", p, rec.Code)
			}
			if i >= 5 { // the first few warm caches
				ds = append(ds, float64(d.Microseconds())/1000)
			}
		}
		slices.Sort(ds)
		q := func(f float64) float64 { return ds[int(f*float64(len(ds)-1))] }
		fmt.Printf("%-46s %9.2f %9.2f %9.2f\n", p, q(0.5), q(0.95), q(0.99))
	}
	return nil
}

// generate writes a seeded random enterprise through the services.
func generate(ctx context.Context, a *app.App, nUC, nBU, nKPI, nRead int) error {
	rng := rand.New(rand.NewPCG(1, 2))
	st := a.Store
	sponsor, err := st.CreateUser(ctx, lodestar.NewUser{Email: "sponsor@example.com", Role: lodestar.RoleBusinessOwner, Password: "sponsor-password-1"})
	if err != nil {
		return err
	}
	var bus, goals, kpis, pains []int64
	for i := 0; i < nBU; i++ {
		b, err := st.CreateBusinessUnit(ctx, lodestar.BusinessUnit{Name: fmt.Sprintf("Unit %d", i), NameZH: fmt.Sprintf("单元 %d", i)})
		if err != nil {
			return err
		}
		bus = append(bus, b.ID)
		g, err := st.CreateGoal(ctx, lodestar.Goal{Title: fmt.Sprintf("Goal %d", i), BusinessUnitID: b.ID, Horizon: "year"})
		if err != nil {
			return err
		}
		goals = append(goals, g.ID)
		for j := 0; j < 4; j++ {
			p, err := st.CreatePainPoint(ctx, lodestar.PainPoint{BusinessUnitID: b.ID, Title: fmt.Sprintf("Pain %d.%d", i, j),
				Category: lodestar.PainCategories[j%5], AnnualCost: int64(rng.IntN(50_000_000)), GoalID: g.ID})
			if err != nil {
				return err
			}
			pains = append(pains, p.ID)
		}
	}
	target := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	perKPI := nRead / max(1, nKPI)
	day0 := time.Now().AddDate(0, 0, -perKPI)
	for i := 0; i < nKPI; i++ {
		goal := goals[rng.IntN(len(goals))]
		if i%10 == 0 {
			goal = 0 // some KPIs serve no goal
		}
		k, err := st.CreateKPI(ctx, lodestar.KPI{GoalID: goal, Name: fmt.Sprintf("KPI %d", i), Unit: "%", Direction: "up",
			Baseline: 50, Target: 60, TargetDate: target})
		if err != nil {
			return err
		}
		kpis = append(kpis, k.ID)
		rs := make([]lodestar.KPIReading, perKPI)
		for d := range rs {
			rs[d] = lodestar.KPIReading{Date: day0.AddDate(0, 0, d).Format(time.DateOnly), Value: 50 + rng.Float64()*10}
		}
		if _, err := st.AddReadings(ctx, k.ID, rs); err != nil {
			return err
		}
	}
	stages := lodestar.Stages
	for i := 0; i < nUC; i++ {
		in := lodestar.NewUseCase{Title: fmt.Sprintf("Use case %d forecast", i), BusinessUnitID: bus[rng.IntN(len(bus))],
			Stage: stages[rng.IntN(len(stages))], ValueEstimate: int64(rng.IntN(40_000_000)), CostEstimate: int64(rng.IntN(5_000_000)),
			Feasibility: lodestar.Feasibility{DataReadiness: 1 + rng.IntN(5), TechnicalMaturity: 1 + rng.IntN(5), Skills: 1 + rng.IntN(5), Integration: 1 + rng.IntN(5)}}
		if rng.IntN(5) > 0 {
			in.SponsorID = sponsor.ID
		}
		if rng.IntN(4) > 0 {
			in.PainPointIDs = []int64{pains[rng.IntN(len(pains))]}
		}
		for j := 0; j < rng.IntN(3); j++ {
			in.Impacts = append(in.Impacts, lodestar.Impact{KPIID: kpis[(i+j*7)%len(kpis)], Change: 1 + float64(j), Confidence: 0.5})
		}
		if _, err := st.CreateUseCase(ctx, in); err != nil {
			return fmt.Errorf("use case %d: %w", i, err)
		}
		if i%1000 == 999 {
			fmt.Fprintf(os.Stderr, "\rgenerating use cases: %d/%d", i+1, nUC)
		}
	}
	fmt.Fprintln(os.Stderr)
	return nil
}
