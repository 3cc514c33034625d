package app_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"strings"
	"testing"
)

// TestAssignmentsMatchTheVectors asks the app which variant units get and
// compares with the vectors an independent Python implementation wrote
// (sdk/testdata/make_assign_vectors.py): the same hash, point and variant.
func TestAssignmentsMatchTheVectors(t *testing.T) {
	raw, err := os.ReadFile("../../sdk/testdata/assign_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vectors struct {
		Assign []struct {
			Experiment, Unit string
			U                float64
			Weights          []float64
			Variant          int
		}
	}
	if err := json.Unmarshal(raw, &vectors); err != nil {
		t.Fatal(err)
	}
	f := start(t, fixtureOpts{})
	w := f.experimentWorld()
	shares := map[string]float64{"checkout-button": 0.5, "credit-risk-v2": 0.1}
	ids := map[string]int64{}
	for key, share := range shares {
		design := strings.Replace(w.design(key), `"treatment_share":0.5`, fmt.Sprintf(`"treatment_share":%g`, share), 1)
		r := f.api("POST", "/api/v1/experiments", w.token, design)
		if r.StatusCode != 201 {
			t.Fatalf("create %s: %d %s", key, r.StatusCode, r.body)
		}
		var e struct{ ID int64 }
		json.Unmarshal([]byte(r.body), &e)
		ids[key] = e.ID
	}
	checked := 0
	for _, v := range vectors.Assign {
		share, ok := shares[v.Experiment]
		if !ok || len(v.Weights) != 2 || math.Abs(v.Weights[1]/(v.Weights[0]+v.Weights[1])-share) > 1e-12 {
			continue
		}
		r := f.api("GET", fmt.Sprintf("/api/v1/experiments/%d/assignments?unit=%s", ids[v.Experiment], url.QueryEscape(v.Unit)), w.token, "")
		var got struct {
			Data []struct {
				Unit, Variant string
				Point         float64
			}
		}
		if err := json.Unmarshal([]byte(r.body), &got); err != nil || len(got.Data) != 1 {
			t.Fatalf("%s/%s: %d %s", v.Experiment, v.Unit, r.StatusCode, r.body)
		}
		want := []string{"control", "treatment"}[v.Variant]
		if a := got.Data[0]; a.Unit != v.Unit || a.Variant != want || a.Point != v.U {
			t.Errorf("%s/%s: got %+v, want %s at u = %v", v.Experiment, v.Unit, a, want, v.U)
		}
		checked++
	}
	if checked < 10 {
		t.Errorf("only %d vectors checked", checked)
	}
	wantAPIError(t, f.api("GET", fmt.Sprintf("/api/v1/experiments/%d/assignments", ids["checkout-button"]), w.token, ""), 400, "invalid")
	wantAPIError(t, f.api("GET", "/api/v1/experiments/999/assignments?unit=a", w.token, ""), 404, "not_found")
}
