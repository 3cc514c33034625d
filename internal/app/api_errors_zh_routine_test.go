package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"unicode"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// englishSentence is three English words in a row: what a translated
// message may not hold (names, lists of names, values and media types
// may stay).
var englishSentence = regexp.MustCompile(`[A-Za-z]+ [A-Za-z]+ [A-Za-z]+`)

// wantChinese fails unless msg is Chinese: some Han characters, and no
// English sentence left in it.
func wantChinese(t *testing.T, what, msg string) {
	t.Helper()
	han := strings.IndexFunc(msg, func(r rune) bool { return unicode.Is(unicode.Han, r) }) >= 0
	if !han || englishSentence.MatchString(msg) {
		t.Errorf("%s in Chinese: %q; want it translated", what, msg)
	}
}

// TestAPIRoutineErrorsInChinese walks the API's routine refusals — bad
// paging, query parameters, ids, routes, methods, bodies of every broken
// kind, missing fields, and the lines of an NDJSON batch — each sent once
// without Accept-Language (to check it is the refusal meant: its English
// holds en) and once with zh-CN, which must read Chinese in its message
// and each field's.
func TestAPIRoutineErrorsInChinese(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAdmin, "admin@example.com"))
	m, ver, _ := f.teamVersion("Recs", "rec", "Rec")
	mon := f.postMonitor(tok, m.ID, []byte(`{"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset","csv":"x\n1\n2\n"}}`))
	uc := f.useCase("Forecasting")
	js := "application/json"
	cases := []struct {
		method, path, ctype, body string
		status                    int
		en                        string
	}{
		{"GET", "/api/v1/use-cases?limit=0", "", "", 400, "limit must be"},
		{"GET", "/api/v1/use-cases?cursor=abc", "", "", 400, "cursor must be"},
		{"GET", "/api/v1/use-cases?bogus=1", "", "", 400, "is not a parameter"},
		{"GET", "/api/v1/switches?status=open", "", "", 400, "is not a parameter"},
		{"GET", "/api/v1/portfolio?limit=5", "", "", 400, "is not a parameter"},
		{"GET", "/api/v1/alerts?status=open&status=open", "", "", 400, "give it once"},
		{"GET", "/api/v1/use-cases?sort=bogus", "", "", 400, "Unknown sort"},
		{"GET", "/api/v1/use-cases?stage=bogus", "", "", 400, "Unknown stage; use one of " + strings.Join(lodestar.Stages, ", ")},
		{"GET", "/api/v1/portfolio?stage=bogus", "", "", 400, "Unknown stage; use one of"},
		{"POST", fmt.Sprintf("/api/v1/use-cases/%d/stage", uc.ID), js, `{"stage":"bogus","reason":"r"}`, 400, "Unknown stage; use one of"},
		{"POST", fmt.Sprintf("/api/v1/model-versions/%d/status", ver.ID), js, `{"status":"bogus","reason":"r"}`, 400, "Unknown status"},
		{"GET", "/api/v1/use-cases/abc", "", "", 400, "id must be a positive integer"},
		{"DELETE", "/api/v1/use-cases", "", "", 405, "is not allowed here"},
		{"GET", "/api/v1/nope", "", "", 404, "No such route"},
		{"POST", "/api/v1/use-cases", "text/plain", `{}`, 415, "Content-Type must be application/json"},
		{"POST", "/api/v1/use-cases", "", "", 415, "needs a JSON body"},
		{"POST", "/api/v1/use-cases", js, `{"title" 1}`, 400, "Malformed JSON at byte"},
		{"POST", "/api/v1/use-cases", js, `{"title":"x"`, 400, "ends too early"},
		{"POST", "/api/v1/use-cases", js, `[]`, 400, "must be a JSON object"},
		{"POST", "/api/v1/use-cases", js, `"x"`, 400, "must be a JSON object"},
		{"POST", "/api/v1/use-cases", js, `{"bogus":1}`, 400, "Unknown field"},
		{"POST", "/api/v1/use-cases", js, `{"title":"x","TITLE":"y"}`, 400, "did you mean"},
		{"POST", "/api/v1/use-cases", js, "{\"title\":\"bad\xff\"}", 400, "not valid UTF-8"},
		{"POST", "/api/v1/use-cases", js, `{"title":"a\u0000b"}`, 400, "NUL"},
		{"POST", "/api/v1/use-cases", js, ` `, 400, "The request body is empty"},
		{"POST", "/api/v1/use-cases", js, `{}{}`, 400, "exactly one JSON object"},
		{"POST", "/api/v1/use-cases", js, `{"title":5}`, 400, "must be a string, not number"},
		{"POST", "/api/v1/use-cases", js, `{"title":"x","tags":"a"}`, 400, "must be an array, not string"},
		{"POST", "/api/v1/use-cases", js, `{"title":"x","value_estimate":1e30}`, 400, "is out of range"},
		{"POST", fmt.Sprintf("/api/v1/monitors/%d/evaluate", mon.ID), js, `{"from":"yesterday"}`, 400, "must be an RFC 3339 time"},
		{"POST", fmt.Sprintf("/api/v1/use-cases/%d/archive", uc.ID), js, `{}`, 400, "archived (true or false) is required"},
		{"PATCH", fmt.Sprintf("/api/v1/monitors/%d", mon.ID), js, `{"name":"N"}`, 400, "Send the monitor's updated_at"},
		{"POST", "/api/v1/experiments/1/data", js, `{}`, 400, "data is required"},
		{"POST", "/api/v1/models/rec/events", "application/x-ndjson", "\n\n", 400, "holds no lines"},
	}
	for _, c := range cases {
		t.Run(c.method+" "+c.path+" "+c.body, func(t *testing.T) {
			f := f.with(t)
			send := func(lang string) httpx.ErrorDetail {
				h := http.Header{"Authorization": {"Bearer " + tok}}
				if c.ctype != "" {
					h.Set("Content-Type", c.ctype)
				}
				if lang != "" {
					h.Set("Accept-Language", lang)
				}
				code := map[int]string{400: lodestar.EInvalid, 404: lodestar.ENotFound, 405: lodestar.EMethod, 415: lodestar.EUnsupported}[c.status]
				return wantAPIError(t, f.do(f.client(), c.method, c.path, h, strings.NewReader(c.body)), c.status, code)
			}
			en := send("")
			if !strings.Contains(en.Message, c.en) {
				t.Fatalf("English: %q, want it to hold %q", en.Message, c.en)
			}
			zh := send("zh-CN")
			wantChinese(t, "message", zh.Message)
			for k, v := range zh.Fields {
				wantChinese(t, "field "+k, v)
			}
		})
	}

	// An NDJSON batch's refused lines: each line's reason in Chinese.
	lines := strings.Join([]string{
		`{"id":"a","version":"1.0","prediction":0.5,"bogus":1}`,
		`{"id":"b","version":"1.0"}`,
		`{"id":"c","version":"1.0","prediction":0.5,"time":"yesterday"}`,
		`{"id":"d","version":"1.0","prediction":0.5,"latency_ms":-1}`,
		`{"id":"e","version":"1.0","prediction":0.5,"features":{"x":[1]}}`,
		`{"id":"f","version":"1.0","prediction":0.5,"groups":{"g":1}}`,
		`{"id":"g","version":1,"prediction":0.5}`,
		`{"id":"h","version":"1.0","prediction":NaN}`,
		`{"id":"i","version":"1.0","prediction":0.5} {}`,
		`{"id":"j","version":"1.0","prediction":0.5`,
		`[1]`,
		`{"id":"","version":"1.0","prediction":0.5}`,
		`{"id":"k","version":"1.0","prediction":true}`,
	}, "\n") + "\n"
	for _, path := range []string{"/api/v1/models/rec/events"} {
		r := f.ndjsonIn("zh-CN", path, tok, lines)
		if r.StatusCode != 200 {
			t.Fatalf("batch: %d %s", r.StatusCode, r.body)
		}
		var res struct {
			Rejected []lodestar.LineError `json:"rejected"`
		}
		if err := json.Unmarshal([]byte(r.body), &res); err != nil || len(res.Rejected) != strings.Count(lines, "\n") {
			t.Fatalf("batch: %v, %d refused lines in %s", err, len(res.Rejected), r.body)
		}
		for _, le := range res.Rejected {
			wantChinese(t, fmt.Sprintf("%s line %d", path, le.Line), le.Message)
		}
	}
	// A label batch's: a line refused, an id no event has.
	r := f.ndjsonIn("zh-CN", "/api/v1/models/rec/labels", tok, `{"id":"zzz","label":1}`+"\n"+`{"id":"a"}`+"\n")
	var res lodestar.LabelResult
	if err := json.Unmarshal([]byte(r.body), &res); err != nil || r.StatusCode != 200 || len(res.Rejected) != 1 || len(res.Unknown) != 1 {
		t.Fatalf("labels: %d %s", r.StatusCode, r.body)
	}
	wantChinese(t, "refused label line", res.Rejected[0].Message)
	wantChinese(t, "unknown label id", res.Unknown[0].Message)
	if r.Header.Get("Content-Language") != "zh-CN" {
		t.Errorf("labels in Chinese: Content-Language %q", r.Header.Get("Content-Language"))
	}
	// Without Accept-Language, the reasons stay English.
	r = f.ndjsonIn("", "/api/v1/models/rec/labels", tok, `{"id":"zzz","label":1}`+"\n")
	if !strings.Contains(r.body, `"no event with this id"`) {
		t.Errorf("labels in English: %s", r.body)
	}
}
