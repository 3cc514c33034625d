package httpx_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

type input struct {
	Title string    `json:"title"`
	Count int       `json:"count"`
	Tags  []string  `json:"tags"`
	At    time.Time `json:"at"`
	Inner struct {
		OK    bool       `json:"ok"`
		Since *time.Time `json:"since"`
	} `json:"inner"`
}

func TestDecodeJSON(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		body        string
		max         int64
		wantCode    string // "" for success
		wantField   string
	}{
		{"valid", "application/json", `{"title":"x","count":2}`, 1 << 20, "", ""},
		{"charset parameter", "application/json; charset=utf-8", `{"title":"x"}`, 1 << 20, "", ""},
		{"upper-case media type", "Application/JSON", `{"title":"x"}`, 1 << 20, "", ""},
		{"trailing whitespace", "application/json", "{\"title\":\"x\"}\n\t ", 1 << 20, "", ""},
		{"exactly at the limit", "application/json", `{"title":"` + strings.Repeat("a", 88) + `"}`, 100, "", ""},

		{"no content type", "", `{}`, 1 << 20, lodestar.EUnsupported, ""},
		{"bare POST", "", ``, 1 << 20, lodestar.EUnsupported, ""},
		{"text/plain", "text/plain", `{}`, 1 << 20, lodestar.EUnsupported, ""},
		{"json suffix type", "application/problem+json", `{}`, 1 << 20, lodestar.EUnsupported, ""},
		{"broken content type", "application/json; =", `{}`, 1 << 20, lodestar.EUnsupported, ""},
		{"over the limit", "application/json", `{"title":"` + strings.Repeat("a", 89) + `"}`, 100, lodestar.ETooLarge, ""},
		{"over the limit after one object", "application/json", `{"title":"a"}` + strings.Repeat(" ", 200) + `{}`, 100, lodestar.ETooLarge, ""},
		{"malformed", "application/json", `{"title" 1}`, 1 << 20, lodestar.EInvalid, ""},
		{"ends early", "application/json", `{"title":"x"`, 1 << 20, lodestar.EInvalid, ""},
		{"empty", "application/json", ``, 1 << 20, lodestar.EInvalid, ""},
		{"unknown field", "application/json", `{"bogus":1}`, 1 << 20, lodestar.EInvalid, "bogus"},
		{"wrong type string", "application/json", `{"title":5}`, 1 << 20, lodestar.EInvalid, "title"},
		{"wrong type number", "application/json", `{"count":"5"}`, 1 << 20, lodestar.EInvalid, "count"},
		{"wrong type array", "application/json", `{"tags":"a"}`, 1 << 20, lodestar.EInvalid, "tags"},
		{"wrong type nested", "application/json", `{"inner":{"ok":"yes"}}`, 1 << 20, lodestar.EInvalid, "inner.ok"},
		{"array body", "application/json", `[]`, 1 << 20, lodestar.EInvalid, ""},
		{"string body", "application/json", `"x"`, 1 << 20, lodestar.EInvalid, ""},
		// null is not {}: read as one, a PUT of null emptied a record.
		{"null body", "application/json", `null`, 1 << 20, lodestar.EInvalid, ""},
		{"null body with spaces", "application/json", " null\n", 1 << 20, lodestar.EInvalid, ""},
		{"two objects", "application/json", `{}{}`, 1 << 20, lodestar.EInvalid, ""},
		{"trailing garbage", "application/json", `{} x`, 1 << 20, lodestar.EInvalid, ""},
		// Bytes that are not UTF-8 would be read as U+FFFD, changing the
		// text silently; a NUL is refused by PostgreSQL's text.
		{"invalid UTF-8", "application/json", "{\"title\":\"bad\xff\xfe\"}", 1 << 20, lodestar.EInvalid, ""},
		{"NUL escape", "application/json", `{"title":"nul\u0000char"}`, 1 << 20, lodestar.EInvalid, ""},
		{"escaped backslash before u0000 is text", "application/json", `{"title":"a\\u0000"}`, 1 << 20, "", ""},
		{"number out of range", "application/json", `{"count":1e30}`, 1 << 20, lodestar.EInvalid, "count"},
		// A time that does not parse names its field, as a wrong type does
		// (a monitor's reference.from or reference.to, an evaluation's from).
		{"times", "application/json", `{"at":"2026-11-28T10:00:00Z","inner":{"since":"2026-11-28T10:00:00+08:00"}}`, 1 << 20, "", ""},
		{"bad time", "application/json", `{"at":"yesterday"}`, 1 << 20, lodestar.EInvalid, "at"},
		{"bad time nested", "application/json", `{"at":"2026-11-28T10:00:00Z","inner":{"since":"2026-11-28"}}`, 1 << 20, lodestar.EInvalid, "inner.since"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			var dst input
			err := httpx.DecodeJSON(httptest.NewRecorder(), r, &dst, tc.max)
			if got := lodestar.ErrorCode(err); got != tc.wantCode {
				t.Fatalf("DecodeJSON: got code %q (err %v), want %q", got, err, tc.wantCode)
			}
			if tc.wantField != "" {
				var le *lodestar.Error
				if !errors.As(err, &le) || le.Fields[tc.wantField] == "" {
					t.Errorf("DecodeJSON: got %v, want fields naming %q", err, tc.wantField)
				}
			}
			// A bare or empty POST is told what to send.
			if (tc.name == "empty" || tc.name == "bare POST") && !strings.Contains(lodestar.ErrorMessage(err), "{}") {
				t.Errorf("DecodeJSON: %q, want it to say what to send", lodestar.ErrorMessage(err))
			}
			if err != nil && lodestar.ErrorMessage(err) == "Internal error." {
				t.Errorf("DecodeJSON: got a message that says nothing: %v", err)
			}
		})
	}
}

