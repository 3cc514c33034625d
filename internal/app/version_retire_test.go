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

// TestRetireFromAnyStatus checks that a version that never went live (a
// candidate that failed staging, or one abandoned in development) can be
// retired — the page offers it — and that retired is final, with a
// refusal that says so in the reader's language rather than claiming a
// move back to development is allowed.
func TestRetireFromAnyStatus(t *testing.T) {
	f := start(t, fixtureOpts{})
	m, dev, tok := f.teamVersion("Churn", "churn", "Churn")
	staged, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "3.0-rc"})
	if err != nil {
		t.Fatal(err)
	}
	status := func(id int64, lang, body string) *response {
		h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}}
		if lang != "" {
			h.Set("Accept-Language", lang)
		}
		return f.do(f.client(), "POST", fmt.Sprintf("/api/v1/model-versions/%d/status", id), h, strings.NewReader(body))
	}
	f.apiOK("POST", fmt.Sprintf("/api/v1/model-versions/%d/status", staged.ID), tok, `{"status":"staging","reason":"shadow test"}`, 200)

	// The page offers retiring from staging, beside the moves back and on.
	team := f.user(lodestar.RoleAITeam, "ai@example.com")
	c, csrf, _ := f.signIn(team, time.Hour)
	page := f.get(c, fmt.Sprintf("/model-versions/%d", staged.ID))
	for _, st := range []string{"development", "production", "retired"} {
		if !strings.Contains(page.body, `<option value="`+st+`">`) {
			t.Errorf("the staging version's page does not offer %s", st)
		}
	}
	r := f.postForm(c, fmt.Sprintf("/model-versions/%d/status", staged.ID), url.Values{"csrf_token": {csrf}, "status": {"retired"}, "reason": {"failed shadow test"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("retire from staging: got %d, want 303: %s", r.StatusCode, r.body)
	}
	// And from development, over the API.
	f.apiOK("POST", fmt.Sprintf("/api/v1/model-versions/%d/status", dev.ID), tok, `{"status":"retired","reason":"abandoned"}`, 200)
	for _, id := range []int64{staged.ID, dev.ID} {
		if v, err := f.app.Store.FindModelVersionByID(sys(), id); err != nil || v.Status != lodestar.ModelRetired {
			t.Errorf("version %d: %+v, %v; want retired", id, v, err)
		}
	}
	// A retired version offers no status change, and is refused one.
	page = f.get(c, fmt.Sprintf("/model-versions/%d", staged.ID))
	if strings.Contains(page.body, `name="status"`) {
		t.Errorf("the retired version's page still offers a status change")
	}
	for lang, want := range map[string]string{"": "A retired version is final", "zh-CN": "已退役的版本是最终状态"} {
		d := wantAPIError(t, status(staged.ID, lang, `{"status":"development","reason":"again"}`), 400, lodestar.EInvalid)
		if !strings.Contains(d.Fields["status"], want) {
			t.Errorf("%q: retired → development: %v; want status saying %q", lang, d.Fields, want)
		}
	}
	// A move the lifecycle does not allow says the rule.
	fresh, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "4.0"})
	if err != nil {
		t.Fatal(err)
	}
	for lang, want := range map[string]string{"": "or to retired from any status", "zh-CN": "或从任何状态退役"} {
		d := wantAPIError(t, status(fresh.ID, lang, `{"status":"production","reason":"hurry"}`), 400, lodestar.EInvalid)
		if !strings.Contains(d.Fields["status"], want) {
			t.Errorf("%q: development → production: %v; want status saying %q", lang, d.Fields, want)
		}
	}
}
