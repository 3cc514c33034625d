package httpx_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/auth"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// TestWrapRefusesRouteWithoutPermission: a route that names no
// permission, or one the policy does not know, stops the server when it
// is wrapped (at start) instead of being served; a known one is wrapped.
func TestWrapRefusesRouteWithoutPermission(t *testing.T) {
	t.Parallel()
	ok := func(http.ResponseWriter, *http.Request) {}
	for _, tc := range []struct {
		perm      auth.Permission
		wantPanic bool
	}{
		{"", true},
		{"model.flip", true},
		{auth.Public, false},
		{auth.SwitchFlip, false},
		{auth.ModelIngest, false},
	} {
		t.Run(string(tc.perm), func(t *testing.T) {
			defer func() {
				p := recover()
				if (p != nil) != tc.wantPanic {
					t.Fatalf("Wrap with permission %q: panic %v, want a panic %v", tc.perm, p, tc.wantPanic)
				}
				if p != nil && !strings.Contains(p.(string), "POST /models/{id}/switch") {
					t.Errorf("panic %q does not name the route", p)
				}
			}()
			g := &httpx.Guard{}
			g.Wrap(httpx.Route{Method: "POST", Pattern: "/models/{id}/switch", Perm: tc.perm, Handler: ok})
		})
	}
}
