package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

const (
	checkboxMsg   = "Tick the box or leave it clear; it takes no other value."
	checkboxMsgZH = "请勾选或不勾选此项；不接受其他值。"
)

// TestMonitorFormCheckboxes: the monitor form's alert checkboxes take
// "on" (what they send ticked) or nothing; any other value ("yes", "off",
// empty) was read as ticked because it was not empty. It is now refused
// on its field, in the user's language, and no monitor is made.
func TestMonitorFormCheckboxes(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleAITeam, "team@example.com")
	m := creditModel(t, f)
	c, csrf, _ := f.signIn(u, time.Hour)
	post := func(name string, extra map[string]string) *response {
		fields := map[string]string{"csrf_token": csrf, "version": "1.0", "name": name, "window": "hour", "reference_kind": "dataset", "task": "binary"}
		for k, v := range extra {
			fields[k] = v
		}
		return f.postMonitorForm(c, m.ID, fields, "x\n1\n2\n")
	}
	for _, tc := range []struct{ name, field, value, key string }{
		{"drift yes", "drift", "yes", "thresholds-drift"},
		{"drift off", "drift", "off", "thresholds-drift"},
		{"drift empty", "drift", "", "thresholds-drift"},
		{"fairness 1", "fairness", "1", "thresholds-fairness"},
		{"data quality true", "data_quality", "true", "thresholds-data_quality"},
	} {
		r := post("Refused", map[string]string{tc.field: tc.value})
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400", tc.name, r.StatusCode)
			continue
		}
		wantShown(t, r, tc.name, `id="`+tc.key+`-error">`+checkboxMsg, `value="Refused"`)
	}
	if n := f.count("monitors"); n != 0 {
		t.Fatalf("%d monitors stored after refused checkboxes", n)
	}
	if err := f.app.Store.SetLocale(sys(), u.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	if r := post("Refused", map[string]string{"drift": "yes"}); r.StatusCode != http.StatusBadRequest {
		t.Errorf("Chinese: got %d, want 400", r.StatusCode)
	} else {
		wantShown(t, r, "Chinese", `id="thresholds-drift-error">`+checkboxMsgZH)
	}

	// Ticked ("on") and left out still save as ticked and not.
	if r := post("Ticked", map[string]string{"drift": "on"}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("drift on: got %d, want 303", r.StatusCode)
	}
	if r := post("Clear", nil); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("drift left out: got %d, want 303", r.StatusCode)
	}
	mons, err := f.app.Store.ListMonitors(sys(), m.ID)
	if err != nil || len(mons) != 2 {
		t.Fatalf("monitors: %v, %v; want two", mons, err)
	}
	for _, mon := range mons {
		if want := mon.Name == "Ticked"; mon.Thresholds.Drift != want {
			t.Errorf("%s: drift %v, want %v", mon.Name, mon.Thresholds.Drift, want)
		}
	}
}

// TestMonitorEditCheckboxes: the edit form's alert checkboxes and its
// "remove the webhook" checkbox refuse a value they never send, the
// monitor left as it was.
func TestMonitorEditCheckboxes(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ml@example.com")
	id := f.records("web")["monitors"]
	c, csrf, _ := f.signIn(ai, time.Hour)
	edit := fmt.Sprintf("/monitors/%d/edit", id)
	post := func(extra url.Values) *response {
		page := f.get(c, edit)
		m := updatedAtField.FindStringSubmatch(page.body)
		if m == nil {
			t.Fatalf("edit page: no updated_at")
		}
		v := url.Values{"csrf_token": {csrf}, "updated_at": {m[1]}, "name": {"Typed"}, "alert_after": {"1"}, "resolve_after": {"1"}}
		if fid := formIDField.FindStringSubmatch(page.body); fid != nil {
			v.Set("form_id", fid[1])
		}
		for k, vs := range extra {
			v[k] = vs
		}
		return f.postForm(c, fmt.Sprintf("/monitors/%d", id), v)
	}
	before, err := f.app.Store.FindMonitorByID(sys(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		form url.Values
		key  string
	}{
		{"drift yes", url.Values{"drift": {"yes"}}, "thresholds-drift"},
		{"drift twice", url.Values{"drift": {"on", "on"}}, "thresholds-drift"},
		{"data quality 0", url.Values{"data_quality": {"0"}}, "thresholds-data_quality"},
		{"clear webhook yes", url.Values{"clear_webhook": {"yes"}}, "clear_webhook"},
	} {
		r := post(tc.form)
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %d, want 400", tc.name, r.StatusCode)
			continue
		}
		wantShown(t, r, tc.name, `id="`+tc.key+`-error">`+checkboxMsg, `value="Typed"`)
	}
	if after, _ := f.app.Store.FindMonitorByID(sys(), id); after.Name != before.Name || !after.UpdatedAt.Equal(before.UpdatedAt) {
		t.Errorf("a refused edit saved: %+v", after)
	}
	f.clock.Advance(time.Second)
	if r := post(url.Values{"drift": {"on"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("drift on: got %d, want 303", r.StatusCode)
	}
	if after, _ := f.app.Store.FindMonitorByID(sys(), id); after.Name != "Typed" || !after.Thresholds.Drift {
		t.Errorf("saved with drift on: %+v", after)
	}
}

// TestImportCheckboxes: the import's "create missing units" and "skip
// invalid rows" checkboxes refuse a value they never send (which was
// read as unticked) with the mapping step shown again and nothing
// written.
func TestImportCheckboxes(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	f.importSeed()
	c, csrf := f.importSetup(lodestar.RoleAdmin, "admin@example.com")
	before := f.importCounts()
	r := f.postMultipart(c, "/use-cases/import", importPart{name: "csrf_token", value: csrf}, importPart{name: "step", value: "upload"},
		importPart{name: "file", filename: "portfolio.csv", value: importCSV})
	if r.StatusCode != http.StatusOK {
		t.Fatalf("upload: got %d", r.StatusCode)
	}
	mapping := pageForm(t, r.body)
	mapping.Set("map_business_unit", "#3")
	for _, step := range []string{"preview", "commit"} {
		for _, tc := range []struct{ field, value string }{{"create_missing", "yes"}, {"skip_invalid", "true"}, {"create_missing", "off"}} {
			form := url.Values{}
			for k, v := range mapping {
				form[k] = v
			}
			form.Set("step", step)
			form.Set("create_missing", "on")
			form.Set("skip_invalid", "on")
			form.Set(tc.field, tc.value)
			r := f.postForm(c, "/use-cases/import", form)
			what := step + " " + tc.field + "=" + tc.value
			if r.StatusCode != http.StatusBadRequest || currentStep(r.body) != "Map columns" || !strings.Contains(r.body, checkboxMsg) {
				t.Errorf("%s: got %d step %q, want 400 on the mapping step saying %q", what, r.StatusCode, currentStep(r.body), checkboxMsg)
			}
			f.wantImportCounts(before, what)
		}
	}
	// Both ticked as a browser sends them, the import goes through.
	mapping.Set("create_missing", "on")
	mapping.Set("skip_invalid", "on")
	mapping.Set("step", "commit")
	if r := f.postForm(c, "/use-cases/import", mapping); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("commit with both ticked: got %d, want 303", r.StatusCode)
	}
	f.wantImportCounts(importCounts{before.useCases + 2, before.units + 1, before.audit + 3}, "commit")
}
