package app_test

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/api"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
)

var pathParam = regexp.MustCompile(`\{([^}$]+)\}`)

// normalize writes a route as "METHOD /path/{}" so the route table and
// the document compare whatever each names its path parameters.
func normalize(method, path string) string {
	return strings.ToUpper(method) + " " + pathParam.ReplaceAllString(path, "{}")
}

func TestOpenAPIServed(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	r := f.get(f.client(), "/api/v1/openapi.json")
	if r.StatusCode != 200 {
		t.Fatalf("GET /api/v1/openapi.json: got status %d, want 200", r.StatusCode)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type: got %q, want application/json", ct)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(r.body), &doc); err != nil {
		t.Fatalf("document is not valid JSON: %v", err)
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"openapi version", doc["openapi"], "3.1.0"},
		{"server URL", dig(doc, "servers", 0, "url"), api.Prefix},
		{"bearer scheme", dig(doc, "components", "securitySchemes", "bearer", "scheme"), "bearer"},
		{"title", dig(doc, "info", "title"), "Lodestar API"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.got, tc.want)
		}
	}

	// Every $ref points at a schema the document defines.
	schemas, _ := dig(doc, "components", "schemas").(map[string]any)
	var refs []string
	collectRefs(doc, &refs)
	if len(refs) == 0 {
		t.Errorf("document: got no $ref, want the schemas referenced")
	}
	for _, ref := range refs {
		name, ok := strings.CutPrefix(ref, "#/components/schemas/")
		if _, defined := schemas[name]; !ok || !defined {
			t.Errorf("$ref %q: got no such schema, want every reference defined", ref)
		}
	}

	// Every path parameter is declared, and every operation has an id.
	paths, _ := doc["paths"].(map[string]any)
	ids := map[string]string{}
	for p, item := range paths {
		for m, op := range item.(map[string]any) {
			if m == "servers" {
				// A path served outside /api/v1 (OFREP's) names its server.
				if url, _ := dig(op, 0, "url").(string); url != api.OFREP {
					t.Errorf("%s: servers %v, want only OFREP's paths to name theirs (%s)", p, op, api.OFREP)
				}
				continue
			}
			op := op.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s %s: got no operationId", m, p)
			} else if prev, dup := ids[id]; dup {
				t.Errorf("operationId %q used by %s and %s %s", id, prev, m, p)
			}
			ids[id] = m + " " + p
			if _, ok := op["responses"].(map[string]any); !ok {
				t.Errorf("%s %s: got no responses", m, p)
			}
			for _, pm := range pathParam.FindAllStringSubmatch(p, -1) {
				declared := false
				params, _ := op["parameters"].([]any)
				for _, x := range params {
					x := x.(map[string]any)
					if x["in"] == "path" && x["name"] == pm[1] && x["required"] == true {
						declared = true
					}
				}
				if !declared {
					t.Errorf("%s %s: path parameter %q is not declared as a required path parameter", m, p, pm[1])
				}
			}
		}
	}
}

// dig walks a decoded JSON document by keys and indexes.
func dig(v any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				return nil
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				return nil
			}
			v = a[k]
		}
	}
	return v
}

func collectRefs(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				*out = append(*out, s)
			}
			collectRefs(e, out)
		}
	case []any:
		for _, e := range x {
			collectRefs(e, out)
		}
	}
}

