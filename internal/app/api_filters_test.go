package app_test

import (
	"fmt"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPIListFiltersRefuseUnknownValues checks that every list refuses a
// filter value it does not know, or a filter it does not take, with a 400
// naming the parameter, as /use-cases?sort=bogus always did, instead of
// answering an empty or unfiltered list as if it were the answer; known
// values still filter.
func TestAPIListFiltersRefuseUnknownValues(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, tok := f.token(admin)
	w := f.strategyWorld()

	for path, field := range map[string]string{
		"/api/v1/use-cases?sort=bogus":             "sort",
		"/api/v1/use-cases?archived=yes":           "archived",
		"/api/v1/use-cases?active=1":               "active",
		"/api/v1/portfolio?active=yes":             "active",
		"/api/v1/use-cases?stage=done":             "stage",
		"/api/v1/portfolio?sort=bogus":             "sort",
		"/api/v1/portfolio?sort=score":             "sort",
		"/api/v1/portfolio?archived=yes":           "archived",
		"/api/v1/portfolio?alignment=bogus":        "alignment",
		"/api/v1/goals?status=bogus":               "status",
		"/api/v1/goals?archived=yes":               "archived",
		"/api/v1/goals?archived=1":                 "archived",
		"/api/v1/goals?category=cost":              "category",
		"/api/v1/pain-points?category=bogus":       "category",
		"/api/v1/pain-points?status=active":        "status",
		"/api/v1/kpis?status=active":               "status",
		"/api/v1/kpis?business_unit_id=1":          "business_unit_id",
		"/api/v1/business-units?goal_id=1":         "goal_id",
		"/api/v1/business-units?archived=TRUE":     "archived",
		"/api/v1/kpis?goal_id=abc":                 "goal_id",
		"/api/v1/alerts?status=closed":             "status",
		"/api/v1/experiments?status=bogus":         "status",
		"/api/v1/pain-points?archived=no&limit=10": "archived",
		// A misspelt filter, or one given twice, was ignored.
		"/api/v1/goals?stauts=live":                "stauts",
		"/api/v1/goals?status=active&status=draft": "status",
		"/api/v1/business-units?name=Retail":       "name",
		"/api/v1/use-cases?stages=idea":            "stages",
		"/api/v1/portfolio?limit=10":               "limit",
		"/api/v1/audit?user=admin@example.com":     "user",
		"/api/v1/experiments?state=running":        "state",
	} {
		if d := wantAPIError(t, f.api("GET", path, tok, ""), 400, lodestar.EInvalid); d.Fields[field] == "" {
			t.Errorf("GET %s: got fields %v, want %s", path, d.Fields, field)
		}
	}

	// Known values still filter.
	for path, want := range map[string]int{
		"/api/v1/goals?status=active":                                   1,
		"/api/v1/goals?status=abandoned&archived=false":                 0,
		"/api/v1/pain-points?category=cost":                             1,
		"/api/v1/pain-points?category=risk":                             0,
		fmt.Sprintf("/api/v1/kpis?goal_id=%d", w.goal.ID):               1,
		fmt.Sprintf("/api/v1/kpis?goal_id=%d&archived=true", w.goal.ID): 2,
		"/api/v1/use-cases?archived=true&sort=-score":                   1,
	} {
		p := fromJSON[struct {
			Data  []any `json:"data"`
			Total int   `json:"total"`
		}](t, f.apiOK("GET", path, tok, "", 200))
		if len(p.Data) != want || p.Total != want {
			t.Errorf("GET %s: got %d items (total %d), want %d", path, len(p.Data), p.Total, want)
		}
	}
	f.apiOK("GET", "/api/v1/portfolio?stage=idea&alignment=misaligned&archived=true", tok, "", 200)

	// active=true leaves a rejected use case out, as the web list's
	// active=1 (the home page's counts) does; without it, it is listed.
	rejected := f.useCase("Shelf robots")
	if _, err := f.app.Store.ChangeStage(sys(), rejected.ID, lodestar.StageRejected, "no budget"); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]int{"/api/v1/use-cases": 2, "/api/v1/use-cases?active=false": 2, "/api/v1/use-cases?active=true": 1} {
		p := fromJSON[struct {
			Data []lodestar.UseCase `json:"data"`
		}](t, f.apiOK("GET", path, tok, "", 200))
		if len(p.Data) != want {
			t.Errorf("GET %s: %d use cases, want %d", path, len(p.Data), want)
		}
		for _, uc := range p.Data {
			if path == "/api/v1/use-cases?active=true" && uc.ID == rejected.ID {
				t.Errorf("GET %s lists the rejected use case", path)
			}
		}
	}
}
