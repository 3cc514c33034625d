package app_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestOpenAPILineLimits: the limits the document states for an event
// line and a label line (EventLine, LabelLine) are the server's: a line at
// a limit is taken, one past it refused by line; and a value the server
// takes is one the schema allows. The document stated no length for a
// label's id, no count for features or groups, and groups of strings only
// where the server takes null too, so a client validating against it
// sent what the server refused, or refused what it takes.
func TestOpenAPILineLimits(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	f.model("Recommendations", "recsys", "Recommender")
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	prop := func(schema string, path ...any) any {
		return dig(doc, append([]any{"components", "schemas", schema, "properties"}, path...)...)
	}
	limit := func(schema string, path ...any) int {
		t.Helper()
		n, ok := prop(schema, path...).(float64)
		if !ok {
			t.Fatalf("%s %v: the document states no limit", schema, path)
		}
		return int(n)
	}
	// rejected sends one line and returns the reason it was refused ("" when taken).
	rejected := func(path, line string) string {
		t.Helper()
		r := f.ndjson("/api/v1/models/recsys/"+path, tok, line)
		var res struct {
			Rejected []lodestar.LineError `json:"rejected"`
		}
		if err := json.Unmarshal([]byte(r.body), &res); err != nil || r.StatusCode != 200 {
			t.Fatalf("%s: %d %s", line[:min(len(line), 80)], r.StatusCode, r.body)
		}
		if len(res.Rejected) == 0 {
			return ""
		}
		return res.Rejected[0].Message
	}
	n := 0
	event := func(extra string) string {
		n++
		return fmt.Sprintf(`{"id":"e-%d","version":"1.0","prediction":0.5%s}`, n, extra)
	}
	members := func(k int, value string) string {
		parts := make([]string, k)
		for i := range parts {
			parts[i] = fmt.Sprintf(`"m%d":%s`, i, value)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}

	for _, tc := range []struct {
		name, path string
		line       func(n int) string
	}{
		{"EventLine.id", "events", func(k int) string {
			return `{"id":"` + strings.Repeat("é", k) + `","version":"1.0","prediction":0.5}`
		}},
		{"LabelLine.id", "labels", func(k int) string { return `{"id":"` + strings.Repeat("é", k) + `","label":1}` }},
	} {
		schema, _, _ := strings.Cut(tc.name, ".")
		max := limit(schema, "id", "maxLength")
		if msg := rejected(tc.path, tc.line(max)); msg != "" {
			t.Errorf("%s: an id of maxLength %d refused: %s", tc.name, max, msg)
		}
		if msg := rejected(tc.path, tc.line(max+1)); !strings.Contains(msg, "at most") {
			t.Errorf("%s: an id of %d characters, past maxLength, got %q; want it refused", tc.name, max+1, msg)
		}
		if min := limit(schema, "id", "minLength"); min != 1 || !strings.Contains(rejected(tc.path, tc.line(0)), "required") {
			t.Errorf("%s: minLength %d; want 1, and an empty id refused", tc.name, min)
		}
	}
	for _, field := range []string{"features", "groups"} {
		max := limit("EventLine", field, "maxProperties")
		if msg := rejected("events", event(`,"`+field+`":`+members(max, `"a"`))); msg != "" {
			t.Errorf("%s: %d members, maxProperties, refused: %s", field, max, msg)
		}
		if msg := rejected("events", event(`,"`+field+`":`+members(max+1, `"a"`))); !strings.Contains(msg, "at most") {
			t.Errorf("%s: %d members, past maxProperties, got %q; want it refused", field, max+1, msg)
		}
	}
	// A group's value: what the server takes, the schema allows.
	types, _ := prop("EventLine", "groups", "additionalProperties", "type").([]any)
	for value, allowed := range map[string]string{`"f"`: "string", `null`: "null"} {
		if msg := rejected("events", event(`,"groups":{"g":`+value+`}`)); msg != "" {
			t.Fatalf("a group's value %s refused: %s", value, msg)
		}
		if !slices.Contains(types, any(allowed)) {
			t.Errorf("EventLine.groups values: types %v; the server takes %s, so want %q among them", types, value, allowed)
		}
	}
	if msg := rejected("events", event(`,"groups":{"g":1}`)); msg == "" || slices.Contains(types, any("number")) {
		t.Errorf("a group's value 1: refused %q, types %v; want it refused and no number in the schema", msg, types)
	}
}

// TestOpenAPIEventLineNulls: a field of an event line the server takes as
// null (absent: time, features, groups, latency_ms, label) is one whose
// schema allows null, and a required one it refuses as null (id, version,
// prediction) is one whose schema does not. The document allowed null
// only for label, so a client validating against it refused lines such as
// {"latency_ms":null} that the server takes.
func TestOpenAPIEventLineNulls(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	f.model("Recommendations", "recsys", "Recommender")
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	for i, field := range []string{"id", "version", "prediction", "time", "features", "groups", "latency_ms", "label"} {
		parts := []string{}
		for k, v := range map[string]string{"id": fmt.Sprintf(`"e-%d"`, i), "version": `"1.0"`, "prediction": `0.5`} {
			if k != field {
				parts = append(parts, `"`+k+`":`+v)
			}
		}
		parts = append(parts, `"`+field+`":null`)
		r := f.ndjson("/api/v1/models/recsys/events", tok, "{"+strings.Join(parts, ",")+"}")
		res := decodeInto[lodestar.IngestResult](t, r)
		taken := r.StatusCode == 200 && len(res.Rejected) == 0 && res.Accepted == 1
		var types []any
		switch ty := dig(doc, "components", "schemas", "EventLine", "properties", field, "type").(type) {
		case string:
			types = []any{ty}
		case []any:
			types = ty
		}
		if allows := slices.Contains(types, any("null")); allows != taken {
			t.Errorf("%s: null taken %v (%d %s), but the schema's types %v allow null: %v", field, taken, r.StatusCode, r.body, types, allows)
		}
	}
}
