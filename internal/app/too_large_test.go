package app_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestTooLargeFormAnsweredInTheUsersLanguage: a form body over the limit
// is a 413 — whether its length is declared or it comes chunked (it was
// read as a form without its CSRF token, a 403) — on a page in the
// signed-in person's language; an anonymous oversized API call is a 401.
func TestTooLargeFormAnsweredInTheUsersLanguage(t *testing.T) {
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleAdmin, "zh@example.com")
	c, csrf, _ := f.signIn(u, time.Hour)
	if r := f.postForm(c, "/locale", url.Values{"csrf_token": {csrf}, "locale": {"zh-CN"}, "next": {"/"}}); r.StatusCode != 303 {
		t.Fatalf("locale: %d", r.StatusCode)
	}
	before := f.counts()
	big := url.Values{"csrf_token": {csrf}, "title": {strings.Repeat("x", 3<<20)}}.Encode()
	for _, chunked := range []bool{false, true} {
		var body io.Reader = strings.NewReader(big)
		if chunked {
			body = io.NopCloser(strings.NewReader(big)) // length unknown: sent chunked
		}
		r := f.do(c, "POST", "/pain-points", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, body)
		if r.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(r.body, `lang="zh-CN"`) || !strings.Contains(r.body, "超过了此表单的上限") {
			t.Errorf("oversized form (chunked %v): got %d, want 413 in Chinese\n%.300s", chunked, r.StatusCode, r.body)
		}
	}
	f.wantUnchanged(before, "oversized forms")
	r := f.do(f.client(), "POST", "/api/v1/use-cases", http.Header{"Content-Type": {"application/json"}}, strings.NewReader(`{"title":"`+strings.Repeat("x", 2<<20)+`"}`))
	if r.StatusCode != http.StatusUnauthorized {
		t.Errorf("anonymous oversized API call: got %d, want 401", r.StatusCode)
	}
}
