package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// servingOf reads "serving" from a switch's JSON, failing when it is
// absent: false must be said, not left out.
func servingOf(t *testing.T, what string, raw json.RawMessage) bool {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v in %s", what, err, raw)
	}
	var serving bool
	if v, ok := m["serving"]; !ok || json.Unmarshal(v, &serving) != nil {
		t.Fatalf("%s: no boolean \"serving\" in %s", what, raw)
	}
	return serving
}

// TestSwitchServingOnTheAPI: a switch on while its model has no version
// in production serves nothing, and the API says so — "serving": false
// in GET /api/v1/switches/{key}, the list, the stream's snapshot and its
// flip events, and a flip's answer — where it said only "on" before, as
// if the model served; with a version in production and the switch on,
// "serving" is true.
func TestSwitchServingOnTheAPI(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	_, tok := f.token(risk, "read", "write")
	m := f.model("Churn", "churn", "Churn")

	one := func(what string) bool {
		t.Helper()
		r := f.api("GET", "/api/v1/switches/churn", tok, "")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET the switch: %d %s", what, r.StatusCode, r.body)
		}
		return servingOf(t, what+", GET one", json.RawMessage(r.body))
	}
	list := func(what string) bool {
		t.Helper()
		var page struct {
			Data []json.RawMessage `json:"data"`
		}
		r := f.api("GET", "/api/v1/switches", tok, "")
		if r.StatusCode != http.StatusOK || json.Unmarshal([]byte(r.body), &page) != nil || len(page.Data) != 1 {
			t.Fatalf("%s: GET the list: %d %s", what, r.StatusCode, r.body)
		}
		return servingOf(t, what+", the list", page.Data[0])
	}
	snapshot := func(what string) bool {
		t.Helper()
		// The fixture reads a stream's first event and hangs up.
		r := f.do(f.client(), "GET", "/api/v1/switches/stream", http.Header{"Authorization": {"Bearer " + tok}}, nil)
		ev := readEvent(t, bufio.NewReader(strings.NewReader(r.body)))
		var all []json.RawMessage
		if ev.name != "snapshot" || json.Unmarshal([]byte(ev.data), &all) != nil || len(all) != 1 {
			t.Fatalf("%s: the stream's first event: %+v", what, ev)
		}
		return servingOf(t, what+", the snapshot", all[0])
	}
	for _, read := range []func(string) bool{one, list, snapshot} {
		if read("on, no version") {
			t.Errorf("on with no version in production reads serving")
		}
	}

	v, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
		if _, err := f.app.Store.SetModelVersionStatus(sys(), v.ID, st, "lifecycle"); err != nil {
			t.Fatal(err)
		}
	}
	for _, read := range []func(string) bool{one, list, snapshot} {
		if !read("on, a version in production") {
			t.Errorf("on with a version in production reads not serving")
		}
	}

	// A flip's answer and its stream event say it too.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := f.stream(ctx, tok)
	r := f.api("PUT", "/api/v1/switches/churn", tok, `{"state":"off","reason":"Drift alert"}`)
	if r.StatusCode != http.StatusOK || servingOf(t, "flip off", json.RawMessage(r.body)) {
		t.Errorf("flip off: %d %s, want serving false", r.StatusCode, r.body)
	}
	if ev := nextEvent(t, events, "flip off"); servingOf(t, "the flip-off event", json.RawMessage(ev.data)) {
		t.Errorf("the flip-off event %s says serving", ev.data)
	}
	r = f.api("PUT", "/api/v1/switches/churn", tok, `{"state":"on","reason":"Reviewed"}`)
	if r.StatusCode != http.StatusOK || !servingOf(t, "flip on", json.RawMessage(r.body)) {
		t.Errorf("flip on: %d %s, want serving true", r.StatusCode, r.body)
	}
	if ev := nextEvent(t, events, "flip on"); !servingOf(t, "the flip-on event", json.RawMessage(ev.data)) {
		t.Errorf("the flip-on event %s says not serving", ev.data)
	}
}
