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

func TestEntitiesUnitForms(t *testing.T) {
	f := newEntFixture(t)
	admin := f.signIn(lodestar.RoleAdmin, "en")
	ctx := context.Background()

	retail := admin.created("/business-units", url.Values{"name": {"Retail"}, "name_zh": {"零售"}, "parent_id": {""}}, "/business-units/")
	stores := admin.created("/business-units", url.Values{"name": {"Stores"}, "parent_id": {strconv.FormatInt(retail, 10)}}, "/business-units/")
	u, err := f.app.Store.FindBusinessUnitByID(ctx, stores)
	if err != nil || u.Name != "Stores" || u.ParentID != retail {
		t.Fatalf("after create: got %+v, %v; want Stores under %d", u, err, retail)
	}

	t.Run("the new page offers live units as parents", func(t *testing.T) {
		body := admin.get("/business-units/new", http.StatusOK)
		if !strings.Contains(body, `<option value="`+strconv.FormatInt(retail, 10)+`"`) || !strings.Contains(body, `name="csrf_token"`) {
			t.Errorf("new form: no Retail option or CSRF field:\n%s", body)
		}
	})

	t.Run("the list is a tree", func(t *testing.T) {
		body := admin.get("/business-units", http.StatusOK)
		ri := strings.Index(body, `href="/business-units/`+strconv.FormatInt(retail, 10)+`"`)
		si := strings.Index(body, `href="/business-units/`+strconv.FormatInt(stores, 10)+`"`)
		if ri < 0 || si < 0 || si < ri {
			t.Fatalf("tree: got Retail at %d and Stores at %d, want the parent first", ri, si)
		}
		if !strings.Contains(body, `class="ent-node ent-d1"`) {
			t.Errorf("tree: the child row is not indented by depth 1:\n%s", body)
		}
	})

	t.Run("detail shows children", func(t *testing.T) {
		body := admin.get("/business-units/"+strconv.FormatInt(retail, 10), http.StatusOK)
		if !strings.Contains(body, "Stores") || !strings.Contains(body, `action="/business-units/`+strconv.FormatInt(retail, 10)+`/archive"`) {
			t.Errorf("detail: no child or archive form:\n%s", body)
		}
	})

	t.Run("edit keeps values and saves", func(t *testing.T) {
		body := admin.get("/business-units/"+strconv.FormatInt(stores, 10)+"/edit", http.StatusOK)
		if !strings.Contains(body, `value="Stores"`) {
			t.Errorf("edit form: not filled with the unit's name:\n%s", body)
		}
		r := admin.post("/business-units/"+strconv.FormatInt(stores, 10), url.Values{"name": {"Shops"}, "name_zh": {"门店"},
			"parent_id": {strconv.FormatInt(retail, 10)}})
		if r.status != http.StatusSeeOther || r.location != "/business-units/"+strconv.FormatInt(stores, 10) {
			t.Fatalf("update: got %d %q, want 303 to the unit (body %.400s)", r.status, r.location, r.body)
		}
		u, _ := f.app.Store.FindBusinessUnitByID(ctx, stores)
		if u.Name != "Shops" || u.NameZH != "门店" {
			t.Errorf("after update: got %q/%q, want Shops/门店", u.Name, u.NameZH)
		}
		if page := admin.get(r.location, http.StatusOK); !strings.Contains(page, "Business unit saved.") {
			t.Errorf("after update: no flash on the unit's page")
		}
	})

	t.Run("a cycle is refused beside the parent field", func(t *testing.T) {
		before := f.auditCount()
		r := admin.post("/business-units/"+strconv.FormatInt(retail, 10), url.Values{"name": {"Retail"}, "parent_id": {strconv.FormatInt(stores, 10)}})
		wantFieldError(t, r, http.StatusBadRequest, "parent_id", "A business unit cannot sit under itself or one of its own units.")
		f.noChange(t, before, "cycle")
		if u, _ := f.app.Store.FindBusinessUnitByID(ctx, retail); u.ParentID != 0 {
			t.Errorf("after a refused cycle: Retail's parent is %d, want none", u.ParentID)
		}
	})

	t.Run("bad input shows field errors and keeps values", func(t *testing.T) {
		before := f.auditCount()
		r := admin.post("/business-units", url.Values{"name": {"  "}, "name_zh": {"保留"}})
		wantFieldError(t, r, http.StatusBadRequest, "name", "This field is required.")
		if !strings.Contains(r.body, `value="保留"`) {
			t.Errorf("the Chinese name was not kept")
		}
		r = admin.post("/business-units", url.Values{"name": {"X"}, "parent_id": {"abc"}})
		wantFieldError(t, r, http.StatusBadRequest, "parent_id", "No such record, or it is archived.")
		r = admin.post("/business-units", url.Values{"name": {strings.Repeat("n", 121)}})
		wantFieldError(t, r, http.StatusBadRequest, "name", "At most 120 characters.")
		r = admin.post("/business-units", url.Values{"name": {"Retail"}})
		wantFieldError(t, r, http.StatusConflict, "name", "A business unit with this name already exists.")
		f.noChange(t, before, "bad unit input")
	})

	t.Run("archive and unarchive", func(t *testing.T) {
		before := f.auditCount()
		r := admin.post("/business-units/"+strconv.FormatInt(retail, 10)+"/archive", url.Values{"archived": {"true"}})
		if r.status != http.StatusConflict || !strings.Contains(r.body, "Archive or move this unit&#39;s child units first.") {
			t.Errorf("archive a parent: got %d, want 409 with the reason (body %.600s)", r.status, r.body)
		}
		f.noChange(t, before, "refused archive")
		path := "/business-units/" + strconv.FormatInt(stores, 10) + "/archive"
		if r := admin.post(path, url.Values{"archived": {"true"}}); r.status != http.StatusSeeOther {
			t.Fatalf("archive: got %d (body %.400s)", r.status, r.body)
		}
		if u, _ := f.app.Store.FindBusinessUnitByID(ctx, stores); !u.Archived {
			t.Errorf("after archive: not archived")
		}
		if body := admin.get("/business-units/new", http.StatusOK); strings.Contains(body, `<option value="`+strconv.FormatInt(stores, 10)+`"`) {
			t.Errorf("the parent select offers an archived unit")
		}
		if body := admin.get("/business-units", http.StatusOK); strings.Contains(body, "Shops") {
			t.Errorf("the list shows an archived unit without asking")
		}
		if body := admin.get("/business-units?archived=1", http.StatusOK); !strings.Contains(body, "Shops") {
			t.Errorf("the list with archived=1 hides the archived unit")
		}
		if r := admin.post(path, url.Values{"archived": {"false"}}); r.status != http.StatusSeeOther {
			t.Fatalf("unarchive: got %d (body %.400s)", r.status, r.body)
		}
		if u, _ := f.app.Store.FindBusinessUnitByID(ctx, stores); u.Archived {
			t.Errorf("after unarchive: still archived")
		}
		before = f.auditCount()
		if r := admin.post(path, url.Values{"archived": {"maybe"}}); r.status != http.StatusBadRequest {
			t.Errorf("archived=maybe: got %d, want 400", r.status)
		}
		f.noChange(t, before, "archived=maybe")
	})

	t.Run("unknown ids are 404 pages", func(t *testing.T) {
		for _, p := range []string{"/business-units/999999", "/business-units/abc", "/business-units/0/edit", "/business-units/999999/edit"} {
			r := admin.do("GET", p, nil)
			if r.status != http.StatusNotFound || !strings.Contains(r.body, "<html") {
				t.Errorf("GET %s: got %d, want a 404 page", p, r.status)
			}
		}
		r := admin.post("/business-units/999999", url.Values{"name": {"Ghost"}})
		if r.status != http.StatusNotFound {
			t.Errorf("POST to an unknown unit: got %d, want 404", r.status)
		}
		r = admin.post("/business-units/999999/archive", url.Values{"archived": {"true"}})
		if r.status != http.StatusNotFound {
			t.Errorf("archive an unknown unit: got %d, want 404", r.status)
		}
	})
}

