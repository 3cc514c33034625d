package app_test

import (
	"fmt"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestSwitchByModelID: /api/v1/switches/{key} takes the model's numeric
// ID as well as its key, as every route taking a model's key does (README);
// both answered 404 for an ID. OFREP's flag key stays the key only: an ID
// is FLAG_NOT_FOUND, since a flag is named by its key.
func TestSwitchByModelID(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m := creditModel(t, f)
	_, risk := f.token(f.user(lodestar.RoleRiskOfficer, "risk@example.com"), lodestar.ScopeRead, lodestar.ScopeWrite)
	byID := fmt.Sprintf("/api/v1/switches/%d", m.ID)

	sw := fromJSON[lodestar.Switch](t, f.apiOK("GET", byID, risk, "", 200))
	if sw.Key != m.Key || sw.State != "on" {
		t.Errorf("GET by ID: got %+v, want the switch of %s", sw, m.Key)
	}
	sw = fromJSON[lodestar.Switch](t, f.apiOK("PUT", byID, risk, `{"state":"off","reason":"review by ID"}`, 200))
	if sw.Key != m.Key || sw.State != "off" {
		t.Errorf("PUT by ID: got %+v, want %s off", sw, m.Key)
	}
	if got := fromJSON[lodestar.Switch](t, f.apiOK("GET", "/api/v1/switches/"+m.Key, risk, "", 200)); got.State != "off" || got.Version != sw.Version {
		t.Errorf("GET by key after the flip by ID: got %+v", got)
	}
	for _, path := range []string{"/api/v1/switches/9999", "/api/v1/switches/0", "/api/v1/switches/-1", "/api/v1/switches/nope"} {
		wantAPIError(t, f.api("GET", path, risk, ""), 404, lodestar.ENotFound)
	}
	wantAPIError(t, f.api("PUT", "/api/v1/switches/9999", risk, `{"state":"on","reason":"x"}`), 404, lodestar.ENotFound)

	r := f.api("POST", fmt.Sprintf("/ofrep/v1/evaluate/flags/%d", m.ID), risk, `{"context":{}}`)
	if r.StatusCode != 404 || !strings.Contains(r.body, `"errorCode":"FLAG_NOT_FOUND"`) {
		t.Errorf("OFREP by ID: got %d %s, want 404 FLAG_NOT_FOUND", r.StatusCode, r.body)
	}
	if r := f.api("POST", "/ofrep/v1/evaluate/flags/"+m.Key, risk, `{"context":{}}`); r.StatusCode != 200 || !strings.Contains(r.body, `"value":"off"`) {
		t.Errorf("OFREP by key: got %d %s, want 200 off", r.StatusCode, r.body)
	}
}
