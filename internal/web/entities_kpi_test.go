package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

func TestEntitiesKPIForms(t *testing.T) {
	f := newEntFixture(t)
	admin := f.signIn(lodestar.RoleAdmin, "en")
	ctx := context.Background()
	g, err := f.app.Store.CreateGoal(setup(), lodestar.Goal{Title: "Less downtime", Horizon: "year"})
	if err != nil {
		t.Fatal(err)
	}
	goalID := strconv.FormatInt(g.ID, 10)

	t.Run("wrong types are field errors, values kept", func(t *testing.T) {
		before := f.auditCount()
		r := admin.post("/kpis", url.Values{"name": {"Downtime"}, "unit": {"h"}, "direction": {"down"}, "baseline": {"abc"},
			"target": {""}, "target_date": {"2027-12-31"}, "goal_id": {goalID}})
		wantFieldError(t, r, http.StatusBadRequest, "baseline", "Must be a number.")
		wantFieldError(t, r, http.StatusBadRequest, "target", "This field is required.")
		if !strings.Contains(r.body, `value="abc"`) || !strings.Contains(r.body, `value="Downtime"`) {
			t.Errorf("entered values were not kept")
		}
		r = admin.post("/kpis", url.Values{"name": {""}, "unit": {""}, "direction": {"sideways"}, "baseline": {"1"}, "target": {"2"}, "target_date": {"31/12/2027"}})
		wantFieldError(t, r, http.StatusBadRequest, "name", "This field is required.")
		wantFieldError(t, r, http.StatusBadRequest, "unit", "This field is required.")
		wantFieldError(t, r, http.StatusBadRequest, "direction", "Direction is up (higher is better) or down (lower is better).")
		wantFieldError(t, r, http.StatusBadRequest, "target_date", "Use a date as YYYY-MM-DD.")
		r = admin.post("/kpis", url.Values{"name": {"N"}, "unit": {strings.Repeat("u", 41)}, "direction": {"up"}, "baseline": {"NaN"}, "target": {"Inf"}, "target_date": {"2027-01-01"}})
		wantFieldError(t, r, http.StatusBadRequest, "baseline", "Must be a number.")
		wantFieldError(t, r, http.StatusBadRequest, "target", "Must be a number.")
		f.noChange(t, before, "bad KPI input")
	})

	id := admin.created("/kpis", url.Values{"name": {"Unplanned downtime"}, "name_zh": {"非计划停机"}, "unit": {"h/month"}, "direction": {"down"},
		"baseline": {"1,200.5"}, "target": {"400"}, "target_date": {"2027-12-31"}, "goal_id": {goalID}, "owner_id": {strconv.FormatInt(admin.user.ID, 10)}}, "/kpis/")
	k, err := f.app.Store.FindKPIByID(ctx, id)
	if err != nil || k.Baseline != 1200.5 || k.Target != 400 || k.GoalID != g.ID || k.Direction != "down" || k.OwnerID != admin.user.ID {
		t.Fatalf("after create: got %+v, %v", k, err)
	}
	path := fmt.Sprintf("/kpis/%d", id)

	t.Run("no readings yet", func(t *testing.T) {
		body := admin.get(path, http.StatusOK)
		if strings.Contains(body, "<svg") || !strings.Contains(body, "No readings yet.") || !strings.Contains(body, `action="`+path+`/readings"`) {
			t.Errorf("KPI page without readings: want no chart, a note and the reading form:\n%s", body)
		}
	})

	t.Run("readings through the form", func(t *testing.T) {
		for i, rd := range []struct{ date, value string }{{"2026-01-31", "1150"}, {"2026-02-28", "1,020"}, {"2026-03-31", "990.25"}} {
			r := admin.post(path+"/readings", url.Values{"date": {rd.date}, "value": {rd.value}})
			if r.status != http.StatusSeeOther || r.location != path {
				t.Fatalf("reading %d: got %d %q (body %.400s)", i, r.status, r.location, r.body)
			}
		}
		// The same date again replaces the value.
		if r := admin.post(path+"/readings", url.Values{"date": {"2026-03-31"}, "value": {"980"}}); r.status != http.StatusSeeOther {
			t.Fatalf("replace reading: got %d", r.status)
		}
		rs, _ := f.app.Store.Readings(ctx, id)
		if len(rs) != 3 || rs[2].Value != 980 || rs[1].Value != 1020 {
			t.Errorf("readings: got %+v", rs)
		}
		before := f.auditCount()
		r := admin.post(path+"/readings", url.Values{"date": {"2026-04-31"}, "value": {"ten"}})
		wantFieldError(t, r, http.StatusBadRequest, "date", "Use a date as YYYY-MM-DD.")
		wantFieldError(t, r, http.StatusBadRequest, "value", "Must be a number.")
		if !strings.Contains(r.body, `value="ten"`) || !strings.Contains(r.body, `value="2026-04-31"`) {
			t.Errorf("entered reading values were not kept")
		}
		r = admin.post(path+"/readings", url.Values{"date": {"2026-04-30"}, "value": {""}})
		wantFieldError(t, r, http.StatusBadRequest, "value", "This field is required.")
		f.noChange(t, before, "bad readings")
		if r := admin.post("/kpis/999999/readings", url.Values{"date": {"2026-04-30"}, "value": {"1"}}); r.status != http.StatusNotFound {
			t.Errorf("reading for an unknown KPI: got %d, want 404", r.status)
		}
	})

	t.Run("the chart has one point per reading and a dashed target", func(t *testing.T) {
		body := admin.get(path, http.StatusOK)
		svg := regexp.MustCompile(`(?s)<svg[^>]*>.*?</svg>`).FindString(body)
		if svg == "" {
			t.Fatalf("no chart on the KPI page:\n%s", body)
		}
		open := regexp.MustCompile(`<svg[^>]*>`).FindString(svg)
		if !strings.Contains(open, `role="img"`) || !strings.Contains(open, "aria-label=\"Line chart of Unplanned downtime over time: 3 readings; the dashed line is the target, 400\u00a0h/month.\"") {
			t.Errorf("chart: not an accessible image: %s", open)
		}
		if n := strings.Count(svg, `<circle class="kpi-pt"`); n != 3 {
			t.Errorf("chart: got %d points, want 3", n)
		}
		if !regexp.MustCompile(`<line[^>]*class="kpi-target"[^>]*stroke-dasharray`).MatchString(svg) {
			t.Errorf("chart: no dashed target line")
		}
		for _, label := range []string{"31 Jan 2026", "31 Mar 2026", "Target 400\u00a0h/month", "1,000"} {
			if !strings.Contains(svg, ">"+label+"<") {
				t.Errorf("chart: no axis label %q in\n%s", label, svg)
			}
		}
		if !strings.Contains(body, "1,200.5") || !strings.Contains(body, "Lower is better") {
			t.Errorf("KPI page: baseline or direction not shown for the locale")
		}
	})

	t.Run("list shows latest reading and progress", func(t *testing.T) {
		if _, err := f.app.Store.CreateKPI(setup(), lodestar.KPI{Name: "Another", Unit: "%", Direction: "up", Target: 50, TargetDate: "2027-01-01"}); err != nil {
			t.Fatal(err)
		}
		body := admin.get("/kpis", http.StatusOK)
		for _, want := range []string{"Unplanned downtime", "h/month", "980", "31 Mar 2026", "On track", "Not enough readings", "Another"} {
			if !strings.Contains(body, want) {
				t.Errorf("KPI list: no %q", want)
			}
		}
		body = admin.get("/kpis?goal_id="+goalID, http.StatusOK)
		if strings.Contains(body, "Another") || !strings.Contains(body, "Unplanned downtime") {
			t.Errorf("goal filter: wrong KPIs")
		}
		body = admin.get("/kpis?q=anoth", http.StatusOK)
		if !strings.Contains(body, "Another") || strings.Contains(body, "Unplanned downtime") {
			t.Errorf("search: wrong KPIs")
		}
		body = admin.get("/kpis?sort=status", http.StatusOK)
		if a, u := strings.Index(body, ">Another<"), strings.Index(body, ">Unplanned downtime<"); a < 0 || u < 0 || a > u {
			t.Errorf("sort by status: no-data KPI should come before the on-track one (got %d, %d)", a, u)
		}
	})

	t.Run("edit", func(t *testing.T) {
		body := admin.get(path+"/edit", http.StatusOK)
		if !strings.Contains(body, `value="1200.5"`) || !strings.Contains(body, `value="2027-12-31"`) || !strings.Contains(body, `<option value="down" selected>`) {
			t.Errorf("edit form not filled:\n%s", body)
		}
		r := admin.post(path, url.Values{"name": {"Unplanned downtime"}, "unit": {"h/month"}, "direction": {"down"}, "baseline": {"1200"},
			"target": {"350"}, "target_date": {"2027-12-31"}, "goal_id": {goalID}})
		if r.status != http.StatusSeeOther {
			t.Fatalf("update: got %d (body %.400s)", r.status, r.body)
		}
		if k, _ := f.app.Store.FindKPIByID(ctx, id); k.Target != 350 || k.OwnerID != 0 {
			t.Errorf("after update: got %+v", k)
		}
	})

	t.Run("archive hides the reading form", func(t *testing.T) {
		if r := admin.post(path+"/archive", url.Values{"archived": {"true"}}); r.status != http.StatusSeeOther {
			t.Fatalf("archive: got %d", r.status)
		}
		body := admin.get(path, http.StatusOK)
		if strings.Contains(body, `action="`+path+`/readings"`) || !strings.Contains(body, "KPI archived.") {
			t.Errorf("archived KPI: still offers a reading, or no flash")
		}
		before := f.auditCount()
		r := admin.post(path+"/readings", url.Values{"date": {"2026-05-31"}, "value": {"1"}})
		if r.status != http.StatusConflict || !strings.Contains(r.body, "This KPI is archived.") {
			t.Errorf("reading on an archived KPI: got %d, want 409 with the reason", r.status)
		}
		f.noChange(t, before, "reading on an archived KPI")
		if r := admin.post(path+"/archive", url.Values{"archived": {"false"}}); r.status != http.StatusSeeOther {
			t.Fatalf("unarchive: got %d", r.status)
		}
		if k, _ := f.app.Store.FindKPIByID(ctx, id); k.Archived {
			t.Errorf("after unarchive: still archived")
		}
	})
}

