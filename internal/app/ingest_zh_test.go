package app_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestIngestRefusalsInChinese: every reason a line of an event or label
// batch is refused with, and the refusal of a body that is not the gzip
// its Content-Encoding says, reads in Chinese when the request asks for
// it. The NUL refusals (each field's, a feature's or group's name and
// value) and the gzip one were left in English.
func TestIngestRefusalsInChinese(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	f.model("Recommendations", "recsys", "Recommender")
	events := strings.Join([]string{
		`{"id":"a\u0000","version":"1","prediction":0.5}`,
		`{"id":"b","version":"1\u0000","prediction":0.5}`,
		`{"id":"c","version":"1","prediction":"x\u0000"}`,
		`{"id":"d","version":"1","prediction":0.5,"time":"\u0000"}`,
		`{"id":"e","version":"1","prediction":0.5,"features":{"n\u0000":1}}`,
		`{"id":"f","version":"1","prediction":0.5,"features":{"n":"v\u0000"}}`,
		`{"id":"g","version":"1","prediction":0.5,"groups":{"g\u0000":"v"}}`,
		`{"id":"h","version":"1","prediction":0.5,"groups":{"g":"v\u0000"}}`,
		`{"id":"i","version":"1","prediction":0.5,"label":"\u0000"}`,
	}, "\n")
	labels := `{"id":"a\u0000","label":1}` + "\n" + `{"id":"b","label":"\u0000"}`
	for path, body := range map[string]string{"events": events, "labels": labels} {
		r := f.ndjsonIn("zh-CN", "/api/v1/models/recsys/"+path, tok, body)
		res := decodeInto[struct {
			Rejected []lodestar.LineError `json:"rejected"`
		}](t, r)
		if r.StatusCode != 200 || len(res.Rejected) != strings.Count(body, "\n")+1 {
			t.Fatalf("%s: got %d %s; want every line refused", path, r.StatusCode, r.body)
		}
		for _, le := range res.Rejected {
			if !strings.Contains(le.Message, "不能包含 NUL 字符") || strings.Contains(le.Message, "must") || strings.Contains(le.Message, "the name") {
				t.Errorf("%s line %d: %q, want it in Chinese", path, le.Line, le.Message)
			}
		}
	}
	h := http.Header{"Content-Type": {"application/x-ndjson"}, "Authorization": {"Bearer " + tok},
		"Content-Encoding": {"gzip"}, "Accept-Language": {"zh-CN"}}
	r := f.do(f.client(), "POST", "/api/v1/models/recsys/events", h, strings.NewReader("not gzip"))
	if d := wantAPIError(t, r, 400, lodestar.EInvalid); !strings.Contains(d.Message, "gzip 数据") || strings.Contains(d.Message, "The body") {
		t.Errorf("a body that is not gzip: %q, want it in Chinese", d.Message)
	}
}

// TestIngestBatchLimitsInChinese: a batch refused whole for its size —
// more than 10,000 lines, or more than 8 MiB once decompressed — says so
// in Chinese when asked; both refusals were left in English.
func TestIngestBatchLimitsInChinese(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	f.model("Recommendations", "recsys", "Recommender")
	line := `{"id":"a","version":"1","prediction":0.5}` + "\n"
	for _, path := range []string{"events", "labels"} {
		r := f.ndjsonIn("zh-CN", "/api/v1/models/recsys/"+path, tok, strings.Repeat(line, lodestar.MaxIngestLines+1))
		if d := wantAPIError(t, r, 413, lodestar.ETooLarge); d.Message != "一批数据最多 10000 行；请拆分。" {
			t.Errorf("%s: %d lines: %q, want it in Chinese", path, lodestar.MaxIngestLines+1, d.Message)
		}
		h := http.Header{"Content-Type": {"application/x-ndjson"}, "Authorization": {"Bearer " + tok},
			"Content-Encoding": {"gzip"}, "Accept-Language": {"zh-CN"}}
		r = f.do(f.client(), "POST", "/api/v1/models/recsys/"+path, h, bytes.NewReader(gzipped(t, line+strings.Repeat(" ", lodestar.MaxIngestBytes))))
		if d := wantAPIError(t, r, 413, lodestar.ETooLarge); d.Message != "一批数据最多 8388608 字节；请拆分。" {
			t.Errorf("%s: over 8 MiB decompressed: %q, want it in Chinese", path, d.Message)
		}
	}
}
