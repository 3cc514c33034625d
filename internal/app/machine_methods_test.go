package app_test

import (
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestMachineEndpointsRefuseMethodsInJSON checks that a wrong method on
// /healthz, /readyz and /metrics, which load balancers and scrapers read,
// is a 405 with Allow in the API's JSON error shape, not the HTML error
// page, and that GET still answers.
func TestMachineEndpointsRefuseMethodsInJSON(t *testing.T) {
	f := start(t, fixtureOpts{})
	for _, path := range []string{"/healthz", "/readyz", "/metrics"} {
		for _, method := range []string{"POST", "PUT", "DELETE", "PATCH"} {
			r := f.api(method, path, "", "")
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") || strings.Contains(r.body, "<html") {
				t.Errorf("%s %s: got Content-Type %q, body %.80q; want JSON", method, path, ct, r.body)
				continue
			}
			wantAPIError(t, r, 405, lodestar.EMethod)
			if allow := r.Header.Get("Allow"); allow != "GET" {
				t.Errorf("%s %s: got Allow %q, want GET", method, path, allow)
			}
		}
		if r := f.api("GET", path, "", ""); r.StatusCode != 200 {
			t.Errorf("GET %s: got %d", path, r.StatusCode)
		}
	}
	// Web pages keep their HTML error page.
	if r := f.api("DELETE", "/login", "", ""); r.StatusCode != 405 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("DELETE /login: got %d %q, want the HTML 405 page", r.StatusCode, r.Header.Get("Content-Type"))
	}
}
