package app_test

import (
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/app"
)

// ndjsonIn sends NDJSON with a bearer token and an Accept-Language.
func (f *fixture) ndjsonIn(lang, path, bearer, body string) *response {
	f.t.Helper()
	h := http.Header{"Content-Type": {"application/x-ndjson"}, "Authorization": {"Bearer " + bearer}}
	if lang != "" {
		h.Set("Accept-Language", lang)
	}
	return f.do(f.client(), "POST", path, h, strings.NewReader(body))
}

// TestAPIErrorsInChinese: a client whose Accept-Language asks for
// Simplified Chinese reads the API's refusals in Chinese, their names and
// numbers as they are and their code unchanged: a bound token's refusal
// (the same for a model that exists and one that does not) and the
// ingestion rate limit's. A client that asks for nothing reads English,
// even with the token of a user whose web UI is in Chinese: the header
// decides, so programs read what they always have.
func TestAPIErrorsInChinese(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{options: app.Options{IngestRate: 1000}})
	u, err := f.app.Store.CreateUser(sys(), lodestar.NewUser{Email: "team@example.com", Name: "团队", Role: lodestar.RoleAITeam, Password: testPassword, Locale: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	f.model("Retention", "churn", "Churn")
	f.model("Recommendations", "recommender", "Recommender")
	_, bound, err := f.app.Store.CreateTokenFor(sys(), lodestar.NewToken{Email: u.Email, Name: "churn svc",
		Scopes: []string{lodestar.ScopeIngest}, Models: []string{"churn"}})
	if err != nil {
		t.Fatal(err)
	}
	line := `{"id":"x-1","version":"1.0","prediction":0.5}` + "\n"
	for _, key := range []string{"recommender", "nope"} {
		r := f.ndjsonIn("zh-CN,zh;q=0.9", "/api/v1/models/"+key+"/events", bound, line)
		d := wantAPIError(t, r, 403, lodestar.EForbidden)
		if want := `此令牌只能向其绑定的模型（churn）发送事件和标签，不能发送到模型 "` + key + `"。`; d.Message != want {
			t.Errorf("bound token on %s in Chinese: message %q, want %q", key, d.Message, want)
		}
		if got := r.Header.Get("Content-Language"); got != "zh-CN" {
			t.Errorf("bound token on %s in Chinese: Content-Language %q, want zh-CN", key, got)
		}
		d = wantAPIError(t, f.ndjsonIn("", "/api/v1/models/"+key+"/events", bound, line), 403, lodestar.EForbidden)
		if !strings.HasPrefix(d.Message, "This token may send events and labels only to the models it is bound to (churn)") {
			t.Errorf("bound token on %s, no Accept-Language: message %q, want English", key, d.Message)
		}
	}

	// The rate limit: a full batch empties the bucket, the next batch of
	// 3,000 lines is told to wait 3 s.
	_, tok := f.token(u, lodestar.ScopeIngest)
	if r := f.ndjson("/api/v1/models/churn/events", tok, eventBatch("a", lodestar.MaxIngestLines)); r.StatusCode != 200 {
		t.Fatalf("a full batch under the limit: %d %s", r.StatusCode, r.body)
	}
	r := f.ndjsonIn("zh-CN", "/api/v1/models/churn/events", tok, eventBatch("b", 3000))
	d := wantAPIError(t, r, http.StatusTooManyRequests, lodestar.ETooManyRequests)
	if want := "已超过每个令牌每秒 1000 行的上报速率上限：本批数据均未保存；请在 3 秒后重试。"; d.Message != want || r.Header.Get("Retry-After") != "3" {
		t.Errorf("rate limit in Chinese: %q Retry-After %q, want %q and 3", d.Message, r.Header.Get("Retry-After"), want)
	}
}
