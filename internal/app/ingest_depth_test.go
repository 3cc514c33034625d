package app_test

import (
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestIngestDeepNesting: a line nesting a value deeper than 10,000 levels
// (an 8 MiB line of '[' holds four million) is refused on its own, its
// reason in the language asked for, and the batch's other lines are
// stored. The scanner used to follow every level, taking the request to a
// gigabyte of stack.
func TestIngestDeepNesting(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	m := f.model("Recommendations", "recsys", "Recommender")
	const n = 3_000_000
	deep := `{"id":"deep","version":"1.0","prediction":0.5,"features":{"x":` + strings.Repeat("[", n) + strings.Repeat("]", n) + `}}`
	body := `{"id":"ok-1","version":"1.0","prediction":0.5}` + "\n" + deep + "\n"
	for lang, want := range map[string]string{"": "nested more than 10000 levels deep", "zh-CN": "嵌套超过 10000 层"} {
		r := f.ndjsonIn(lang, "/api/v1/models/recsys/events", tok, body)
		res := decodeInto[lodestar.IngestResult](t, r)
		if r.StatusCode != 200 || len(res.Rejected) != 1 || res.Rejected[0].Line != 2 || res.Rejected[0].ID != "deep" || res.Rejected[0].Message != want {
			t.Errorf("Accept-Language %q: got %d %.300s; want line 2 (deep) refused saying %q", lang, r.StatusCode, r.body, want)
		}
	}
	if n, err := f.app.Store.CountEvents(sys(), m.ID); err != nil || n != 1 {
		t.Errorf("stored %d events (%v), want 1 (ok-1)", n, err)
	}
}
