package app_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPISessionWriteNeedsCSRFHeader: an API write made with a session
// cookie and no X-CSRF-Token is refused saying the header is missing —
// not that a form expired, which an API call has none of — in English
// and in Chinese; with the header it is made.
func TestAPISessionWriteNeedsCSRFHeader(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleAdmin, "admin@example.com")
	c, csrf, _ := f.signIn(u, time.Hour)
	body := `{"title":"Churn","description":"d"}`
	before := f.counts()
	for _, lang := range []string{"", "zh-CN"} {
		h := http.Header{"Content-Type": {"application/json"}}
		if lang != "" {
			h.Set("Accept-Language", lang)
		}
		d := wantAPIError(t, f.do(c, "POST", "/api/v1/use-cases", h, strings.NewReader(body)), 403, lodestar.EForbidden)
		if !strings.Contains(d.Message, "X-CSRF-Token") || strings.Contains(d.Message, "form") || strings.Contains(d.Message, "表单") {
			t.Errorf("session write without X-CSRF-Token (%q): %q; want it to name the header", lang, d.Message)
		}
		if lang != "" {
			wantChinese(t, "CSRF refusal", d.Message)
		}
	}
	f.wantUnchanged(before, "a session write without X-CSRF-Token")
	h := http.Header{"Content-Type": {"application/json"}, "X-CSRF-Token": {csrf}}
	if r := f.do(c, "POST", "/api/v1/use-cases", h, strings.NewReader(body)); r.StatusCode != 201 {
		t.Errorf("with X-CSRF-Token: %d %s", r.StatusCode, r.body)
	}
}
