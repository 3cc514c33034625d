package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestFairnessDefaultSeedSameEitherWay: a fairness audit that gives no
// seed is bootstrapped with the same default (1) whether the file comes
// in a JSON body or a multipart upload (as on the web and the command
// line), so the same file gets the same parameters and intervals either
// way; JSON kept 0. An explicit seed 0 is a seed and stays 0.
func TestFairnessDefaultSeedSameEitherWay(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	v1 := f.evidenceVersion()
	v2, err := f.app.Store.CreateModelVersion(sys(), v1.ModelID, lodestar.ModelVersion{Version: "2.0"})
	if err != nil {
		t.Fatal(err)
	}
	_, ai := f.token(f.user(lodestar.RoleAITeam, "ai@example.com"), "read", "write")
	data := walkDecisions("seed")
	params := map[string]string{"group_column": "group", "label_column": "label", "prediction_column": "prediction", "bootstrap": "200"}

	body, _ := json.Marshal(map[string]any{"title": "Seed", "file_name": "d.csv", "data": data, "group_column": "group",
		"label_column": "label", "prediction_column": "prediction", "bootstrap": 200})
	viaJSON := fromJSON[lodestar.FairnessAudit](t, f.apiOK("POST", fmt.Sprintf("/api/v1/model-versions/%d/fairness-audits", v1.ID), ai, string(body), 201))

	fields := map[string]string{"title": "Seed"}
	for k, v := range params {
		fields[k] = v
	}
	ct, mb := multipartBody(t, fields, map[string][2]string{"file": {"d.csv", data}})
	r := f.do(f.client(), "POST", fmt.Sprintf("/api/v1/model-versions/%d/fairness-audits", v2.ID),
		http.Header{"Authorization": {"Bearer " + ai}, "Content-Type": {ct}}, mb)
	if r.StatusCode != 201 {
		t.Fatalf("multipart upload: %d %s", r.StatusCode, r.body)
	}
	viaForm := fromJSON[lodestar.FairnessAudit](t, r)

	if viaJSON.Params.Seed != 1 || viaJSON.Params != viaForm.Params {
		t.Errorf("params: JSON %+v, multipart %+v; want the same, seed 1", viaJSON.Params, viaForm.Params)
	}
	var a, b bytes.Buffer
	json.Compact(&a, viaJSON.Result)
	json.Compact(&b, viaForm.Result)
	if a.String() != b.String() {
		t.Errorf("the same file gave different results:\nJSON      %s\nmultipart %s", a.String(), b.String())
	}

	// An explicit 0 stays 0 (another audit: the parameters differ).
	body, _ = json.Marshal(map[string]any{"title": "Seed 0", "file_name": "d.csv", "data": data, "group_column": "group",
		"label_column": "label", "prediction_column": "prediction", "bootstrap": 200, "seed": 0})
	zero := fromJSON[lodestar.FairnessAudit](t, f.apiOK("POST", fmt.Sprintf("/api/v1/model-versions/%d/fairness-audits", v1.ID), ai, string(body), 201))
	if zero.Params.Seed != 0 {
		t.Errorf("seed 0 sent: stored seed %d", zero.Params.Seed)
	}
}
