package store_test

import (
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestSearchIgnoresCaseOfEveryLetter: searching business units, goals,
// KPIs, pain points and use cases ignores the case of every letter, not
// only ASCII's, on either database: SQLite's LOWER changes ASCII only, so
// "Équipe" and "ÖL" found nothing there while PostgreSQL found them.
func TestSearchIgnoresCaseOfEveryLetter(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		const name = "Équipe Öl Straße"
		bu, err := f.s.CreateBusinessUnit(f.ctx, lodestar.BusinessUnit{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		other, err := f.s.CreateBusinessUnit(f.ctx, lodestar.BusinessUnit{Name: "Retail"})
		if err != nil {
			t.Fatal(err)
		}
		f.goal(name, bu.ID)
		f.goal("Grow margin", other.ID)
		f.kpi(name, 0, "up")
		f.kpi("Churn", 0, "up")
		f.pain(name, bu.ID, 1)
		f.pain("Late invoices", other.ID, 1)
		if _, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: name}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Forecast"}); err != nil {
			t.Fatal(err)
		}
		names := func(n int, err error, get func(i int) string) []string {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			out := make([]string, n)
			for i := range out {
				out[i] = get(i)
			}
			return out
		}
		for _, q := range []string{"Équipe", "équipe", "ÉQUIPE", "ÖL", "öl", "STRAßE", "straße", "Öl Str"} {
			ql := lodestar.ListFilter{Query: q}
			bus, err := f.s.ListBusinessUnits(f.ctx, ql)
			goals, gerr := f.s.ListGoals(f.ctx, ql)
			kpis, kerr := f.s.ListKPIs(f.ctx, ql)
			pains, perr := f.s.ListPainPoints(f.ctx, ql)
			ucs, _, uerr := f.s.FindUseCases(f.ctx, lodestar.UseCaseFilter{Query: q, Limit: 10})
			for what, got := range map[string][]string{
				"business units": names(len(bus), err, func(i int) string { return bus[i].Name }),
				"goals":          names(len(goals), gerr, func(i int) string { return goals[i].Title }),
				"KPIs":           names(len(kpis), kerr, func(i int) string { return kpis[i].Name }),
				"pain points":    names(len(pains), perr, func(i int) string { return pains[i].Title }),
				"use cases":      names(len(ucs), uerr, func(i int) string { return ucs[i].Title }),
			} {
				if len(got) != 1 || got[0] != name {
					t.Errorf("%s matching %q: got %q, want [%q]", what, q, got, name)
				}
			}
		}
		// Still a substring match, and no more: nothing else matches.
		if bus, err := f.s.ListBusinessUnits(f.ctx, lodestar.ListFilter{Query: "Équipe Retail"}); err != nil || len(bus) != 0 {
			t.Errorf("business units matching %q: got %d (%v), want none", "Équipe Retail", len(bus), err)
		}
	})
}
