package app_test

import (
	"net/http"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestIngestRefusesNUL: one string holding the NUL character (\u0000) in
// an event or label line is refused as that line alone, naming the field,
// on both databases. PostgreSQL used to fail the whole batch with a 500
// (text cannot hold NUL), losing its good lines; SQLite stored the NUL.
func TestIngestRefusesNUL(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f := startOn(t, testdb.OpenDialect(t, d), fixtureOpts{})
			_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
			m := f.model("Churn", "churn", "Churn")
			post := func(path, body string) *response {
				h := http.Header{"Content-Type": {"application/x-ndjson"}, "Authorization": {"Bearer " + tok}}
				return f.do(f.client(), "POST", path, h, strings.NewReader(body))
			}
			lines := []string{
				`{"id":"ok-1","version":"1","prediction":0.1}`,
				`{"id":"nul-1","version":"\u0000","prediction":0.3}`,
				`{"id":"nul-\u0000","version":"1","prediction":0.3}`,
				`{"id":"nul-3","version":"1","prediction":0.3,"features":{"region":"n\u0000"}}`,
				`{"id":"nul-4","version":"1","prediction":0.3,"features":{"r\u0000":1}}`,
				`{"id":"nul-5","version":"1","prediction":0.3,"groups":{"gender":"\u0000"}}`,
				`{"id":"ok-2","version":"1","prediction":0.2}`,
			}
			r := post("/api/v1/models/churn/events", strings.Join(lines, "\n"))
			if r.StatusCode != 200 {
				t.Fatalf("events: got %d %s, want 200", r.StatusCode, r.body)
			}
			res := decodeInto[lodestar.IngestResult](t, r)
			want := map[int]string{2: "version:", 3: "id:", 4: `features: "region"`, 5: `features: the name`, 6: `groups: "gender"`}
			if res.Accepted != 2 || len(res.Rejected) != len(want) {
				t.Fatalf("events: got %+v, want ok-1 and ok-2 accepted, lines 2-6 refused", res)
			}
			for _, le := range res.Rejected {
				if w := want[le.Line]; w == "" || !strings.Contains(le.Message, w) || !strings.Contains(le.Message, "NUL") {
					t.Errorf("line %d: message %q, want it to name %q and NUL", le.Line, le.Message, w)
				}
			}
			if n, err := f.app.Store.CountEvents(sys(), m.ID); err != nil || n != 2 {
				t.Errorf("stored %d events (%v), want 2", n, err)
			}

			r = post("/api/v1/models/churn/labels", "{\"id\":\"ok-1\",\"label\":1}\n{\"id\":\"ok-\\u0000\",\"label\":1}\n{\"id\":\"ok-2\",\"label\":\"a\\u0000\"}\n")
			if r.StatusCode != 200 {
				t.Fatalf("labels: got %d %s, want 200", r.StatusCode, r.body)
			}
			lr := decodeInto[lodestar.LabelResult](t, r)
			if lr.Updated != 1 || len(lr.Rejected) != 2 || !strings.Contains(lr.Rejected[0].Message, "id: must not contain the NUL") ||
				!strings.Contains(lr.Rejected[1].Message, "label: must not contain the NUL") {
				t.Errorf("labels: got %+v, want ok-1 labelled and lines 2 and 3 refused naming id and label", lr)
			}
			if label, err := storedLabel(f.app.Store, "churn", "ok-1"); err != nil || label != "1" {
				t.Errorf("ok-1 label: got %q (%v), want 1", label, err)
			}
		})
	}
}