// TestOpenAPIMatchesRoutes keeps the document and the route table in step:
// every API route is documented and every documented operation served.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	served := map[string]bool{}
	for _, rt := range f.app.Routes {
		if strings.HasPrefix(rt.Pattern, api.Prefix+"/") || strings.HasPrefix(rt.Pattern, api.OFREP+"/") {
			served[normalize(rt.Method, rt.Pattern)] = true
		}
	}
	documented := map[string]bool{}
	for _, d := range api.DocumentedRoutes() {
		method, path, ok := strings.Cut(d, " ")
		if !ok || !strings.HasPrefix(path, api.Prefix+"/") && !strings.HasPrefix(path, api.OFREP+"/") {
			t.Errorf("DocumentedRoutes: got %q, want \"METHOD %s/…\" or \"METHOD %s/…\"", d, api.Prefix, api.OFREP)
			continue
		}
		documented[normalize(method, path)] = true
	}
	if len(served) == 0 || len(documented) == 0 {
		t.Fatalf("got %d served and %d documented API routes, want both non-zero", len(served), len(documented))
	}
	for _, k := range sortedKeys(served) {
		if !documented[k] {
			t.Errorf("%s is served but not in the OpenAPI document", k)
		}
	}
	for _, k := range sortedKeys(documented) {
		if !served[k] {
			t.Errorf("%s is in the OpenAPI document but not served", k)
		}
	}
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct{ method, path, want string }{
		{"get", "/api/v1/use-cases/{id}", "GET /api/v1/use-cases/{}"},
		{"GET", "/api/v1/use-cases/{useCaseId}", "GET /api/v1/use-cases/{}"},
		{"POST", "/api/v1/use-cases", "POST /api/v1/use-cases"},
	}
	for _, tc := range tests {
		if got := normalize(tc.method, tc.path); got != tc.want {
			t.Errorf("normalize(%q, %q): got %q, want %q", tc.method, tc.path, got, tc.want)
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return slices.Clip(keys)
}

var mib = regexp.MustCompile(`([0-9]+(?:\.[0-9]+)?) MiB`)

// TestOpenAPIBodyLimits: an operation's documented 413 states the body
// limit its route enforces. createMonitor's said 1 MiB (the default)
// while the route takes a 20 MiB reference, base64-encoded: a client
// sizing its uploads by the document refused itself what the server
// takes.
func TestOpenAPIBodyLimits(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	paths, _ := doc["paths"].(map[string]any)
	byRoute := map[string]any{}
	for p, ops := range paths {
		for m, op := range ops.(map[string]any) {
			byRoute[normalize(m, api.Prefix+p)] = op
		}
	}
	checked := 0
	for _, rt := range f.app.Routes {
		desc, ok := dig(byRoute[normalize(rt.Method, rt.Pattern)], "responses", "413", "description").(string)
		if !strings.HasPrefix(rt.Pattern, api.Prefix+"/") || !ok {
			continue
		}
		limit := rt.MaxBody
		if limit == 0 {
			limit = 1 << 20
		}
		want := float64(limit) / (1 << 20)
		m := mib.FindStringSubmatch(desc)
		if m == nil {
			t.Errorf("%s %s: 413 %q states no limit in MiB; the route's is %.1f MiB", rt.Method, rt.Pattern, desc, want)
			continue
		}
		checked++
		var got float64
		if err := json.Unmarshal([]byte(m[1]), &got); err != nil || got < want-0.1 || got > want+0.1 {
			t.Errorf("%s %s: 413 says %s MiB, the route takes %.2f MiB", rt.Method, rt.Pattern, m[1], want)
		}
	}
	if checked < 10 {
		t.Errorf("checked %d documented 413s, want the API's writes", checked)
	}
	// Every operation that takes a body documents the server's refusals
	// of one too large (413) and of another type (415), each with the
	// Error schema: the stage and status changes and the archive
	// operations listed neither.
	bodies := 0
	for p, ops := range paths {
		for m, op := range ops.(map[string]any) {
			if dig(op, "requestBody") == nil {
				continue
			}
			bodies++
			for _, code := range []string{"413", "415"} {
				if ref, _ := dig(op, "responses", code, "content", "application/json", "schema", "$ref").(string); ref != "#/components/schemas/Error" {
					t.Errorf("%s %s takes a body but documents no %s (with the Error schema)", strings.ToUpper(m), p, code)
				}
			}
		}
	}
	if bodies < 30 {
		t.Errorf("found %d operations with a body, want every write", bodies)
	}
}

// TestOpenAPIArchiveAndSelf: POST /use-cases/{id}/archive documents the
// 409 it answers for a use case already in that state, as it answers it;
// GET /openapi.json documents its JSON content.
func TestOpenAPIArchiveAndSelf(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAdmin, "admin@example.com"), lodestar.ScopeWrite)
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	if ty, _ := dig(doc, "paths", "/openapi.json", "get", "responses", "200", "content", "application/json", "schema", "type").(string); ty != "object" {
		t.Errorf("GET /openapi.json: 200 content schema type %q, want an object", ty)
	}
	uc := fromJSON[lodestar.UseCase](t, f.apiOK("POST", "/api/v1/use-cases", tok, `{"title":"Archived twice"}`, 201))
	path := fmt.Sprintf("/api/v1/use-cases/%d/archive", uc.ID)
	f.apiOK("POST", path, tok, `{"archived":true}`, 200)
	if r := f.api("POST", path, tok, `{"archived":true}`); r.StatusCode != 409 {
		t.Fatalf("archive twice: got %d, want 409 (%s)", r.StatusCode, r.body)
	}
	for _, p := range []string{"/use-cases/{id}/archive", "/goals/{id}/archive", "/kpis/{id}/archive", "/pain-points/{id}/archive", "/business-units/{id}/archive"} {
		if ref, _ := dig(doc, "paths", p, "post", "responses", "409", "content", "application/json", "schema", "$ref").(string); ref != "#/components/schemas/Error" {
			t.Errorf("POST %s answers 409 when already in that state, but documents no 409", p)
		}
	}
	// A new use case cannot start rejected or retired: the document's
	// enum is the stages the server takes.
	enum, _ := dig(doc, "components", "schemas", "NewUseCase", "properties", "stage", "enum").([]any)
	for _, st := range []string{"idea", "assessment", "approved", "pilot", "scaling", "operating", "rejected", "retired"} {
		r := f.api("POST", "/api/v1/use-cases", tok, fmt.Sprintf(`{"title":"Starts %s","stage":%q}`, st, st))
		if documented := slices.Contains(enum, any(st)); documented != (r.StatusCode == 201) {
			t.Errorf("new use case in stage %s: got %d, documented in NewUseCase.stage's enum: %v", st, r.StatusCode, documented)
		}
	}
}

