package app_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestIngestTokenForARoleThatMayNotIngest: the /tokens page does not make
// an ingest token for a viewer (every request of it would be refused): it
// answers 400 naming the roles that may hold the scope and makes nothing.
// A route refusing a role in the API names the roles it needs, in English
// and in Chinese — here for a token made while its user was ai_team, the
// user a viewer since.
func TestIngestTokenForARoleThatMayNotIngest(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	f.model("Retention", "churn", "Churn")

	c, csrf, _ := f.signIn(viewer, time.Hour)
	form := url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {"v"}, "scope": {"ingest"}, "expires": {"90"}}
	r := f.postForm(c, "/tokens", form)
	want := "Only the roles admin, ai_team may use the ingest scope; viewer@example.com has the role viewer, so the token could never be used."
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(r.body), want) {
		t.Errorf("POST /tokens ingest as a viewer: got %d, want 400 saying %q\n%.800s", r.StatusCode, want, r.body)
	}
	if toks := f.tokensOf(viewer.Email); len(toks) != 0 {
		t.Errorf("refused token was made: %v", toks)
	}

	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team, lodestar.ScopeIngest)
	if _, err := f.app.Store.SetRole(sys(), team.Email, lodestar.RoleViewer); err != nil {
		t.Fatal(err)
	}
	line := `{"id":"x-1","version":"1.0","prediction":0.5}` + "\n"
	d := wantAPIError(t, f.ndjsonIn("", "/api/v1/models/churn/events", tok, line), http.StatusForbidden, lodestar.EForbidden)
	if want := "Your role (viewer) does not allow this; it needs one of the roles admin, ai_team."; d.Message != want {
		t.Errorf("events with a viewer's token: message %q, want %q", d.Message, want)
	}
	d = wantAPIError(t, f.ndjsonIn("zh-CN", "/api/v1/models/churn/events", tok, line), http.StatusForbidden, lodestar.EForbidden)
	if want := "您的角色（viewer）无权执行此操作；需要以下角色之一：admin, ai_team。"; d.Message != want {
		t.Errorf("events with a viewer's token, in Chinese: message %q, want %q", d.Message, want)
	}
	_, write := f.token(viewer, lodestar.ScopeWrite)
	d = wantAPIError(t, f.api("PUT", "/api/v1/switches/churn", write, `{"state":"off","reason":"x"}`), http.StatusForbidden, lodestar.EForbidden)
	if want := "Your role (viewer) does not allow this; it needs one of the roles admin, committee, risk_officer."; d.Message != want {
		t.Errorf("a viewer flipping a switch: message %q, want %q", d.Message, want)
	}
}
