package app_test

import (
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// pageFormID opens a form page and returns its form_id, as a browser
// would send it back.
func pageFormID(t *testing.T, f *fixture, c *http.Client, path string) string {
	t.Helper()
	r := f.get(c, path)
	m := formIDInput.FindStringSubmatch(r.body)
	if r.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("GET %s: got %d and no form_id", path, r.StatusCode)
	}
	return m[1]
}

// wantShown fails unless the (unescaped) page shows every text.
func wantShown(t *testing.T, r *response, what string, texts ...string) {
	t.Helper()
	body := html.UnescapeString(r.body)
	for _, s := range texts {
		if !strings.Contains(body, s) {
			t.Errorf("%s: the page does not show %q", what, s)
		}
	}
}

// TestFormsReportEveryBadField: a form with a field that does not parse
// still gets the service's checks of the others, so every bad field is
// named at once, with the input kept and nothing written. (Before, one
// unparsable field hid every other error.) One of them in Chinese.
func TestFormsReportEveryBadField(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	c, csrf, _ := f.signIn(admin, time.Hour)

	t.Run("goal", func(t *testing.T) {
		f := f.with(t)
		before := f.strategyCounts()
		r := f.postForm(c, "/goals", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, "/goals/new")},
			"title": {""}, "description": {"kept as typed"}, "horizon": {"x"}, "status": {"y"}, "owner_id": {"abc"}})
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("got %d, want 400", r.StatusCode)
		}
		wantShown(t, r, "goal", `id="title-error">This field is required.`, "Choose a horizon: quarter, year, three_years, five_years.",
			"Choose a status: draft, active, achieved, abandoned.", `id="owner_id-error">No such record, or it is archived.`, "kept as typed")
		f.wantStrategyUnchanged(before, "a refused goal")

		// Only the reference is bad: the service's checks pass, and the
		// dry run they ran in still writes nothing.
		r = f.postForm(c, "/goals", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, "/goals/new")},
			"title": {"Fine"}, "horizon": {"year"}, "status": {"active"}, "owner_id": {"abc"}})
		if r.StatusCode != http.StatusBadRequest || strings.Count(r.body, `class="field-error"`) != 1 {
			t.Errorf("only owner_id bad: got %d with %d field errors, want 400 with 1", r.StatusCode, strings.Count(r.body, `class="field-error"`))
		}
		f.wantStrategyUnchanged(before, "a goal refused for its owner alone")
	})

	t.Run("kpi", func(t *testing.T) {
		f := f.with(t)
		before := f.strategyCounts()
		r := f.postForm(c, "/kpis", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, "/kpis/new")},
			"name": {""}, "unit": {"%"}, "direction": {"sideways"}, "baseline": {"abc"}, "target": {"5"}, "target_date": {"soon"}})
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("got %d, want 400", r.StatusCode)
		}
		wantShown(t, r, "kpi", "This field is required.", "Direction is up (higher is better) or down (lower is better).",
			"Must be a number.", "Use a date as YYYY-MM-DD.")
		f.wantStrategyUnchanged(before, "a refused KPI")

		// Go's float syntax is not a form's: a hex float target, an
		// infinite baseline.
		r = f.postForm(c, "/kpis", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, "/kpis/new")},
			"name": {"Hex"}, "unit": {"%"}, "direction": {"up"}, "baseline": {"Inf"}, "target": {"0x1p3"}, "target_date": {"2027-01-01"}})
		for _, id := range []string{"baseline", "target"} {
			if want := `id="` + id + `-error">Must be a number.`; r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, want) {
				t.Errorf("hex float target, Inf baseline: got %d, want 400 with %s", r.StatusCode, want)
			}
		}
		f.wantStrategyUnchanged(before, "a KPI refused for its number syntax")
	})

	t.Run("use case, in Chinese", func(t *testing.T) {
		f := f.with(t)
		zh := f.user(lodestar.RoleAdmin, "zh@example.com")
		if err := f.app.Store.SetLocale(sys(), zh.ID, "zh-CN"); err != nil {
			t.Fatal(err)
		}
		c, csrf, _ := f.signIn(zh, time.Hour)
		before := f.strategyCounts()
		r := f.postForm(c, "/use-cases", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, "/use-cases/new")},
			"title": {""}, "description": {"照原样保留"}, "stage": {"idea"}, "value_estimate": {"abc"}, "f_skills": {"9"}})
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("got %d, want 400", r.StatusCode)
		}
		wantShown(t, r, "use case", "用例未能保存，请检查各字段。", `id="title-error">标题为必填项。`, `id="value_estimate-error">请输入整数金额，例如 1200000。`,
			"评分为 1 到 5（0 或留空表示未评分）。", "照原样保留")
		f.wantStrategyUnchanged(before, "a refused use case")
	})

	t.Run("experiment", func(t *testing.T) {
		f := f.with(t)
		w := f.experimentWorld()
		ml, err := f.app.Store.FindUserByEmail(sys(), "ml@example.com")
		if err != nil {
			t.Fatal(err)
		}
		c, csrf, _ := f.signIn(ml, time.Hour)
		before := f.experimentCounts()
		r := f.postForm(c, "/experiments", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, "/experiments/new")},
			"use_case_id": {"abc"}, "key": {"Not A Key!"}, "name": {""}, "hypothesis": {""},
			"control_version_id": {strconv.FormatInt(w.control, 10)}, "treatment_version_id": {strconv.FormatInt(w.control, 10)},
			"primary_name": {"conversion"}, "primary_kind": {"proportion"}, "primary_direction": {"up"}})
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("got %d, want 400", r.StatusCode)
		}
		wantShown(t, r, "experiment", `id="use_case_id-error">No such record, or it is archived.`,
			`id="key-error">Use 1–63 lower-case letters`, `id="name-error">This field is required.`,
			`id="hypothesis-error">This field is required.`, "The treatment must be another version than the control.")
		if after := f.experimentCounts(); after != before {
			t.Errorf("a refused experiment changed data: %s, want %s", after, before)
		}
	})
}

// TestUpdateMissingRecordIs404: updating a record that does not exist
// answers 404 whatever the input; a form that did not parse was shown
// again as a 400 before.
func TestUpdateMissingRecordIs404(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	c, csrf, _ := f.signIn(admin, time.Hour)
	f.experimentWorld()
	before := f.strategyCounts()
	for _, tc := range []struct{ path, bad, good string }{
		{"/goals/99999", "owner_id=abc", "title=G&horizon=year&status=active"},
		{"/business-units/99999", "parent_id=abc", "name=U"},
		{"/pain-points/99999", "annual_cost=abc", "title=P&category=cost"},
		{"/kpis/99999", "baseline=abc", "name=K&unit=%25&direction=up&baseline=1&target=2"},
		{"/use-cases/99999", "value_estimate=abc", "title=U"},
		{"/experiments/99999", "min_sample=abc", "name=E"},
	} {
		for _, input := range []string{tc.bad, tc.good, tc.bad + "&title=&name="} {
			form, err := url.ParseQuery(input)
			if err != nil {
				t.Fatal(err)
			}
			form.Set("csrf_token", csrf)
			if r := f.postForm(c, tc.path, form); r.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s %s: got %d, want 404", tc.path, input, r.StatusCode)
			}
		}
	}
	f.wantStrategyUnchanged(before, "updates of missing records")
}
