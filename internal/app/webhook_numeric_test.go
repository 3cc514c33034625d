package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestNumericWebhookHostRefused: a webhook address whose host is an IPv4
// address in a short or numeric form (127.1, 2130706433, 0x7f.1,
// 0177.0.0.1) is refused at creation and at an edit, as the loopback
// address it means, and nothing is saved — where it was taken and only
// the dial-time check stopped its deliveries.
func TestNumericWebhookHostRefused(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	m := f.model("Retention", "churn", "Churn")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	body := func(name, hook string) string {
		return fmt.Sprintf(`{"version":"1.0","name":%q,"window":"hour","webhook_url":%q,"reference":{"kind":"dataset","csv":"x\n1\n2\n"}}`, name, hook)
	}
	path := fmt.Sprintf("/api/v1/models/%d/monitors", m.ID)
	hooks := []string{"http://127.1:18199/", "http://2130706433:18199/", "http://0x7f.1:18199/", "http://0177.0.0.1:18199/"}
	for _, hook := range hooks {
		d := wantAPIError(t, f.api("POST", path, tok, body("M "+hook, hook)), http.StatusBadRequest, lodestar.EInvalid)
		if msg := d.Fields["webhook_url"]; !strings.Contains(msg, "(127.0.0.1) is a loopback address") || !strings.Contains(msg, "--webhook-allow-private") {
			t.Errorf("create with %s: field webhook_url %q, want it refused as 127.0.0.1, a loopback address", hook, msg)
		}
	}
	if n := f.count("monitors"); n != 0 {
		t.Fatalf("refused creations made %d monitors", n)
	}
	r := f.api("POST", path, tok, body("M", "https://hooks.example.com/lodestar"))
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("create with a public webhook: %d %s", r.StatusCode, r.body)
	}
	var mon lodestar.Monitor
	if err := json.Unmarshal([]byte(r.body), &mon); err != nil {
		t.Fatal(err)
	}
	stamp, _ := json.Marshal(mon.UpdatedAt)
	for _, hook := range hooks {
		r = f.api("PATCH", fmt.Sprintf("/api/v1/monitors/%d", mon.ID), tok, fmt.Sprintf(`{"updated_at":%s,"webhook_url":%q}`, stamp, hook))
		d := wantAPIError(t, r, http.StatusBadRequest, lodestar.EInvalid)
		if !strings.Contains(d.Fields["webhook_url"], "(127.0.0.1) is a loopback address") {
			t.Errorf("PATCH to %s: fields %v, want webhook_url refused as 127.0.0.1", hook, d.Fields)
		}
	}
	if got, err := f.app.Store.FindMonitorByID(sys(), mon.ID); err != nil || got.WebhookURL != "https://hooks.example.com/lodestar" {
		t.Errorf("after the refused edits: webhook %q (%v), want it unchanged", got.WebhookURL, err)
	}
}
