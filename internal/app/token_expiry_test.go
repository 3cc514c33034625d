package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestTokenExpiry: a viewer makes a read token for 30 days on /tokens.
// It works until the database's clock passes its expiry, then the API
// refuses it (401, saying it expired) and /tokens shows it expired, with
// no revoke button. A token made with "No expiration" keeps working.
func TestTokenExpiry(t *testing.T) {
	f := start(t, fixtureOpts{})
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	c, csrf, _ := f.signIn(viewer, 400*24*time.Hour)

	page := func() string { return f.get(c, "/tokens").body }
	if p := page(); !strings.Contains(p, `<option value="90" selected>90 days</option>`) || !strings.Contains(p, `<option value="never">No expiration</option>`) {
		t.Errorf("the create form does not offer expiries with 90 days selected\n%s", p)
	}
	create := func(name, expires string) (*response, *lodestar.APIToken, string) {
		t.Helper()
		form := url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {name}, "scope": {"read"}, "expires": {expires}}
		r := f.postForm(c, "/tokens", form)
		m := tokenSecretField.FindStringSubmatch(r.body)
		if r.StatusCode != http.StatusCreated || m == nil {
			t.Fatalf("POST /tokens expires %s: got %d, want 201 with the secret\n%.600s", expires, r.StatusCode, r.body)
		}
		toks := f.tokensOf(viewer.Email)
		return r, toks[len(toks)-1], m[1]
	}

	r, month, secret := create("monthly report", "30")
	if want := testdb.Epoch.Add(30 * 24 * time.Hour); !month.ExpiresAt.Equal(want) {
		t.Errorf("30 days: expires %v, want %v", month.ExpiresAt, want)
	}
	if !strings.Contains(r.body, "expires") {
		t.Error("the answer page does not say when the token expires")
	}
	_, forever, secretForever := create("dashboard", "never")
	if !forever.ExpiresAt.IsZero() {
		t.Errorf("No expiration: expires %v, want never", forever.ExpiresAt)
	}
	if p := page(); !strings.Contains(p, "does not expire") || strings.Count(p, "Active") != 2 {
		t.Errorf("/tokens: want both tokens active, one without expiry\n%s", p)
	}

	f.clock.Advance(30*24*time.Hour - time.Second)
	if r := f.api("GET", "/api/v1/me", secret, ""); r.StatusCode != http.StatusOK {
		t.Fatalf("a second before expiry: got %d, want 200 %s", r.StatusCode, r.body)
	}
	f.clock.Advance(time.Second)
	d := wantAPIError(t, f.api("GET", "/api/v1/me", secret, ""), http.StatusUnauthorized, lodestar.EUnauthorized)
	if !strings.Contains(d.Message, "expired") {
		t.Errorf("expired token: got %q, want a message saying it expired", d.Message)
	}
	if r := f.api("GET", "/api/v1/me", secretForever, ""); r.StatusCode != http.StatusOK {
		t.Errorf("the token without expiry: got %d, want 200", r.StatusCode)
	}
	p := page()
	row := p[strings.Index(p, fmt.Sprintf(`id="token-%d"`, month.ID)):]
	row = row[:strings.Index(row, "</tr>")]
	if !strings.Contains(row, "Expired") || strings.Contains(row, "/revoke") {
		t.Errorf("/tokens: the expired token's row should say Expired without a revoke button\n%s", row)
	}
}

// TestTokenExpiryBadInput: an expiry the form does not offer, or none,
// is refused in the user's language and makes no token; the store
// refuses an expiry in the past or more than five years ahead.
func TestTokenExpiryBadInput(t *testing.T) {
	f := start(t, fixtureOpts{})
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	c, csrf, _ := f.signIn(viewer, time.Hour)
	for _, exp := range []string{"", "7", "forever", "-30", "90 "} {
		form := url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {"ci"}, "scope": {"read"}}
		if exp != "" {
			form.Set("expires", exp)
		}
		before, audit := f.count("api_tokens"), f.count("audit_log")
		r := f.postForm(c, "/tokens", form)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "Choose when the token expires.") || !strings.Contains(r.body, `id="expires-error"`) {
			t.Errorf("expires %q: got %d, want a 400 page saying to choose an expiry\n%.600s", exp, r.StatusCode, r.body)
		}
		if f.count("api_tokens") != before || f.count("audit_log") != audit {
			t.Errorf("expires %q: a refused form changed data", exp)
		}
	}
	if err := f.app.Store.SetLocale(sys(), viewer.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	form := url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {"ci"}, "scope": {"read"}, "expires": {"8"}}
	if r := f.postForm(c, "/tokens", form); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "请选择令牌的有效期") {
		t.Errorf("Chinese: got %d, want the expiry error in Chinese\n%.600s", r.StatusCode, r.body)
	}

	now := testdb.Epoch
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{now, "The expiry must be in the future."},
		{now.Add(-time.Hour), "The expiry must be in the future."},
		{now.Add(lodestar.MaxTokenLifetime + time.Hour), "at most five years ahead"},
	} {
		_, _, err := f.app.Store.CreateTokenUntil(sys(), viewer.Email, "ci", []string{"read"}, tc.at)
		if lodestar.ErrorCode(err) != lodestar.EInvalid || !strings.Contains(lodestar.ErrorFields(err)["expires"], tc.want) {
			t.Errorf("expires %v: got %v, want a field error saying %q", tc.at, err, tc.want)
		}
	}
	if n := f.count("api_tokens"); n != 0 {
		t.Errorf("tokens after refused expiries: got %d, want 0", n)
	}
	if _, _, err := f.app.Store.CreateTokenUntil(sys(), viewer.Email, "ci", []string{"read"}, now.Add(lodestar.MaxTokenLifetime)); err != nil {
		t.Errorf("an expiry exactly five years ahead: %v", err)
	}
}
