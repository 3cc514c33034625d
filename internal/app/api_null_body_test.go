package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestAPINullBody: a body of JSON null is refused with 400, not read as
// {} — a PUT of null emptied a production version's card, audited as an
// edit. The refusal says what was wrong, in Chinese too, and changes
// nothing.
func TestAPINullBody(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m, ver, tok := f.teamVersion("Recs", "rec", "Rec")
	path := fmt.Sprintf("/api/v1/model-versions/%d", ver.ID)
	if r := f.api("PUT", path+"/card", tok, whole("/card", `{"intended_use":"Ranking","evaluation_metrics":{"auc":0.9}}`)); r.StatusCode != 200 {
		t.Fatalf("card: %d %s", r.StatusCode, r.body)
	}
	for _, c := range []struct{ method, path string }{
		{"PUT", path + "/card"},
		{"PUT", path + "/provenance"},
		{"POST", "/api/v1/use-cases"},
		{"POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID)},
	} {
		for _, body := range []string{"null", " null\n"} {
			before := f.versionSnapshot(ver.ID)
			cb := f.counts()
			d := wantAPIError(t, f.api(c.method, c.path, tok, body), 400, "invalid")
			if d.Message != "The body must be a JSON object, not null." {
				t.Errorf("%s %s with %q: message %q", c.method, c.path, body, d.Message)
			}
			f.wantVersionUnchanged(before, c.method+" "+c.path+" with null")
			f.wantUnchanged(cb, c.method+" "+c.path+" with null")
		}
	}
	h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}, "Accept-Language": {"zh-CN"}}
	r := f.do(f.client(), "PUT", path+"/card", h, strings.NewReader("null"))
	if d := wantAPIError(t, r, 400, "invalid"); d.Message != "请求体必须是 JSON 对象，不能是 null。" {
		t.Errorf("null in Chinese: %q", d.Message)
	}
}