func TestStatusOf(t *testing.T) {
	tests := []struct {
		code string
		want int
	}{
		{lodestar.EInvalid, 400}, {lodestar.EUnauthorized, 401}, {lodestar.EForbidden, 403},
		{lodestar.ENotFound, 404}, {lodestar.EMethod, 405}, {lodestar.EConflict, 409},
		{lodestar.ETooLarge, 413}, {lodestar.EUnsupported, 415}, {lodestar.ETooManyRequests, 429},
		{lodestar.EInternal, 500}, {lodestar.EUnavailable, 503}, {"no_such_code", 500}, {"", 500},
	}
	for _, tc := range tests {
		if got := httpx.StatusOf(tc.code); got != tc.want {
			t.Errorf("StatusOf(%q): got %d, want %d", tc.code, got, tc.want)
		}
	}
}

func TestWriteJSONError(t *testing.T) {
	fieldErr := lodestar.FieldError("title", "Title is required.")
	tests := []struct {
		name       string
		err        error
		status     int
		code, msg  string
		field      string
		wwwAuth    bool
		secretGone string // text of the error that must not reach the client
	}{
		{"field error", fieldErr, 400, lodestar.EInvalid, "Title is required.", "title", false, ""},
		{"wrapped field error keeps its fields", fmt.Errorf("create use case: %w", fieldErr), 400, lodestar.EInvalid, "Title is required.", "title", false, ""},
		{"unauthorized", lodestar.Errorf(lodestar.EUnauthorized, "Sign in."), 401, lodestar.EUnauthorized, "Sign in.", "", true, ""},
		{"internal error hides details", errors.New("pq: password=hunter2 failed"), 500, lodestar.EInternal, "Internal error.", "", false, "hunter2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			httpx.WriteJSONError(nil, w, httptest.NewRequest("GET", "/api/v1/x", nil), tc.err)
			if w.Code != tc.status {
				t.Errorf("status: got %d, want %d", w.Code, tc.status)
			}
			var body httpx.ErrorBody
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
				t.Fatalf("body %q: %v", w.Body.String(), err)
			}
			if body.Error.Code != tc.code || body.Error.Message != tc.msg {
				t.Errorf("error: got %q %q, want %q %q", body.Error.Code, body.Error.Message, tc.code, tc.msg)
			}
			if tc.field != "" && body.Error.Fields[tc.field] == "" {
				t.Errorf("fields: got %v, want one naming %q", body.Error.Fields, tc.field)
			}
			if got := w.Header().Get("WWW-Authenticate") != ""; got != tc.wwwAuth {
				t.Errorf("WWW-Authenticate present: got %v, want %v", got, tc.wwwAuth)
			}
			if tc.secretGone != "" && strings.Contains(w.Body.String(), tc.secretGone) {
				t.Errorf("body leaks %q: %s", tc.secretGone, w.Body.String())
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json; charset=utf-8" {
				t.Errorf("Content-Type: got %q, want application/json; charset=utf-8", ct)
			}
		})
	}
}

