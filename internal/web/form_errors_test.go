package web_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

var (
	errorPara   = regexp.MustCompile(`<p class="field-error"(?: id="([^"]*)")?>`)
	controlTag  = regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*>`)
	attrID      = regexp.MustCompile(`\bid="([^"]*)"`)
	describedBy = regexp.MustCompile(`\baria-describedby="([^"]*)"`)
	summaryLink = regexp.MustCompile(`<li><a href="#([^"]*)">([^<]*)</a></li>`)
)

// wantErrorMarkup checks a form shown again with field errors: every
// message has an ID; every control marked invalid is described by a
// message, and every message describes a control; every ID a control
// names exists; exactly one control, the first invalid one, has
// autofocus, and it is first; the error summary links, with the field's
// label, to invalid controls, first to the focused one.
func wantErrorMarkup(t *testing.T, body, first string) {
	t.Helper()
	main := body[strings.Index(body, `<main`):]
	messages := map[string]bool{}
	for _, m := range errorPara.FindAllStringSubmatch(main, -1) {
		if m[1] == "" {
			t.Errorf("a field error without an id: %s", m[0])
		}
		messages[m[1]] = false
	}
	if len(messages) == 0 {
		t.Fatalf("no field errors on the page:\n%s", main)
	}
	var invalid []string
	focused := ""
	for _, tag := range controlTag.FindAllString(main, -1) {
		id := ""
		if m := attrID.FindStringSubmatch(tag); m != nil {
			id = m[1]
		}
		if strings.Contains(tag, " autofocus") {
			if focused != "" {
				t.Errorf("autofocus on %q and on %q", focused, id)
			}
			focused = id
		}
		names := 0
		if d := describedBy.FindStringSubmatch(tag); d != nil {
			for _, ref := range strings.Fields(d[1]) {
				if !strings.Contains(body, `id="`+ref+`"`) {
					t.Errorf("%s names %q, which is not on the page", tag, ref)
				}
				if _, ok := messages[ref]; ok {
					messages[ref] = true
					names++
				}
			}
		}
		bad := strings.Contains(tag, `aria-invalid="true"`)
		if bad {
			invalid = append(invalid, id)
			if names == 0 {
				t.Errorf("%s is invalid but described by no message", tag)
			}
		} else if names > 0 {
			t.Errorf("%s is described by a message but not marked invalid", tag)
		}
	}
	for id, named := range messages {
		if !named {
			t.Errorf("the message %s describes no control", id)
		}
	}
	if len(invalid) == 0 || invalid[0] != first || focused != first {
		t.Errorf("invalid controls %q, autofocus on %q; want %q first and focused", invalid, focused, first)
	}
	links := summaryLink.FindAllStringSubmatch(main, -1)
	if !strings.Contains(main, `id="error-summary"`) || len(links) == 0 {
		t.Fatalf("no error summary linking to the fields:\n%.1500s", main)
	}
	if links[0][1] != first {
		t.Errorf("the summary's first link goes to %q, want %q", links[0][1], first)
	}
	for _, l := range links {
		if !contains(invalid, l[1]) {
			t.Errorf("the summary links to %q, which is no invalid control (%q)", l[1], invalid)
		}
		line := html.UnescapeString(l[2])
		label, _, ok := strings.Cut(line, ": ")
		if !ok {
			label, _, ok = strings.Cut(line, "：")
		}
		if !ok || strings.TrimSpace(label) == "" {
			t.Errorf("the summary's line %q does not name its field", l[2])
		}
	}
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// TestRefusedFormsMarkFields sends bad input to the forms and checks each
// page it comes back on with wantErrorMarkup.
func TestRefusedFormsMarkFields(t *testing.T) {
	t.Parallel()
	f := newEntFixture(t)
	admin := f.signIn(lodestar.RoleAdmin, "en")
	uc := admin.created("/use-cases", url.Values{"title": {"Forecasting"}}, "/use-cases/")
	kpi := admin.created("/kpis", url.Values{"name": {"Basket"}, "unit": {"CNY"}, "direction": {"up"}, "baseline": {"1"},
		"target": {"2"}, "target_date": {"2031-01-01"}}, "/kpis/")
	model, err := f.app.Store.CreateModel(setup(), lodestar.Model{UseCaseID: uc, Key: "fc", Name: "Forecast"})
	if err != nil {
		t.Fatal(err)
	}
	version, err := f.app.Store.CreateModelVersion(setup(), model.ID, lodestar.ModelVersion{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	mid := strconv.FormatInt(model.ID, 10)
	for _, c := range []struct {
		name, path string
		form       url.Values // nil: a GET
		first      string
	}{
		{"business unit", "/business-units", url.Values{"name": {""}, "parent_id": {"999"}}, "name"},
		{"goal", "/goals", url.Values{"title": {""}, "horizon": {"decade"}, "status": {"active"}}, "title"},
		{"KPI", "/kpis", url.Values{"name": {"N"}, "unit": {"u"}, "direction": {"up"}, "baseline": {"x"}, "target": {"y"},
			"target_date": {"2031-01-01"}}, "baseline"},
		{"KPI reading", "/kpis/" + strconv.FormatInt(kpi, 10) + "/readings", url.Values{"date": {"soon"}, "value": {"x"}}, "date"},
		{"pain point", "/pain-points", url.Values{"title": {""}, "annual_cost": {"x"}, "category": {"revenue"}}, "title"},
		{"use case", "/use-cases", url.Values{"title": {"T"}, "stage": {"idea"}, "value_estimate": {"x"}, "f_skills": {"9"},
			"impact_kpi_0": {strconv.FormatInt(kpi, 10)}, "impact_change_0": {"much"}}, "impact_change_0"},
		{"user", "/admin/users", url.Values{"email": {"not an address"}, "role": {"viewer"}, "password": {"x"}}, "new-email"},
		{"token", "/tokens", url.Values{"name": {strings.Repeat("n", 101)}, "scope": {"read"}, "expires": {"90"}}, "token-name"},
		{"model", "/models", url.Values{"use_case_id": {""}, "key": {"Not A Key"}, "name": {""}}, "use_case_id"},
		{"model version", "/models/" + mid + "/versions", url.Values{"version": {""}}, "version"},
		{"model provenance", "/model-versions/" + strconv.FormatInt(version.ID, 10) + "/provenance",
			url.Values{"artifact_uri": {"javascript:alert(1)"}, "artifact_sha256": {"x"}}, "artifact_uri"},
		{"monitor", "/models/" + mid + "/monitors", url.Values{"version": {"1.0"}, "name": {"m"}, "window": {"fortnight"},
			"reference_kind": {"events"}, "reference_from": {"someday"}, "min_accuracy": {"high"}}, "mon-window"},
		{"experiment", "/experiments", url.Values{"use_case_id": {strconv.FormatInt(uc, 10)}, "key": {"exp1"}, "name": {""},
			"hypothesis": {"h"}, "primary_name": {"conversion"}, "primary_kind": {"proportion"}, "primary_direction": {"up"},
			"alpha": {"0.05"}, "treatment_share": {"0.5"}, "min_sample": {"100"},
			"g0_name": {"latency"}, "g0_kind": {"mean"}, "g0_direction": {"down"}, "g0_max": {"ten percent"}}, "name"},
		{"audit filter", "/admin/audit?from=2026-04-02&to=2026-04-01", nil, "audit-to"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var r resp
			if c.form == nil {
				r = admin.do("GET", c.path, nil)
			} else {
				r = admin.post(c.path, c.form)
			}
			if r.status != http.StatusBadRequest {
				t.Fatalf("got %d, want 400:\n%.1500s", r.status, r.body)
			}
			wantErrorMarkup(t, r.body, c.first)
		})
	}

	// In Chinese, the summary names the fields as the form labels them.
	zh := f.signIn(lodestar.RoleAdmin, "zh-CN")
	r := zh.post("/kpis", url.Values{"name": {""}, "unit": {"u"}, "direction": {"up"}, "baseline": {"1"}, "target": {"2"},
		"target_date": {"2031-01-01"}})
	wantErrorMarkup(t, r.body, "name")
	if m := summaryLink.FindStringSubmatch(r.body); m == nil || !strings.HasPrefix(m[2], "指标名称：") {
		t.Errorf("the Chinese summary's line: %q, want it to start with the field's Chinese label", m)
	}
}

// TestTemplatesMarkErrorsThroughHelpers keeps field errors on the one
// mechanism: no template writes aria-invalid or an error's ID itself, and
// each field error a template shows belongs to a control it marks, except
// the few that belong to no control (shown beside the form's top).
func TestTemplatesMarkErrorsThroughHelpers(t *testing.T) {
	noControl := map[string]bool{"model_id": true, "threshold": true, "guardrails": true, "status@experiment.html": true}
	shown := regexp.MustCompile(`\.(?:FieldError|ErrID) "([^"]+)"`)
	for name, text := range templates(t) {
		base := name[strings.LastIndex(name, "/")+1:]
		if strings.Contains(text, "aria-invalid") {
			t.Errorf("%s writes aria-invalid itself; use .Invalid", base)
		}
		if regexp.MustCompile(`(?:id|aria-describedby)="[^"{]*-error"`).MatchString(text) {
			t.Errorf("%s names an error's ID itself; use .Invalid and .FieldError or .ErrID", base)
		}
		// An upload's refused lines and the note to choose a file again
		// are no field's error.
		for _, m := range regexp.MustCompile(`<p class="field-error"[^>]*>(?:\{\{\$\.T "exp\.line")?`).FindAllString(text, -1) {
			if !strings.Contains(m, `{{$.ErrID`) && !strings.Contains(m, `mon-reference-again`) && !strings.Contains(m, `exp.line`) {
				t.Errorf("%s: a field error paragraph without an ErrID: %s", base, m)
			}
		}
		for _, m := range shown.FindAllStringSubmatch(text, -1) {
			if noControl[m[1]] || noControl[m[1]+"@"+base] {
				continue
			}
			if !regexp.MustCompile(`\.Invalid "(?:[^"]* )?` + regexp.QuoteMeta(m[1]) + `(?: [^"]*)?"`).MatchString(text) {
				t.Errorf("%s shows the error of %q but marks no control with it", base, m[1])
			}
		}
	}
}