// TestEntitiesViewer checks a viewer reads every page, is offered no
// changes, and is refused every change.
func TestEntitiesViewer(t *testing.T) {
	f := newEntFixture(t)
	bu, err := f.app.Store.CreateBusinessUnit(setup(), lodestar.BusinessUnit{Name: "Retail"})
	if err != nil {
		t.Fatal(err)
	}
	g, err := f.app.Store.CreateGoal(setup(), lodestar.Goal{Title: "Grow", Horizon: "year", BusinessUnitID: bu.ID})
	if err != nil {
		t.Fatal(err)
	}
	k, err := f.app.Store.CreateKPI(setup(), lodestar.KPI{Name: "Sales", Unit: "M", Direction: "up", Target: 10, TargetDate: "2027-01-01", GoalID: g.ID})
	if err != nil {
		t.Fatal(err)
	}
	pp, err := f.app.Store.CreatePainPoint(setup(), lodestar.PainPoint{Title: "Stockouts", Category: "cost", BusinessUnitID: bu.ID})
	if err != nil {
		t.Fatal(err)
	}
	viewer := f.signIn(lodestar.RoleViewer, "en")
	owner := f.signIn(lodestar.RoleBusinessOwner, "en")
	ids := map[string]int64{"business-units": bu.ID, "goals": g.ID, "kpis": k.ID, "pain-points": pp.ID}
	for coll, id := range ids {
		for _, p := range []string{"/" + coll, fmt.Sprintf("/%s/%d", coll, id)} {
			body := viewer.get(p, http.StatusOK)
			if strings.Contains(body, `href="/`+coll+`/new"`) || strings.Contains(body, "/edit\"") || strings.Contains(body, `/archive"`) ||
				strings.Contains(body, `/readings"`) {
				t.Errorf("GET %s as a viewer: offers a change:\n%s", p, body)
			}
			if ob := owner.get(p, http.StatusOK); p == "/"+coll && !strings.Contains(ob, `href="/`+coll+`/new"`) {
				t.Errorf("GET %s as a business owner: no new button", p)
			}
		}
		if r := viewer.do("GET", "/"+coll+"/new", nil); r.status != http.StatusForbidden {
			t.Errorf("GET /%s/new as a viewer: got %d, want 403", coll, r.status)
		}
		if r := viewer.do("GET", fmt.Sprintf("/%s/%d/edit", coll, id), nil); r.status != http.StatusForbidden {
			t.Errorf("GET /%s/%d/edit as a viewer: got %d, want 403", coll, id, r.status)
		}
		before := f.auditCount()
		for _, p := range []string{"/" + coll, fmt.Sprintf("/%s/%d", coll, id), fmt.Sprintf("/%s/%d/archive", coll, id)} {
			r := viewer.post(p, url.Values{"name": {"Viewer"}, "title": {"Viewer"}, "archived": {"true"}})
			if r.status != http.StatusForbidden {
				t.Errorf("POST %s as a viewer: got %d, want 403", p, r.status)
			}
		}
		r := viewer.post(fmt.Sprintf("/kpis/%d/readings", k.ID), url.Values{"date": {"2026-01-01"}, "value": {"1"}})
		if r.status != http.StatusForbidden {
			t.Errorf("POST a reading as a viewer: got %d, want 403", r.status)
		}
		f.noChange(t, before, "viewer posts")
	}
	t.Run("a form without the CSRF token is refused", func(t *testing.T) {
		before := f.auditCount()
		r := owner.do("POST", "/business-units", url.Values{"name": {"No token"}})
		if r.status != http.StatusForbidden {
			t.Errorf("POST without csrf_token: got %d, want 403", r.status)
		}
		f.noChange(t, before, "no CSRF token")
	})
}
