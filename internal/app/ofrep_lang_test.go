package app_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestOFREPErrorDetailsInChinese: an OFREP client whose Accept-Language
// asks for Simplified Chinese reads errorDetails in Chinese, as the rest
// of the API's refusals; errorCode, the protocol's machine code, is the
// same in every language, and a client that asks for nothing reads
// English, as it always has.
func TestOFREPErrorDetailsInChinese(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	creditModel(t, f)
	_, tok := f.token(f.user(lodestar.RoleViewer, "viewer@example.com"), lodestar.ScopeRead)
	one, bulk := "/ofrep/v1/evaluate/flags/credit-risk", "/ofrep/v1/evaluate/flags"
	for _, c := range []struct {
		path, contentType, body string
		status                  int
		code, en, zh            string
	}{
		{"/ofrep/v1/evaluate/flags/nope", "application/json", `{"context":{}}`, 404, "FLAG_NOT_FOUND",
			"No model has this key.", "没有使用此键的模型。"},
		{one, "application/json", `[1]`, 400, "PARSE_ERROR",
			`The body must be a JSON object, such as {"context":{}}.`, `请求体必须是 JSON 对象，例如 {"context":{}}。`},
		{bulk, "application/json", `{"context":`, 400, "PARSE_ERROR",
			`The body must be a JSON object, such as {"context":{}}.`, `请求体必须是 JSON 对象，例如 {"context":{}}。`},
		{one, "application/json", `{"context":5}`, 400, "INVALID_CONTEXT",
			"context must be an object.", "context 必须是对象。"},
		{bulk, "application/json", `{"context":5}`, 400, "INVALID_CONTEXT",
			"context must be an object.", "context 必须是对象。"},
		{bulk, "text/plain", `{"context":{}}`, 400, "PARSE_ERROR",
			"The body must be JSON (Content-Type: application/json).", "请求体必须是 JSON（Content-Type: application/json）。"},
		// A body over the limit, sent without its length (chunked), is
		// refused by OFREP's own reading.
		{one, "application/json", `{"context":"` + strings.Repeat("x", 2<<20) + `"}`, 400, "PARSE_ERROR",
			"The body is larger than 1048576 bytes.", "请求体超过 1048576 字节。"},
	} {
		for _, lang := range []string{"", "zh-CN,zh;q=0.9"} {
			h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {c.contentType}}
			if lang != "" {
				h.Set("Accept-Language", lang)
			}
			// io.MultiReader hides the length: the client sends it chunked.
			r := f.do(f.client(), "POST", c.path, h, io.MultiReader(strings.NewReader(c.body)))
			var got struct{ ErrorCode, ErrorDetails string }
			if err := json.Unmarshal([]byte(r.body), &got); err != nil || r.StatusCode != c.status || got.ErrorCode != c.code {
				t.Errorf("%s %.40s (%q): %d %.200s, want %d %s", c.path, c.body, lang, r.StatusCode, r.body, c.status, c.code)
				continue
			}
			if !strings.Contains(r.Header.Get("Vary"), "Accept-Language") {
				t.Errorf("%s %.40s (%q): Vary %q, want Accept-Language in it", c.path, c.body, lang, r.Header.Get("Vary"))
			}
			want, wantLang := c.en, ""
			if lang != "" {
				want, wantLang = c.zh, "zh-CN"
			}
			if got.ErrorDetails != want || r.Header.Get("Content-Language") != wantLang {
				t.Errorf("%s %.40s (%q): errorDetails %q, Content-Language %q; want %q and %q", c.path, c.body, lang, got.ErrorDetails, r.Header.Get("Content-Language"), want, wantLang)
			}
		}
	}
}

// TestOFREPTooLargeInChinese: a body whose declared length is over the
// limit is refused before OFREP reads it, in the API's error shape — its
// message in the language the client asks for too.
func TestOFREPTooLargeInChinese(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	creditModel(t, f)
	_, tok := f.token(f.user(lodestar.RoleViewer, "viewer@example.com"), lodestar.ScopeRead)
	body := `{"context":"` + strings.Repeat("x", 2<<20) + `"}`
	for lang, want := range map[string]string{"": "The request body is larger than 1048576 bytes.", "zh-CN": "请求体超过 1048576 字节。"} {
		h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}}
		if lang != "" {
			h.Set("Accept-Language", lang)
		}
		r := f.do(f.client(), "POST", "/ofrep/v1/evaluate/flags/credit-risk", h, strings.NewReader(body))
		if d := wantAPIError(t, r, http.StatusRequestEntityTooLarge, lodestar.ETooLarge); d.Message != want {
			t.Errorf("Accept-Language %q: %q, want %q", lang, d.Message, want)
		}
	}
}
