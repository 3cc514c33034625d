package app_test

import (
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestOFREPWrongMethodOrPathIsJSON: an OpenFeature provider that reaches
// /ofrep/v1 with a wrong method, or asks for a path Lodestar does not
// serve (OFREP's optional /ofrep/v1/configuration), gets the API's JSON
// error — 405 with Allow, or 404 — not the HTML error page meant for
// people, which the provider cannot read.
func TestOFREPWrongMethodOrPathIsJSON(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	creditModel(t, f)
	_, tok := f.token(f.user(lodestar.RoleViewer, "viewer@example.com"), lodestar.ScopeRead)
	for _, c := range []struct {
		method, path string
		status       int
		code         string
	}{
		{"GET", "/ofrep/v1/evaluate/flags/credit-risk", 405, lodestar.EMethod},
		{"PUT", "/ofrep/v1/evaluate/flags", 405, lodestar.EMethod},
		{"GET", "/ofrep/v1/configuration", 404, lodestar.ENotFound},
		{"POST", "/ofrep/v1/evaluate/flag/credit-risk", 404, lodestar.ENotFound},
	} {
		r := f.api(c.method, c.path, tok, "")
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || strings.Contains(r.body, "<html") {
			t.Errorf("%s %s: Content-Type %q, body %.80q; want JSON", c.method, c.path, ct, r.body)
			continue
		}
		wantAPIError(t, r, c.status, c.code)
		if c.status == 405 && r.Header.Get("Allow") != "POST" {
			t.Errorf("%s %s: Allow %q, want POST", c.method, c.path, r.Header.Get("Allow"))
		}
	}
}