// TestOpenAPIDriftSchema: a window's drift, as the API writes it, is what
// the document's DatasetDrift and FeatureDrift say — every field named,
// of its type (null where a figure does not apply). The document gave
// drift no schema and described it as "per column name, kind, …" while
// the API writes an object whose columns array holds them.
func TestOpenAPIDriftSchema(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	schemas, _ := dig(doc, "components", "schemas").(map[string]any)
	if ref, _ := dig(schemas, "WindowResult", "properties", "drift", "$ref").(string); ref != "#/components/schemas/DatasetDrift" {
		t.Fatalf("WindowResult.drift: $ref %q, want DatasetDrift", ref)
	}
	full := monitor.FeatureDrift{Name: "age", Kind: monitor.Numeric, Test: monitor.TestKS, Statistic: 0.2, PValue: 0.01, Threshold: 0.05,
		Drifted: true, PSI: 0.3, PSILevel: "drift", KS: 0.2, KSPValue: 0.01, KSMethod: "exact", KSUpper: 0.21, Wasserstein: 0.4,
		WassersteinBound: 0.01, ChiSquare: 3, ChiSquarePValue: 0.2, JensenShannon: 0.1, Method: "exact", RefN: 10, CurN: 12,
		RefMiss: 1, CurMiss: 2, Categories: 3, Note: "n"}
	nan := math.NaN()
	empty := monitor.FeatureDrift{Name: "region", Kind: "categorical", Test: monitor.TestNone, Statistic: nan, PValue: nan, Threshold: nan, PSI: nan,
		KS: nan, KSPValue: nan, KSUpper: nan, Wasserstein: nan, WassersteinBound: nan, ChiSquare: nan, ChiSquarePValue: nan, JensenShannon: nan}
	raw, err := json.Marshal(monitor.DatasetDrift{Features: []monitor.FeatureDrift{full, empty}, Tested: 1, Drifted: 1, ShareDrifted: 1, Share: 0.5, Drift: true})
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	checkSchema(t, schemas, "drift", v, map[string]any{"$ref": "#/components/schemas/DatasetDrift"})
}

