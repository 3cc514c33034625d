package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// strategyTables are the tables a strategy write may touch; with the
// audit log they are what "nothing was written" is checked against.
var strategyTables = []string{"business_units", "goals", "kpis", "kpi_readings", "pain_points", "use_cases",
	"use_case_pain_points", "use_case_impacts", "stage_changes", "audit_log"}

// strategyCounts snapshots the row count of every strategy table.
func (f *fixture) strategyCounts() map[string]int {
	f.t.Helper()
	out := map[string]int{}
	for _, tb := range strategyTables {
		out[tb] = f.count(tb)
	}
	return out
}

// wantStrategyUnchanged fails when any strategy table's row count moved.
func (f *fixture) wantStrategyUnchanged(before map[string]int, what string) {
	f.t.Helper()
	after := f.strategyCounts()
	for _, tb := range strategyTables {
		if after[tb] != before[tb] {
			f.t.Errorf("%s changed data: %s has %d rows, want %d", what, tb, after[tb], before[tb])
		}
	}
}

// apiOK sends an API request and fails the test unless it answers want.
func (f *fixture) apiOK(method, path, bearer, body string, want int) *response {
	f.t.Helper()
	r := f.api(method, path, bearer, body)
	if r.StatusCode != want {
		f.t.Fatalf("%s %s: got status %d, want %d (body %s)", method, path, r.StatusCode, want, r.body)
	}
	return r
}

// fromJSON decodes a response body into a T.
func fromJSON[T any](t *testing.T, r *response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("%s %s: decode %T: %v in %s", r.Request.Method, r.Request.URL.Path, v, err, r.body)
	}
	return v
}

func fieldKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// strategyWorld is the set-up the bad-input test refers to: a three-level
// business-unit tree, a goal with a KPI, an archived KPI, a pain point and
// a use case in the idea stage.
type strategyWorld struct {
	root, child, grandchild *lodestar.BusinessUnit
	goal                    *lodestar.Goal
	kpi, archivedKPI        *lodestar.KPI
	pain                    *lodestar.PainPoint
	uc                      *lodestar.UseCase
}

func (f *fixture) strategyWorld() strategyWorld {
	f.t.Helper()
	ctx, st := sys(), f.app.Store
	must := func(err error) {
		f.t.Helper()
		if err != nil {
			f.t.Fatalf("set-up: %v", err)
		}
	}
	var w strategyWorld
	var err error
	w.root, err = st.CreateBusinessUnit(ctx, lodestar.BusinessUnit{Name: "Retail"})
	must(err)
	w.child, err = st.CreateBusinessUnit(ctx, lodestar.BusinessUnit{Name: "Stores", ParentID: w.root.ID})
	must(err)
	w.grandchild, err = st.CreateBusinessUnit(ctx, lodestar.BusinessUnit{Name: "Flagship", ParentID: w.child.ID})
	must(err)
	w.goal, err = st.CreateGoal(ctx, lodestar.Goal{Title: "Grow the basket", Horizon: "year", BusinessUnitID: w.root.ID})
	must(err)
	w.kpi, err = st.CreateKPI(ctx, lodestar.KPI{GoalID: w.goal.ID, Name: "Average basket", Unit: "CNY", Direction: lodestar.DirectionUp,
		Baseline: 100, Target: 120, TargetDate: "2030-12-31"})
	must(err)
	w.archivedKPI, err = st.CreateKPI(ctx, lodestar.KPI{GoalID: w.goal.ID, Name: "Old footfall", Unit: "visits", Direction: lodestar.DirectionUp,
		Baseline: 1, Target: 2, TargetDate: "2030-12-31"})
	must(err)
	_, err = st.ArchiveKPI(ctx, w.archivedKPI.ID, true)
	must(err)
	w.pain, err = st.CreatePainPoint(ctx, lodestar.PainPoint{BusinessUnitID: w.root.ID, Title: "Stock-outs", Category: "cost", AnnualCost: 1000})
	must(err)
	w.uc = f.useCase("Demand forecasting")
	return w
}

