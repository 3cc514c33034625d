package app_test

import (
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// An ingest-only token that misses the ingestion routes — a misspelt
// path, a wrong method — is told so (404, 405 with Allow), not that it
// needs a read or write token; and it reaches what anyone may (the
// OpenAPI document, health). It was refused with 403 "needs the read or
// write scope" for all of these, sending its owner to widen the token
// instead of fixing the path.
func TestIngestTokenOnPublicAndMissingRoutes(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	f.model("Recommendations", "recsys", "Recommender")
	send := func(method, path, contentType string) *response {
		h := http.Header{"Authorization": {"Bearer " + tok}}
		var body *strings.Reader
		if contentType != "" {
			h.Set("Content-Type", contentType)
			body = strings.NewReader(`{"id":"e-1","version":"1.0","prediction":0.5}` + "\n")
			return f.do(f.client(), method, path, h, body)
		}
		return f.do(f.client(), method, path, h, nil)
	}
	wantAPIError(t, send("POST", "/api/v1/models/recsys/event", "application/x-ndjson"), 404, lodestar.ENotFound)
	wantAPIError(t, send("POST", "/api/v1/nosuch", "application/x-ndjson"), 404, lodestar.ENotFound)
	r := send("GET", "/api/v1/models/recsys/events", "")
	wantAPIError(t, r, 405, "method_not_allowed")
	if r.Header.Get("Allow") != "POST" {
		t.Errorf("GET on the events route: Allow %q, want POST", r.Header.Get("Allow"))
	}
	wantAPIError(t, send("DELETE", "/api/v1/models/recsys/labels", ""), 405, "method_not_allowed")
	for _, path := range []string{"/api/v1/openapi.json", "/healthz"} {
		if r := send("GET", path, ""); r.StatusCode != 200 {
			t.Errorf("GET %s with an ingest token: got %d %s, want 200 (anyone may)", path, r.StatusCode, r.body)
		}
	}
	// What it may not do is still refused by scope.
	d := wantAPIError(t, send("GET", "/api/v1/models", ""), 403, lodestar.EForbidden)
	if !strings.Contains(d.Message, "read or write scope") {
		t.Errorf("GET /api/v1/models with an ingest token: message %q, want it to name the read or write scope", d.Message)
	}
	if r := send("POST", "/api/v1/models/recsys/events", "application/x-ndjson"); r.StatusCode != 200 {
		t.Errorf("POST events with the ingest token: got %d %s, want 200", r.StatusCode, r.body)
	}
}
