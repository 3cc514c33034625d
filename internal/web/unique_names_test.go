package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestDuplicateKPIAndPainForms: the KPI and pain-point forms refuse a
// name a live record holds (a KPI's among all KPIs, a pain point's in
// its business unit) with a 409, the message beside the field naming the
// existing record and its ID in the user's language, the values kept and
// nothing written; a rename onto one is refused the same way.
func TestDuplicateKPIAndPainForms(t *testing.T) {
	f := newEntFixture(t)
	en, zh := f.signIn(lodestar.RoleAdmin, "en"), f.signIn(lodestar.RoleAdmin, "zh-CN")
	kpiForm := func(name, nameZH string) url.Values {
		return url.Values{"name": {name}, "name_zh": {nameZH}, "unit": {"%"}, "direction": {"up"}, "baseline": {"1"}, "target": {"2"}, "target_date": {"2027-12-31"}}
	}
	kpi := en.created("/kpis", kpiForm("Conversion rate", "转化率"), "/kpis/")
	other := en.created("/kpis", kpiForm("Basket size", ""), "/kpis/")
	unit, err := f.app.Store.CreateBusinessUnit(setup(), lodestar.BusinessUnit{Name: "Retail"})
	if err != nil {
		t.Fatal(err)
	}
	painForm := func(title, titleZH string) url.Values {
		return url.Values{"title": {title}, "title_zh": {titleZH}, "category": {"cost"}, "annual_cost": {"10"}, "business_unit_id": {strconv.FormatInt(unit.ID, 10)}}
	}
	pain := en.created("/pain-points", painForm("Slow checkout", "结账慢"), "/pain-points/")
	otherPain := en.created("/pain-points", painForm("Queues", ""), "/pain-points/")

	before := f.auditCount()
	for _, tc := range []struct {
		b                  *browser
		path               string
		form               url.Values
		field, wantMessage string
	}{
		{en, "/kpis", kpiForm("conversion RATE", ""), "name", fmt.Sprintf(`A KPI named "Conversion rate" / "转化率" already exists (ID %d).`, kpi)},
		{zh, "/kpis", kpiForm("New", "转化率"), "name_zh", fmt.Sprintf(`已有名为 "Conversion rate" / "转化率" 的 KPI（ID %d）。`, kpi)},
		{en, fmt.Sprintf("/kpis/%d", other), kpiForm("转化率", ""), "name", fmt.Sprintf(`A KPI named "Conversion rate" / "转化率" already exists (ID %d).`, kpi)},
		{en, "/pain-points", painForm("SLOW checkout", ""), "title", fmt.Sprintf(`A pain point titled "Slow checkout" / "结账慢" already exists in this business unit (ID %d).`, pain)},
		{zh, "/pain-points", painForm("结账慢", ""), "title", fmt.Sprintf(`本业务单元已有标题为 "Slow checkout" / "结账慢" 的痛点（ID %d）。`, pain)},
		{zh, fmt.Sprintf("/pain-points/%d", otherPain), painForm("Queues", "slow checkout"), "title_zh", fmt.Sprintf(`本业务单元已有标题为 "Slow checkout" / "结账慢" 的痛点（ID %d）。`, pain)},
	} {
		r := tc.b.post(tc.path, tc.form)
		wantFieldError(t, r, http.StatusConflict, tc.field, tc.wantMessage)
	}
	f.noChange(t, before, "duplicate KPIs and pain points")
	if k, err := f.app.Store.FindKPIByID(setup(), other); err != nil || k.Name != "Basket size" {
		t.Errorf("the KPI a refused rename named: %+v, %v; want it unchanged", k, err)
	}
}
