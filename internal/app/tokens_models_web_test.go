package app_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// modelBox matches a model's checkbox on /tokens: its value and whether
// it is ticked.
var modelBox = regexp.MustCompile(`<input type="checkbox" id="model-\d+" name="models" value="([^"]+)"( checked)?`)

func modelBoxes(body string) map[string]bool {
	out := map[string]bool{}
	for _, m := range modelBox.FindAllStringSubmatch(body, -1) {
		out[m[1]] = m[2] != ""
	}
	return out
}

// TestTokenPageBindsModels: on /tokens, a user whose role may send events
// picks the models a token may send to (none ticked: every model, as the
// page says); the answer and the lists show the binding, the audit entry
// names it, and the token is refused on the other models. A model that
// is not there (a stale or forged form) is refused by field, with the
// form as it was sent and nothing made; so is a form without its CSRF
// token. A role that cannot send events is not offered the choice.
func TestTokenPageBindsModels(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	f.model("Retention", "churn", "Churn predictor")
	f.model("Recommendations", "recommender", "Recommender")
	old := f.model("Legacy", "old", "Old model")
	if _, err := f.app.DB.ExecContext(context.Background(), f.app.DB.Rebind(`UPDATE models SET archived = ? WHERE id = ?`), true, old.ID); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(team, time.Hour)

	page := f.get(c, "/tokens")
	if got := modelBoxes(page.body); len(got) != 2 || got["churn"] || got["recommender"] {
		t.Errorf("GET /tokens: got model boxes %v, want churn and recommender, unticked, and not the archived old", got)
	}
	for _, want := range []string{"Models it may send events and labels to", "Tick none and the token may send events and labels to every model", "Churn predictor"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("GET /tokens: got no %q", want)
		}
	}

	form := url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {"churn svc"}, "scope": {"ingest"}, "expires": {"90"}, "models": {"churn"}}
	r := f.postForm(c, "/tokens", form)
	if r.StatusCode != http.StatusCreated {
		t.Fatalf("POST /tokens with a model: got %d\n%.600s", r.StatusCode, r.body)
	}
	m := tokenSecretField.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("POST /tokens: no secret on the answer page")
	}
	secret := m[1]
	if !strings.Contains(r.body, "only models <code>churn</code>") {
		t.Errorf("answer page: does not say the token is bound to churn\n%s", r.body)
	}
	toks := f.tokensOf(team.Email)
	if len(toks) != 1 || len(toks[0].Models) != 1 || toks[0].Models[0].Key != "churn" {
		t.Fatalf("tokens after create: got %+v, want one bound to churn", toks)
	}
	events, err := f.app.Store.FindEvents(context.Background(), lodestar.AuditFilter{EntityType: "api_token", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 1 || !strings.Contains(events[0].After, `"key":"churn"`) {
		t.Errorf("audit: got %+v, want the creation naming churn", events)
	}
	wantAPIError(t, f.ndjson("/api/v1/models/recommender/events", secret, ""), 403, lodestar.EForbidden)
	wantAPIError(t, f.ndjson("/api/v1/models/churn/events", secret, ""), 400, lodestar.EInvalid) // past the binding: the batch is empty

	// None ticked: every model, and the lists say so.
	_, _ = createTokenUI(t, f, c, csrf, "any model", "ingest")
	list := f.get(c, "/tokens")
	for _, want := range []string{`<td><code>churn</code></td>`, `<td>all models</td>`} {
		if !strings.Contains(list.body, want) {
			t.Errorf("GET /tokens: the list has no %q", want)
		}
	}

	// A model that is not there: refused on the field, the form kept,
	// nothing made.
	before, links, audit := f.count("api_tokens"), f.count("api_token_models"), f.count("audit_log")
	form = url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {"forged"}, "scope": {"ingest"}, "expires": {"90"}, "models": {"churn", "nope"}}
	r = f.postForm(c, "/tokens", form)
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, `There is no model &#34;nope&#34;`) || strings.Contains(r.body, `id="token-secret"`) {
		t.Errorf("POST /tokens with an unknown model: got %d, want a 400 naming it, without a secret\n%.800s", r.StatusCode, r.body)
	}
	if !strings.Contains(r.body, `id="model-`) || !strings.Contains(r.body, `aria-invalid="true"`) || !modelBoxes(r.body)["churn"] {
		t.Error("POST /tokens with an unknown model: the models are not marked invalid, or churn is no longer ticked")
	}
	// With write: refused, the rule said.
	form = url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {"writer"}, "scope": {"ingest", "write"}, "expires": {"90"}, "models": {"churn"}}
	if r := f.postForm(c, "/tokens", form); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "without write") {
		t.Errorf("POST /tokens binding a write token: got %d, want a 400 saying why", r.StatusCode)
	}
	// Without the CSRF token: refused before anything is read.
	form = url.Values{"form_id": {tokensForm(t, f, c)}, "name": {"no csrf"}, "scope": {"ingest"}, "expires": {"90"}, "models": {"churn"}}
	if r := f.postForm(c, "/tokens", form); r.StatusCode != http.StatusForbidden {
		t.Errorf("POST /tokens without its CSRF token: got %d, want 403", r.StatusCode)
	}
	if f.count("api_tokens") != before || f.count("api_token_models") != links || f.count("audit_log") != audit {
		t.Error("a refused form changed data")
	}

	// In Chinese, the binding reads in Chinese.
	if err := f.app.Store.SetLocale(sys(), team.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	form = url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {"流水线"}, "scope": {"ingest"}, "expires": {"90"}, "models": {"recommender"}}
	r = f.postForm(c, "/tokens", form)
	for _, want := range []string{"仅限模型 <code>recommender</code>", "可向哪些模型发送事件和标签", "所有模型"} {
		if r.StatusCode != http.StatusCreated || !strings.Contains(r.body, want) {
			t.Errorf("Chinese answer: got %d without %q", r.StatusCode, want)
		}
	}
	form = url.Values{"csrf_token": {csrf}, "form_id": {tokensForm(t, f, c)}, "name": {"x"}, "scope": {"ingest"}, "expires": {"90"}, "models": {"nope"}}
	if r := f.postForm(c, "/tokens", form); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "不存在模型 &#34;nope&#34;") {
		t.Errorf("Chinese refusal: got %d, want the unknown model named in Chinese", r.StatusCode)
	}

	// A viewer's token cannot send events: no models to pick.
	vc, _, _ := f.signIn(f.user(lodestar.RoleViewer, "viewer@example.com"), time.Hour)
	if r := f.get(vc, "/tokens"); len(modelBoxes(r.body)) != 0 || strings.Contains(r.body, "Models it may send events and labels to") {
		t.Error("GET /tokens as a viewer: offered models to bind")
	}
}
