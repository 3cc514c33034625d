package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestOpenAPIRequiredFields: the fields a response schema marks required
// are in every record the API writes, over the demo enterprise's lists
// (archived records too) and the single reads. The document marked none,
// so a client generated from it had every field optional.
func TestOpenAPIRequiredFields(t *testing.T) {
	t.Parallel()
	f := startDemo(t)
	_, tok := f.token(f.user(lodestar.RoleAdmin, "required-admin@example.com"), lodestar.ScopeRead)
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	schemas, _ := dig(doc, "components", "schemas").(map[string]any)
	seen := map[string]int{}
	check := func(schema, where string, raw json.RawMessage) {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		seen[schema]++
		checkRequired(t, schemas, where, v, map[string]any{"$ref": "#/components/schemas/" + schema})
	}
	list := func(schema, path string) []json.RawMessage {
		items, _ := f.walk(path, tok, 200)
		for i, it := range items {
			check(schema, fmt.Sprintf("GET %s [%d]", path, i), it)
		}
		return items
	}
	list("UseCase", "/api/v1/use-cases?archived=true")
	list("Goal", "/api/v1/goals?archived=true")
	list("KPI", "/api/v1/kpis?archived=true")
	list("PainPoint", "/api/v1/pain-points?archived=true")
	list("BusinessUnit", "/api/v1/business-units?archived=true")
	list("Switch", "/api/v1/switches")
	list("Alert", "/api/v1/alerts")
	list("Experiment", "/api/v1/experiments")
	list("RetrainingTask", "/api/v1/retraining-tasks")
	for _, raw := range list("Model", "/api/v1/models") {
		var m struct{ ID int64 }
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		list("ModelVersion", fmt.Sprintf("/api/v1/models/%d/versions", m.ID))
		for _, mon := range list("Monitor", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID)) {
			var x struct{ ID int64 }
			if err := json.Unmarshal(mon, &x); err != nil {
				t.Fatal(err)
			}
			// The single read adds the trend.
			path := fmt.Sprintf("/api/v1/monitors/%d", x.ID)
			check("Monitor", "GET "+path, json.RawMessage(f.apiOK("GET", path, tok, "", 200).body))
		}
	}
	// The demo has records of every schema checked, so none passes by
	// having nothing to check.
	for _, s := range []string{"UseCase", "Goal", "KPI", "PainPoint", "BusinessUnit", "Switch", "Alert", "Experiment", "RetrainingTask", "Model", "ModelVersion", "Monitor"} {
		if seen[s] == 0 {
			t.Errorf("%s: the demo has no record to check", s)
		}
		if req, _ := dig(schemas, s, "required").([]any); len(req) == 0 {
			t.Errorf("%s: the document marks no field required", s)
		}
	}
}

// checkRequired checks that a decoded JSON value has every property its
// schema (and, within it, an object's properties and an array's items)
// marks required.
func checkRequired(t *testing.T, schemas map[string]any, where string, v any, s map[string]any) {
	t.Helper()
	if ref, ok := s["$ref"].(string); ok {
		s, _ = schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		if s == nil {
			t.Errorf("%s: $ref %s is not defined", where, ref)
			return
		}
	}
	switch x := v.(type) {
	case map[string]any:
		req, _ := s["required"].([]any)
		for _, k := range req {
			if _, ok := x[k.(string)]; !ok {
				t.Errorf("%s: no %s, which the document marks required", where, k)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, e := range x {
			if ps, ok := props[k].(map[string]any); ok {
				checkRequired(t, schemas, where+"."+k, e, ps)
			}
		}
	case []any:
		items, _ := s["items"].(map[string]any)
		for i, e := range x {
			checkRequired(t, schemas, fmt.Sprintf("%s[%d]", where, i), e, items)
		}
	}
}
