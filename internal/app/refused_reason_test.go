package app_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestRefusedFormsKeepTheReason: a refused switch flip or experiment
// status change comes back with the reason the person typed (and the
// state they chose), not an empty box.
func TestRefusedFormsKeepTheReason(t *testing.T) {
	f := start(t, fixtureOpts{})
	w := f.experimentWorld()
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	c, csrf, _ := f.signIn(risk, time.Hour)
	m, err := f.app.Store.FindModelByRef(sys(), "recsys")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.FlipSwitch(sys(), "recsys", lodestar.SwitchOn, "", "launched"); err != nil {
		t.Fatal(err)
	}
	textarea := func(body, id string) string {
		m := regexp.MustCompile(`(?s)<textarea id="` + id + `"[^>]*>(.*?)</textarea>`).FindStringSubmatch(body)
		if m == nil {
			return "<no textarea " + id + ">"
		}
		return m[1]
	}
	// Fallback without naming what to serve: refused, reason and state kept.
	r := f.postForm(c, fmt.Sprintf("/models/%d/switch", m.ID), url.Values{"csrf_token": {csrf}, "state": {lodestar.SwitchFallback}, "reason": {"KEEP-ME-1"}})
	if r.StatusCode != 400 {
		t.Fatalf("fallback without a fallback: got %d, want 400", r.StatusCode)
	}
	if got := textarea(r.body, "switch-reason"); got != "KEEP-ME-1" {
		t.Errorf("switch form's reason after a refusal: got %q, want KEEP-ME-1", got)
	}
	if !regexp.MustCompile(`<option value="fallback" selected>`).MatchString(r.body) {
		t.Errorf("switch form after a refusal: the chosen state fallback should stay selected")
	}

	// An experiment status change that is refused keeps its reason.
	f.apiOK("POST", "/api/v1/experiments", w.token, w.design("rec-4"), 201)
	ml, _ := f.app.Store.FindUserByEmail(sys(), "ml@example.com")
	c2, csrf2, _ := f.signIn(ml, time.Hour)
	r = f.postForm(c2, "/experiments/1/status", url.Values{"csrf_token": {csrf2}, "status": {"bogus"}, "reason": {"KEEP-ME-2"}})
	if r.StatusCode != 400 {
		t.Fatalf("bogus experiment status: got %d, want 400", r.StatusCode)
	}
	if got := textarea(r.body, "reason"); !strings.Contains(got, "KEEP-ME-2") {
		t.Errorf("experiment status form's reason after a refusal: got %q, want KEEP-ME-2", got)
	}
}
