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

func TestEntitiesPainForms(t *testing.T) {
	f := newEntFixture(t)
	admin := f.signIn(lodestar.RoleBusinessOwner, "en")
	ctx := context.Background()
	retail, err := f.app.Store.CreateBusinessUnit(setup(), lodestar.BusinessUnit{Name: "Retail"})
	if err != nil {
		t.Fatal(err)
	}
	plant, err := f.app.Store.CreateBusinessUnit(setup(), lodestar.BusinessUnit{Name: "Plant"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.app.Store.CreateGoal(setup(), lodestar.Goal{Title: "Fewer stockouts", Horizon: "year"})
	if err != nil {
		t.Fatal(err)
	}
	buID := strconv.FormatInt(retail.ID, 10)

	t.Run("bad input", func(t *testing.T) {
		before := f.auditCount()
		r := admin.post("/pain-points", url.Values{"title": {"Stockouts"}, "category": {"cost"}, "annual_cost": {"12.5"}, "business_unit_id": {buID}})
		wantFieldError(t, r, http.StatusBadRequest, "annual_cost", "Must be a whole number.")
		if !strings.Contains(r.body, `value="12.5"`) {
			t.Errorf("the entered cost was not kept")
		}
		r = admin.post("/pain-points", url.Values{"title": {"Stockouts"}, "category": {"cost"}, "annual_cost": {"lots"}, "business_unit_id": {buID}})
		wantFieldError(t, r, http.StatusBadRequest, "annual_cost", "Must be a number.")
		r = admin.post("/pain-points", url.Values{"title": {"Stockouts"}, "category": {"mood"}, "annual_cost": {"-5"}})
		wantFieldError(t, r, http.StatusBadRequest, "annual_cost", "Must not be negative.")
		wantFieldError(t, r, http.StatusBadRequest, "business_unit_id", "Choose the business unit that has this pain point.")
		wantFieldError(t, r, http.StatusBadRequest, "category", "Choose a category: cost, efficiency, experience, risk, revenue.")
		f.noChange(t, before, "bad pain point input")
	})

	id := admin.created("/pain-points", url.Values{"title": {"Stockouts"}, "title_zh": {"缺货"}, "description": {"Shelves run empty."},
		"category": {"revenue"}, "annual_cost": {"1,234,567"}, "business_unit_id": {buID}, "goal_id": {strconv.FormatInt(g.ID, 10)}}, "/pain-points/")
	pp, err := f.app.Store.FindPainPointByID(ctx, id)
	if err != nil || pp.AnnualCost != 1234567 || pp.Category != "revenue" || pp.GoalID != g.ID || pp.BusinessUnitID != retail.ID {
		t.Fatalf("after create: got %+v, %v", pp, err)
	}
	cheap := admin.created("/pain-points", url.Values{"title": {"Manual counts"}, "category": {"efficiency"}, "annual_cost": {"5000"},
		"business_unit_id": {strconv.FormatInt(plant.ID, 10)}}, "/pain-points/")

	t.Run("list: costliest first, filters", func(t *testing.T) {
		body := admin.get("/pain-points", http.StatusOK)
		s, m := strings.Index(body, ">Stockouts<"), strings.Index(body, ">Manual counts<")
		if s < 0 || m < 0 || s > m {
			t.Errorf("costliest first: got Stockouts at %d, Manual counts at %d", s, m)
		}
		if !strings.Contains(body, "1,234,567") || !strings.Contains(body, "1,239,567") || !strings.Contains(body, "Revenue") {
			t.Errorf("list: cost, total or category not shown for the locale")
		}
		body = admin.get("/pain-points?sort=title", http.StatusOK)
		if s, m := strings.Index(body, ">Stockouts<"), strings.Index(body, ">Manual counts<"); s < m {
			t.Errorf("by title: Stockouts before Manual counts")
		}
		body = admin.get("/pain-points?category=efficiency", http.StatusOK)
		if strings.Contains(body, ">Stockouts<") || !strings.Contains(body, ">Manual counts<") {
			t.Errorf("category filter: wrong pain points")
		}
		body = admin.get("/pain-points?business_unit_id="+buID, http.StatusOK)
		if !strings.Contains(body, ">Stockouts<") || strings.Contains(body, ">Manual counts<") {
			t.Errorf("unit filter: wrong pain points")
		}
		body = admin.get("/pain-points?q=manual", http.StatusOK)
		if strings.Contains(body, ">Stockouts<") || !strings.Contains(body, ">Manual counts<") {
			t.Errorf("search: wrong pain points")
		}
	})

	t.Run("detail and edit", func(t *testing.T) {
		body := admin.get(fmt.Sprintf("/pain-points/%d", id), http.StatusOK)
		for _, want := range []string{"1,234,567 a year", "Fewer stockouts", "Retail", "Shelves run empty."} {
			if !strings.Contains(body, want) {
				t.Errorf("pain point page: no %q", want)
			}
		}
		body = admin.get(fmt.Sprintf("/pain-points/%d/edit", id), http.StatusOK)
		if !strings.Contains(body, `value="1234567"`) || !strings.Contains(body, `<option value="revenue" selected>`) {
			t.Errorf("edit form not filled:\n%s", body)
		}
		r := admin.post(fmt.Sprintf("/pain-points/%d", cheap), url.Values{"title": {"Manual counts"}, "category": {"cost"}, "annual_cost": {"2000000"},
			"business_unit_id": {strconv.FormatInt(plant.ID, 10)}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("update: got %d (body %.400s)", r.status, r.body)
		}
		if pp, _ := f.app.Store.FindPainPointByID(ctx, cheap); pp.AnnualCost != 2000000 || pp.Category != "cost" {
			t.Errorf("after update: got %+v", pp)
		}
		body = admin.get("/pain-points", http.StatusOK)
		if s, m := strings.Index(body, ">Stockouts<"), strings.Index(body, ">Manual counts<"); m > s {
			t.Errorf("after the update Manual counts is costliest and should come first")
		}
	})

	t.Run("archive and unarchive", func(t *testing.T) {
		if r := admin.post(fmt.Sprintf("/pain-points/%d/archive", id), url.Values{"archived": {"true"}}); r.status != http.StatusSeeOther {
			t.Fatalf("archive: got %d", r.status)
		}
		if pp, _ := f.app.Store.FindPainPointByID(ctx, id); !pp.Archived {
			t.Errorf("after archive: not archived")
		}
		if body := admin.get("/pain-points", http.StatusOK); strings.Contains(body, ">Stockouts<") {
			t.Errorf("the list shows an archived pain point")
		}
		if r := admin.post(fmt.Sprintf("/pain-points/%d/archive", id), url.Values{"archived": {"false"}}); r.status != http.StatusSeeOther {
			t.Fatalf("unarchive: got %d", r.status)
		}
		if pp, _ := f.app.Store.FindPainPointByID(ctx, id); pp.Archived {
			t.Errorf("after unarchive: still archived")
		}
	})

	if r := admin.do("GET", "/pain-points/31337", nil); r.status != http.StatusNotFound || !strings.Contains(r.body, "Pain point not found.") {
		t.Errorf("unknown pain point: got %d, want 404 naming it", r.status)
	}
}
