package app_test

import (
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestSwitchReasonTooLongInChinese: a flip whose reason is over the
// server's 2,000 characters is refused naming the field, in the language
// the client asks for — as the fallback's 200 is — and the switch is left
// as it was.
func TestSwitchReasonTooLongInChinese(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	creditModel(t, f)
	_, risk := f.token(f.user(lodestar.RoleRiskOfficer, "risk@example.com"), lodestar.ScopeRead, lodestar.ScopeWrite)
	for lang, want := range map[string]string{"": "At most 2000 characters.", "zh-CN": "最多 2000 个字符。"} {
		h := http.Header{"Authorization": {"Bearer " + risk}, "Content-Type": {"application/json"}}
		if lang != "" {
			h.Set("Accept-Language", lang)
		}
		body := `{"state":"off","reason":"` + strings.Repeat("原", 2001) + `"}`
		r := f.do(f.client(), "PUT", "/api/v1/switches/credit-risk", h, strings.NewReader(body))
		if d := wantAPIError(t, r, http.StatusBadRequest, lodestar.EInvalid); d.Fields["reason"] != want {
			t.Errorf("Accept-Language %q: reason %q, want %q", lang, d.Fields["reason"], want)
		}
	}
	if r := f.api("GET", "/api/v1/switches/credit-risk", risk, ""); r.StatusCode != 200 || !strings.Contains(r.body, `"state":"on"`) || !strings.Contains(r.body, `"version":1`) {
		t.Errorf("after the refused flips: %d %s, want the switch on at version 1", r.StatusCode, r.body)
	}
}