// TestEntitiesListPages checks long lists are cut into pages whose links
// keep the filters and sort.
func TestEntitiesListPages(t *testing.T) {
	f := newEntFixture(t)
	b := f.signIn(lodestar.RoleViewer, "en")
	for i := range 105 {
		if _, err := f.app.Store.CreateKPI(setup(), lodestar.KPI{Name: fmt.Sprintf("KPI %03d", i), Unit: "%", Direction: "up", Target: 1, TargetDate: "2027-01-01"}); err != nil {
			t.Fatal(err)
		}
	}
	body := b.get("/kpis?q=KPI&sort=target_date", http.StatusOK)
	if n := strings.Count(body, `<a href="/kpis/`); n != 100 {
		t.Errorf("page 1: got %d rows, want 100", n)
	}
	if !strings.Contains(body, "105 KPIs") || !strings.Contains(body, "Page 1 of 2") {
		t.Errorf("page 1: no total or page position")
	}
	next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(body)
	if next == nil {
		t.Fatalf("page 1: no next link")
	}
	link := strings.ReplaceAll(next[1], "&amp;", "&")
	if !strings.Contains(link, "q=KPI") || !strings.Contains(link, "sort=target_date") || !strings.Contains(link, "page=2") {
		t.Errorf("next link %q drops the filters", link)
	}
	body = b.get(link, http.StatusOK)
	if n := strings.Count(body, `<a href="/kpis/`); n != 5 || !strings.Contains(body, `rel="prev"`) || strings.Contains(body, `rel="next"`) {
		t.Errorf("page 2: got %d rows; want 5 with a previous link and no next", n)
	}
	if body := b.get("/kpis?page=99", http.StatusOK); !strings.Contains(body, "Page 2 of 2") {
		t.Errorf("a page past the end is not clamped to the last")
	}
}
