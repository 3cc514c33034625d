package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestExperimentPages drives the experiment pages as a browser: the form
// with wrong types and missing fields, the status buttons, CSV uploads of
// both shapes with their refusals, and the analysis in both languages.
func TestExperimentPages(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	w := f.experimentWorld()
	ml, err := f.app.Store.FindUserByEmail(sys(), "ml@example.com")
	if err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(ml, time.Hour)
	form := func(over map[string]string) url.Values {
		v := url.Values{"csrf_token": {csrf}, "use_case_id": {strconv.FormatInt(w.uc.ID, 10)}, "key": {"recsys-4"}, "name": {"Recommender 4.0"},
			"hypothesis": {"Short-video signals raise conversion"}, "control_version_id": {strconv.FormatInt(w.control, 10)},
			"treatment_version_id": {strconv.FormatInt(w.treatment, 10)}, "primary_name": {"conversion"}, "primary_kind": {"proportion"},
			"primary_direction": {"up"}, "alpha": {"0.05"}, "min_sample": {"100"}, "treatment_share": {"0.5"},
			"g0_name": {"revenue"}, "g0_kind": {"mean"}, "g0_direction": {"up"}, "g0_max": {"0.02"}}
		for k, x := range over {
			v.Set(k, x)
		}
		return v
	}

	refusals := []struct {
		name string
		over map[string]string
		want string // in the page
	}{
		{"alpha not a number", map[string]string{"alpha": "five"}, "Must be a number."},
		// Go's float syntax is not a form's: a hex float, underscores.
		{"alpha a hex float", map[string]string{"alpha": "0x1p-5"}, "Must be a number."},
		{"share with underscores", map[string]string{"treatment_share": "0.5_0"}, "Must be a number."},
		{"guardrail a hex float", map[string]string{"g0_max": "0x1p-6"}, "Must be a number."},
		{"min sample not whole", map[string]string{"min_sample": "1.5"}, "Must be a whole number."},
		{"missing name", map[string]string{"name": ""}, "This field is required."},
		{"missing control", map[string]string{"control_version_id": ""}, "Choose a model version."},
		{"same versions", map[string]string{"treatment_version_id": strconv.FormatInt(w.control, 10)}, "The treatment must be another version than the control."},
		{"bad guardrail", map[string]string{"g0_max": "3"}, "The allowed degradation is a fraction from 0 to 1"},
		{"bad metric kind", map[string]string{"primary_kind": "median"}, "Kind is mean or proportion."},
	}
	for _, tc := range refusals {
		t.Run(tc.name, func(t *testing.T) {
			f := f.with(t)
			before := f.experimentCounts()
			r := f.postForm(c, "/experiments", form(tc.over))
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, tc.want) {
				t.Errorf("POST /experiments: got %d, want 400 with %q (body %.400s)", r.StatusCode, tc.want, r.body)
			}
			if after := f.experimentCounts(); after != before {
				t.Errorf("refused form changed data: got %s, want %s", after, before)
			}
		})
	}

	r := f.postForm(c, "/experiments", form(nil))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /experiments: got %d, want 303 (%.400s)", r.StatusCode, r.body)
	}
	page := r.Header.Get("Location")
	if r := f.postForm(c, "/experiments", form(nil)); r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "An experiment with this key already exists.") {
		t.Errorf("duplicate key: got %d, want 409 with the message", r.StatusCode)
	}
	// Listed on both versions' pages, each saying its role.
	for id, role := range map[int64]string{w.control: "this version is the control", w.treatment: "this version is the treatment"} {
		if r := f.get(c, fmt.Sprintf("/model-versions/%d", id)); !strings.Contains(r.body, `href="`+page+`"`) || !strings.Contains(r.body, role) {
			t.Errorf("version %d page: no link to %s saying %q", id, page, role)
		}
	}
	// Listed under its use case, linked from the use case page.
	if r := f.get(c, fmt.Sprintf("/experiments?use_case_id=%d", w.uc.ID)); !strings.Contains(r.body, page) {
		t.Errorf("list by use case: got no link to %s", page)
	}
	if r := f.get(c, fmt.Sprintf("/use-cases/%d", w.uc.ID)); !strings.Contains(r.body, fmt.Sprintf("/experiments?use_case_id=%d", w.uc.ID)) {
		t.Errorf("use case page: got no link to its experiments")
	}

	// Status: a reason is required; then start.
	if r := f.postForm(c, page+"/status", url.Values{"csrf_token": {csrf}, "status": {"running"}}); r.StatusCode != 400 ||
		!strings.Contains(r.body, "Say why; the reason is kept in the audit log.") {
		t.Errorf("start without reason: got %d, want 400 with the message", r.StatusCode)
	}
	if r := f.postForm(c, page+"/status", url.Values{"csrf_token": {csrf}, "status": {"running"}, "reason": {"design reviewed"}}); r.StatusCode != 303 {
		t.Fatalf("start: got %d, want 303 (%.300s)", r.StatusCode, r.body)
	}

	upload := func(data string) *response {
		return f.postMultipart(c, page+"/data", importPart{name: "csrf_token", value: csrf}, importPart{name: "file", filename: "data.csv", value: data})
	}
	// Refused files write nothing and name the lines.
	bad := []struct{ name, data, want string }{
		{"no columns", "a,b\n1,2\n", "The file needs the columns variant and metric"},
		{"value not a number", "unit,variant,metric,value\r\nu1,control,conversion,1\r\nu2,control,conversion,yes\r\n", "value must be a number."},
		{"unknown metric", "variant,metric,value\ncontrol,clicks,1\n", "Unknown metric; use one of the experiment&#39;s metric names."},
		{"aggregate impossible", "variant,metric,n,successes\ncontrol,conversion,10,3\ntreatment,conversion,10,11\n", "successes must be between 0 and n."},
		{"aggregate n not whole", "variant,metric,n,sum,sum_squares\ncontrol,revenue,ten,1,1\n", "n must be a whole number."},
	}
	for _, tc := range bad {
		t.Run("upload "+tc.name, func(t *testing.T) {
			f := f.with(t)
			before := f.experimentCounts()
			r := upload(tc.data)
			if r.StatusCode != 400 || !strings.Contains(r.body, tc.want) {
				t.Errorf("upload: got %d, want 400 with %q (%.600s)", r.StatusCode, tc.want, r.body)
			}
			if after := f.experimentCounts(); after != before {
				t.Errorf("refused upload changed data: got %s, want %s", after, before)
			}
		})
	}
	if r := upload("variant,metric,n,successes\ncontrol,conversion,10,3\ntreatment,conversion,10,11\n"); !strings.Contains(r.body, "Line 3:") {
		t.Errorf("refused aggregate: got no line number in the page")
	}

	// Observations with CRLF and a BOM, then aggregates with semicolons.
	obs := "\ufeffunit,variant,metric,value\r\nu1,control,conversion,1\r\nu1,control,conversion,1\r\nu2,treatment,conversion,0\r\nu3,treatment,revenue,12.5\r\n"
	if r := upload(obs); r.StatusCode != 303 {
		t.Fatalf("upload observations: got %d, want 303 (%.600s)", r.StatusCode, r.body)
	}
	agg := "variant;metric;n;successes;sum;sum_squares\ncontrol;conversion;5000;500;;\ntreatment;conversion;5000;600;;\n" +
		"control;revenue;5000;;60000;900000\ntreatment;revenue;4999;;61000;910000\n"
	if r := upload(agg); r.StatusCode != 303 {
		t.Fatalf("upload aggregates: got %d, want 303 (%.600s)", r.StatusCode, r.body)
	}
	id, _ := strconv.ParseInt(strings.TrimPrefix(page, "/experiments/"), 10, 64)
	a, err := f.app.Store.AnalyzeExperiment(sys(), id)
	if err != nil {
		t.Fatal(err)
	}
	if a.Primary.Control.N != 5001 || a.Primary.Treatment.N != 5001 || a.Guardrails[0].Treatment.N != 5000 {
		t.Errorf("after uploads: got conversion n %d/%d revenue treatment n %d, want 5001/5001 and 5000 (the duplicate counted once)",
			a.Primary.Control.N, a.Primary.Treatment.N, a.Guardrails[0].Treatment.N)
	}

	// The analysis page in both languages.
	r = f.get(c, page)
	for _, want := range []string{"<svg class=\"chart intervals\"", "Verdict", "sdk.Assign", "recsys-4", "p-value", "Sample ratio"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("analysis page: got no %q", want)
		}
	}
	if err := f.app.Store.SetLocale(sys(), ml.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	r = f.get(c, page)
	for _, want := range []string{"结论", "样本比例", "实验组", "p 值"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("analysis page in Chinese: got no %q", want)
		}
	}
	for _, english := range []string{"Verdict", "Sample ratio", "Upload data", "Keep running", "Do not ship"} {
		if strings.Contains(r.body, english) {
			t.Errorf("analysis page in Chinese: got English %q", english)
		}
	}
	if r := f.postForm(c, page+"/status", url.Values{"csrf_token": {csrf}, "status": {"stopped"}, "reason": {"enough"}}); r.StatusCode != 303 {
		t.Fatalf("stop: got %d, want 303", r.StatusCode)
	}
	if e, _ := f.app.Store.FindExperimentByID(sys(), id); e.Status != lodestar.ExperimentStopped {
		t.Errorf("after stop: got %s, want stopped", e.Status)
	}
}
