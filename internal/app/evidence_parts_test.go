package app_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// part is one part of a multipart body, in order: a text field, or a
// file when fileName is set.
type part struct{ name, fileName, value string }

func parts(t *testing.T, ps ...part) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range ps {
		var w io.Writer
		var err error
		if p.fileName != "" {
			h := textproto.MIMEHeader{}
			// Written by hand: CreateFormFile would escape a bad name.
			h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename="%s"`, p.name, p.fileName))
			h.Set("Content-Type", "text/csv")
			w, err = mw.CreatePart(h)
		} else {
			w, err = mw.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(w, p.value)
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

// TestEvidenceUploadParts: a multipart evidence upload refuses, naming
// it, any part the upload does not take (the American "favorable" was
// dropped without a word, and the four-fifths rule judged on the default
// outcome), a part given twice, text where a file is due and the other
// way round, text that is not UTF-8 or holds NUL (a 500 on PostgreSQL,
// U+FFFD on SQLite), and any query parameter (which r.FormValue read as
// a field); nothing is stored. On both databases.
func TestEvidenceUploadParts(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f := startOn(t, testdb.OpenDialect(t, d), fixtureOpts{})
			v := f.evidenceVersion()
			_, ai := f.token(f.user(lodestar.RoleAITeam, "ai@example.com"), "read", "write")
			fpath := fmt.Sprintf("/api/v1/model-versions/%d/fairness-audits", v.ID)
			xpath := fmt.Sprintf("/api/v1/model-versions/%d/explanations", v.ID)
			post := func(path, lang string, ct string, body io.Reader) *response {
				h := http.Header{"Authorization": {"Bearer " + ai}, "Content-Type": {ct}}
				if lang != "" {
					h.Set("Accept-Language", lang)
				}
				return f.do(f.client(), "POST", path, h, body)
			}
			cols := []part{{"group_column", "", "group"}, {"label_column", "", "label"}, {"prediction_column", "", "prediction"}, {"bootstrap", "", "100"}}
			fair := func(nonce string, extra ...part) []part {
				return append(append(append([]part{}, cols...), part{"file", "d.csv", walkDecisions(nonce)}), extra...)
			}
			before := f.evidenceCounts()
			for _, tc := range []struct {
				name, path, query string
				parts             []part
				field, says       string
			}{
				{"American spelling", fpath, "", fair("us", part{"favorable", "", "negative"}), "favorable", `Unknown field "favorable"; use one of file, title, group_column`},
				{"unknown file part", fpath, "", fair("f2", part{"data", "x.csv", "a\n1\n"}), "data", `Unknown field "data"`},
				{"title twice", fpath, "", fair("t2", part{"title", "", "a"}, part{"title", "", "b"}), "title", "given 2 times"},
				{"file twice", fpath, "", fair("ff", part{"file", "e.csv", walkDecisions("ff2")}), "file", "given 2 times"},
				{"file as text", fpath, "", append(append([]part{}, cols...), part{"file", "", walkDecisions("ft")}), "file", "must be a file"},
				{"title as a file", fpath, "", fair("tf", part{"title", "t.txt", "hello"}), "title", "must be a text field"},
				{"NUL in title", fpath, "", fair("nul", part{"title", "", "bad\x00title"}), "title", "NUL"},
				{"not UTF-8 title", fpath, "", fair("ff", part{"title", "", "bad\xfftitle"}), "title", "not valid UTF-8"},
				{"not UTF-8 column", fpath, "", append(fair("gc"), part{"reference", "", "A\xff"}), "reference", "not valid UTF-8"},
				{"not UTF-8 file name", fpath, "", append(append([]part{}, cols...), part{"file", "d\xff.csv", walkDecisions("fn")}), "file", "file name"},
				{"query parameter", fpath, "?favourable=negative", fair("q"), "favourable", "not a parameter of this request"},
				{"explanation unknown part", xpath, "", []part{{"model", "m.json", tinyModel}, {"data", "s.csv", walkSample("x1")}, {"rows", "", "2"}}, "rows", `Unknown field "rows"; use one of model, data, title, rows_shown`},
				{"explanation NUL title", xpath, "", []part{{"model", "m.json", tinyModel}, {"data", "s.csv", walkSample("x2")}, {"title", "", "\x00"}}, "title", "NUL"},
				{"explanation query", xpath, "?rows_shown=2", []part{{"model", "m.json", tinyModel}, {"data", "s.csv", walkSample("x3")}}, "rows_shown", "not a parameter"},
			} {
				ct, body := parts(t, tc.parts...)
				r := post(tc.path+tc.query, "", ct, body)
				e := wantAPIError(t, r, 400, lodestar.EInvalid)
				if !strings.Contains(e.Fields[tc.field], tc.says) {
					t.Errorf("%s: fields %v, want %s saying %q", tc.name, e.Fields, tc.field, tc.says)
				}
			}
			// A JSON upload refuses a query parameter too.
			r := post(fpath+"?favourable=negative", "", "application/json", strings.NewReader(walkFairnessJSON("jq")))
			if e := wantAPIError(t, r, 400, lodestar.EInvalid); e.Fields["favourable"] == "" {
				t.Errorf("JSON with a query parameter: fields %v, want favourable", e.Fields)
			}
			if after := f.evidenceCounts(); after != before {
				t.Errorf("refused uploads wrote: counts %v, want %v", after, before)
			}
			// In Chinese when asked.
			ct, body := parts(t, fair("zh", part{"title", "", "x\x00"})...)
			if e := wantAPIError(t, post(fpath, "zh-CN", ct, body), 400, lodestar.EInvalid); !strings.Contains(e.Fields["title"], "NUL 字符") {
				t.Errorf("zh-CN: fields %v, want the NUL refusal in Chinese", e.Fields)
			}
			// The British spelling, as documented, is taken and used.
			ct, body = parts(t, fair("ok", part{"favourable", "", "negative"}, part{"title", "", "Walk 好"})...)
			r = post(fpath, "", ct, body)
			if r.StatusCode != http.StatusCreated || !strings.Contains(r.body, `"favourable":"negative"`) || !strings.Contains(r.body, "Walk 好") {
				t.Errorf("good multipart: got %d %s, want 201 with favourable negative", r.StatusCode, r.body)
			}
		})
	}
}
