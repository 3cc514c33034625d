package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPIWholeNumbersAsFloats: an integer field takes a whole number
// written as a JSON float (1000.0, 5e6: what Python and pandas write, and
// what JSON Schema's integer takes); it was refused as "out of range". A
// number that is not whole is refused as such, in Chinese too, and
// nothing is written.
func TestAPIWholeNumbersAsFloats(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, tok := f.token(admin, lodestar.ScopeRead, lodestar.ScopeWrite)
	w := f.strategyWorld()

	pain := fromJSON[lodestar.PainPoint](t, f.apiOK("POST", "/api/v1/pain-points", tok,
		fmt.Sprintf(`{"business_unit_id":%d.0,"title":"Returns","category":"cost","annual_cost":1000.0}`, w.root.ID), 201))
	if pain.AnnualCost != 1000 || pain.BusinessUnitID != w.root.ID {
		t.Errorf("pain point: annual cost %d, unit %d; want 1000, %d", pain.AnnualCost, pain.BusinessUnitID, w.root.ID)
	}
	uc := fromJSON[lodestar.UseCase](t, f.apiOK("POST", "/api/v1/use-cases", tok,
		`{"title":"Pricing","value_estimate":5e6,"cost_estimate":2.5E5,"feasibility":{"data_readiness":4.0,"technical_maturity":3,"skills":3,"integration":2}}`, 201))
	if uc.ValueEstimate != 5000000 || uc.CostEstimate != 250000 || uc.Feasibility.DataReadiness != 4 {
		t.Errorf("use case: value %d, cost %d, data readiness %d; want 5000000, 250000, 4", uc.ValueEstimate, uc.CostEstimate, uc.Feasibility.DataReadiness)
	}

	before := f.strategyCounts()
	body := fmt.Sprintf(`{"business_unit_id":%d,"title":"Queues","category":"cost","annual_cost":1.5}`, w.root.ID)
	d := wantAPIError(t, f.api("POST", "/api/v1/pain-points", tok, body), 400, lodestar.EInvalid)
	if want := "annual_cost must be a whole number (1.5)."; d.Fields["annual_cost"] != want || d.Message != want {
		t.Errorf("1.5: message %q, fields %v; want %q", d.Message, d.Fields, want)
	}
	h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}, "Accept-Language": {"zh-CN"}}
	zh := wantAPIError(t, f.do(f.client(), "POST", "/api/v1/pain-points", h, strings.NewReader(body)), 400, lodestar.EInvalid)
	if want := "annual_cost 必须是整数（1.5）。"; zh.Fields["annual_cost"] != want {
		t.Errorf("1.5 in Chinese: %q, want %q", zh.Fields["annual_cost"], want)
	}
	d = wantAPIError(t, f.api("POST", "/api/v1/use-cases", tok, `{"title":"Huge","value_estimate":1e30}`), 400, lodestar.EInvalid)
	if d.Fields["value_estimate"] != "value_estimate is out of range for this field (1e30)." {
		t.Errorf("1e30: fields %v", d.Fields)
	}
	f.wantStrategyUnchanged(before, "refused numbers")
}
