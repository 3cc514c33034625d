package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

var tokenSecretField = regexp.MustCompile(`id="token-secret"[^>]*value="(lst_[A-Za-z0-9_-]+)"`)

// tokensForm opens /tokens in c and returns the page's form_id.
func tokensForm(t *testing.T, f *fixture, c *http.Client) string {
	t.Helper()
	r := f.get(c, "/tokens")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /tokens: got %d, want 200\n%.400s", r.StatusCode, r.body)
	}
	m := formIDInput.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no form_id on /tokens")
	}
	return m[1]
}

// createTokenUI creates a token through the /tokens form and returns the
// answer and the secret it shows.
func createTokenUI(t *testing.T, f *fixture, c *http.Client, csrf, name string, scopes ...string) (*response, string) {
	t.Helper()
	form := url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {name}, "scope": scopes, "expires": {"90"}}
	r := f.postForm(c, "/tokens", form)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("POST /tokens %q %v: got %d, want 201\n%.600s", name, scopes, r.StatusCode, r.body)
	}
	m := tokenSecretField.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("POST /tokens: no secret on the answer page\n%s", r.body)
	}
	return r, m[1]
}

// revokeTokenUI sends the revoke form of token id.
func revokeTokenUI(t *testing.T, f *fixture, c *http.Client, csrf string, id int64) *response {
	t.Helper()
	return f.postForm(c, fmt.Sprintf("/tokens/%d/revoke", id), url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}})
}

func (f *fixture) tokensOf(email string) []*lodestar.APIToken {
	f.t.Helper()
	toks, err := f.app.Store.ListTokens(context.Background(), email)
	if err != nil {
		f.t.Fatal(err)
	}
	return toks
}

// TestTokenPageCreateShowsSecretOnce: an AI team member makes an ingest
// token for their pipeline on /tokens. The secret is on the answer page
// only (not cached, not in a redirect), is stored hashed, works against the
// API within its scope, is audited as the user's, and is never shown again:
// not on reload, not by sending the form again.
func TestTokenPageCreateShowsSecretOnce(t *testing.T) {
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	uc := f.useCase("Recommendations")
	if _, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "recsys", Name: "Recommender"}); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(team, time.Hour)

	if r := f.get(c, "/"); !strings.Contains(r.body, `href="/tokens"`) {
		t.Error("the navigation has no link to /tokens")
	}
	formID := tokensForm(t, f, c)
	form := url.Values{"csrf_token": {csrf}, "form_id": {formID}, "name": {"recsys pipeline"}, "scope": {"ingest"}, "expires": {"30"}}
	r := f.postForm(c, "/tokens", form)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("POST /tokens: got %d, want 201\n%.600s", r.StatusCode, r.body)
	}
	if loc := r.Header.Get("Location"); loc != "" {
		t.Errorf("POST /tokens: got Location %q, want the secret on this page, not a redirect", loc)
	}
	if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("POST /tokens: got Cache-Control %q, want no-store", cc)
	}
	m := tokenSecretField.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("POST /tokens: no secret on the answer page\n%s", r.body)
	}
	secret := m[1]
	for _, want := range []string{"it will not be shown again", "Copy this token now", "Authorization: Bearer"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("answer page: got no %q", want)
		}
	}

	toks := f.tokensOf(team.Email)
	if len(toks) != 1 || toks[0].Name != "recsys pipeline" || strings.Join(toks[0].Scopes, ",") != "ingest" {
		t.Fatalf("tokens after create: got %+v, want one ingest token named recsys pipeline", toks)
	}
	var stored string
	if err := f.app.DB.QueryRow(context.Background(), `SELECT secret_hash FROM api_tokens WHERE id = ?`, toks[0].ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if stored == secret || strings.Contains(stored, secret[4:]) {
		t.Error("the secret is stored in plain text")
	}
	events, err := f.app.Store.FindEvents(context.Background(), lodestar.AuditFilter{EntityType: "api_token", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].Action != "create" || events[0].ActorID != team.ID || strings.Contains(events[0].After, secret) {
		t.Errorf("audit: got %+v, want one create by the user, without the secret", events)
	}

	// The token works, within its scope.
	if r := f.api("GET", "/api/v1/me", secret, ""); r.StatusCode != 200 || !strings.Contains(r.body, team.Email) {
		t.Errorf("GET /api/v1/me with the new token: got %d %s", r.StatusCode, r.body)
	}
	wantAPIError(t, f.ndjson("/api/v1/models/recsys/events", secret, ""), 400, lodestar.EInvalid) // past the guard: the batch is empty
	wantAPIError(t, f.api("GET", "/api/v1/use-cases", secret, ""), 403, lodestar.EForbidden)

	// Never shown again.
	r = f.get(c, "/tokens")
	if strings.Contains(r.body, secret) || strings.Contains(r.body, `id="token-secret"`) {
		t.Error("GET /tokens after create: the secret is shown again")
	}
	if !strings.Contains(r.body, "recsys pipeline") || !strings.Contains(r.body, toks[0].Prefix) {
		t.Error("GET /tokens: the new token is not listed by name and prefix")
	}
	// Sent again (a double click whose first answer the browser dropped):
	// no second token and no secret, but the page says a token was made,
	// that its secret went to the first answer only, and offers to revoke
	// it (its row) and to create another.
	r = f.postForm(c, "/tokens", form)
	if r.StatusCode != http.StatusConflict || strings.Contains(r.body, secret) || strings.Contains(r.body, `id="token-secret"`) {
		t.Errorf("the create form sent again: got %d, want 409 without a secret\n%.400s", r.StatusCode, r.body)
	}
	for _, want := range []string{"The first submission of this form created a token", "cannot be shown again",
		fmt.Sprintf(`<a href="#token-%d">Revoke the token it created</a>`, toks[0].ID), `<a href="#token-name">Create another token</a>`,
		fmt.Sprintf(`<tr id="token-%d">`, toks[0].ID), `action="/tokens/` + strconv.FormatInt(toks[0].ID, 10) + `/revoke"`} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the create form sent again: the answer lacks %q", want)
		}
	}
	if n := len(f.tokensOf(team.Email)); n != 1 {
		t.Errorf("tokens after the form was sent twice: got %d, want 1", n)
	}
}

