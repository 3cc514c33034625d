package app_test

import (
	"net/http"
	"slices"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPIEmptyQueryValueRefused: a query parameter given with no value
// (?status=) was read as not given, answering the unfiltered list or the
// default page as if it were the one asked for. It is a 400 naming the
// parameter, in Chinese too for a client that asks.
func TestAPIEmptyQueryValueRefused(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, tok := f.token(admin)
	for _, c := range []struct {
		path  string
		names []string
	}{
		{"/api/v1/goals?status=", []string{"status"}},
		{"/api/v1/goals?archived=", []string{"archived"}},
		{"/api/v1/goals?business_unit_id=", []string{"business_unit_id"}},
		{"/api/v1/goals?limit=&cursor=", []string{"cursor", "limit"}},
		{"/api/v1/alerts?limit=", []string{"limit"}},
		{"/api/v1/use-cases?archived=&q=x", []string{"archived"}},
		{"/api/v1/portfolio?business_unit_id=", []string{"business_unit_id"}},
	} {
		d := wantAPIError(t, f.api("GET", c.path, tok, ""), 400, lodestar.EInvalid)
		if got := fieldKeys(d.Fields); !slices.Equal(got, c.names) {
			t.Errorf("GET %s: fields %v, want %v", c.path, got, c.names)
		}
		if want := c.names[0] + " is given empty; give it a value or leave it out."; d.Message != want {
			t.Errorf("GET %s: message %q, want %q", c.path, d.Message, want)
		}
	}
	h := http.Header{"Authorization": {"Bearer " + tok}, "Accept-Language": {"zh-CN"}}
	d := wantAPIError(t, f.do(f.client(), "GET", "/api/v1/goals?status=", h, nil), 400, lodestar.EInvalid)
	if d.Fields["status"] != "status 的值为空；请给出一个值，或省略该参数。" {
		t.Errorf("in Chinese: %q", d.Fields["status"])
	}
}
