package app_test

import (
	"encoding/json"
	"fmt"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPICreatedLocation: every 201 of the API says where the record it
// made is (Location), and that path answers the same record — a monitor
// made with POST /models/{id}/monitors had none.
func TestAPICreatedLocation(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	w := f.experimentWorld()
	_, tok := f.token(f.user(lodestar.RoleAdmin, "admin@example.com"))
	uc := f.useCase("Forecasting")
	m := f.apiOK("POST", "/api/v1/models", tok, fmt.Sprintf(`{"use_case_id":%d,"key":"fc","name":"Forecast"}`, uc.ID), 201)
	model := fromJSON[lodestar.Model](t, m)
	steps := []struct{ path, body string }{
		{"/api/v1/use-cases", `{"title":"Churn","description":"d"}`},
		{"/api/v1/business-units", `{"name":"Retail"}`},
		{fmt.Sprintf("/api/v1/models/%d/versions", model.ID), `{"version":"1.0"}`},
		{fmt.Sprintf("/api/v1/models/%d/versions", model.ID), `{"version":"2.0"}`},
		{fmt.Sprintf("/api/v1/models/%d/monitors", model.ID), `{"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset","csv":"x\n1\n2\n"}}`},
		{"/api/v1/experiments", w.design("loc")},
	}
	rs := []*response{m}
	for _, s := range steps {
		tk := tok
		if s.path == "/api/v1/experiments" {
			tk = w.token
		}
		rs = append(rs, f.apiOK("POST", s.path, tk, s.body, 201))
	}
	mon := fromJSON[lodestar.Monitor](t, rs[5])
	rs = append(rs, f.apiOK("POST", fmt.Sprintf("/api/v1/monitors/%d/copy", mon.ID), tok, `{"version":"2.0"}`, 201))
	for _, r := range rs {
		loc := r.Header.Get("Location")
		if loc == "" {
			t.Errorf("POST %s: 201 without Location", r.Request.URL.Path)
			continue
		}
		var made, read struct {
			ID int64 `json:"id"`
		}
		if err := json.Unmarshal([]byte(r.body), &made); err != nil || made.ID == 0 {
			t.Fatalf("POST %s: %v %s", r.Request.URL.Path, err, r.body)
		}
		g := f.api("GET", loc, tok, "")
		if err := json.Unmarshal([]byte(g.body), &read); g.StatusCode != 200 || err != nil || read.ID != made.ID {
			t.Errorf("POST %s: Location %s answers %d %.200s; want record %d", r.Request.URL.Path, loc, g.StatusCode, g.body, made.ID)
		}
	}
}