// TestStrategyAPIBadInput sends bad input to every kind of strategy write
// and read and checks each is refused with its status, its error code and
// exactly the field at fault, and that nothing was written: no row in any
// strategy table, no audit entry, and the record a refused update names is
// as it was.
func TestStrategyAPIBadInput(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, secret := f.token(admin, lodestar.ScopeRead, lodestar.ScopeWrite)
	w := f.strategyWorld()
	const jsonCT = "application/json"
	huge := func(prefix string) string { return prefix + strings.Repeat("a", 1<<20) + `"}` }
	id := func(n int64) string { return fmt.Sprint(n) }
	uc, bu, goal, kpi := id(w.uc.ID), id(w.root.ID), id(w.goal.ID), id(w.kpi.ID)
	validGoal := `{"title":"Cut costs","horizon":"year"}`
	validKPI := `{"name":"Cost","unit":"CNY","direction":"down","baseline":10,"target":5,"target_date":"2030-12-31"}`

	tests := []struct {
		name                string
		method, path        string
		contentType, body   string // contentType "" means JSON
		status              int
		code                string
		field               string // the one key fields must hold; "" for none
		unchanged           string // a GET path whose answer must not change
		noContentTypeHeader bool
	}{
		// References to other records.
		{name: "impact on an unknown KPI", method: "POST", path: "/api/v1/use-cases",
			body:   `{"title":"Forecast","impacts":[{"kpi_id":999999,"change":5,"confidence":0.5}]}`,
			status: 400, code: lodestar.EInvalid, field: "impacts[0].kpi_id"},
		{name: "second impact on an unknown KPI", method: "POST", path: "/api/v1/use-cases",
			body:   `{"title":"Forecast","impacts":[{"kpi_id":` + kpi + `,"change":5,"confidence":0.5},{"kpi_id":999999,"change":1,"confidence":0.5}]}`,
			status: 400, code: lodestar.EInvalid, field: "impacts[1].kpi_id"},
		{name: "impact on an archived KPI", method: "POST", path: "/api/v1/use-cases",
			body:   `{"title":"Forecast","impacts":[{"kpi_id":` + id(w.archivedKPI.ID) + `,"change":5,"confidence":0.5}]}`,
			status: 400, code: lodestar.EInvalid, field: "impacts[0].kpi_id"},
		{name: "update adds an impact on an archived KPI", method: "PUT", path: "/api/v1/use-cases/" + uc,
			body:   `{"title":"Demand forecasting","impacts":[{"kpi_id":` + id(w.archivedKPI.ID) + `,"change":5,"confidence":0.5}]}`,
			status: 400, code: lodestar.EInvalid, field: "impacts[0].kpi_id", unchanged: "/api/v1/use-cases/" + uc},
		{name: "the same KPI twice", method: "POST", path: "/api/v1/use-cases",
			body:   `{"title":"Forecast","impacts":[{"kpi_id":` + kpi + `,"change":5},{"kpi_id":` + kpi + `,"change":1}]}`,
			status: 400, code: lodestar.EInvalid, field: "impacts[1].kpi_id"},
		{name: "impact promising no change", method: "POST", path: "/api/v1/use-cases",
			body:   `{"title":"Forecast","impacts":[{"kpi_id":` + kpi + `,"change":0}]}`,
			status: 400, code: lodestar.EInvalid, field: "impacts[0].change"},
		{name: "unknown pain point", method: "POST", path: "/api/v1/use-cases",
			body:   `{"title":"Forecast","pain_point_ids":[` + id(w.pain.ID) + `,999999]}`,
			status: 400, code: lodestar.EInvalid, field: "pain_point_ids[1]"},
		{name: "unknown sponsor", method: "POST", path: "/api/v1/use-cases",
			body:   `{"title":"Forecast","sponsor_id":999999}`,
			status: 400, code: lodestar.EInvalid, field: "sponsor_id"},
		{name: "KPI under an unknown goal", method: "POST", path: "/api/v1/kpis",
			body:   `{"goal_id":999999,"name":"Cost","unit":"CNY","direction":"down","baseline":10,"target":5,"target_date":"2030-12-31"}`,
			status: 400, code: lodestar.EInvalid, field: "goal_id"},

		// The business-unit tree.
		{name: "business unit under its grandchild", method: "PUT", path: "/api/v1/business-units/" + bu,
			body:   `{"name":"Retail","parent_id":` + id(w.grandchild.ID) + `}`,
			status: 400, code: lodestar.EInvalid, field: "parent_id", unchanged: "/api/v1/business-units/" + bu},
		{name: "business unit under its child", method: "PUT", path: "/api/v1/business-units/" + bu,
			body:   `{"name":"Retail","parent_id":` + id(w.child.ID) + `}`,
			status: 400, code: lodestar.EInvalid, field: "parent_id", unchanged: "/api/v1/business-units/" + bu},
		{name: "business unit under itself", method: "PUT", path: "/api/v1/business-units/" + id(w.child.ID),
			body:   `{"name":"Stores","parent_id":` + id(w.child.ID) + `}`,
			status: 400, code: lodestar.EInvalid, field: "parent_id", unchanged: "/api/v1/business-units/" + id(w.child.ID)},
		{name: "business unit under an unknown unit", method: "POST", path: "/api/v1/business-units",
			body:   `{"name":"Online","parent_id":999999}`,
			status: 400, code: lodestar.EInvalid, field: "parent_id"},
		{name: "duplicate business unit name", method: "POST", path: "/api/v1/business-units",
			body:   `{"name":"Retail"}`,
			status: 409, code: lodestar.EConflict, field: "name"},

		// Money and scores.
		{name: "negative value estimate", method: "POST", path: "/api/v1/use-cases",
			body: `{"title":"Forecast","value_estimate":-1}`, status: 400, code: lodestar.EInvalid, field: "value_estimate"},
		{name: "negative cost estimate", method: "PUT", path: "/api/v1/use-cases/" + uc,
			body: `{"title":"Demand forecasting","cost_estimate":-5}`, status: 400, code: lodestar.EInvalid, field: "cost_estimate",
			unchanged: "/api/v1/use-cases/" + uc},
		{name: "negative annual cost", method: "POST", path: "/api/v1/pain-points",
			body:   `{"business_unit_id":` + bu + `,"title":"Returns","category":"cost","annual_cost":-1}`,
			status: 400, code: lodestar.EInvalid, field: "annual_cost"},
		{name: "skills scored 6", method: "POST", path: "/api/v1/use-cases",
			body: `{"title":"Forecast","feasibility":{"skills":6}}`, status: 400, code: lodestar.EInvalid, field: "feasibility.skills"},
		{name: "data readiness scored -1", method: "POST", path: "/api/v1/use-cases",
			body: `{"title":"Forecast","feasibility":{"data_readiness":-1}}`, status: 400, code: lodestar.EInvalid, field: "feasibility.data_readiness"},
		{name: "technical maturity scored 6", method: "PUT", path: "/api/v1/use-cases/" + uc,
			body: `{"title":"Demand forecasting","feasibility":{"technical_maturity":6}}`, status: 400, code: lodestar.EInvalid,
			field: "feasibility.technical_maturity", unchanged: "/api/v1/use-cases/" + uc},
		{name: "integration scored -1", method: "POST", path: "/api/v1/use-cases",
			body: `{"title":"Forecast","feasibility":{"integration":-1}}`, status: 400, code: lodestar.EInvalid, field: "feasibility.integration"},

		// Stages.
		{name: "stage jump idea to pilot", method: "POST", path: "/api/v1/use-cases/" + uc + "/stage",
			body: `{"stage":"pilot","reason":"skip the paperwork"}`, status: 400, code: lodestar.EInvalid, field: "stage",
			unchanged: "/api/v1/use-cases/" + uc + "/stages"},
		{name: "stage jump idea to operating", method: "POST", path: "/api/v1/use-cases/" + uc + "/stage",
			body: `{"stage":"operating","reason":"ship it"}`, status: 400, code: lodestar.EInvalid, field: "stage"},
		{name: "retire an idea", method: "POST", path: "/api/v1/use-cases/" + uc + "/stage",
			body: `{"stage":"retired","reason":"never live"}`, status: 400, code: lodestar.EInvalid, field: "stage"},
		{name: "stage to itself", method: "POST", path: "/api/v1/use-cases/" + uc + "/stage",
			body: `{"stage":"idea","reason":"again"}`, status: 400, code: lodestar.EInvalid, field: "stage"},
		{name: "unknown stage", method: "POST", path: "/api/v1/use-cases/" + uc + "/stage",
			body: `{"stage":"done","reason":"x"}`, status: 400, code: lodestar.EInvalid, field: "stage"},
		{name: "stage change without a reason", method: "POST", path: "/api/v1/use-cases/" + uc + "/stage",
			body: `{"stage":"assessment"}`, status: 400, code: lodestar.EInvalid, field: "reason"},
		{name: "stage change with a blank reason", method: "POST", path: "/api/v1/use-cases/" + uc + "/stage",
			body: `{"stage":"assessment","reason":"   "}`, status: 400, code: lodestar.EInvalid, field: "reason"},
		{name: "stage in PUT use case", method: "PUT", path: "/api/v1/use-cases/" + uc,
			body: `{"title":"Demand forecasting","stage":"pilot"}`, status: 400, code: lodestar.EInvalid, field: "stage",
			unchanged: "/api/v1/use-cases/" + uc},
		{name: "unknown stage at creation", method: "POST", path: "/api/v1/use-cases",
			body: `{"title":"Forecast","stage":"done"}`, status: 400, code: lodestar.EInvalid, field: "stage"},

		// Strict JSON.
		{name: "unknown field id", method: "POST", path: "/api/v1/business-units",
			body: `{"name":"x","id":5}`, status: 400, code: lodestar.EInvalid, field: "id"},
		{name: "read-only field archived", method: "POST", path: "/api/v1/goals",
			body: `{"title":"x","horizon":"year","archived":true}`, status: 400, code: lodestar.EInvalid, field: "archived"},
		{name: "computed field alignment", method: "PUT", path: "/api/v1/use-cases/" + uc,
			body: `{"title":"Demand forecasting","alignment":{"status":"aligned","reasons":[]}}`, status: 400, code: lodestar.EInvalid,
			field: "alignment", unchanged: "/api/v1/use-cases/" + uc},
		{name: "computed field score", method: "POST", path: "/api/v1/use-cases",
			body: `{"title":"Forecast","score":99}`, status: 400, code: lodestar.EInvalid, field: "score"},
		{name: "read-only field latest", method: "PUT", path: "/api/v1/kpis/" + kpi,
			body:   `{"name":"Average basket","unit":"CNY","direction":"up","baseline":100,"target":120,"target_date":"2030-12-31","latest":{"value":1}}`,
			status: 400, code: lodestar.EInvalid, field: "latest", unchanged: "/api/v1/kpis/" + kpi},
		{name: "name is a number", method: "POST", path: "/api/v1/business-units",
			body: `{"name":5}`, status: 400, code: lodestar.EInvalid, field: "name"},
		{name: "baseline is a string", method: "POST", path: "/api/v1/kpis",
			body:   `{"name":"Cost","unit":"CNY","direction":"down","baseline":"ten","target":5,"target_date":"2030-12-31"}`,
			status: 400, code: lodestar.EInvalid, field: "baseline"},
		{name: "title is an array", method: "PUT", path: "/api/v1/goals/" + goal,
			body: `{"title":["a"],"horizon":"year"}`, status: 400, code: lodestar.EInvalid, field: "title", unchanged: "/api/v1/goals/" + goal},
		{name: "annual cost is a fraction", method: "POST", path: "/api/v1/pain-points",
			body:   `{"business_unit_id":` + bu + `,"title":"Returns","category":"cost","annual_cost":1.5}`,
			status: 400, code: lodestar.EInvalid, field: "annual_cost"},
		{name: "unknown horizon", method: "POST", path: "/api/v1/goals",
			body: `{"title":"x","horizon":"decade"}`, status: 400, code: lodestar.EInvalid, field: "horizon"},
		{name: "unknown category", method: "POST", path: "/api/v1/pain-points",
			body:   `{"business_unit_id":` + bu + `,"title":"Returns","category":"misc"}`,
			status: 400, code: lodestar.EInvalid, field: "category"},
		{name: "KPI without a direction", method: "POST", path: "/api/v1/kpis",
			body:   `{"name":"Cost","unit":"CNY","baseline":10,"target":5,"target_date":"2030-12-31"}`,
			status: 400, code: lodestar.EInvalid, field: "direction"},

		// Archive.
		{name: "archive business unit without archived", method: "POST", path: "/api/v1/business-units/" + bu + "/archive",
			body: `{}`, status: 400, code: lodestar.EInvalid, field: "archived", unchanged: "/api/v1/business-units/" + bu},
		{name: "archive goal without archived", method: "POST", path: "/api/v1/goals/" + goal + "/archive",
			body: `{}`, status: 400, code: lodestar.EInvalid, field: "archived", unchanged: "/api/v1/goals/" + goal},
		{name: "archive KPI with archived null", method: "POST", path: "/api/v1/kpis/" + kpi + "/archive",
			body: `{"archived":null}`, status: 400, code: lodestar.EInvalid, field: "archived", unchanged: "/api/v1/kpis/" + kpi},
		{name: "archive pain point with archived a string", method: "POST", path: "/api/v1/pain-points/" + id(w.pain.ID) + "/archive",
			body: `{"archived":"yes"}`, status: 400, code: lodestar.EInvalid, field: "archived", unchanged: "/api/v1/pain-points/" + id(w.pain.ID)},
		{name: "archive use case without archived", method: "POST", path: "/api/v1/use-cases/" + uc + "/archive",
			body: `{}`, status: 400, code: lodestar.EInvalid, field: "archived", unchanged: "/api/v1/use-cases/" + uc},
		{name: "archive a parent with live children", method: "POST", path: "/api/v1/business-units/" + bu + "/archive",
			body: `{"archived":true}`, status: 409, code: lodestar.EConflict, unchanged: "/api/v1/business-units/" + bu},
		{name: "restore what is not archived", method: "POST", path: "/api/v1/goals/" + goal + "/archive",
			body: `{"archived":false}`, status: 409, code: lodestar.EConflict, unchanged: "/api/v1/goals/" + goal},

		// Readings.
		{name: "reading with a bad date", method: "POST", path: "/api/v1/kpis/" + kpi + "/readings",
			body:   `{"readings":[{"date":"2030-01-01","value":1},{"date":"2030-02-30","value":2}]}`,
			status: 400, code: lodestar.EInvalid, field: "readings[1].date", unchanged: "/api/v1/kpis/" + kpi + "/readings"},
		{name: "reading dated in the future", method: "POST", path: "/api/v1/kpis/" + kpi + "/readings",
			body:   `{"readings":[{"date":"2030-03-05","value":1},{"date":"2030-03-06","value":2}]}`, // the clock reads 2030-03-04
			status: 400, code: lodestar.EInvalid, field: "readings[1].date", unchanged: "/api/v1/kpis/" + kpi + "/readings"},
		{name: "reading with no date", method: "POST", path: "/api/v1/kpis/" + kpi + "/readings",
			body: `{"readings":[{"value":1}]}`, status: 400, code: lodestar.EInvalid, field: "readings[0].date"},
		{name: "no readings", method: "POST", path: "/api/v1/kpis/" + kpi + "/readings",
			body: `{"readings":[]}`, status: 400, code: lodestar.EInvalid, field: "readings"},
		{name: "readings on an archived KPI", method: "POST", path: "/api/v1/kpis/" + id(w.archivedKPI.ID) + "/readings",
			body: `{"readings":[{"date":"2030-01-01","value":1}]}`, status: 409, code: lodestar.EConflict},

		// Size and content type.
		{name: "over-long goal", method: "POST", path: "/api/v1/goals",
			body: huge(`{"title":"x","horizon":"year","description":"`), status: 413, code: lodestar.ETooLarge},
		{name: "over-long use case update", method: "PUT", path: "/api/v1/use-cases/" + uc,
			body: huge(`{"title":"x","description":"`), status: 413, code: lodestar.ETooLarge, unchanged: "/api/v1/use-cases/" + uc},
		{name: "over-long readings", method: "POST", path: "/api/v1/kpis/" + kpi + "/readings",
			body: huge(`{"readings":[{"value":1,"date":"`), status: 413, code: lodestar.ETooLarge},
		{name: "KPI as text/plain", method: "POST", path: "/api/v1/kpis", contentType: "text/plain",
			body: validKPI, status: 415, code: lodestar.EUnsupported},
		{name: "stage change as a form", method: "POST", path: "/api/v1/use-cases/" + uc + "/stage", contentType: "application/x-www-form-urlencoded",
			body: `stage=assessment&reason=ok`, status: 415, code: lodestar.EUnsupported},
		{name: "business unit update without a content type", method: "PUT", path: "/api/v1/business-units/" + bu, noContentTypeHeader: true,
			body: `{"name":"Renamed"}`, status: 415, code: lodestar.EUnsupported, unchanged: "/api/v1/business-units/" + bu},

		// Unknown records.
		{name: "GET unknown business unit", method: "GET", path: "/api/v1/business-units/999999", status: 404, code: lodestar.ENotFound},
		{name: "GET unknown goal", method: "GET", path: "/api/v1/goals/999999", status: 404, code: lodestar.ENotFound},
		{name: "GET unknown KPI", method: "GET", path: "/api/v1/kpis/999999", status: 404, code: lodestar.ENotFound},
		{name: "GET unknown KPI's readings", method: "GET", path: "/api/v1/kpis/999999/readings", status: 404, code: lodestar.ENotFound},
		{name: "GET unknown pain point", method: "GET", path: "/api/v1/pain-points/999999", status: 404, code: lodestar.ENotFound},
		{name: "GET unknown use case's stages", method: "GET", path: "/api/v1/use-cases/999999/stages", status: 404, code: lodestar.ENotFound},
		{name: "GET unknown use case's realisation", method: "GET", path: "/api/v1/use-cases/999999/realisation", status: 404, code: lodestar.ENotFound},
		{name: "PUT unknown goal", method: "PUT", path: "/api/v1/goals/999999", body: validGoal, status: 404, code: lodestar.ENotFound},
		{name: "PUT unknown use case", method: "PUT", path: "/api/v1/use-cases/999999", body: `{"title":"x"}`, status: 404, code: lodestar.ENotFound},
		{name: "stage of unknown use case", method: "POST", path: "/api/v1/use-cases/999999/stage",
			body: `{"stage":"assessment","reason":"x"}`, status: 404, code: lodestar.ENotFound},
		{name: "readings of unknown KPI", method: "POST", path: "/api/v1/kpis/999999/readings",
			body: `{"readings":[{"date":"2030-01-01","value":1}]}`, status: 404, code: lodestar.ENotFound},
		{name: "archive unknown pain point", method: "POST", path: "/api/v1/pain-points/999999/archive",
			body: `{"archived":true}`, status: 404, code: lodestar.ENotFound},
		{name: "GET goal id abc", method: "GET", path: "/api/v1/goals/abc", status: 400, code: lodestar.EInvalid, field: "id"},
		{name: "PUT KPI id 0", method: "PUT", path: "/api/v1/kpis/0", body: validKPI, status: 400, code: lodestar.EInvalid, field: "id"},

		// List filters and paging.
		{name: "goals business_unit_id=abc", method: "GET", path: "/api/v1/goals?business_unit_id=abc", status: 400, code: lodestar.EInvalid, field: "business_unit_id"},
		{name: "pain points business_unit_id=0", method: "GET", path: "/api/v1/pain-points?business_unit_id=0", status: 400, code: lodestar.EInvalid, field: "business_unit_id"},
		{name: "pain points goal_id=-1", method: "GET", path: "/api/v1/pain-points?goal_id=-1", status: 400, code: lodestar.EInvalid, field: "goal_id"},
		{name: "KPIs goal_id=x", method: "GET", path: "/api/v1/kpis?goal_id=x", status: 400, code: lodestar.EInvalid, field: "goal_id"},
		{name: "portfolio business_unit_id=abc", method: "GET", path: "/api/v1/portfolio?business_unit_id=abc", status: 400, code: lodestar.EInvalid, field: "business_unit_id"},
		{name: "portfolio alignment=bogus", method: "GET", path: "/api/v1/portfolio?alignment=bogus", status: 400, code: lodestar.EInvalid, field: "alignment"},
		{name: "portfolio stage=done", method: "GET", path: "/api/v1/portfolio?stage=done", status: 400, code: lodestar.EInvalid, field: "stage"},
		{name: "business units limit=201", method: "GET", path: "/api/v1/business-units?limit=201", status: 400, code: lodestar.EInvalid, field: "limit"},
		{name: "goals limit=201", method: "GET", path: "/api/v1/goals?limit=201", status: 400, code: lodestar.EInvalid, field: "limit"},
		{name: "KPIs limit=0", method: "GET", path: "/api/v1/kpis?limit=0", status: 400, code: lodestar.EInvalid, field: "limit"},
		{name: "pain points limit=201", method: "GET", path: "/api/v1/pain-points?limit=201", status: 400, code: lodestar.EInvalid, field: "limit"},
		{name: "business units cursor=abc", method: "GET", path: "/api/v1/business-units?cursor=abc", status: 400, code: lodestar.EInvalid, field: "cursor"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			before := f.strategyCounts()
			var snapshot string
			if tc.unchanged != "" {
				snapshot = f.apiOK("GET", tc.unchanged, secret, "", 200).body
			}
			h := http.Header{"Authorization": {"Bearer " + secret}}
			switch {
			case tc.noContentTypeHeader:
			case tc.contentType != "":
				h.Set("Content-Type", tc.contentType)
			case tc.body != "":
				h.Set("Content-Type", jsonCT)
			}
			var body io.Reader
			if tc.body != "" && tc.method == "PUT" {
				body = strings.NewReader(whole(tc.path, tc.body))
			} else if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			r := f.do(f.client(), tc.method, tc.path, h, body)
			d := wantAPIError(t, r, tc.status, tc.code)
			var want []string
			if tc.field != "" {
				want = []string{tc.field}
			}
			if got := fieldKeys(d.Fields); !slices.Equal(got, want) {
				t.Errorf("%s %s: got fields %v, want exactly %v (%v)", tc.method, tc.path, got, want, d.Fields)
			}
			f.wantStrategyUnchanged(before, tc.name)
			if tc.unchanged != "" {
				if after := f.apiOK("GET", tc.unchanged, secret, "", 200).body; after != snapshot {
					t.Errorf("GET %s changed:\nbefore %s\nafter  %s", tc.unchanged, snapshot, after)
				}
			}
		})
	}
}

