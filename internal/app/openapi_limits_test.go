package app_test

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// limitCase is one input schema and the operation that takes it: base
// makes a valid body, a fresh one each call (names are unique, so that a
// body accepted twice is not refused as a duplicate).
type limitCase struct {
	schema, method, path string
	ok                   int
	base                 func() map[string]any
}

// patternExamples are values of the properties whose pattern is more
// than "not blank": good ones must match the pattern and be accepted,
// bad ones refused. A property with such a pattern and no examples fails
// the test, so that a new pattern is tested too.
var patternExamples = map[string]struct{ good, bad []string }{
	"window":      {good: []string{"hour", "day", "events:10", "events:10000000"}, bad: []string{"week", "Hour", "events:", "events:9", "events:10000001", "events:x"}},
	"webhook_url": {good: []string{"https://example.com/hook?k=1", "HTTP://example.com"}, bad: []string{"ftp://example.com/x", "https://", "example.com"}},
	"key":         {good: []string{"k.a-1", "k_b2"}, bad: []string{"Bad", "-x", "12345", strings.Repeat("k", 64)}},
}

// columnLists are MonitorInput's lists of the reference's columns.
var columnLists = map[string]bool{"classes": true, "numeric": true, "categorical": true, "groups": true}

// TestOpenAPIInputLimits: every limit an input schema of the document
// states (maxLength, minLength, a non-blank pattern, minimum, maximum,
// exclusiveMaximum, maxItems, other patterns) is the server's: a body at
// the limit is accepted, one past it is a 400 naming the field. The
// limits are read from the document, so a limit the server does not keep,
// or a change of one on either side, fails here. The document stated
// none for goals, KPIs, business units, pain points, models and monitors,
// so clients it checked were refused what it called valid.
func TestOpenAPIInputLimits(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAdmin, "admin@example.com"), lodestar.ScopeWrite)
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	schemas, _ := dig(doc, "components", "schemas").(map[string]any)
	unit := fromJSON[lodestar.BusinessUnit](t, f.apiOK("POST", "/api/v1/business-units", tok, `{"name":"Limits unit"}`, 201))
	m := f.model("Limits use case", "limits", "Limits")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	n := 0
	uniq := func(s string) string { n++; return fmt.Sprintf("%s %d", s, n) }
	monitorBody := func() map[string]any {
		return map[string]any{"version": "1.0", "name": uniq("Monitor"), "window": "day",
			"reference": map[string]any{"kind": "dataset", "csv": "x,colour,label\n1,red,1\n2,blue,0\n3,red,1\n"}}
	}
	edited := f.postMonitor(tok, m.ID, mustJSON(t, monitorBody()))
	cases := []limitCase{
		{"BusinessUnitInput", "POST", "/api/v1/business-units", 201, func() map[string]any { return map[string]any{"name": uniq("Unit")} }},
		{"GoalInput", "POST", "/api/v1/goals", 201, func() map[string]any { return map[string]any{"title": uniq("Goal"), "horizon": "year"} }},
		{"KPIInput", "POST", "/api/v1/kpis", 201, func() map[string]any {
			return map[string]any{"name": uniq("KPI"), "unit": "%", "direction": "up", "baseline": 1, "target": 2, "target_date": "2030-01-01"}
		}},
		{"PainPointInput", "POST", "/api/v1/pain-points", 201, func() map[string]any {
			return map[string]any{"title": uniq("Pain"), "business_unit_id": unit.ID, "category": "cost"}
		}},
		{"NewUseCase", "POST", "/api/v1/use-cases", 201, func() map[string]any { return map[string]any{"title": uniq("Use case")} }},
		{"ModelInput", "POST", "/api/v1/models", 201, func() map[string]any {
			return map[string]any{"use_case_id": m.UseCaseID, "key": strings.ReplaceAll(uniq("m"), " ", "-"), "name": uniq("Model")}
		}},
		{"MonitorInput", "POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), 201, monitorBody},
		{"MonitorEditInput", "PATCH", fmt.Sprintf("/api/v1/monitors/%d", edited.ID), 200, func() map[string]any {
			cur := fromJSON[lodestar.Monitor](t, f.apiOK("GET", fmt.Sprintf("/api/v1/monitors/%d", edited.ID), tok, "", 200))
			return map[string]any{"updated_at": cur.UpdatedAt, "name": uniq("Edited")}
		}},
	}
	for _, c := range cases {
		s, _ := schemas[c.schema].(map[string]any)
		if s == nil {
			t.Errorf("%s: not in the document", c.schema)
			continue
		}
		send := func(field string, v any) (int, map[string]string, string) {
			body := c.base()
			setPath(body, field, v)
			r := f.api(c.method, c.path, tok, string(mustJSON(t, body)))
			var e struct {
				Error struct{ Fields map[string]string } `json:"error"`
			}
			_ = json.Unmarshal([]byte(r.body), &e)
			return r.StatusCode, e.Error.Fields, r.body
		}
		accept := func(field, what string, v any) {
			if code, _, body := send(field, v); code != c.ok {
				t.Errorf("%s %s (%s).%s %s: got %d, want %d (body %.300s)", c.method, c.path, c.schema, field, what, code, c.ok, body)
			}
		}
		refuse := func(field, what string, v any) {
			code, fields, body := send(field, v)
			top, _, _ := strings.Cut(field, ".")
			named := false
			for k := range fields {
				named = named || k == top || strings.HasPrefix(k, top+".")
			}
			if code != 400 || !named {
				t.Errorf("%s %s (%s).%s %s: got %d fields %v, want 400 naming %s (body %.300s)", c.method, c.path, c.schema, field, what, code, fields, top, body)
			}
		}
		tested := 0
		for _, p := range limitedProps(s) {
			ps := p.schema
			num := func(k string) (float64, bool) { x, ok := ps[k].(float64); return x, ok }
			isInt := ps["type"] == "integer"
			step := 0.001
			if isInt {
				step = 1
			}
			fill := func(n int) string { return fillString(p.name, uniq(""), n) }
			if max, ok := num("maxLength"); ok {
				tested++
				accept(p.name, fmt.Sprintf("of %v characters (maxLength)", max), fill(int(max)))
				refuse(p.name, fmt.Sprintf("of %v characters (maxLength + 1)", max+1), fill(int(max)+1))
			}
			if min, ok := num("minLength"); ok && min == 1 {
				tested++
				refuse(p.name, "empty (minLength 1)", "")
			}
			if pat, _ := ps["pattern"].(string); pat == `\S` {
				tested++
				refuse(p.name, "blank (pattern \\S)", "   ")
			} else if pat != "" {
				ex, ok := patternExamples[p.name]
				if !ok {
					t.Errorf("%s.%s: pattern %q and no examples in patternExamples to test it with", c.schema, p.name, pat)
				}
				re := regexp.MustCompile(pat)
				for _, g := range ex.good {
					if !re.MatchString(g) {
						t.Errorf("%s.%s: good example %q does not match the document's pattern %q", c.schema, p.name, g, pat)
					}
					accept(p.name, fmt.Sprintf("%q (pattern)", g), g)
				}
				for _, b := range ex.bad {
					refuse(p.name, fmt.Sprintf("%q (pattern)", b), b)
				}
				tested++
			}
			// A reference's minimum 1 is no limit: 0 is none, and a
			// record is checked to exist.
			ref := strings.HasSuffix(p.name, "_id")
			if min, ok := num("minimum"); ok && !ref {
				tested++
				accept(p.name, fmt.Sprintf("= %v (minimum)", min), min)
				refuse(p.name, fmt.Sprintf("= %v (below minimum)", min-step), min-step)
			}
			if max, ok := num("maximum"); ok && !ref {
				tested++
				accept(p.name, fmt.Sprintf("= %v (maximum)", max), max)
				refuse(p.name, fmt.Sprintf("= %v (above maximum)", max+step), max+step)
			}
			if max, ok := num("exclusiveMaximum"); ok {
				tested++
				accept(p.name, fmt.Sprintf("= %v (under exclusiveMaximum)", max-step), max-step)
				refuse(p.name, fmt.Sprintf("= %v (exclusiveMaximum)", max), max)
			}
			if max, ok := num("maxItems"); ok {
				tested++
				items := make([]string, int(max)+1)
				for i := range items {
					items[i] = fmt.Sprintf("n%d", i)
				}
				refuse(p.name, fmt.Sprintf("of %v items (maxItems + 1)", max+1), items)
				// A monitor's column lists must name the reference's
				// columns: at the limit they are refused for that.
				if !columnLists[p.name] {
					accept(p.name, fmt.Sprintf("of %v items (maxItems)", max), items[:int(max)])
				}
			}
		}
		if tested == 0 {
			t.Errorf("%s: no limit tested; the document states none", c.schema)
		}
	}
	// The document's limits are the store's constants.
	for _, c := range []struct {
		path string
		want int
	}{
		{"GoalInput.title", lodestar.MaxTitle}, {"GoalInput.description", lodestar.MaxDescription}, {"KPIInput.unit", lodestar.MaxKPIUnit},
		{"BusinessUnitInput.name", lodestar.MaxUnitName}, {"ModelInput.name", lodestar.MaxTitle}, {"MonitorInput.name", lodestar.MaxTitle},
		{"MonitorInput.webhook_url", lodestar.MaxWebhookURL}, {"MonitorEditInput.webhook_url", lodestar.MaxWebhookURL},
		{"GoalUpdate.title", lodestar.MaxTitle}, {"KPIUpdate.unit", lodestar.MaxKPIUnit}, {"BusinessUnitUpdate.name", lodestar.MaxUnitName},
		{"PainPointUpdate.title", lodestar.MaxTitle}, {"ModelUpdate.name", lodestar.MaxTitle}, {"UseCaseUpdate.title", lodestar.MaxTitle},
	} {
		name, prop, _ := strings.Cut(c.path, ".")
		if got, _ := dig(schemas, name, "properties", prop, "maxLength").(float64); int(got) != c.want {
			t.Errorf("%s: maxLength %v, want %d", c.path, got, c.want)
		}
	}
}

