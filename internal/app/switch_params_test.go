package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestSwitchRoutesRefuseUnknownParameters: the switch routes — one
// switch, a flip, the stream, as the list already did — take only the
// query parameters their OpenAPI entries list (none): any other, or one
// given empty, is a 400 naming it (in the language asked for), never an
// answer that ignores it. A flip's version sent in the query rather than
// the body would otherwise flip with no version guard at all; it is
// refused and nothing is flipped.
func TestSwitchRoutesRefuseUnknownParameters(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	creditModel(t, f)
	_, tok := f.token(f.user(lodestar.RoleRiskOfficer, "risk@example.com"), lodestar.ScopeRead, lodestar.ScopeWrite)
	auth := http.Header{"Authorization": {"Bearer " + tok}}
	flip := `{"state":"off","reason":"drift"}`
	for _, c := range []struct {
		method, path, body, lang, param, msg string
	}{
		{"GET", "/api/v1/switches/stream?x=1", "", "", "x", "x is not a parameter of this request, which takes no query parameters."},
		{"GET", "/api/v1/switches/stream?x=1", "", "zh-CN", "x", "x 不是此请求的参数；此请求不接受任何查询参数。"},
		{"GET", "/api/v1/switches/stream?last_event_id=", "", "", "last_event_id", "last_event_id is not a parameter of this request, which takes no query parameters."},
		{"GET", "/api/v1/switches/credit-risk?x=1", "", "", "x", "x is not a parameter of this request, which takes no query parameters."},
		{"GET", "/api/v1/switches/1?x=1", "", "zh-CN", "x", "x 不是此请求的参数；此请求不接受任何查询参数。"},
		{"PUT", "/api/v1/switches/credit-risk?version=1", flip, "", "version", "version is not a parameter of this request, which takes no query parameters."},
		{"PUT", "/api/v1/switches/credit-risk?version=1", flip, "zh-CN", "version", "version 不是此请求的参数；此请求不接受任何查询参数。"},
		{"GET", "/api/v1/switches?x=1", "", "", "x", "x is not a parameter of this request; it takes only limit, cursor."},
	} {
		h := auth.Clone()
		if c.body != "" {
			h.Set("Content-Type", "application/json")
		}
		if c.lang != "" {
			h.Set("Accept-Language", c.lang)
		}
		r := f.do(f.client(), c.method, c.path, h, strings.NewReader(c.body))
		var got struct {
			Error struct {
				Code, Message string
				Fields        map[string]string
			}
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Errorf("%s %s (%q): %d %v in %q, want a 400", c.method, c.path, c.lang, r.StatusCode, err, r.body)
			continue
		}
		if r.StatusCode != http.StatusBadRequest || got.Error.Code != lodestar.EInvalid || len(got.Error.Fields) != 1 || got.Error.Fields[c.param] != c.msg {
			t.Errorf("%s %s (%q): %d %s, want 400 naming %s: %q", c.method, c.path, c.lang, r.StatusCode, r.body, c.param, c.msg)
		}
	}
	// Nothing was flipped by the refused PUTs.
	if sw, err := f.app.Store.FindSwitch(context.Background(), "credit-risk"); err != nil || sw.State != lodestar.SwitchOn || sw.Version != 1 {
		t.Errorf("after the refused flips: %+v %v, want on at version 1", sw, err)
	}
	// Without the parameter each is answered as before.
	if r := f.do(f.client(), "GET", "/api/v1/switches/credit-risk", auth, nil); r.StatusCode != http.StatusOK {
		t.Errorf("GET the switch: %d %s", r.StatusCode, r.body)
	}
	h := auth.Clone()
	h.Set("Content-Type", "application/json")
	if r := f.do(f.client(), "PUT", "/api/v1/switches/credit-risk", h, strings.NewReader(`{"state":"off","reason":"drift","version":1}`)); r.StatusCode != http.StatusOK {
		t.Errorf("PUT the switch: %d %s", r.StatusCode, r.body)
	}
}