// TestStrategyAPIHappyPath builds a small portfolio through the API alone
// and follows one use case from misaligned to aligned, back to misaligned
// when its KPI loses its goal, into pilot and through value realisation.
// Every write adds exactly one audit entry.
func TestStrategyAPIHappyPath(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, secret := f.token(admin, lodestar.ScopeRead, lodestar.ScopeWrite)

	// write sends one write, wants its status and one more audit entry.
	write := func(method, path, body string, status int) *response {
		t.Helper()
		before := f.count("audit_log")
		r := f.apiOK(method, path, secret, body, status)
		if after := f.count("audit_log"); after != before+1 {
			t.Errorf("%s %s: audit entries %d → %d, want one more", method, path, before, after)
		}
		return r
	}
	getUC := func(id int64) lodestar.UseCase {
		t.Helper()
		return fromJSON[lodestar.UseCase](t, f.apiOK("GET", fmt.Sprintf("/api/v1/use-cases/%d", id), secret, "", 200))
	}
	wantAlignment := func(what string, uc lodestar.UseCase, status string, reasons ...string) {
		t.Helper()
		if reasons == nil {
			reasons = []string{}
		}
		if uc.Alignment.Status != status || !slices.Equal(uc.Alignment.Reasons, reasons) {
			t.Errorf("%s: got alignment %q %q, want %q %q", what, uc.Alignment.Status, uc.Alignment.Reasons, status, reasons)
		}
	}

	r := write("POST", "/api/v1/business-units", `{"name":"Retail","name_zh":"零售"}`, 201)
	bu := fromJSON[lodestar.BusinessUnit](t, r)
	if loc := r.Header.Get("Location"); loc != fmt.Sprintf("/api/v1/business-units/%d", bu.ID) {
		t.Errorf("business unit Location: got %q", loc)
	}
	goal := fromJSON[lodestar.Goal](t, write("POST", "/api/v1/goals",
		fmt.Sprintf(`{"title":"Grow the basket","horizon":"year","business_unit_id":%d,"owner_id":%d}`, bu.ID, admin.ID), 201))
	if goal.Status != "active" || goal.BusinessUnitID != bu.ID {
		t.Errorf("goal: got status %q unit %d, want active %d", goal.Status, goal.BusinessUnitID, bu.ID)
	}
	kpiBody := func(goalID int64) string {
		return fmt.Sprintf(`{"goal_id":%d,"name":"Average basket","name_zh":"客单价","unit":"CNY","direction":"up","baseline":100,"target":120,"target_date":"2030-12-31"}`, goalID)
	}
	kpi := fromJSON[lodestar.KPI](t, write("POST", "/api/v1/kpis", kpiBody(goal.ID), 201))
	pain := fromJSON[lodestar.PainPoint](t, write("POST", "/api/v1/pain-points",
		fmt.Sprintf(`{"business_unit_id":%d,"title":"Stock-outs","category":"revenue","annual_cost":5000000,"goal_id":%d}`, bu.ID, goal.ID), 201))

	ucFields := `"title":"Demand forecasting","business_unit_id":%d,"value_estimate":8000000,"cost_estimate":2000000,` +
		`"feasibility":{"data_readiness":4,"technical_maturity":4,"skills":3,"integration":3}`
	uc := fromJSON[lodestar.UseCase](t, write("POST", "/api/v1/use-cases", "{"+fmt.Sprintf(ucFields, bu.ID)+"}", 201))
	wantAlignment("new, with nothing bound", uc, "misaligned", "no_kpi_impact", "no_sponsor", "no_pain_point")
	if uc.Stage != lodestar.StageIdea || uc.RiskTier != "unassessed" || uc.Score != 4.2 {
		t.Errorf("new use case: got stage %q risk %q score %v, want idea unassessed 4.2", uc.Stage, uc.RiskTier, uc.Score)
	}
	ucPath := fmt.Sprintf("/api/v1/use-cases/%d", uc.ID)

	uc = fromJSON[lodestar.UseCase](t, write("PUT", ucPath, whole(ucPath, "{"+fmt.Sprintf(ucFields, bu.ID)+fmt.Sprintf(`,"sponsor_id":%d}`, admin.ID)), 200))
	wantAlignment("with a sponsor", uc, "misaligned", "no_kpi_impact", "no_pain_point")
	uc = fromJSON[lodestar.UseCase](t, write("PUT", ucPath, whole(ucPath, "{"+fmt.Sprintf(ucFields, bu.ID)+
		fmt.Sprintf(`,"sponsor_id":%d,"pain_point_ids":[%d]}`, admin.ID, pain.ID)), 200))
	wantAlignment("with a sponsor and a pain point", uc, "misaligned", "no_kpi_impact")
	full := "{" + fmt.Sprintf(ucFields, bu.ID) + fmt.Sprintf(`,"sponsor_id":%d,"pain_point_ids":[%d],"impacts":[{"kpi_id":%d,"change":10,"confidence":0.7}]}`,
		admin.ID, pain.ID, kpi.ID)
	uc = fromJSON[lodestar.UseCase](t, write("PUT", ucPath, whole(ucPath, full), 200))
	wantAlignment("with a sponsor, a pain point and a KPI under a goal", uc, "aligned")
	if len(uc.Impacts) != 1 || uc.Impacts[0] != (lodestar.Impact{KPIID: kpi.ID, Change: 10, Confidence: 0.7}) ||
		!slices.Equal(uc.PainPointIDs, []int64{pain.ID}) || uc.SponsorID != admin.ID {
		t.Errorf("links: got impacts %+v pains %v sponsor %d", uc.Impacts, uc.PainPointIDs, uc.SponsorID)
	}
	wantAlignment("read back", getUC(uc.ID), "aligned")

	type dashboard struct {
		Total  int `json:"total"`
		Funnel []struct {
			Stage string `json:"stage"`
			Count int    `json:"count"`
			Value int64  `json:"value"`
		} `json:"funnel"`
		Matrix []struct {
			ID      int64 `json:"id"`
			Aligned bool  `json:"aligned"`
		} `json:"matrix"`
		Misaligned      []lodestar.UseCase `json:"misaligned"`
		MisalignedCount int                `json:"misaligned_count"`
	}
	portfolio := func(what, query string, total, misaligned int, aligned bool) {
		t.Helper()
		d := fromJSON[dashboard](t, f.apiOK("GET", "/api/v1/portfolio"+query, secret, "", 200))
		if d.Total != total || d.MisalignedCount != misaligned || len(d.Misaligned) != misaligned {
			t.Errorf("portfolio %s: got total %d misaligned %d (%d listed), want %d and %d", what, d.Total, d.MisalignedCount, len(d.Misaligned), total, misaligned)
		}
		if misaligned == 1 && len(d.Misaligned) == 1 && d.Misaligned[0].ID != uc.ID {
			t.Errorf("portfolio %s: misaligned lists %d, want %d", what, d.Misaligned[0].ID, uc.ID)
		}
		if total == 0 {
			return
		}
		if len(d.Funnel) != len(lodestar.Stages) || d.Funnel[0].Stage != "idea" || d.Funnel[0].Count != 1 || d.Funnel[0].Value != 8000000 {
			t.Errorf("portfolio %s: got funnel %+v, want one idea worth 8000000 first of %d stages", what, d.Funnel, len(lodestar.Stages))
		}
		if len(d.Matrix) != 1 || d.Matrix[0].ID != uc.ID || d.Matrix[0].Aligned != aligned {
			t.Errorf("portfolio %s: got matrix %+v, want the use case with aligned=%v", what, d.Matrix, aligned)
		}
	}
	portfolio("aligned", "", 1, 0, true)

	// The KPI leaves its goal: the use case is misaligned, naming the KPI.
	write("PUT", fmt.Sprintf("/api/v1/kpis/%d", kpi.ID), whole("/kpis", kpiBody(0)), 200)
	orphan := getUC(uc.ID)
	wantAlignment("KPI moved to no goal", orphan, "misaligned", fmt.Sprintf("kpi_without_goal:%d", kpi.ID))
	portfolio("KPI without goal", "", 1, 1, false)
	portfolio("filtered to the unit", fmt.Sprintf("?business_unit_id=%d", bu.ID), 1, 1, false)
	portfolio("filtered to aligned", "?alignment=aligned", 0, 0, false)
	portfolio("filtered to another unit", "?business_unit_id=999999", 0, 0, false)
	write("PUT", fmt.Sprintf("/api/v1/kpis/%d", kpi.ID), whole("/kpis", kpiBody(goal.ID)), 200)
	wantAlignment("KPI back under its goal", getUC(uc.ID), "aligned")
	portfolio("aligned again", "", 1, 0, true)

	// Not live yet: no realisation.
	type realisation struct {
		Live      bool                   `json:"live"`
		LiveSince string                 `json:"live_since"`
		Status    string                 `json:"status"`
		KPIs      []lodestar.RealisedKPI `json:"kpis"`
	}
	real := fromJSON[realisation](t, f.apiOK("GET", ucPath+"/realisation", secret, "", 200))
	if real.Live || real.Status != "" || len(real.KPIs) != 0 {
		t.Errorf("realisation of an idea: got %+v, want not live", real)
	}

	// A reading before go-live is the baseline; then idea → pilot.
	write("POST", fmt.Sprintf("/api/v1/kpis/%d/readings", kpi.ID), `{"readings":[{"date":"2030-03-01","value":100}]}`, 200)
	for _, to := range []string{"assessment", "approved", "pilot"} {
		uc = fromJSON[lodestar.UseCase](t, write("POST", ucPath+"/stage", `{"stage":"`+to+`","reason":"ready for `+to+`"}`, 200))
		if uc.Stage != to {
			t.Fatalf("stage: got %q, want %q", uc.Stage, to)
		}
	}
	hist := fromJSON[struct {
		Data []lodestar.StageChange `json:"data"`
	}](t, f.apiOK("GET", ucPath+"/stages", secret, "", 200))
	if len(hist.Data) != 3 || hist.Data[0].From != "idea" || hist.Data[2].To != "pilot" || hist.Data[2].Reason != "ready for pilot" ||
		hist.Data[2].ActorID != admin.ID {
		t.Errorf("stage history: got %+v, want idea→assessment→approved→pilot by the admin with reasons", hist.Data)
	}

	// Three months on, the KPI has risen by the whole promise: met, not
	// merely on track.
	f.clock.Advance(92 * 24 * time.Hour)
	r = write("POST", fmt.Sprintf("/api/v1/kpis/%d/readings", kpi.ID),
		`{"readings":[{"date":"2030-04-01","value":104},{"date":"2030-06-01","value":110}]}`, 200)
	if got := fromJSON[map[string]int](t, r)["recorded"]; got != 2 {
		t.Errorf("readings: got recorded %d, want 2", got)
	}
	real = fromJSON[realisation](t, f.apiOK("GET", ucPath+"/realisation", secret, "", 200))
	if !real.Live || real.LiveSince != "2030-03-04" || real.Status != "met" || len(real.KPIs) != 1 {
		t.Fatalf("realisation in pilot: got %+v, want live since 2030-03-04, met, one KPI", real)
	}
	k := real.KPIs[0]
	if k.KPI == nil || k.KPI.ID != kpi.ID || k.Promised != 10 || k.Baseline != 100 || k.Realised != 10 || k.Status != "met" ||
		len(k.Series) != 2 || k.Expected <= 0 || k.Expected >= 10 || k.Progress <= 0 || k.Progress >= 1 {
		t.Errorf("realised KPI: got %+v, want promised 10 from baseline 100, realised 10, met, two readings since go-live, part of the way", k)
	}
}