// TestTokenPageRevoke: a viewer revokes their read token on /tokens; the
// API refuses it at once; revoking it again is refused, nothing changed.
func TestTokenPageRevoke(t *testing.T) {
	f := start(t, fixtureOpts{})
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	f.useCase("Churn")
	c, csrf, _ := f.signIn(viewer, time.Hour)
	_, secret := createTokenUI(t, f, c, csrf, "report script", "read")
	if r := f.api("GET", "/api/v1/use-cases", secret, ""); r.StatusCode != 200 {
		t.Fatalf("GET /api/v1/use-cases with a read token: got %d %s", r.StatusCode, r.body)
	}
	// A viewer's write token still cannot write: scopes never widen a role.
	_, wsecret := createTokenUI(t, f, c, csrf, "writer", "write")
	wantAPIError(t, f.api("POST", "/api/v1/use-cases", wsecret, `{"title":"x","description":"y"}`), 403, lodestar.EForbidden)

	tok := f.tokensOf(viewer.Email)[0]
	r := revokeTokenUI(t, f, c, csrf, tok.ID)
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/tokens" {
		t.Fatalf("revoke: got %d %q, want 303 to /tokens", r.StatusCode, r.Header.Get("Location"))
	}
	wantAPIError(t, f.api("GET", "/api/v1/use-cases", secret, ""), 401, lodestar.EUnauthorized)
	if r := f.get(c, "/tokens"); !strings.Contains(r.body, "Token revoked.") || !strings.Contains(r.body, ">Revoked ") {
		t.Errorf("GET /tokens after revoke: want the flash and the token marked revoked\n%s", r.body)
	}
	if f.tokensOf(viewer.Email)[0].RevokedAt.IsZero() {
		t.Error("the token is not revoked in the store")
	}

	before := f.count("audit_log")
	r = revokeTokenUI(t, f, c, csrf, tok.ID)
	if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, "This token is already revoked.") {
		t.Errorf("revoke twice: got %d, want 409 saying it is revoked already\n%.600s", r.StatusCode, r.body)
	}
	if n := f.count("audit_log"); n != before {
		t.Errorf("revoke twice: audit log %d → %d, want unchanged", before, n)
	}
	if r := revokeTokenUI(t, f, c, csrf, 999999); r.StatusCode != http.StatusNotFound {
		t.Errorf("revoke a token that does not exist: got %d, want 404", r.StatusCode)
	}
	if r := f.postForm(c, "/tokens/abc/revoke", url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}}); r.StatusCode != http.StatusNotFound {
		t.Errorf("revoke token abc: got %d, want 404", r.StatusCode)
	}
	// Without the CSRF token nothing happens.
	wtok := f.tokensOf(viewer.Email)[1]
	if r := f.postForm(c, fmt.Sprintf("/tokens/%d/revoke", wtok.ID), url.Values{"form_id": {tokensForm(t, f, c)}}); r.StatusCode != http.StatusForbidden {
		t.Errorf("revoke without csrf_token: got %d, want 403", r.StatusCode)
	}
	if !f.tokensOf(viewer.Email)[1].RevokedAt.IsZero() {
		t.Error("revoke without csrf_token revoked the token")
	}
}

