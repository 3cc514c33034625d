package app_test

import (
	"encoding/json"
	"net/http"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPIFallbackIsTheNameGiven pins what README's switch section tells a
// service: a switch at fallback to another model keeps naming it
// ("fallback":"pdm") after that model is switched off, in the switch, the
// list and OFREP's metadata alike, and says nothing of it; whether pdm
// serves is pdm's own switch, which a service following the fallback
// reads as well.
func TestAPIFallbackIsTheNameGiven(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	creditModel(t, f)
	pdm := f.model("Probability of default", "pdm", "PD model")
	v, err := f.app.Store.CreateModelVersion(sys(), pdm.ID, lodestar.ModelVersion{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
		if _, err := f.app.Store.SetModelVersionStatus(sys(), v.ID, st, "reviewed"); err != nil {
			t.Fatal(err)
		}
	}
	_, tok := f.token(f.user(lodestar.RoleRiskOfficer, "risk@example.com"), lodestar.ScopeWrite)
	if r := f.api("PUT", "/api/v1/switches/credit-risk", tok, `{"state":"fallback","fallback":"pdm","reason":"drift"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("fallback to pdm: %d %s", r.StatusCode, r.body)
	}
	if r := f.api("PUT", "/api/v1/switches/pdm", tok, `{"state":"off","reason":"incident"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("pdm off: %d %s", r.StatusCode, r.body)
	}
	read := func(path string) map[string]any {
		t.Helper()
		r := f.api("GET", path, tok, "")
		var m map[string]any
		if err := json.Unmarshal([]byte(r.body), &m); err != nil || r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, r.StatusCode, r.body)
		}
		return m
	}
	sw := read("/api/v1/switches/credit-risk")
	if sw["state"] != "fallback" || sw["fallback"] != "pdm" || sw["serving"] != false {
		t.Errorf("credit-risk: %v, want at fallback naming pdm, itself not serving", sw)
	}
	if fb := read("/api/v1/switches/pdm"); fb["state"] != "off" || fb["serving"] != false {
		t.Errorf("pdm: %v, want off and not serving: what the service reads", fb)
	}
	list := read("/api/v1/switches")
	for _, it := range list["data"].([]any) {
		if m := it.(map[string]any); m["key"] == "credit-risk" && m["fallback"] != "pdm" {
			t.Errorf("credit-risk in the list: %v, want fallback pdm", m)
		}
	}
	r := f.api("POST", "/ofrep/v1/evaluate/flags/credit-risk", tok, `{}`)
	var flag struct {
		Value    string
		Metadata map[string]any
	}
	if err := json.Unmarshal([]byte(r.body), &flag); err != nil || flag.Value != "fallback" || flag.Metadata["fallback"] != "pdm" {
		t.Errorf("OFREP credit-risk: %d %s, want fallback naming pdm", r.StatusCode, r.body)
	}
}
