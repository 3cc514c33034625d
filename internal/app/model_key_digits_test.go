package app_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestModelKeyDigitsOnlyRefused: a model key of digits only would be
// taken for another model's ID by the routes that take either
// (/api/v1/models/5/events, token bindings), so neither the API nor the
// web form registers one; the refusal names the field and says why, in
// English and in Chinese, and nothing is written.
func TestModelKeyDigitsOnlyRefused(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	uc := f.useCase("Scoring")
	_, tok := f.token(admin)
	const en = "A key made only of digits could be taken for a model's ID: include a letter, dot, dash or underscore (model-5, not 5)."
	const zh = "仅由数字组成的键可能被误认为模型 ID：请加入字母、点、连字符或下划线（如 model-5，而不是 5）。"
	models := func() int { return f.count("models") }
	before, audit := models(), f.count("audit_log")

	body := fmt.Sprintf(`{"use_case_id":%d,"key":"5","name":"Five"}`, uc.ID)
	d := wantAPIError(t, f.api("POST", "/api/v1/models", tok, body), http.StatusBadRequest, lodestar.EInvalid)
	if d.Fields["key"] != en {
		t.Errorf("API, English: fields %v, want key: %q", d.Fields, en)
	}
	r := f.do(f.client(), "POST", "/api/v1/models", http.Header{"Authorization": {"Bearer " + tok},
		"Content-Type": {"application/json"}, "Accept-Language": {"zh-CN"}}, strings.NewReader(body))
	if d := wantAPIError(t, r, http.StatusBadRequest, lodestar.EInvalid); d.Fields["key"] != zh {
		t.Errorf("API, Chinese: fields %v, want key: %q", d.Fields, zh)
	}

	c, csrf, _ := f.signIn(admin, time.Hour)
	r = f.postForm(c, "/models", url.Values{"csrf_token": {csrf}, "use_case_id": {strconv.FormatInt(uc.ID, 10)}, "key": {"40"}, "name": {"Forty"}})
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(r.body), en) || !strings.Contains(r.body, `value="Forty"`) {
		t.Errorf("web form: got %d, want 400 with the key's message and the name kept; body:\n%s", r.StatusCode, r.body)
	}
	if models() != before || f.count("audit_log") != audit {
		t.Errorf("refused creations wrote: models %d → %d, audit %d → %d", before, models(), audit, f.count("audit_log"))
	}

	if r := f.api("POST", "/api/v1/models", tok, fmt.Sprintf(`{"use_case_id":%d,"key":"m-5","name":"Five"}`, uc.ID)); r.StatusCode != http.StatusCreated {
		t.Errorf("key m-5: got %d %s, want 201", r.StatusCode, r.body)
	}
}
