package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestOFREPServerFailureIsOFREPShaped: a store failure after the token
// is accepted is answered in OFREP's error shape — errorCode GENERAL and
// errorDetails, with the key for one flag — as the 400 and 404 answers
// are, not in the rest of the API's {"error":{…}}, which an OFREP provider
// cannot read; errorDetails is in the language asked for, and the status
// stays a 500.
func TestOFREPServerFailureIsOFREPShaped(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	creditModel(t, f)
	_, tok := f.token(f.user(lodestar.RoleViewer, "viewer@example.com"), lodestar.ScopeRead)
	h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}}
	if r := f.do(f.client(), "POST", "/ofrep/v1/evaluate/flags/credit-risk", h, strings.NewReader(`{"context":{}}`)); r.StatusCode != http.StatusOK {
		t.Fatalf("before the failure: %d %s", r.StatusCode, r.body)
	}
	// The switches' table gone: every read of a switch fails.
	if _, err := f.app.DB.DB.ExecContext(context.Background(), `ALTER TABLE switches RENAME TO switches_gone`); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ path, key, lang, details string }{
		{"/ofrep/v1/evaluate/flags/credit-risk", "credit-risk", "", "Internal error."},
		{"/ofrep/v1/evaluate/flags/credit-risk", "credit-risk", "zh-CN", "内部错误。"},
		{"/ofrep/v1/evaluate/flags", "", "", "Internal error."},
		{"/ofrep/v1/evaluate/flags", "", "zh-CN", "内部错误。"},
	} {
		h := h.Clone()
		if c.lang != "" {
			h.Set("Accept-Language", c.lang)
		}
		r := f.do(f.client(), "POST", c.path, h, strings.NewReader(`{"context":{}}`))
		var got map[string]any
		if err := json.Unmarshal([]byte(r.body), &got); err != nil {
			t.Fatalf("%s: %v in %s", c.path, err, r.body)
		}
		want := map[string]any{"errorCode": "GENERAL", "errorDetails": c.details}
		if c.key != "" {
			want["key"] = c.key
		}
		if r.StatusCode != http.StatusInternalServerError || len(got) != len(want) {
			t.Errorf("%s (%q): %d %s, want 500 %v", c.path, c.lang, r.StatusCode, r.body, want)
			continue
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s (%q): %s is %v, want %v", c.path, c.lang, k, got[k], v)
			}
		}
	}
	// Each failure is still logged as the internal error it is (and
	// taken here, as expected).
	if logged := f.logs.takeErrors(); len(logged) != 4 || !strings.Contains(logged[0], "no such table") {
		t.Errorf("error logs: %q, want the 4 failures", logged)
	}
	// The tokens' table gone too: the guard fails looking the token up,
	// before the handler runs, and answers in OFREP's shape as well.
	if _, err := f.app.DB.DB.ExecContext(context.Background(), `ALTER TABLE api_tokens RENAME TO api_tokens_gone`); err != nil {
		t.Fatal(err)
	}
	for path, key := range map[string]string{"/ofrep/v1/evaluate/flags/credit-risk": "credit-risk", "/ofrep/v1/evaluate/flags": ""} {
		r := f.do(f.client(), "POST", path, h, strings.NewReader(`{"context":{}}`))
		var got map[string]any
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.StatusCode != http.StatusInternalServerError ||
			got["errorCode"] != "GENERAL" || got["errorDetails"] != "Internal error." || (key != "" && got["key"] != key) || got["error"] != nil {
			t.Errorf("%s, the token unreadable: %d %s, want 500 GENERAL", path, r.StatusCode, r.body)
		}
	}
	f.logs.takeErrors()
}

// takeErrors returns the error lines logged so far and forgets them: a
// test that makes the server fail on purpose expects them.
func (h *errorLog) takeErrors() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	recs := h.recs
	h.recs = nil
	return recs
}
