package app_test

import (
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestIngestIDConflict: an event id sent again with another line (another
// time, prediction, features) is refused as that line, with the code
// id_conflict and a reason naming the id, in English and in Chinese; the
// same line sent again is a duplicate, counted once; the stored event is
// the first. Within one batch too, on both databases.
func TestIngestIDConflict(t *testing.T) {
	t.Parallel()
	for _, d := range testdb.Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f := startOn(t, testdb.OpenDialect(t, d), fixtureOpts{})
			_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
			m := f.model("Churn", "churn", "Churn")
			a := `{"id":"e-1","time":"2026-11-28T10:00:00Z","version":"1","prediction":0.8,"features":{"x":1}}`
			b := `{"id":"e-2","version":"1","prediction":0.3}`
			post := func(lang string, lines ...string) lodestar.IngestResult {
				t.Helper()
				r := f.ndjsonIn(lang, "/api/v1/models/churn/events", tok, strings.Join(lines, "\n"))
				if r.StatusCode != 200 {
					t.Fatalf("got %d %s, want 200", r.StatusCode, r.body)
				}
				return decodeInto[lodestar.IngestResult](t, r)
			}
			if res := post("", a, b); res.Accepted != 2 || len(res.Rejected) != 0 {
				t.Fatalf("first batch: %+v, want both accepted", res)
			}
			res := post("",
				a, // a retry: the same line
				strings.Replace(a, "10:00:00Z", "10:05:00Z", 1), // another time
				strings.Replace(a, `"x":1`, `"x":2`, 1),         // another feature value
				b,
				`{"id":"e-3","version":"1","prediction":0.4}`,
				`{"id":"e-3","version":"1","prediction":0.5}`, // e-3 again, in the batch, changed
				`{"id":"e-3","version":"1","prediction":0.4}`, // and as its first line: a duplicate
				`{"id":"e-4","version":"1"}`)                  // refused for its own reason
			if res.Accepted != 1 || res.Duplicates != 3 || len(res.Rejected) != 4 {
				t.Fatalf("second batch: %+v, want e-3 accepted, 3 duplicates, lines 2, 3, 6 and 8 refused", res)
			}
			for i, want := range []struct {
				line int
				id   string
			}{{2, "e-1"}, {3, "e-1"}, {6, "e-3"}} {
				le := res.Rejected[i]
				if le.Line != want.line || le.ID != want.id || le.Code != "id_conflict" ||
					!strings.Contains(le.Message, `id "`+want.id+`" was used before for an event with other content`) {
					t.Errorf("refusal %d: %+v, want line %d, id %s, code id_conflict naming the id", i, le, want.line, want.id)
				}
			}
			if le := res.Rejected[3]; le.Line != 8 || le.Code != "" || !strings.Contains(le.Message, "prediction: required") {
				t.Errorf("refusal 3: %+v, want line 8 refused for its missing prediction, no code", le)
			}
			if n, err := f.app.Store.CountEvents(sys(), m.ID); err != nil || n != 3 {
				t.Errorf("stored %d events (%v), want 3", n, err)
			}
			if res := post("zh-CN", strings.Replace(b, "0.3", "0.31", 1)); len(res.Rejected) != 1 ||
				res.Rejected[0].Code != "id_conflict" || !strings.Contains(res.Rejected[0].Message, `id "e-2" 已用于内容不同的另一事件`) {
				t.Errorf("in Chinese: %+v, want the conflict in Chinese naming e-2", res)
			}
		})
	}
}
