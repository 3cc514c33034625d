package app_test

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestMonitorRemindAfterAPI: remind_after is set on creation and changed
// by PATCH, audited as an edit; a negative one, one above 720 and one not
// a whole number are refused, on creation storing no monitor and on edit
// leaving the monitor exactly as it was.
func TestMonitorRemindAfterAPI(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ml@example.com")
	ids := f.records("remind")
	_, tok := f.token(ai)
	id := ids["monitors"]
	path := fmt.Sprintf("/api/v1/monitors/%d", id)
	read := func() *lodestar.Monitor {
		t.Helper()
		m, err := f.app.Store.FindMonitorByID(sys(), id)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	stamp := func(m *lodestar.Monitor) string { return m.UpdatedAt.Format(time.RFC3339Nano) }

	before := read()
	if before.RemindAfter != 0 || !strings.Contains(f.api("GET", path, tok, "").body, `"remind_after":0`) {
		t.Fatalf("a new monitor's remind_after: %d, want 0 shown", before.RemindAfter)
	}
	f.clock.Advance(time.Second)
	r := f.api("PATCH", path, tok, fmt.Sprintf(`{"updated_at":%q,"remind_after":24}`, stamp(before)))
	if r.StatusCode != 200 || !strings.Contains(r.body, `"remind_after":24`) {
		t.Fatalf("edit remind_after: got %d %s", r.StatusCode, r.body)
	}
	want := read()
	if want.RemindAfter != 24 {
		t.Fatalf("stored remind_after %d, want 24", want.RemindAfter)
	}
	evs, err := f.app.Store.FindEvents(sys(), lodestar.AuditFilter{Action: "update", EntityType: "monitor", EntityID: fmt.Sprint(id), Limit: 10})
	if err != nil || len(evs) != 1 || !strings.Contains(evs[0].Before, `"remind_after":0`) || !strings.Contains(evs[0].After, `"remind_after":24`) {
		t.Fatalf("audit: %v %+v, want one update from remind_after 0 to 24", err, evs)
	}
	cur := stamp(want)
	for _, c := range []struct{ name, value, field string }{
		{"negative", "-1", "remind_after"},
		{"above 720", "721", "remind_after"},
		{"a string", `"24"`, ""},
		{"a fraction", "2.5", ""},
	} {
		r := f.api("PATCH", path, tok, `{"updated_at":"`+cur+`","remind_after":`+c.value+`}`)
		d := wantAPIError(t, r, 400, lodestar.EInvalid)
		if c.field != "" && d.Fields[c.field] != "Between 0 (never) and 720 hours." {
			t.Errorf("edit, %s: fields %+v, want remind_after's range", c.name, d.Fields)
		}
		if got := read(); !reflect.DeepEqual(got, want) {
			t.Errorf("edit, %s: the monitor changed:\n got %+v\nwant %+v", c.name, got, want)
		}
	}

	v, err := f.app.Store.FindModelVersionByID(sys(), ids["model-versions"])
	if err != nil {
		t.Fatal(err)
	}
	create := func(name, remind string) *response {
		return f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", ids["models"]), tok,
			fmt.Sprintf(`{"version":%q,"name":%q,"window":"hour","reference":{"kind":"dataset","csv":"x\n1\n2\n"},"remind_after":%s}`, v.Version, name, remind))
	}
	n := f.count("monitors")
	for _, c := range []struct{ name, value, field string }{
		{"negative", "-5", "remind_after"},
		{"above 720", "1000", "remind_after"},
		{"a string", `"x"`, ""},
	} {
		d := wantAPIError(t, create("Refused "+c.name, c.value), 400, lodestar.EInvalid)
		if c.field != "" && d.Fields[c.field] == "" {
			t.Errorf("create, %s: fields %+v, want remind_after's", c.name, d.Fields)
		}
		if got := f.count("monitors"); got != n {
			t.Errorf("create, %s: %d monitors, want %d", c.name, got, n)
		}
	}
	if r := create("Reminding", "720"); r.StatusCode != 201 || !strings.Contains(r.body, `"remind_after":720`) {
		t.Errorf("create with remind_after 720: got %d %s", r.StatusCode, r.body)
	}
}

