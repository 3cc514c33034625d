package app_test

import (
	"fmt"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// onEachDB runs fn on the app over SQLite and, when LODESTAR_TEST_POSTGRES
// is set, over PostgreSQL, with an admin token of scope write.
func onEachDB(t *testing.T, fn func(t *testing.T, f *fixture, tok string)) {
	t.Helper()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f := startOn(t, testdb.OpenDialect(t, d), fixtureOpts{})
			_, tok := f.token(f.user(lodestar.RoleAdmin, "admin@example.com"), lodestar.ScopeWrite)
			fn(t, f, tok)
		})
	}
}

// TestUseCaseValueBound: a value estimate beyond lodestar.MaxEstimate is a
// 400 naming the field, and the portfolio's totals stay right. It used to
// be accepted; the portfolio then answered short totals on SQLite and a 500
// on PostgreSQL.
func TestUseCaseValueBound(t *testing.T) {
	t.Parallel()
	onEachDB(t, func(t *testing.T, f *fixture, tok string) {
		before := f.strategyCounts()
		for _, body := range []string{
			`{"title":"big","value_estimate":9223372036854775807}`,
			fmt.Sprintf(`{"title":"big","value_estimate":%d}`, lodestar.MaxEstimate+1),
			fmt.Sprintf(`{"title":"big","cost_estimate":%d}`, lodestar.MaxEstimate+1),
		} {
			d := wantAPIError(t, f.api("POST", "/api/v1/use-cases", tok, body), 400, lodestar.EInvalid)
			if d.Fields["value_estimate"] == "" && d.Fields["cost_estimate"] == "" {
				t.Errorf("%s: fields %v, want the estimate named", body, d.Fields)
			}
		}
		f.wantStrategyUnchanged(before, "over-bound estimates")
		for i := range 2 {
			f.apiOK("POST", "/api/v1/use-cases", tok, fmt.Sprintf(`{"title":"edge %d","value_estimate":%d}`, i, lodestar.MaxEstimate), 201)
		}
		d := fromJSON[lodestar.Dashboard](t, f.apiOK("GET", "/api/v1/portfolio", tok, "", 200))
		if len(d.Funnel) == 0 || d.Funnel[0].Count != 2 || d.Funnel[0].Value != 2*lodestar.MaxEstimate || d.Total != 2 {
			t.Errorf("portfolio: got funnel %+v total %d, want 2 ideas worth %d", d.Funnel, d.Total, 2*lodestar.MaxEstimate)
		}
	})
}