// TestTokenPageOthersTokens: a user neither sees nor revokes another
// user's token; a user administrator sees every user's tokens and may
// revoke any, audited as theirs.
func TestTokenPageOthersTokens(t *testing.T) {
	f := start(t, fixtureOpts{})
	alice := f.user(lodestar.RoleAITeam, "alice@example.com")
	bob := f.user(lodestar.RoleViewer, "bob@example.com")
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	btok, bsecret := f.token(bob, "read")

	ca, csrfA, _ := f.signIn(alice, time.Hour)
	if r := f.get(ca, "/tokens"); strings.Contains(r.body, btok.Name) || strings.Contains(r.body, bob.Email) || strings.Contains(r.body, "All users") {
		t.Error("alice's /tokens shows bob's token")
	}
	before := f.count("audit_log")
	r := revokeTokenUI(t, f, ca, csrfA, btok.ID)
	if r.StatusCode != http.StatusNotFound && r.StatusCode != http.StatusForbidden {
		t.Errorf("alice revokes bob's token: got %d, want 403 or 404", r.StatusCode)
	}
	if n := f.count("audit_log"); n != before {
		t.Errorf("alice revokes bob's token: audit log %d → %d, want unchanged", before, n)
	}
	if !f.tokensOf(bob.Email)[0].RevokedAt.IsZero() {
		t.Fatal("alice revoked bob's token")
	}
	if r := f.api("GET", "/api/v1/me", bsecret, ""); r.StatusCode != 200 {
		t.Errorf("bob's token after alice's attempt: got %d, want 200", r.StatusCode)
	}

	cz, csrfZ, _ := f.signIn(admin, time.Hour)
	createTokenUI(t, f, ca, csrfA, "alice pipeline", "ingest")
	r = f.get(cz, "/tokens")
	for _, want := range []string{"All users", bob.Email, btok.Name, alice.Email, "alice pipeline"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("admin's /tokens: got no %q", want)
		}
	}
	r = revokeTokenUI(t, f, cz, csrfZ, btok.ID)
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("admin revokes bob's token: got %d, want 303\n%.400s", r.StatusCode, r.body)
	}
	wantAPIError(t, f.api("GET", "/api/v1/me", bsecret, ""), 401, lodestar.EUnauthorized)
	events, err := f.app.Store.FindEvents(context.Background(), lodestar.AuditFilter{EntityType: "api_token", Action: "revoke", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || events[0].ActorID != admin.ID {
		t.Errorf("audit: got %+v, want one revoke by the admin", events)
	}
}

// TestTokenPageBadInput: an empty, blank or too long name, an unknown
// scope or none at all is refused with a message naming the problem, in
// the user's language, and nothing is stored.
func TestTokenPageBadInput(t *testing.T) {
	f := start(t, fixtureOpts{})
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	c, csrf, _ := f.signIn(viewer, time.Hour)
	for _, tc := range []struct {
		name   string
		scopes []string
		want   string
	}{
		{"", []string{"read"}, "Token name is required, at most 100 characters."},
		{"   ", []string{"read"}, "Token name is required, at most 100 characters."},
		{strings.Repeat("名", 101), []string{"read"}, "Token name is required, at most 100 characters."},
		{"ok", []string{"admin"}, "Unknown scope; choose ingest, read or write."},
		{"ok", []string{"read", "Write"}, "Unknown scope; choose ingest, read or write."},
		{"ok", nil, "Choose at least one scope: ingest, read or write."},
		{"ok", []string{""}, "Unknown scope; choose ingest, read or write."},
	} {
		t.Run(fmt.Sprintf("%.20q %v", tc.name, tc.scopes), func(t *testing.T) {
			f := f.with(t)
			before, audit := f.count("api_tokens"), f.count("audit_log")
			r := f.postForm(c, "/tokens", url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {tc.name}, "scope": tc.scopes, "expires": {"90"}})
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, tc.want) || !isHTML(r) {
				t.Errorf("got %d, want a 400 page saying %q\n%.600s", r.StatusCode, tc.want, r.body)
			}
			if strings.Contains(r.body, "lst_") {
				t.Error("a refused form shows a secret")
			}
			if f.count("api_tokens") != before || f.count("audit_log") != audit {
				t.Error("a refused form changed data")
			}
		})
	}

	// In Chinese.
	if err := f.app.Store.SetLocale(sys(), viewer.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, scope, want string
	}{
		{"", "read", "令牌名称必填"},
		{"ok", "root", "未知的权限范围"},
		{"ok", "", "请至少选择一个权限范围"},
	} {
		form := url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {tc.name}, "expires": {"90"}}
		if tc.scope != "" {
			form.Set("scope", tc.scope)
		}
		r := f.postForm(c, "/tokens", form)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, tc.want) {
			t.Errorf("Chinese, name %q scope %q: got %d, want a 400 page saying %q", tc.name, tc.scope, r.StatusCode, tc.want)
		}
	}
	if n := f.count("api_tokens"); n != 0 {
		t.Errorf("tokens after refused forms: got %d, want 0", n)
	}
}

