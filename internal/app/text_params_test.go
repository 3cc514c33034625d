package app_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestTextParamsRefused: a NUL character or bytes that are not UTF-8 in
// a path value, a query parameter or a form field are refused with a 400
// naming the parameter — the API's JSON error, OFREP's own shape, the
// web's error page — before any handler or database sees them, on
// either database: PostgreSQL answered 500 (even to POST /login before
// sign-in) and logged an error, while SQLite stored the NUL of a web
// form. Nothing is stored and nothing is logged at error level (the
// fixture fails on such a line). A file's bytes in a multipart upload
// are not form text: a Windows-1252 CSV still goes in.
func TestTextParamsRefused(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f := startOn(t, testdb.OpenDialect(t, d), fixtureOpts{})
			admin := f.user(lodestar.RoleAdmin, "admin@example.com")
			f.model("Credit", "credit-risk", "Credit risk")
			_, tok := f.token(admin, lodestar.ScopeWrite)
			web, csrf, _ := f.signIn(admin, time.Hour)
			tables := []string{"use_cases", "audit_log", "users", "event_ids", "event_labels", "switches", "login_attempts", "sessions"}
			snapshot := func() map[string]int {
				m := map[string]int{}
				for _, tb := range tables {
					m[tb] = f.count(tb)
				}
				return m
			}
			before := snapshot()

			ndjson := `{"id":"e-1","version":"v1","prediction":0.5}` + "\n"
			for _, c := range []struct {
				method, path, body, field string
			}{
				{"GET", "/api/v1/use-cases?q=%00", "", "q"},
				{"GET", "/api/v1/use-cases?q=a%FFb", "", "q"},
				{"GET", "/api/v1/kpis?q=%00", "", "q"},
				{"GET", "/api/v1/audit?actor=%FF", "", "actor"},
				{"GET", "/api/v1/audit?action=%00", "", "action"},
				{"GET", "/api/v1/audit?entity_type=%FF", "", "entity_type"},
				{"GET", "/api/v1/audit?entity_id=%00", "", "entity_id"},
				{"GET", "/api/v1/use-cases?x%FF=1", "", "x\ufffd"},
				{"PUT", "/api/v1/switches/%FF", `{"state":"off","reason":"test"}`, "key"},
				{"PUT", "/api/v1/switches/credit-risk?note=%00", `{"state":"off","reason":"test"}`, "note"},
				{"POST", "/api/v1/models/%FF/events", ndjson, "model"},
				{"POST", "/api/v1/models/a%00b/labels", `{"id":"e-1","label":1}` + "\n", "model"},
			} {
				h := http.Header{"Authorization": {"Bearer " + tok}}
				if c.body != "" {
					h.Set("Content-Type", "application/json")
					if strings.HasSuffix(c.path, "/events") || strings.HasSuffix(c.path, "/labels") {
						h.Set("Content-Type", "application/x-ndjson")
					}
				}
				r := f.do(f.client(), c.method, c.path, h, strings.NewReader(c.body))
				e := wantAPIError(t, r, http.StatusBadRequest, lodestar.EInvalid)
				if _, ok := e.Fields[c.field]; !ok || !strings.Contains(e.Message, strconv.Quote(strings.ReplaceAll(c.field, "\ufffd", "\xff"))) {
					t.Errorf("%s %s: fields %v, message %q; want the field %q named", c.method, c.path, e.Fields, e.Message, c.field)
				}
			}

			// In Chinese when the client asks.
			r := f.do(f.client(), "GET", "/api/v1/use-cases?q=%00", http.Header{"Authorization": {"Bearer " + tok}, "Accept-Language": {"zh-CN"}}, nil)
			if e := wantAPIError(t, r, http.StatusBadRequest, lodestar.EInvalid); e.Message != `查询参数 "q" 含有 NUL 字符，文本中不允许出现。` {
				t.Errorf("zh-CN: got message %q", e.Message)
			}
			r = f.do(f.client(), "PUT", "/api/v1/switches/%FF", http.Header{"Authorization": {"Bearer " + tok}, "Accept-Language": {"zh-CN"}}, nil)
			if e := wantAPIError(t, r, http.StatusBadRequest, lodestar.EInvalid); e.Message != `路径参数 "key" 不是有效的 UTF-8 文本；请以 UTF-8 发送。` {
				t.Errorf("zh-CN: got message %q", e.Message)
			}

			// OFREP answers in its own shape.
			for _, c := range []struct{ path, key, says string }{
				{"/ofrep/v1/evaluate/flags/%FF", "\ufffd", `Path parameter "key" is not valid UTF-8`},
				{"/ofrep/v1/evaluate/flags/a%00b", "a\x00b", `Path parameter "key" holds the NUL character`},
				{"/ofrep/v1/evaluate/flags?x=%00", "", `Query parameter "x" holds the NUL character`},
			} {
				r := f.api("POST", c.path, tok, "")
				var body map[string]string
				if err := json.Unmarshal([]byte(r.body), &body); err != nil || r.StatusCode != http.StatusBadRequest {
					t.Errorf("POST %s: got %d %s, want a 400 in OFREP's shape", c.path, r.StatusCode, r.body)
					continue
				}
				if body["errorCode"] != "PARSE_ERROR" || body["key"] != c.key || !strings.Contains(body["errorDetails"], c.says) {
					t.Errorf("POST %s: got %v, want errorCode PARSE_ERROR, key %q and details saying %q", c.path, body, c.key, c.says)
				}
			}

			// The web: the error page, naming the parameter.
			for _, c := range []struct{ path, says string }{
				{"/use-cases?q=%00", `Query parameter &#34;q&#34; holds the NUL character`},
				{"/goals?q=%00", `Query parameter &#34;q&#34; holds the NUL character`},
				{"/kpis?q=%00", `Query parameter &#34;q&#34; holds the NUL character`},
				{"/pain-points?q=%00", `Query parameter &#34;q&#34; holds the NUL character`},
				{"/business-units?q=%00", `Query parameter &#34;q&#34; holds the NUL character`},
				{"/admin/audit?actor=%FF", `Query parameter &#34;actor&#34; is not valid UTF-8`},
				{"/use-cases/%FF", `Path parameter &#34;id&#34; is not valid UTF-8`},
			} {
				r := f.get(web, c.path)
				if r.StatusCode != http.StatusBadRequest || !isHTML(r) || !strings.Contains(r.body, c.says) {
					t.Errorf("GET %s: got %d %q, want a 400 page saying %q\n%.400s", c.path, r.StatusCode, r.Header.Get("Content-Type"), c.says, r.body)
				}
			}
			title := "Web\x00nul"
			form := url.Values{"csrf_token": {csrf}, "form_id": {newUseCaseForm(t, f, web)}, "title": {title}, "stage": {"idea"}}
			if r := f.postForm(web, "/use-cases", form); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, `Form field &#34;title&#34; holds the NUL character`) {
				t.Errorf("POST /use-cases with a NUL title: got %d, want 400 naming title\n%.400s", r.StatusCode, r.body)
			}
			// A multipart form's text parts are checked too.
			if r := f.postMultipart(web, "/use-cases/import", importPart{name: "csrf_token", value: csrf}, importPart{name: "step", value: "upl\xffoad"},
				importPart{name: "file", filename: "p.csv", value: importCSV}); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, `Form field &#34;step&#34; is not valid UTF-8`) {
				t.Errorf("multipart text part not UTF-8: got %d, want 400 naming step\n%.400s", r.StatusCode, r.body)
			}

			// Before sign-in: the login form, in the visitor's language.
			anon := f.client()
			lt := f.loginPage(anon)
			r = f.do(anon, "POST", "/login", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Accept-Language": {"zh-CN"}},
				strings.NewReader(url.Values{"csrf_token": {lt}, "email": {"a\x00b@x.com"}, "password": {testPassword}}.Encode()))
			if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, `表单字段 &#34;email&#34; 含有 NUL 字符`) {
				t.Errorf("POST /login with a NUL e-mail: got %d, want 400 naming email in Chinese\n%.400s", r.StatusCode, r.body)
			}

			if after := snapshot(); !maps.Equal(after, before) {
				t.Errorf("refused requests changed data: %v → %v", before, after)
			}

			// A file's bytes are the file's: a Windows-1252 CSV (é as 0xE9)
			// is read by the import, not refused as form text.
			r = f.postMultipart(web, "/use-cases/import", importPart{name: "csrf_token", value: csrf}, importPart{name: "step", value: "upload"},
				importPart{name: "encoding", value: ""}, importPart{name: "separator", value: ""},
				importPart{name: "file", filename: "p.csv", value: "title,stage\nCaf\xe9,idea\n"})
			if r.StatusCode != http.StatusOK || currentStep(r.body) != "Map columns" {
				t.Errorf("upload of a Windows-1252 file: got %d step %q, want 200 and the mapping step\n%.400s", r.StatusCode, currentStep(r.body), r.body)
			}
			// And the same requests, made of good text, go through.
			if r := f.api("GET", "/api/v1/use-cases?q=caf%C3%A9", tok, ""); r.StatusCode != http.StatusOK {
				t.Errorf("GET /api/v1/use-cases?q=café: got %d, want 200", r.StatusCode)
			}
			form.Set("title", "Web nul")
			if r := f.postForm(web, "/use-cases", form); r.StatusCode != http.StatusSeeOther {
				t.Errorf("POST /use-cases corrected: got %d, want 303\n%.400s", r.StatusCode, r.body)
			}
		})
	}
}
