package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

func TestEntitiesGoalForms(t *testing.T) {
	f := newEntFixture(t)
	admin := f.signIn(lodestar.RoleCommittee, "en")
	ctx := context.Background()
	retail, err := f.app.Store.CreateBusinessUnit(setup(), lodestar.BusinessUnit{Name: "Retail"})
	if err != nil {
		t.Fatal(err)
	}
	plant, err := f.app.Store.CreateBusinessUnit(setup(), lodestar.BusinessUnit{Name: "Plant"})
	if err != nil {
		t.Fatal(err)
	}
	buID := strconv.FormatInt(retail.ID, 10)
	owner := strconv.FormatInt(admin.user.ID, 10)

	t.Run("new form offers translated horizons and statuses", func(t *testing.T) {
		body := admin.get("/goals/new", http.StatusOK)
		for _, want := range []string{`<option value="quarter">This quarter</option>`, `<option value="active" selected>Active</option>`,
			`<option value="` + owner + `">`} {
			if !strings.Contains(body, want) {
				t.Errorf("new goal form: no %s", want)
			}
		}
	})

	id := admin.created("/goals", url.Values{"title": {"Cut stockouts"}, "title_zh": {"减少缺货"}, "description": {"Fewer empty shelves."},
		"business_unit_id": {buID}, "owner_id": {owner}, "horizon": {"quarter"}, "status": {"active"}}, "/goals/")
	g, err := f.app.Store.FindGoalByID(ctx, id)
	if err != nil || g.Title != "Cut stockouts" || g.BusinessUnitID != retail.ID || g.OwnerID != admin.user.ID || g.Horizon != "quarter" {
		t.Fatalf("after create: got %+v, %v", g, err)
	}
	other := admin.created("/goals", url.Values{"title": {"Automate maintenance"}, "business_unit_id": {strconv.FormatInt(plant.ID, 10)},
		"horizon": {"three_years"}, "status": {"draft"}}, "/goals/")

	t.Run("bad input", func(t *testing.T) {
		before := f.auditCount()
		r := admin.post("/goals", url.Values{"title": {""}, "horizon": {"forever"}, "status": {"active"}, "description": {"kept text"}})
		wantFieldError(t, r, http.StatusBadRequest, "title", "This field is required.")
		wantFieldError(t, r, http.StatusBadRequest, "horizon", "Choose a horizon: quarter, year, three_years, five_years.")
		if !strings.Contains(r.body, ">kept text</textarea>") {
			t.Errorf("the description was not kept")
		}
		r = admin.post("/goals", url.Values{"title": {"T"}, "horizon": {"year"}, "owner_id": {"x1"}})
		wantFieldError(t, r, http.StatusBadRequest, "owner_id", "No such record, or it is archived.")
		r = admin.post("/goals", url.Values{"title": {"T"}, "horizon": {"year"}, "owner_id": {"999999"}})
		wantFieldError(t, r, http.StatusBadRequest, "owner_id", "No such active user.")
		f.noChange(t, before, "bad goal input")
	})

	t.Run("list filters and sorts", func(t *testing.T) {
		body := admin.get("/goals", http.StatusOK)
		if a, c := strings.Index(body, "Automate maintenance"), strings.Index(body, "Cut stockouts"); a < 0 || c < 0 || a > c {
			t.Errorf("by title: got Automate at %d and Cut at %d", a, c)
		}
		if !strings.Contains(body, "This quarter") || !strings.Contains(body, "Three years") {
			t.Errorf("the list does not show translated horizons")
		}
		body = admin.get("/goals?business_unit_id="+buID, http.StatusOK)
		if !strings.Contains(body, "Cut stockouts") || strings.Contains(body, "Automate maintenance") {
			t.Errorf("filter by unit: wrong goals")
		}
		body = admin.get("/goals?status=draft", http.StatusOK)
		if strings.Contains(body, "Cut stockouts") || !strings.Contains(body, "Automate maintenance") {
			t.Errorf("filter by status: wrong goals")
		}
		body = admin.get("/goals?q=stock", http.StatusOK)
		if !strings.Contains(body, "Cut stockouts") || strings.Contains(body, "Automate maintenance") {
			t.Errorf("search: wrong goals")
		}
		// Touch the first goal so it is the most recently updated.
		if r := admin.post(fmt.Sprintf("/goals/%d", id), url.Values{"title": {"Cut stockouts"}, "title_zh": {"减少缺货"}, "horizon": {"quarter"},
			"status": {"active"}, "business_unit_id": {buID}, "owner_id": {owner}}); r.status != http.StatusSeeOther {
			t.Fatalf("update: got %d (body %.400s)", r.status, r.body)
		}
		body = admin.get("/goals?sort=-updated", http.StatusOK)
		if a, c := strings.Index(body, "Automate maintenance"), strings.Index(body, "Cut stockouts"); a < c {
			t.Errorf("-updated: got Automate at %d before Cut at %d", a, c)
		}
		if !strings.Contains(body, `<option value="-updated" selected>`) {
			t.Errorf("the sort select does not keep the choice")
		}
		if r := admin.do("GET", "/goals?business_unit_id=abc&status=nope&sort=zzz", nil); r.status != http.StatusOK {
			t.Errorf("junk filters: got %d, want the plain list", r.status)
		}
	})

	t.Run("edit and detail", func(t *testing.T) {
		body := admin.get(fmt.Sprintf("/goals/%d/edit", id), http.StatusOK)
		if !strings.Contains(body, `value="减少缺货"`) || !strings.Contains(body, `<option value="quarter" selected>`) {
			t.Errorf("edit form not filled:\n%s", body)
		}
		r := admin.post(fmt.Sprintf("/goals/%d", id), url.Values{"title": {"Cut stockouts"}, "title_zh": {"减少缺货"},
			"horizon": {"year"}, "status": {"achieved"}, "business_unit_id": {buID}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("update: got %d (body %.400s)", r.status, r.body)
		}
		if g, _ := f.app.Store.FindGoalByID(ctx, id); g.Status != "achieved" || g.Horizon != "year" || g.OwnerID != 0 {
			t.Errorf("after update: got %+v", g)
		}
		k, err := f.app.Store.CreateKPI(setup(), lodestar.KPI{GoalID: id, Name: "Stockout rate", Unit: "%", Direction: "down", Baseline: 8, Target: 3, TargetDate: "2027-06-30"})
		if err != nil {
			t.Fatal(err)
		}
		pp, err := f.app.Store.CreatePainPoint(setup(), lodestar.PainPoint{BusinessUnitID: retail.ID, GoalID: id, Title: "Empty shelves", Category: "revenue", AnnualCost: 1200000})
		if err != nil {
			t.Fatal(err)
		}
		body = admin.get(fmt.Sprintf("/goals/%d", id), http.StatusOK)
		for _, want := range []string{fmt.Sprintf(`href="/kpis/%d"`, k.ID), fmt.Sprintf(`href="/pain-points/%d"`, pp.ID), "Achieved", "Retail", "1,200,000"} {
			if !strings.Contains(body, want) {
				t.Errorf("goal page: no %q", want)
			}
		}
		if body := admin.get(fmt.Sprintf("/goals/%d", other), http.StatusOK); !strings.Contains(body, "No KPIs match.") {
			t.Errorf("a goal without KPIs does not say so")
		}
	})

	t.Run("archive and unarchive", func(t *testing.T) {
		r := admin.post(fmt.Sprintf("/goals/%d/archive", id), url.Values{"archived": {"true"}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("archive: got %d", r.status)
		}
		if g, _ := f.app.Store.FindGoalByID(ctx, id); !g.Archived {
			t.Errorf("after archive: not archived")
		}
		if body := admin.get(r.location, http.StatusOK); !strings.Contains(body, "Goal archived.") || !strings.Contains(body, `name="archived" value="false"`) {
			t.Errorf("after archive: no flash or no restore button")
		}
		before := f.auditCount()
		r = admin.post(fmt.Sprintf("/goals/%d/archive", id), url.Values{"archived": {"true"}})
		if r.status != http.StatusConflict || !strings.Contains(r.body, "Nothing to change.") {
			t.Errorf("archive twice: got %d, want 409 with the reason", r.status)
		}
		f.noChange(t, before, "archive twice")
		if r := admin.post(fmt.Sprintf("/goals/%d/archive", id), url.Values{"archived": {"false"}}); r.status != http.StatusSeeOther {
			t.Fatalf("unarchive: got %d", r.status)
		}
		if g, _ := f.app.Store.FindGoalByID(ctx, id); g.Archived {
			t.Errorf("after unarchive: still archived")
		}
	})

	if r := admin.do("GET", "/goals/424242", nil); r.status != http.StatusNotFound || !strings.Contains(r.body, "Goal not found.") {
		t.Errorf("unknown goal: got %d, want 404 naming it", r.status)
	}
}