// checkSchema checks a decoded JSON value against the parts of a schema
// the document uses for it: $ref, type (one or several), properties (every
// field of the value named) and items.
func checkSchema(t *testing.T, schemas map[string]any, where string, v any, s map[string]any) {
	t.Helper()
	if ref, ok := s["$ref"].(string); ok {
		s, _ = schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
		if s == nil {
			t.Errorf("%s: $ref %s is not defined", where, ref)
			return
		}
	}
	var types []string
	switch ty := s["type"].(type) {
	case string:
		types = []string{ty}
	case []any:
		for _, x := range ty {
			types = append(types, x.(string))
		}
	}
	var kind string
	switch x := v.(type) {
	case nil:
		kind = "null"
	case bool:
		kind = "boolean"
	case string:
		kind = "string"
	case float64:
		kind = "number"
		if x == math.Trunc(x) && slices.Contains(types, "integer") {
			kind = "integer"
		}
	case []any:
		kind = "array"
	case map[string]any:
		kind = "object"
	}
	if len(types) > 0 && !slices.Contains(types, kind) {
		t.Errorf("%s: a %s, the document says %v", where, kind, types)
		return
	}
	switch x := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for k, e := range x {
			ps, ok := props[k].(map[string]any)
			if !ok {
				t.Errorf("%s.%s: written but not in the document", where, k)
				continue
			}
			checkSchema(t, schemas, where+"."+k, e, ps)
		}
	case []any:
		items, _ := s["items"].(map[string]any)
		for i, e := range x {
			checkSchema(t, schemas, fmt.Sprintf("%s[%d]", where, i), e, items)
		}
	}
}

// TestOpenAPICreateConflicts: a create that the server refuses with 409
// when the name is taken lists 409 in the document. Each create is sent
// twice for real: the second must be the 409 the document promises (the
// strategy creates answered it while their operations listed none).
func TestOpenAPICreateConflicts(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAdmin, "admin@example.com"), lodestar.ScopeWrite)
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	unit := fromJSON[lodestar.BusinessUnit](t, f.apiOK("POST", "/api/v1/business-units", tok, `{"name":"Owner unit"}`, 201))
	uc := fromJSON[lodestar.UseCase](t, f.apiOK("POST", "/api/v1/use-cases", tok, `{"title":"Owner use case"}`, 201))
	creates := []struct{ path, body string }{
		{"/business-units", `{"name":"Dup unit"}`},
		{"/goals", `{"title":"Dup goal","horizon":"year"}`},
		{"/kpis", `{"name":"Dup KPI","unit":"%","direction":"up","baseline":1,"target":2,"target_date":"2030-01-01"}`},
		{"/pain-points", fmt.Sprintf(`{"title":"Dup pain","business_unit_id":%d,"category":"cost","annual_cost":1}`, unit.ID)},
		{"/use-cases", `{"title":"Dup use case"}`},
		{"/models", fmt.Sprintf(`{"use_case_id":%d,"key":"dup-model","name":"Dup model"}`, uc.ID)},
	}
	served := map[string]bool{}
	for _, rt := range f.app.Routes {
		served[normalize(rt.Method, rt.Pattern)] = true
	}
	for _, c := range creates {
		route := normalize("POST", api.Prefix+c.path)
		if !served[route] {
			t.Errorf("%s: not served; the table names a create route that does not exist", route)
			continue
		}
		f.apiOK("POST", api.Prefix+c.path, tok, c.body, 201)
		if r := f.api("POST", api.Prefix+c.path, tok, c.body); r.StatusCode != 409 {
			t.Errorf("%s twice: got %d, want 409 (body %s)", route, r.StatusCode, r.body)
			continue
		}
		desc, _ := dig(doc, "paths", c.path, "post", "responses", "409", "description").(string)
		if desc == "" {
			t.Errorf("%s answers 409 for a taken name, but its operation lists no 409", route)
		}
		ref, _ := dig(doc, "paths", c.path, "post", "responses", "409", "content", "application/json", "schema", "$ref").(string)
		if ref != "#/components/schemas/Error" {
			t.Errorf("%s: 409 schema %q, want the Error schema", route, ref)
		}
	}
}
