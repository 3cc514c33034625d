package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestSwitchReaffirmOnTheAPI: a flip through the API to the state the
// switch already has is accepted — a risk officer renewing a stop's
// reason — with a new version, and its answer and its stream event say
// "reaffirmed": true, so a service or a dashboard following the stream
// does not take it for a change; a flip that changes the state says
// nothing of the kind.
func TestSwitchReaffirmOnTheAPI(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	_, tok := f.token(risk, "read", "write")
	f.model("Credit", "credit", "Credit")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	events := f.stream(ctx, tok)

	reaffirmed := func(what, raw string) (bool, int64) {
		t.Helper()
		var m struct {
			Reaffirmed *bool `json:"reaffirmed"`
			Version    int64 `json:"version"`
		}
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("%s: %v in %s", what, err, raw)
		}
		if m.Reaffirmed != nil && !*m.Reaffirmed {
			t.Errorf("%s: \"reaffirmed\": false is sent; it is left out when the flip changed the switch", what)
		}
		return m.Reaffirmed != nil && *m.Reaffirmed, m.Version
	}
	for _, step := range []struct {
		body       string
		reaffirmed bool
	}{
		{`{"state":"off","reason":"Drift alert under review"}`, false},
		{`{"state":"off","reason":"Still under review: renewed"}`, true},
		{`{"state":"on","reason":"Review closed"}`, false},
	} {
		r := f.api("PUT", "/api/v1/switches/credit", tok, step.body)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: %d %s", step.body, r.StatusCode, r.body)
		}
		got, v := reaffirmed(step.body+", the answer", r.body)
		if got != step.reaffirmed {
			t.Errorf("%s: the answer %s, want reaffirmed %v", step.body, r.body, step.reaffirmed)
		}
		ev := nextEvent(t, events, step.body)
		if got, ev := reaffirmed(step.body+", the event", ev.data); got != step.reaffirmed || ev != v {
			t.Errorf("%s: the stream event at version %d, want reaffirmed %v at version %d", step.body, ev, step.reaffirmed, v)
		}
	}
}
