package app_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/api"
)

// TestAPIQueryParamsMatchDocument keeps every API read that takes query
// parameters (every list, the portfolio, the exports, the assignment
// check) and the OpenAPI document in step, parameter by parameter:
//
//   - each documented parameter, with a valid value, is accepted (200):
//     a parameter documented but refused fails;
//   - a parameter the operation does not document — a misspelt one
//     (stauts), one no operation takes, or one another operation
//     documents — is a 400 naming it: a parameter accepted but
//     undocumented fails, as does one silently ignored (/goals?stauts=live
//     answered every goal as if filtered);
//   - a malformed value of a documented parameter (an id that is not a
//     positive integer, a value outside its enum, a limit out of range,
//     a boolean that is not true or false) is a 400 naming it;
//   - a parameter given empty (status=, limit=, archived=), once read as
//     not given (the unfiltered list, the default page), is a 400 naming
//     it;
//   - a parameter given twice (status=draft&status=active, of which only
//     the first was read) is a 400 naming it, unless documented as an
//     array.
func TestAPIQueryParamsMatchDocument(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, tok := f.token(admin)
	w := walker{ids: f.records("params")}

	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	type op struct {
		path   string
		params map[string]map[string]any // query parameters by name
	}
	var ops []op
	everyName := map[string]bool{"stauts": true, "zzz": true, "limt": true, "model": true, "sort_by": true}
	paths, _ := doc["paths"].(map[string]any)
	for p, item := range paths {
		get, ok := item.(map[string]any)["get"].(map[string]any)
		if !ok {
			continue
		}
		o := op{path: api.Prefix + p, params: map[string]map[string]any{}}
		params, _ := get["parameters"].([]any)
		for _, x := range params {
			x := x.(map[string]any)
			if x["in"] == "query" {
				name := x["name"].(string)
				o.params[name] = x
				everyName[name] = true
			}
		}
		if len(o.params) > 0 {
			ops = append(ops, o)
		}
	}
	slices.SortFunc(ops, func(a, b op) int { return strings.Compare(a.path, b.path) })
	if len(ops) < 20 {
		t.Fatalf("found %d GET operations with query parameters in the document, want every list's", len(ops))
	}

	for _, o := range ops {
		t.Run(strings.TrimPrefix(o.path, api.Prefix+"/"), func(t *testing.T) {
			f := f.with(t)
			path := expand(t, o.path, w, "")
			// base holds the required parameters (an assignment check's unit).
			base := url.Values{}
			for name, p := range o.params {
				if p["required"] == true {
					base.Set(name, validValue(t, p))
				}
			}
			get := func(q url.Values) *response { return f.api("GET", path+"?"+q.Encode(), tok, "") }
			with := func(pairs ...string) url.Values {
				q := url.Values{}
				for k, v := range base {
					q[k] = slices.Clone(v)
				}
				for i := 0; i+1 < len(pairs); i += 2 {
					q.Add(pairs[i], pairs[i+1])
				}
				return q
			}
			refused := func(q url.Values, name string) {
				t.Helper()
				r := get(q)
				if r.StatusCode != 400 {
					t.Errorf("?%s: got %d %.200s, want 400 naming %s", q.Encode(), r.StatusCode, r.body, name)
					return
				}
				if d := apiError(t, r); d.Code != lodestar.EInvalid || d.Fields[name] == "" {
					t.Errorf("?%s: got %s fields %v, want invalid naming %s", q.Encode(), d.Code, d.Fields, name)
				}
			}

			if r := get(base); r.StatusCode != 200 {
				t.Fatalf("?%s: got %d %.300s, want 200", base.Encode(), r.StatusCode, r.body)
			}
			for _, name := range sortedKeys(o.params) {
				p := o.params[name]
				v := validValue(t, p)
				q := with(name, v)
				if p["required"] == true {
					q = with()
				}
				if r := get(q); r.StatusCode != 200 {
					t.Errorf("documented %s=%s: got %d %.300s, want 200", name, v, r.StatusCode, r.body)
				}
				for _, bad := range append(malformedValues(p), "") {
					q := with()
					q.Set(name, bad)
					refused(q, name)
				}
				if dig(p, "schema", "type") != "array" {
					q := with()
					q.Set(name, v)
					q.Add(name, v)
					refused(q, name)
				}
			}
			for _, name := range sortedKeys(everyName) {
				if o.params[name] == nil {
					refused(with(name, "1"), name)
				}
			}
		})
	}
}

// validValue is a value the document says a query parameter takes: its
// example, default or first enum value, else one of its type.
func validValue(t *testing.T, p map[string]any) string {
	t.Helper()
	if ex, ok := p["example"]; ok {
		return fmt.Sprint(ex)
	}
	s, _ := p["schema"].(map[string]any)
	if d, ok := s["default"]; ok {
		return fmt.Sprint(d)
	}
	if e, ok := s["enum"].([]any); ok && len(e) > 0 {
		return fmt.Sprint(e[0])
	}
	switch s["type"] {
	case "integer":
		return "1"
	case "boolean":
		return "true"
	case "string", "array":
		return "x"
	}
	t.Fatalf("parameter %v: no value of its schema known", p["name"])
	return ""
}

// malformedValues are values a query parameter's schema rules out.
func malformedValues(p map[string]any) []string {
	s, _ := p["schema"].(map[string]any)
	var out []string
	switch s["type"] {
	case "integer":
		out = append(out, "abc", "1.5")
		if lo, ok := s["minimum"].(float64); ok {
			out = append(out, fmt.Sprint(lo-1))
		}
		if hi, ok := s["maximum"].(float64); ok {
			out = append(out, fmt.Sprint(hi+1))
		}
	case "boolean":
		out = append(out, "yes", "1", "TRUE")
	case "string":
		if _, ok := s["enum"]; ok {
			out = append(out, "bogus")
		}
		if _, ok := s["pattern"]; ok {
			out = append(out, "abc", "0")
		}
	}
	return out
}