// TestStrategyAPIRoles checks who may write what: a viewer nothing, a
// business owner goals, the AI team use cases but not goals.
func TestStrategyAPIRoles(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	w := f.strategyWorld()
	token := func(role lodestar.Role) string {
		_, s := f.token(f.user(role, string(role)+"@example.com"), lodestar.ScopeRead, lodestar.ScopeWrite)
		return s
	}
	viewer, owner, aiTeam := token(lodestar.RoleViewer), token(lodestar.RoleBusinessOwner), token(lodestar.RoleAITeam)
	ids := func(format string, a ...any) string { return fmt.Sprintf(format, a...) }

	type write struct{ method, path, body string }
	strategyWrites := []write{
		{"POST", "/api/v1/business-units", `{"name":"Online"}`},
		{"PUT", ids("/api/v1/business-units/%d", w.grandchild.ID), `{"name":"Flagship 2"}`},
		{"POST", ids("/api/v1/business-units/%d/archive", w.grandchild.ID), `{"archived":true}`},
		{"POST", "/api/v1/goals", `{"title":"Cut costs","horizon":"year"}`},
		{"PUT", ids("/api/v1/goals/%d", w.goal.ID), `{"title":"Grow it more","horizon":"year"}`},
		{"POST", ids("/api/v1/goals/%d/archive", w.goal.ID), `{"archived":true}`},
		{"POST", "/api/v1/kpis", `{"name":"Cost","unit":"CNY","direction":"down","baseline":10,"target":5,"target_date":"2030-12-31"}`},
		{"PUT", ids("/api/v1/kpis/%d", w.kpi.ID), `{"name":"Basket","unit":"CNY","direction":"up","baseline":1,"target":2,"target_date":"2030-12-31"}`},
		{"POST", ids("/api/v1/kpis/%d/archive", w.kpi.ID), `{"archived":true}`},
		{"POST", ids("/api/v1/kpis/%d/readings", w.kpi.ID), `{"readings":[{"date":"2030-01-01","value":1}]}`},
		{"POST", "/api/v1/pain-points", ids(`{"business_unit_id":%d,"title":"Returns","category":"cost"}`, w.root.ID)},
		{"PUT", ids("/api/v1/pain-points/%d", w.pain.ID), ids(`{"business_unit_id":%d,"title":"Stock-outs 2","category":"cost"}`, w.root.ID)},
		{"POST", ids("/api/v1/pain-points/%d/archive", w.pain.ID), `{"archived":true}`},
	}
	useCaseWrites := []write{
		{"POST", "/api/v1/use-cases", `{"title":"Chat agent"}`},
		{"PUT", ids("/api/v1/use-cases/%d", w.uc.ID), ids(`{"title":"Demand forecasting","pain_point_ids":[%d]}`, w.pain.ID)},
		{"POST", ids("/api/v1/use-cases/%d/stage", w.uc.ID), `{"stage":"assessment","reason":"worth a look"}`},
		{"POST", ids("/api/v1/use-cases/%d/archive", w.uc.ID), `{"archived":true}`},
	}
	refused := func(t *testing.T, bearer string, ws []write) {
		f := f.with(t)
		for _, wr := range ws {
			before := f.strategyCounts()
			wantAPIError(t, f.api(wr.method, wr.path, bearer, wr.body), 403, lodestar.EForbidden)
			f.wantStrategyUnchanged(before, wr.method+" "+wr.path)
		}
	}

	t.Run("viewer can read but not write", func(t *testing.T) {
		f := f.with(t)
		for _, p := range []string{"/api/v1/business-units", "/api/v1/goals", "/api/v1/kpis", "/api/v1/pain-points", "/api/v1/portfolio",
			ids("/api/v1/use-cases/%d/realisation", w.uc.ID), ids("/api/v1/kpis/%d/readings", w.kpi.ID)} {
			f.apiOK("GET", p, viewer, "", 200)
		}
		refused(t, viewer, append(slices.Clone(strategyWrites), useCaseWrites...))
	})
	t.Run("AI team cannot write strategy", func(t *testing.T) {
		refused(t, aiTeam, strategyWrites)
	})
	t.Run("business owner writes goals", func(t *testing.T) {
		f := f.with(t)
		g := fromJSON[lodestar.Goal](t, f.apiOK("POST", "/api/v1/goals", owner, `{"title":"Owner's goal","horizon":"quarter"}`, 201))
		f.apiOK("PUT", ids("/api/v1/goals/%d", g.ID), owner, whole("/goals", `{"title":"Owner's goal, sharper","horizon":"quarter","status":"draft"}`), 200)
		f.apiOK("POST", ids("/api/v1/goals/%d/archive", g.ID), owner, `{"archived":true}`, 200)
	})
	t.Run("AI team writes use cases", func(t *testing.T) {
		f := f.with(t)
		wantAPIError(t, f.api("POST", "/api/v1/goals", aiTeam, `{"title":"AI's goal","horizon":"year"}`), 403, lodestar.EForbidden)
		uc := fromJSON[lodestar.UseCase](t, f.apiOK("POST", "/api/v1/use-cases", aiTeam, `{"title":"Vision QA"}`, 201))
		f.apiOK("PUT", ids("/api/v1/use-cases/%d", uc.ID), aiTeam, whole("/use-cases", ids(`{"title":"Vision QA","impacts":[{"kpi_id":%d,"change":2,"confidence":0.5}]}`, w.kpi.ID)), 200)
		f.apiOK("POST", ids("/api/v1/use-cases/%d/stage", uc.ID), aiTeam, `{"stage":"assessment","reason":"data is ready"}`, 200)
	})
}