func TestLimitBody(t *testing.T) {
	var readErr error
	h := httpx.LimitBody(10, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 100)
		for readErr == nil {
			_, readErr = r.Body.Read(buf)
		}
	}))
	tests := []struct {
		name    string
		body    string
		wantMax bool
	}{
		{"under", "123456789", false},
		{"over", "12345678901", true},
	}
	for _, tc := range tests {
		readErr = nil
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(tc.body)))
		var mbe *http.MaxBytesError
		if got := errors.As(readErr, &mbe); got != tc.wantMax {
			t.Errorf("%s: got MaxBytesError %v (err %v), want %v", tc.name, got, readErr, tc.wantMax)
		}
	}
}

// TestWriteJSONErrorLanguage: an error's message and its fields' are in
// the language Accept-Language asks for when the catalogs have them,
// with Content-Language saying so; the code, the error's own fields and
// a request asking for nothing (or English) stay English.
func TestWriteJSONErrorLanguage(t *testing.T) {
	err := &lodestar.Error{Code: lodestar.EInvalid, Message: "Token not found.",
		Fields: map[string]string{"scope": "Choose at least one scope: ingest, read or write.", "other": "No catalog has this."}}
	write := func(lang string) (*httptest.ResponseRecorder, httpx.ErrorDetail) {
		w := httptest.NewRecorder()
		r := httptest.NewRequest("GET", "/api/v1/x", nil)
		if lang != "" {
			r.Header.Set("Accept-Language", lang)
		}
		httpx.WriteJSONError(nil, w, r, err)
		var body httpx.ErrorBody
		if e := json.Unmarshal(w.Body.Bytes(), &body); e != nil {
			t.Fatalf("body %q: %v", w.Body.String(), e)
		}
		return w, body.Error
	}
	w, d := write("zh-CN,zh;q=0.9")
	if d.Code != lodestar.EInvalid || d.Message != "令牌不存在。" || !strings.HasPrefix(d.Fields["scope"], "请至少选择一个权限范围") || d.Fields["other"] != "No catalog has this." {
		t.Errorf("zh-CN: got %+v, want the message and the scope field in Chinese, the code and the uncatalogued field as they are", d)
	}
	if w.Header().Get("Content-Language") != "zh-CN" || w.Header().Get("Vary") != "Accept-Language" {
		t.Errorf("zh-CN: Content-Language %q, Vary %q", w.Header().Get("Content-Language"), w.Header().Get("Vary"))
	}
	if err.Fields["scope"] != "Choose at least one scope: ingest, read or write." {
		t.Errorf("the error's own fields were changed: %v", err.Fields)
	}
	for _, lang := range []string{"", "en-GB", "fr"} {
		w, d := write(lang)
		if d.Message != "Token not found." || d.Fields["scope"] != "Choose at least one scope: ingest, read or write." || w.Header().Get("Content-Language") != "" {
			t.Errorf("Accept-Language %q: got %+v (Content-Language %q), want English", lang, d, w.Header().Get("Content-Language"))
		}
	}
}

