package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPIRefusesMalformedQuery: a query string Go cannot read whole — a
// ';' separator, a '%' not followed by two hex digits — is a 400 (en,
// zh-CN), not a request answered with the unreadable pairs dropped: a
// list's filter so dropped gave the unfiltered list, and a flip's
// version the flip without its guard. Nothing is written.
func TestAPIRefusesMalformedQuery(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	creditModel(t, f)
	_, tok := f.token(f.user(lodestar.RoleRiskOfficer, "risk@example.com"), lodestar.ScopeRead, lodestar.ScopeWrite)
	auth := http.Header{"Authorization": {"Bearer " + tok}}
	const en = "The query string cannot be read: write each parameter as name=value, joined by & (not ;), a percent sign only in an escape such as %20."
	const zh = "无法读取查询字符串：每个参数请写成 name=value，用 & 连接（不要用 ;），百分号只能用于 %20 这样的转义。"
	flip := `{"state":"off","reason":"drift"}`
	for _, c := range []struct{ method, path, body, lang, msg string }{
		{"PUT", "/api/v1/switches/credit-risk?version=1;", flip, "", en},
		{"PUT", "/api/v1/switches/credit-risk?version=%zz", flip, "zh-CN", zh},
		{"GET", "/api/v1/goals?status=bogus;", "", "", en},
		{"GET", "/api/v1/goals?status=%zz", "", "zh-CN", zh},
		{"GET", "/api/v1/switches/credit-risk?x;y", "", "", en},
		{"GET", "/api/v1/me?%zz", "", "", en},
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
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.StatusCode != http.StatusBadRequest ||
			got.Error.Code != lodestar.EInvalid || got.Error.Message != c.msg || got.Error.Fields["query"] != c.msg {
			t.Errorf("%s %s (%q): %d %s, want a 400 saying %q under query", c.method, c.path, c.lang, r.StatusCode, r.body, c.msg)
		}
	}
	if sw, err := f.app.Store.FindSwitch(context.Background(), "credit-risk"); err != nil || sw.State != lodestar.SwitchOn || sw.Version != 1 {
		t.Errorf("after the refused flips: %+v %v, want on at version 1", sw, err)
	}
	// A well-formed query, and none, are read as before.
	if r := f.do(f.client(), "GET", "/api/v1/goals?status=active", auth, nil); r.StatusCode != http.StatusOK {
		t.Errorf("GET /goals?status=active: %d %s", r.StatusCode, r.body)
	}
	if r := f.do(f.client(), "GET", "/api/v1/switches/credit-risk", auth, nil); r.StatusCode != http.StatusOK {
		t.Errorf("GET the switch: %d %s", r.StatusCode, r.body)
	}
}