type limitedProp struct {
	name   string
	schema map[string]any
}

// limitedProps are s's properties, those of an inline object property
// (thresholds) as "thresholds.x", in order.
func limitedProps(s map[string]any) []limitedProp {
	var out []limitedProp
	props, _ := s["properties"].(map[string]any)
	for _, k := range sortedKeys(props) {
		ps, _ := props[k].(map[string]any)
		if k == "updated_at" {
			continue
		}
		if inner, ok := ps["properties"].(map[string]any); ok && k == "thresholds" {
			for _, ik := range sortedKeys(inner) {
				out = append(out, limitedProp{k + "." + ik, inner[ik].(map[string]any)})
			}
			continue
		}
		out = append(out, limitedProp{k, ps})
	}
	return out
}

// fillString is a value of n characters for field, unique by tag, of the
// form its pattern asks (an address for webhook_url).
func fillString(field, tag string, n int) string {
	prefix := "v" + strings.TrimSpace(tag) + "-"
	if field == "webhook_url" {
		prefix = "https://example.com/" + prefix
	}
	if len(prefix) >= n {
		return prefix[:n]
	}
	return prefix + strings.Repeat("x", n-len(prefix))
}

// setPath sets body's field ("a" or "a.b") to v.
func setPath(body map[string]any, field string, v any) {
	if f, ok := v.(float64); ok && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
		v = int64(f) // 1e12 as JSON's integer, not 1e+12
	}
	if a, b, ok := strings.Cut(field, "."); ok {
		inner, _ := body[a].(map[string]any)
		if inner == nil {
			inner = map[string]any{}
			body[a] = inner
		}
		inner[b] = v
		return
	}
	body[field] = v
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
