package app_test

import (
	"fmt"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPITransitionRefusalsAgree checks that every lifecycle refuses a
// change it does not allow the same way, a 400 naming the field (as the
// use-case stage always did), and that a change to the state a record is
// already in says so rather than "one step at a time".
func TestAPITransitionRefusalsAgree(t *testing.T) {
	f := start(t, fixtureOpts{})
	w := f.experimentWorld()
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, tok := f.token(admin)
	e := fromJSON[lodestar.Experiment](t, f.apiOK("POST", "/api/v1/experiments", w.token, w.design("recsys-4"), 201))
	exp := fmt.Sprintf("/api/v1/experiments/%d/status", e.ID)
	ver := fmt.Sprintf("/api/v1/model-versions/%d/status", w.control)
	stage := fmt.Sprintf("/api/v1/use-cases/%d/stage", w.uc.ID)

	refuse := func(path, bearer, body, field, says string) {
		t.Helper()
		d := wantAPIError(t, f.api("POST", path, bearer, body), 400, lodestar.EInvalid)
		if msg := d.Fields[field]; !strings.Contains(msg, says) {
			t.Errorf("POST %s %s: got fields %v, want %s saying %q", path, body, d.Fields, field, says)
		}
	}
	// Not the next step.
	refuse(stage, tok, `{"stage":"pilot","reason":"hurry"}`, "stage", "not allowed")
	refuse(ver, tok, `{"status":"production","reason":"hurry"}`, "status", "not allowed")
	refuse(exp, w.token, `{"status":"stopped","reason":"hurry"}`, "status", "one step at a time")
	// Already there.
	refuse(stage, tok, `{"stage":"idea","reason":"again"}`, "stage", "already in this stage")
	f.apiOK("POST", ver, tok, `{"status":"staging","reason":"review"}`, 200)
	refuse(ver, tok, `{"status":"staging","reason":"again"}`, "status", "already in this status")
	f.apiOK("POST", exp, w.token, `{"status":"running","reason":"go"}`, 200)
	refuse(exp, w.token, `{"status":"running","reason":"again"}`, "status", "already in this status")
	f.apiOK("POST", exp, w.token, `{"status":"stopped","reason":"done"}`, 200)
	refuse(exp, w.token, `{"status":"stopped","reason":"again"}`, "status", "already in this status")
	refuse(exp, w.token, `{"status":"running","reason":"restart"}`, "status", "one step at a time")
}
