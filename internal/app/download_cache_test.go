package app_test

import (
	"net/http"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestDownloadsAreNotStored checks each export and the API's metrics
// carry Cache-Control: no-store, as every page and API answer does: they
// hold the audit log, use cases and model state, which no shared or
// browser cache may keep after the user signs out.
func TestDownloadsAreNotStored(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	f.useCase("Churn")
	f.model("Fraud", "fraud", "Fraud model")
	c, _, _ := f.signIn(admin, time.Hour)
	_, secret := f.token(admin, lodestar.ScopeRead)
	for _, tc := range []struct {
		name string
		get  func() *response
	}{
		{"audit CSV", func() *response { return f.get(c, "/admin/audit/export") }},
		{"use cases CSV", func() *response { return f.get(c, "/use-cases/export?format=csv") }},
		{"use cases JSON", func() *response { return f.get(c, "/use-cases/export?format=json") }},
		{"use cases XLSX", func() *response { return f.get(c, "/use-cases/export?format=xlsx") }},
		{"API metrics", func() *response { return f.api("GET", "/api/v1/metrics", secret, "") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.get()
			if r.StatusCode != http.StatusOK {
				t.Fatalf("%s: got status %d, want 200 (body %.200s)", r.Request.URL, r.StatusCode, r.body)
			}
			if got := r.Header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("%s: got Cache-Control %q, want no-store", r.Request.URL, got)
			}
		})
	}
}
