package app_test

import (
	"fmt"
	"testing"
)

// TestAPIFoldedKeys: a key that names a field only in other letter cases
// is refused, naming the field meant — encoding/json alone took
// {"title":"x","TITLE":"y"} as title "y" — at the top of a body and
// inside it, and nothing is written.
func TestAPIFoldedKeys(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, ver, tok := f.teamVersion("Recs", "rec", "Rec")
	card := fmt.Sprintf("/api/v1/model-versions/%d/card", ver.ID)
	for _, c := range []struct{ method, path, body, field string }{
		{"POST", "/api/v1/use-cases", `{"title":"x","TITLE":"y"}`, "TITLE"},
		{"POST", "/api/v1/use-cases", `{"Title":"x"}`, "Title"},
		{"POST", "/api/v1/use-cases", `{"title":"x","impacts":[{"Kpi_ID":1}]}`, "impacts[0].Kpi_ID"},
		{"PUT", card, `{"Intended_Use":"x"}`, "Intended_Use"},
	} {
		before, vb := f.counts(), f.versionSnapshot(ver.ID)
		d := wantAPIError(t, f.api(c.method, c.path, tok, c.body), 400, "invalid")
		if d.Fields[c.field] == "" {
			t.Errorf("%s %s %s: fields %v, want %s", c.method, c.path, c.body, d.Fields, c.field)
		}
		f.wantUnchanged(before, c.body)
		f.wantVersionUnchanged(vb, c.body)
	}
	// A metric's name is the client's own, in any case.
	if r := f.api("PUT", card, tok, whole(card, `{"intended_use":"Ranking","evaluation_metrics":{"AUC":0.9,"auc":0.8}}`)); r.StatusCode != 200 {
		t.Errorf("metrics named in upper case: %d %s", r.StatusCode, r.body)
	}
}
