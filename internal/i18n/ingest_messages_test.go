package i18n_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/ingest"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// ingestEventLines and ingestLabelLines are lines of an event batch and
// of a label batch refused for each reason ingestion has; version "r" has
// a regression monitor and version "m" a multiclass one (classes "cat",
// "dog"), so their true and false labels are refused too.
var (
	ingestEventLines = []string{
		`[1]`,
		`{"id":"a","version":"1","prediction":0.5} {}`,
		`{"id":"a","version":"1","prediction":0.5`,
		`{"id":"a","version":"1","prediction":NaN}`,
		`{"id":"a","version":"1","prediction":0.5,}`,
		`{"id":"a","version":"1","prediction":0.5,"lable":1}`,
		`{"id":1,"version":"1","prediction":0.5}`,
		`{"id":"a","version":"1","prediction":[0.5]}`,
		`{"id":"a","version":"1","prediction":1e999}`,
		`{"id":"a","version":"1","prediction":0.5,"label":{}}`,
		`{"id":"a","version":"1","prediction":0.5,"label":1e999}`,
		`{"id":"a","version":"1","prediction":0.5,"latency_ms":"3"}`,
		`{"id":"a","version":"1","prediction":0.5,"latency_ms":1e999}`,
		`{"id":"a","version":"1","prediction":0.5,"latency_ms":-1}`,
		`{"id":"a","version":"1","prediction":0.5,"features":[1]}`,
		`{"id":"a","version":"1","prediction":0.5,"features":{"age":[1]}}`,
		`{"id":"a","version":"1","prediction":0.5,"features":{"age":1e999}}`,
		`{"id":"a","version":"1","prediction":0.5,"features":{` + manyNames(ingest.MaxFeatures+1) + `}}`,
		`{"id":"a","version":"1","prediction":0.5,"features":{"age\u0000":1}}`,
		`{"id":"a","version":"1","prediction":0.5,"features":{"age":"x\u0000"}}`,
		`{"id":"a","version":"1","prediction":0.5,"groups":[]}`,
		`{"id":"a","version":"1","prediction":0.5,"groups":{"g":1}}`,
		`{"id":"a","version":"1","prediction":0.5,"groups":{` + manyNames(ingest.MaxGroups+1) + `}}`,
		`{"id":"a","version":"1","prediction":0.5,"groups":{"g\u0000":"v"}}`,
		`{"id":"a","version":"1","prediction":0.5,"groups":{"g":"v\u0000"}}`,
		`{"id":"a\u0000","version":"1","prediction":0.5}`,
		`{"id":"a","version":"1","prediction":0.5,"label":"\u0000","label":1}`,
		`{"id":"a\ud800","version":"1","prediction":0.5}`,
		"{\"id\":\"a\xff\",\"version\":\"1\",\"prediction\":0.5}",
		`{"version":"1","prediction":0.5}`,
		`{"id":" ","version":"1","prediction":0.5}`,
		`{"id":"` + strings.Repeat("x", ingest.MaxIDLen+1) + `","version":"1","prediction":0.5}`,
		`{"id":"a","prediction":0.5}`,
		`{"id":"a","version":"1","prediction":0.5,"time":"yesterday"}`,
		`{"id":"a","version":"1","prediction":0.5,"time":"1969-12-31T23:00:00Z"}`,
		`{"id":"a","version":"1","prediction":0.5,"time":"2999-01-01T00:00:00Z"}`,
		`{"id":"a","version":"1"}`,
		`{"id":"a","version":"r","prediction":0.5,"label":true}`,
		`{"id":"a","version":"m","prediction":"cat","label":false}`,
		strings.Repeat("[", 10001),
	}
	ingestLabelLines = []string{
		`[1]`,
		`{"id":"a","label":1} {}`,
		`{"id":"a","label":1`,
		`{"id":"a","label":NaN}`,
		`{"id":"a","label":1,"Label":2}`,
		`{"id":"a","label":1,"lable":2}`,
		`{"id":1,"label":1}`,
		`{"label":1}`,
		`{"id":" ","label":1}`,
		`{"id":"` + strings.Repeat("x", ingest.MaxIDLen+1) + `","label":1}`,
		`{"id":"a\u0000","label":1}`,
		`{"id":"a","label":"\u0000"}`,
		`{"id":"a","id":"b\u0000","label":1}`,
		`{"id":"a\ud800","label":1}`,
		"{\"id\":\"a\xff\",\"label\":1}",
		`{"id":"a"}`,
		`{"id":"a","label":{}}`,
		`{"id":"a","label":1e999}`,
		`{"id":"r-1","label":true}`,
		`{"id":"m-1","label":false}`,
	}
)

// manyNames is n JSON object members "n0":"v", "n1":"v", ….
func manyNames(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf(`"n%d":"v"`, i)
	}
	return strings.Join(names, ",")
}

