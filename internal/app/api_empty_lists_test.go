package app_test

import (
	"encoding/json"
	"fmt"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAPIEmptyListsSayTotalZero checks that an empty list says so: data
// [] and total 0 on every list that reports totals, while the audit log,
// paged by sequence and never counted, documents that it has no total.
func TestAPIEmptyListsSayTotalZero(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, tok := f.token(admin)
	ctx, st := sys(), f.app.Store
	uc := f.useCase("Recommendations")
	m, err := st.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "rec", Name: "Rec"})
	if err != nil {
		t.Fatal(err)
	}
	empty, err := st.CreateModel(ctx, lodestar.Model{UseCaseID: uc.ID, Key: "bare", Name: "Bare"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := st.CreateModelVersion(ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	w := f.strategyWorld()
	for _, path := range []string{
		"/api/v1/use-cases?q=nothing-matches",
		"/api/v1/use-cases?q=nothing-matches&sort=title",
		"/api/v1/business-units?q=nothing-matches",
		"/api/v1/goals?status=abandoned",
		"/api/v1/kpis?q=nothing-matches",
		"/api/v1/pain-points?category=risk",
		"/api/v1/models?use_case_id=999",
		"/api/v1/alerts?model_id=999&status=open",
		"/api/v1/alerts",
		"/api/v1/retraining-tasks",
		"/api/v1/experiments",
		fmt.Sprintf("/api/v1/models/%d/versions", empty.ID),
		fmt.Sprintf("/api/v1/models/%d/monitors", m.ID),
		fmt.Sprintf("/api/v1/models/%d/unregistered-versions", m.ID),
		fmt.Sprintf("/api/v1/kpis/%d/readings", w.kpi.ID),
		fmt.Sprintf("/api/v1/use-cases/%d/stages", w.uc.ID),
		fmt.Sprintf("/api/v1/model-versions/%d/fairness-audits", v.ID),
		fmt.Sprintf("/api/v1/model-versions/%d/explanations", v.ID),
	} {
		r := f.apiOK("GET", path, tok, "", 200)
		var page map[string]json.RawMessage
		if err := json.Unmarshal([]byte(r.body), &page); err != nil {
			t.Fatalf("GET %s: %v in %s", path, err, r.body)
		}
		if string(page["data"]) != "[]" || string(page["total"]) != "0" {
			t.Errorf("GET %s: got %s, want data [] and total 0", path, r.body)
		}
		if _, ok := page["next_cursor"]; ok {
			t.Errorf("GET %s: next_cursor on an empty list: %s", path, r.body)
		}
	}
	// The audit log: data [], no total (documented), no next_cursor.
	r := f.apiOK("GET", "/api/v1/audit?actor=nobody@example.com", tok, "", 200)
	if r.body != `{"data":[]}`+"\n" && r.body != `{"data":[]}` {
		t.Errorf("empty audit page: got %s, want {\"data\":[]}", r.body)
	}
}
