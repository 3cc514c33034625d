package app_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

var scopeInput = regexp.MustCompile(`<input type="checkbox" id="scope-([a-z]+)"[^>]*>`)

// TestTokenPageOffersOnlyUsableScopes: the create form offers the ingest
// scope only to the roles that may send events (auth.ScopeRoles); for any
// other it is shown disabled, saying which roles may use it, where it was
// offered and then refused after the form was sent. Read and write stay
// offered to every role. A refused form (a forged ingest scope) does not
// tick the disabled box again.
func TestTokenPageOffersOnlyUsableScopes(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	for _, role := range lodestar.Roles {
		role := role
		t.Run(string(role), func(t *testing.T) {
			f := f.with(t)
			u := f.user(role, string(role)+"@example.com")
			c, csrf, _ := f.signIn(u, time.Hour)
			r := f.get(c, "/tokens")
			if r.StatusCode != http.StatusOK {
				t.Fatalf("GET /tokens: %d", r.StatusCode)
			}
			canIngest := role == lodestar.RoleAdmin || role == lodestar.RoleAITeam
			inputs := map[string]string{}
			for _, m := range scopeInput.FindAllStringSubmatch(r.body, -1) {
				inputs[m[1]] = m[0]
			}
			for _, sc := range []string{"ingest", "read", "write"} {
				in, ok := inputs[sc]
				if !ok {
					t.Fatalf("no %s checkbox:\n%s", sc, r.body)
				}
				usable := sc != "ingest" || canIngest
				if disabled := strings.Contains(in, " disabled"); disabled == usable {
					t.Errorf("%s checkbox %s: disabled %v, want %v", sc, in, disabled, !usable)
				}
			}
			why := "not for your role: only Administrator, AI team can use it"
			if got := strings.Contains(r.body, why); got == canIngest {
				t.Errorf("reason %q shown: %v, want %v", why, got, !canIngest)
			}
			if canIngest {
				return
			}
			// A form sent with ingest anyway is refused by the store, makes
			// nothing, and the page it answers with keeps the box disabled
			// and unticked.
			before := len(f.tokensOf(u.Email))
			form := url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {"svc"}, "scope": {"ingest"}, "expires": {"90"}}
			r = f.postForm(c, "/tokens", form)
			if r.StatusCode != http.StatusBadRequest {
				t.Fatalf("POST /tokens with ingest: %d, want 400", r.StatusCode)
			}
			if n := len(f.tokensOf(u.Email)); n != before {
				t.Errorf("refused form made %d tokens", n-before)
			}
			for _, m := range scopeInput.FindAllStringSubmatch(r.body, -1) {
				if m[1] == "ingest" && (!strings.Contains(m[0], " disabled") || strings.Contains(m[0], " checked")) {
					t.Errorf("ingest checkbox after the refusal: %s, want disabled and unticked", m[0])
				}
			}
		})
	}
}

// TestTokenPageScopeReasonChinese: the reason a scope is disabled reads
// in Chinese, the roles named in Chinese.
func TestTokenPageScopeReasonChinese(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u, err := f.app.Store.CreateUser(sys(), lodestar.NewUser{Email: "v@example.com", Name: "查看者", Role: lodestar.RoleViewer, Password: testPassword, Locale: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	c, _, _ := f.signIn(u, time.Hour)
	body := f.get(c, "/tokens").body
	if want := "你的角色无法使用：仅限管理员、AI 团队"; !strings.Contains(body, want) {
		t.Errorf("viewer's /tokens in Chinese: no %q", want)
	}
}