// ingestRefusals reads the corpus as the API does — true and false
// decided by the versions' monitors (monitoring.BoolLabelRefusal) — and
// returns every message of a refused line, each reason once.
func ingestRefusals(t *testing.T) []string {
	t.Helper()
	monitors := []*lodestar.Monitor{
		{Version: "r", Name: "Amount", Task: "regression"},
		{Version: "m", Name: "Species", Task: "multiclass", Classes: []string{"cat", "dog"}},
	}
	opt := ingest.Options{
		BoolLabel: func(version string, value bool) string {
			for _, m := range monitors {
				if m.Version == version {
					if msg := monitoring.BoolLabelRefusal(m, value); msg != "" {
						return msg
					}
				}
			}
			return ""
		},
		EventVersions: func(ids []string) map[string]string { return map[string]string{"r-1": "r", "m-1": "m"} },
	}
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	_, events, err := ingest.EventsWith(strings.NewReader(strings.Join(ingestEventLines, "\n")), now, opt)
	if err != nil {
		t.Fatal(err)
	}
	_, _, labels, err := ingest.LabelsWith(strings.NewReader(strings.Join(ingestLabelLines, "\n")), opt)
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != len(ingestEventLines) || len(labels) != len(ingestLabelLines) {
		t.Fatalf("refused %d of %d event lines and %d of %d label lines: each line of the corpus should be refused\n%+v\n%+v",
			len(events), len(ingestEventLines), len(labels), len(ingestLabelLines), events, labels)
	}
	seen := map[string]bool{}
	var out []string
	for _, le := range append(events, labels...) {
		if !seen[le.Message] {
			seen[le.Message] = true
			out = append(out, le.Message)
		}
	}
	return out
}

// lineFields are the names of an event line's fields — a refusal names the
// field as the sender wrote it, in every language — and of the formats
// and values a refusal names (RFC 3339, NaN).
var lineFields = regexp.MustCompile(`\b(id|version|time|prediction|label|features|groups|latency_ms|lable|Label|RFC|NaN|Infinity)\b`)

// TestIngestRefusalsTranslated: every reason ingestion refuses an event
// line or a label line with — a true or false label refused by its
// version's monitor among them — reads in Chinese, with no English word
// left but the fields' names, quoted names and JSON's words, and stays as
// it is in English.
func TestIngestRefusalsTranslated(t *testing.T) {
	b := i18n.MustLoad()
	for _, msg := range ingestRefusals(t) {
		if en := b.Message("en", msg); en != msg {
			t.Errorf("%q reads %q in English, want it unchanged", msg, en)
		}
		zh := b.Message("zh-CN", msg)
		if left := englishWord(lineFields.ReplaceAllString(zh, "")); left != "" {
			t.Errorf("%q\nreads %q in Chinese: %q is English", msg, zh, left)
		}
	}
}

// ingestNotMessages are the sentences of the ingest package's source that
// no sender reads, with the reason.
var ingestNotMessages = map[string]string{
	"body too large":       "the text of http.MaxBytesReader's error, looked for",
	"json: unknown field ": "the text of encoding/json's error, rewritten",
	"unexpected EOF":       "the text of encoding/json's error, rewritten",
	"number out of range":  "Read's error on a stored event, which ingestion checked: its callers say the event is unreadable in words of their own",
}

// TestIngestMessagesCovered: every sentence the ingest package's source
// writes, and every one internal/api/monitoring.go writes, is in a
// message TestIngestRefusalsTranslated reads in Chinese, or has a "msg."
// key or "msgpat." shape of its own in every catalog — so a reason added
// without a line of the corpus (or a translation) fails here rather than
// reaching a Chinese client in English.
func TestIngestMessagesCovered(t *testing.T) {
	catalogs := map[string]map[string]string{}
	for _, loc := range []string{"en", "zh-CN"} {
		catalogs[loc] = readCatalog(t, loc)
	}
	refusals := strings.Join(ingestRefusals(t), "\n")
	files, err := filepath.Glob("../ingest/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no ingest sources: %v", err)
	}
	files = append(files, "../api/monitoring.go")
	fset := token.NewFileSet()
	found := 0
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ingestFile := strings.Contains(name, "ingest")
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ImportSpec, *ast.Field: // paths and struct tags
				return false
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				msg, err := strconv.Unquote(n.Value)
				// A sentence: two words, a letter among them.
				if err != nil || !regexp.MustCompile(`[a-z]{2,}.* |[a-z] [a-z]`).MatchString(msg) {
					return true
				}
				if _, ok := ingestNotMessages[msg]; ok {
					return true
				}
				found++
				shape := fmtVerb.ReplaceAllString(msg, "%s")
				keyed := true
				for _, c := range catalogs {
					_, ok1 := c["msg."+msg]
					_, ok2 := c["msgpat."+shape]
					keyed = keyed && (ok1 || ok2)
				}
				if keyed {
					return true
				}
				// Else each of its fixed parts is in a refusal of the
				// corpus (the ingest package's only: the API's own
				// messages are keyed).
				in := ingestFile
				for _, part := range fmtVerb.Split(msg, -1) {
					in = in && strings.Contains(refusals, part)
				}
				if !in {
					t.Errorf("%s: %q is in no refusal of the corpus and has no catalog key: add a line refused so, and its translation",
						fset.Position(n.Pos()), msg)
				}
			}
			return true
		})
	}
	if found < 40 {
		t.Errorf("found %d sentences; the scan has lost its way", found)
	}
}