var htmlTag = regexp.MustCompile(`(?s)<[^>]*>`)

// TestTokenPageChinese: the token pages in Chinese have none of their
// English text left — the list, the create form, the answer with the
// secret, the admin's list and the messages.
func TestTokenPageChinese(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin, err := f.app.Store.CreateUser(sys(), lodestar.NewUser{Email: "admin@example.com", Name: "管理员", Role: lodestar.RoleAdmin, Password: testPassword, Locale: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	other := f.user(lodestar.RoleAITeam, "team@example.com")
	if _, _, err := f.app.Store.CreateToken(sys(), other.Email, "团队流水线", []string{"ingest", "read"}); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(admin, time.Hour)

	created, secret := createTokenUI(t, f, c, csrf, "流水线", "ingest")
	revoked := revokeTokenUI(t, f, c, csrf, f.tokensOf(admin.Email)[0].ID)
	if revoked.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: got %d", revoked.StatusCode)
	}
	list := f.get(c, "/tokens")
	again := revokeTokenUI(t, f, c, csrf, f.tokensOf(admin.Email)[0].ID)
	missing := revokeTokenUI(t, f, c, csrf, 999999)

	b := i18n.MustLoad()
	var english []string
	for _, k := range b.Keys("en") {
		if !strings.HasPrefix(k, "tokens.") && k != "nav.tokens" && !strings.HasPrefix(k, "flash.token_") &&
			k != "msg.This token is already revoked." && k != "msg.Token not found." {
			continue
		}
		if en := b.T("en", k); en != b.T("zh-CN", k) {
			english = append(english, en)
		}
	}
	for name, r := range map[string]*response{"answer to create": created, "list": list, "revoke twice": again, "revoke missing": missing} {
		if !strings.Contains(r.body, `lang="zh-CN"`) {
			t.Errorf("%s: the page is not in Chinese", name)
		}
		text := htmlTag.ReplaceAllString(strings.ReplaceAll(r.body, secret, ""), " ")
		for _, en := range english {
			if strings.Contains(text, en) {
				t.Errorf("%s: got English %q on the Chinese page", name, en)
			}
		}
	}
	for _, want := range []string{"API 令牌", "新令牌", "它不会再次显示", "所有用户的令牌", "数据上报", "吊销"} {
		if !strings.Contains(created.body, want) {
			t.Errorf("answer to create in Chinese: got no %q", want)
		}
	}
	if !strings.Contains(list.body, "令牌已吊销。") || !strings.Contains(list.body, "已吊销") {
		t.Error("list in Chinese: got no revoked flash or state")
	}
	if !strings.Contains(again.body, "该令牌已被吊销。") || !strings.Contains(missing.body, "令牌不存在。") {
		t.Errorf("messages in Chinese: revoke twice %d, missing %d", again.StatusCode, missing.StatusCode)
	}
}

// TestTokenPageDefaultScopeFitsTheRole: the create form starts on ingest
// for a role that may send events, on read for one that may not (an
// ingest token would let a viewer do nothing).
func TestTokenPageDefaultScopeFitsTheRole(t *testing.T) {
	f := start(t, fixtureOpts{})
	for role, want := range map[lodestar.Role]string{lodestar.RoleAITeam: "ingest", lodestar.RoleViewer: "read"} {
		c, _, _ := f.signIn(f.user(role, string(role)+"@example.com"), time.Hour)
		body := f.get(c, "/tokens").body
		checked := regexp.MustCompile(`name="scope" value="([a-z]+)"[^>]*checked`).FindAllStringSubmatch(body, -1)
		if len(checked) != 1 || checked[0][1] != want {
			t.Errorf("%s: scopes ticked by default %v, want only %s", role, checked, want)
		}
	}
}
