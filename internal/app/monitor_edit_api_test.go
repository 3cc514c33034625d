package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// TestMonitorEditAPI: PATCH /monitors/{id} changes the fields sent, and
// every refusal — a wrong type, an unknown field, a field that cannot
// change, a stale updated_at, a body too large, a bad threshold, no such
// monitor, a role that may not — leaves the monitor exactly as it was.
func TestMonitorEditAPI(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ml@example.com")
	ids := f.records("edit")
	_, tok := f.token(ai)
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	_, viewTok := f.token(viewer)
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

	// A good edit first, with a webhook, so that the refusals below have
	// something to lose.
	before := read()
	f.clock.Advance(time.Second)
	r := f.api("PATCH", path, tok, fmt.Sprintf(`{"updated_at":%q,"name":"Tuned","thresholds":{"min_events":5,"drift_share":0.3},`+
		`"alert_after":2,"webhook_url":"https://hooks.example.com/T000/secret"}`, stamp(before)))
	if r.StatusCode != 200 {
		t.Fatalf("edit: got %d %s", r.StatusCode, r.body)
	}
	if strings.Contains(r.body, "secret") || !strings.Contains(r.body, `"webhook_url":"https://hooks.example.com/…"`) {
		t.Errorf("edit answer shows the webhook's path: %s", r.body)
	}
	want := read()
	if want.Name != "Tuned" || want.Thresholds.MinEvents != 5 || want.Thresholds.DriftShare != 0.3 || want.AlertAfter != 2 ||
		want.Thresholds.Drift != before.Thresholds.Drift || want.WebhookURL != "https://hooks.example.com/T000/secret" {
		t.Fatalf("edited: %+v", want)
	}
	if !want.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("updated_at %v not moved from %v", want.UpdatedAt, before.UpdatedAt)
	}
	cur := stamp(want)
	big := `{"updated_at":"` + cur + `","name":"` + strings.Repeat("x", httpx.MaxJSONBody) + `"}`
	for _, c := range []struct {
		name, bearer, body string
		status             int
		code, field        string
	}{
		{"a string for alert_after", tok, `{"updated_at":"` + cur + `","alert_after":"3"}`, 400, lodestar.EInvalid, ""},
		{"a string for a threshold", tok, `{"updated_at":"` + cur + `","thresholds":{"min_accuracy":"high"}}`, 400, lodestar.EInvalid, ""},
		{"an unknown field", tok, `{"updated_at":"` + cur + `","colour":"red"}`, 400, lodestar.EInvalid, ""},
		{"an unknown threshold", tok, `{"updated_at":"` + cur + `","thresholds":{"min_acuracy":0.9}}`, 400, lodestar.EInvalid, ""},
		{"the window", tok, `{"updated_at":"` + cur + `","window":"day"}`, 400, lodestar.EInvalid, "window"},
		{"the version", tok, `{"updated_at":"` + cur + `","version":"v2","name":"x"}`, 400, lodestar.EInvalid, "version"},
		{"the reference", tok, `{"updated_at":"` + cur + `","reference":{"kind":"events"}}`, 400, lodestar.EInvalid, "reference"},
		{"the features", tok, `{"updated_at":"` + cur + `","numeric":["y"]}`, 400, lodestar.EInvalid, "numeric"},
		{"no updated_at", tok, `{"name":"x"}`, 400, lodestar.EInvalid, "updated_at"},
		{"a stale updated_at", tok, `{"updated_at":"` + stamp(before) + `","name":"Overwritten"}`, 409, lodestar.EConflict, ""},
		{"a bad threshold", tok, `{"updated_at":"` + cur + `","thresholds":{"min_accuracy":1.5}}`, 400, lodestar.EInvalid, "thresholds.min_accuracy"},
		{"a bad webhook", tok, `{"updated_at":"` + cur + `","webhook_url":"ftp://x"}`, 400, lodestar.EInvalid, "webhook_url"},
		{"alert_after out of range", tok, `{"updated_at":"` + cur + `","alert_after":101}`, 400, lodestar.EInvalid, "alert_after"},
		{"a body too large", tok, big, 413, lodestar.ETooLarge, ""},
		{"a viewer", viewTok, `{"updated_at":"` + cur + `","name":"Viewer's"}`, 403, lodestar.EForbidden, ""},
	} {
		r := f.api("PATCH", path, c.bearer, c.body)
		d := wantAPIError(t, r, c.status, c.code)
		if c.field != "" && d.Fields[c.field] == "" {
			t.Errorf("%s: no message for %s in %+v", c.name, c.field, d)
		}
		if got := read(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the monitor changed:\n got %+v\nwant %+v", c.name, got, want)
		}
	}
	if r := f.api("PATCH", "/api/v1/monitors/999999", tok, `{"updated_at":"`+cur+`"}`); r.StatusCode != 404 {
		t.Errorf("no such monitor: got %d %s, want 404", r.StatusCode, r.body)
	}

	// The answer's JSON, sent back as read, changes nothing (the webhook
	// shown is not taken for a new address); clear_webhook clears it.
	var shown struct {
		UpdatedAt  string `json:"updated_at"`
		WebhookURL string `json:"webhook_url"`
	}
	if err := json.Unmarshal([]byte(f.api("GET", path, tok, "").body), &shown); err != nil {
		t.Fatal(err)
	}
	if r := f.api("PATCH", path, tok, fmt.Sprintf(`{"updated_at":%q,"webhook_url":%q}`, shown.UpdatedAt, shown.WebhookURL)); r.StatusCode != 200 || read().WebhookURL != want.WebhookURL {
		t.Errorf("the webhook sent back as shown: got %d, stored %q", r.StatusCode, read().WebhookURL)
	}
	f.clock.Advance(time.Second)
	if r := f.api("PATCH", path, tok, fmt.Sprintf(`{"updated_at":%q,"clear_webhook":true}`, shown.UpdatedAt)); r.StatusCode != 200 || read().WebhookURL != "" {
		t.Errorf("clear_webhook: got %d %s, stored %q", r.StatusCode, r.body, read().WebhookURL)
	}
	evs, err := f.app.Store.FindEvents(sys(), lodestar.AuditFilter{Action: "update", EntityType: "monitor", EntityID: fmt.Sprint(id), Limit: 10})
	if err != nil || len(evs) != 2 {
		t.Fatalf("audit: %d entries (%v), want 2 (the edit, the clearing)", len(evs), err)
	}
	for _, e := range evs {
		if strings.Contains(e.Before+e.After, "secret") || strings.Contains(e.Before+e.After, "T000") {
			t.Errorf("audit entry shows the webhook's path: %s → %s", e.Before, e.After)
		}
	}

	// Pause and resume.
	pause, resume := path+"/pause", path+"/resume"
	if r := f.api("POST", pause, tok, `{"reason":""}`); r.StatusCode != 400 || read().Paused() {
		t.Errorf("pause without a reason: got %d, paused %v", r.StatusCode, read().Paused())
	}
	if r := f.api("POST", pause, viewTok, `{"reason":"x"}`); r.StatusCode != 403 || read().Paused() {
		t.Errorf("a viewer's pause: got %d, paused %v", r.StatusCode, read().Paused())
	}
	r = f.api("POST", pause, tok, `{"reason":"noisy after the holiday"}`)
	if r.StatusCode != 200 || !strings.Contains(r.body, `"paused_by":"ml@example.com"`) || !strings.Contains(r.body, `"pause_reason":"noisy after the holiday"`) {
		t.Fatalf("pause: got %d %s", r.StatusCode, r.body)
	}
	if r := f.api("POST", path+"/evaluate", tok, `{}`); r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "paused") {
		t.Errorf("evaluate a paused monitor: got %d %s, want 409 saying it is paused", r.StatusCode, r.body)
	}
	if r := f.api("POST", pause, tok, `{"reason":"again"}`); r.StatusCode != 409 {
		t.Errorf("pause twice: got %d, want 409", r.StatusCode)
	}
	if r := f.api("POST", resume, tok, `{}`); r.StatusCode != 200 || read().Paused() {
		t.Errorf("resume: got %d %s", r.StatusCode, r.body)
	}
	if r := f.api("POST", resume, tok, `{}`); r.StatusCode != 409 {
		t.Errorf("resume twice: got %d, want 409", r.StatusCode)
	}
}
