package app_test

import (
	"fmt"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestIngestEmptyBatchRefused: an events or labels batch with no line
// (an empty body, blank lines only) is a 400, as an empty JSON body is,
// not a 200 that reports nothing.
func TestIngestEmptyBatchRefused(t *testing.T) {
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"))
	uc := f.useCase("Recommendations")
	if _, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "recsys", Name: "Recommender"}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/api/v1/models/recsys/events", "/api/v1/models/recsys/labels"} {
		for _, body := range []string{"", "\n\n", "\r\n  \n"} {
			wantAPIError(t, f.ndjson(path, tok, body), 400, lodestar.EInvalid)
		}
	}
}

// TestEvaluateNothingNewGivesEmptyLists: an evaluation with nothing to
// evaluate answers empty lists, not nulls.
func TestEvaluateNothingNewGivesEmptyLists(t *testing.T) {
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"))
	m := f.model("Recommendations", "recsys", "Recommender")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, `{"version":"1.0","name":"m","window":"hour",
		"thresholds":{"min_accuracy":0.8},"reference":{"kind":"dataset","file_name":"train.csv","csv":"x,label\n0.1,1\n0.2,0\n0.3,1\n"}}`)
	if r.StatusCode != 201 {
		t.Fatalf("create monitor: %d %s", r.StatusCode, r.body)
	}
	mon := decodeInto[lodestar.Monitor](t, r)
	r = f.api("POST", fmt.Sprintf("/api/v1/monitors/%d/evaluate", mon.ID), tok, `{}`)
	if r.StatusCode != 200 || !strings.Contains(r.body, `"windows":[]`) || strings.Contains(r.body, "null") {
		t.Errorf("evaluate with nothing new: got %d %s, want empty lists", r.StatusCode, r.body)
	}
}