// TestDecodeJSONFoldedKeys: encoding/json would take a key that names a
// field in other letter cases ({"TITLE":…} for title, the last of two
// winning); DecodeJSON refuses it, naming the key and the field meant, at
// any depth. A map's keys are the client's own and are not fields.
func TestDecodeJSONFoldedKeys(t *testing.T) {
	type item struct {
		N int `json:"n"`
	}
	type embedded struct {
		Intended string `json:"intended_use"`
	}
	type body struct {
		embedded
		Title   string             `json:"title"`
		Metrics map[string]float64 `json:"metrics"`
		Items   []item             `json:"items"`
		Inner   *struct {
			OK bool       `json:"ok"`
			At *time.Time `json:"at"`
		} `json:"inner"`
	}
	tests := []struct {
		body, field, suggest string
	}{
		{`{"title":"x","metrics":{"Title":1,"TITLE":2},"items":[{"n":1}],"inner":{"ok":true,"at":"2026-01-01T00:00:00Z"},"intended_use":"x"}`, "", ""},
		{`{"title":"x","TITLE":"y"}`, "TITLE", "title"},
		{`{"Title":"x"}`, "Title", "title"},
		{`{"Intended_Use":"x"}`, "Intended_Use", "intended_use"},
		{`{"inner":{"OK":true}}`, "inner.OK", "inner.ok"},
		{`{"items":[{"n":1},{"N":2}]}`, "items[1].N", "items[1].n"},
		{`{"metrics":{"a":1},"Metrics":{}}`, "Metrics", "metrics"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", "application/json")
		var dst body
		err := httpx.DecodeJSON(httptest.NewRecorder(), r, &dst, 1<<20)
		if tc.field == "" {
			if err != nil {
				t.Errorf("%s: %v, want it read", tc.body, err)
			}
			continue
		}
		var le *lodestar.Error
		if !errors.As(err, &le) || le.Code != lodestar.EInvalid || le.Fields[tc.field] == "" {
			t.Errorf("%s: got %v, want a 400 naming %s", tc.body, err, tc.field)
			continue
		}
		if want := fmt.Sprintf("Unknown field %q; did you mean %q?", tc.field, tc.suggest); le.Message != want {
			t.Errorf("%s: message %q, want %q", tc.body, le.Message, want)
		}
	}
}

// TestDecodeJSONNamesTheValue: a value the field cannot hold is named
// where it is — a map's key and an array's index with it — where
// encoding/json names only the map ("metrics") or the field without its
// index ("items.n"); malformed base64 names its field too.
func TestDecodeJSONNamesTheValue(t *testing.T) {
	type item struct {
		N int `json:"n"`
	}
	type body struct {
		Metrics map[string]float64 `json:"metrics"`
		Items   []item             `json:"items"`
		Ref     *struct {
			Data []byte `json:"data"`
		} `json:"ref"`
		Inner struct {
			Deep []map[string]item `json:"deep"`
		} `json:"inner"`
	}
	for _, tc := range []struct{ body, field string }{
		{`{"metrics":{"auc":0.9,"f1":"high"}}`, "metrics.f1"},
		{`{"items":[{"n":1},{"n":"x"}]}`, "items[1].n"},
		{`{"items":[{"n":1},{"n":1.5}]}`, "items[1].n"},
		{`{"ref":{"data":"!!!"}}`, "ref.data"},
		{`{"inner":{"deep":[{},{"a":{"n":1},"b":{"n":true}}]}}`, "inner.deep[1].b.n"},
		{`{"items":{"n":1}}`, "items"},
	} {
		r := httptest.NewRequest("POST", "/x", strings.NewReader(tc.body))
		r.Header.Set("Content-Type", "application/json")
		var dst body
		err := httpx.DecodeJSON(httptest.NewRecorder(), r, &dst, 1<<20)
		var le *lodestar.Error
		if !errors.As(err, &le) || le.Code != lodestar.EInvalid || le.Fields[tc.field] == "" || !strings.HasPrefix(le.Message, tc.field+" ") {
			t.Errorf("%s: got %v, want a 400 naming %s", tc.body, err, tc.field)
		}
	}
}