// TestMonitorRemindAfterWeb: the health page's create form and the edit
// page take remind_after, refusing a bad one by its field with the input
// kept and nothing saved; the monitor card says whether it reminds.
func TestMonitorRemindAfterWeb(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ml@example.com")
	ids := f.records("web")
	id, model := ids["monitors"], ids["models"]
	v, err := f.app.Store.FindModelVersionByID(sys(), ids["model-versions"])
	if err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(ai, time.Hour)
	health := fmt.Sprintf("/models/%d/health", model)
	edit := fmt.Sprintf("/monitors/%d/edit", id)
	if r := f.get(c, health); !strings.Contains(r.body, "Reminders of unacknowledged alerts: off.") || !strings.Contains(r.body, `name="remind_after"`) {
		t.Errorf("health page: no reminder line on the card or no remind_after on the create form:\n%.3000s", r.body)
	}
	page := f.get(c, edit)
	m := updatedAtField.FindStringSubmatch(page.body)
	if m == nil || !strings.Contains(page.body, `name="remind_after" inputmode="numeric" value="0"`) {
		t.Fatalf("edit page: no remind_after 0:\n%.3000s", page.body)
	}
	post := func(remind string) *response {
		v := url.Values{"csrf_token": {csrf}, "updated_at": {m[1]}, "name": {"Monitor web"}, "alert_after": {"1"}, "resolve_after": {"1"}, "remind_after": {remind}}
		if fid := formIDField.FindStringSubmatch(f.get(c, edit).body); fid != nil {
			v.Set("form_id", fid[1])
		}
		return f.postForm(c, fmt.Sprintf("/monitors/%d", id), v)
	}
	for remind, msg := range map[string]string{"soon": "Enter a whole number.", "-3": "Between 0 (never) and 720 hours.", "721": "Between 0 (never) and 720 hours."} {
		r := post(remind)
		if r.StatusCode != 400 || !strings.Contains(r.body, msg) || !strings.Contains(r.body, `name="remind_after" inputmode="numeric" value="`+remind+`"`) {
			t.Errorf("remind_after %q: got %d, want 400 with %q and the input kept:\n%.3000s", remind, r.StatusCode, msg, r.body)
		}
		if got, _ := f.app.Store.FindMonitorByID(sys(), id); got.RemindAfter != 0 {
			t.Errorf("remind_after %q: saved %d", remind, got.RemindAfter)
		}
	}
	f.clock.Advance(time.Second)
	if r := post("12"); r.StatusCode != 303 {
		t.Fatalf("remind_after 12: got %d:\n%.2000s", r.StatusCode, r.body)
	}
	if got, _ := f.app.Store.FindMonitorByID(sys(), id); got.RemindAfter != 12 {
		t.Errorf("saved remind_after %d, want 12", got.RemindAfter)
	}
	if r := f.get(c, health); !strings.Contains(r.body, "Reminder of an open alert nobody has acknowledged: every 12 h.") {
		t.Errorf("the card does not say it reminds every 12 h")
	}
	if err := f.app.Store.SetLocale(sys(), ai.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	if r := f.get(c, health); !strings.Contains(r.body, "无人确认的告警：每 12 小时提醒一次。") {
		t.Errorf("the card in Chinese does not say it reminds every 12 hours")
	}
	if err := f.app.Store.SetLocale(sys(), ai.ID, "en"); err != nil {
		t.Fatal(err)
	}

	// The create form: refused out of range, kept; saved in range.
	create := func(name, remind string) *response {
		return f.postForm(c, fmt.Sprintf("/models/%d/monitors", model), url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, health)},
			"version": {v.Version}, "name": {name}, "window": {"hour"}, "min_accuracy": {"0.8"}, "reference_kind": {"events"},
			"reference_from": {"2025-01-01"}, "reference_to": {"2025-02-01"}, "alert_after": {"1"}, "resolve_after": {"1"}, "remind_after": {remind}})
	}
	n := f.count("monitors")
	if r := create("Too late", "800"); r.StatusCode != 400 || !strings.Contains(r.body, "Between 0 (never) and 720 hours.") || !strings.Contains(r.body, `value="800"`) || f.count("monitors") != n {
		t.Errorf("create with remind_after 800: got %d, %d monitors (want 400, %d):\n%.3000s", r.StatusCode, f.count("monitors"), n, r.body)
	}
	if r := create("Reminding", "6"); r.StatusCode != 303 {
		t.Fatalf("create with remind_after 6: got %d:\n%.3000s", r.StatusCode, r.body)
	}
	ms, err := f.app.Store.ListMonitors(sys(), model)
	if err != nil || len(ms) != n+1 || ms[len(ms)-1].RemindAfter != 6 {
		t.Errorf("created: %v, %d monitors, want the last reminding every 6 hours", err, len(ms))
	}
}
