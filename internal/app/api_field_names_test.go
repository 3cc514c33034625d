package app_test

import (
	"fmt"
	"strings"
	"testing"
)

// TestAPIFieldNamesAsSent: a refusal names the field as the body sent
// it — a card or provenance PUT sends their fields at the top, so not
// "card.intended_use"; a metric's wrong value by its name; an array's
// item by its index; a reference's malformed base64 as reference.data —
// and nothing is written.
func TestAPIFieldNamesAsSent(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m, ver, tok := f.teamVersion("Recs", "rec", "Rec")
	v := fmt.Sprintf("/api/v1/model-versions/%d", ver.ID)
	w := f.experimentWorld()
	x := f.apiOK("POST", "/api/v1/experiments", w.token, w.design("names"), 201)
	exp := fromJSON[struct {
		ID int64 `json:"id"`
	}](t, x)
	for _, c := range []struct{ method, path, tok, body, field string }{
		{"PUT", v + "/provenance", tok, `{"source_commit":"zz"}`, "source_commit"},
		{"PUT", v + "/card", tok, `{"intended_use":"` + strings.Repeat("x", 20001) + `"}`, "intended_use"},
		{"PUT", v + "/card", tok, `{"evaluation_metrics":{"auc":0.9,"f1":"high"}}`, "evaluation_metrics.f1"},
		{"POST", fmt.Sprintf("/api/v1/experiments/%d/data", exp.ID), w.token, `{"data":[{"variant":"control","metric":"conversion","n":10,"sum":1},{"variant":"treatment","metric":"conversion","n":"x"}]}`, "data[1].n"},
		{"POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, `{"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset","data":"!!!"}}`, "reference.data"},
	} {
		before, vb := f.counts(), f.versionSnapshot(ver.ID)
		body := c.body
		if c.method == "PUT" {
			body = whole(c.path, body)
		}
		d := wantAPIError(t, f.api(c.method, c.path, c.tok, body), 400, "invalid")
		if d.Fields[c.field] == "" || strings.Contains(fmt.Sprint(d.Fields), "card.") || strings.Contains(fmt.Sprint(d.Fields), "provenance.") {
			t.Errorf("%s %s %.80s: fields %v, want %s", c.method, c.path, c.body, d.Fields, c.field)
		}
		f.wantUnchanged(before, c.body)
		f.wantVersionUnchanged(vb, c.body)
	}
}
