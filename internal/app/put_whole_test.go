package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// TestPutReplacesTheWholeRecord: a PUT replaces the whole record, so a
// body that leaves a writable field out is refused with 400 naming each
// one, and nothing changes — a client generated from the OpenAPI document
// sent only what it changed and silently erased the rest (a use case's
// description, estimates, tags, links and feasibility; a pain point's
// annual cost; a KPI's goal).
func TestPutReplacesTheWholeRecord(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, secret := f.token(admin, lodestar.ScopeRead, lodestar.ScopeWrite)
	w := f.strategyWorld()

	// The reported case: a use case with every optional field set, then
	// PUT with a new title and updated_at only.
	created := fromJSON[lodestar.UseCase](t, f.apiOK("POST", "/api/v1/use-cases", secret, fmt.Sprintf(`{"title":"Forecast","description":"Weekly demand",
		"value_estimate":8000000,"cost_estimate":200000,"tags":["retail"],"pain_point_ids":[%d],"impacts":[{"kpi_id":%d,"change":5,"confidence":0.5}],
		"feasibility":{"data_readiness":4,"technical_maturity":3,"skills":3,"integration":2},"business_unit_id":%d}`, w.pain.ID, w.kpi.ID, w.root.ID), 201))
	path := fmt.Sprintf("/api/v1/use-cases/%d", created.ID)
	before := f.apiOK("GET", path, secret, "", 200).body
	stamp := created.UpdatedAt.Format("2006-01-02T15:04:05.999999999Z07:00")
	d := wantAPIError(t, f.api("PUT", path, secret, fmt.Sprintf(`{"title":"t2","updated_at":%q}`, stamp)), 400, lodestar.EInvalid)
	wantMissing := []string{"ai_lead_id", "business_unit_id", "cost_estimate", "description", "feasibility", "impacts", "pain_point_ids",
		"sponsor_id", "tags", "title_zh", "value_estimate"}
	if got := fieldKeys(d.Fields); !slices.Equal(got, wantMissing) {
		t.Errorf("partial use case PUT: fields %v, want %v", got, wantMissing)
	}
	for k, v := range d.Fields {
		if v != httpx.PutMissing {
			t.Errorf("fields.%s = %q, want %q", k, v, httpx.PutMissing)
		}
	}
	if !strings.Contains(d.Message, "value_estimate") {
		t.Errorf("message %q does not name the missing fields", d.Message)
	}
	if after := f.apiOK("GET", path, secret, "", 200).body; after != before {
		t.Errorf("a refused PUT changed the use case:\nbefore %s\nafter  %s", before, after)
	}

	// In Chinese, for a client that asks.
	h := http.Header{"Authorization": {"Bearer " + secret}, "Content-Type": {"application/json"}, "Accept-Language": {"zh-CN"}}
	zh := wantAPIError(t, f.do(f.client(), "PUT", path, h, strings.NewReader(`{"title":"t2"}`)), 400, lodestar.EInvalid)
	if zh.Fields["tags"] == httpx.PutMissing || !strings.Contains(zh.Fields["tags"], "PUT") || !strings.Contains(zh.Message, "value_estimate") ||
		zh.Message == d.Message {
		t.Errorf("in Chinese: message %q, tags %q; want them translated", zh.Message, zh.Fields["tags"])
	}

	// Every field present, null where it takes null: made, and what the
	// body holds is what the record holds. The stage may be left out (it
	// changes only through /stage): leaving it out erases nothing.
	full := fmt.Sprintf(`{"title":"t2","title_zh":null,"description":"Weekly demand","business_unit_id":null,"sponsor_id":null,"ai_lead_id":null,
		"pain_point_ids":[%d],"impacts":[{"kpi_id":%d,"change":5,"confidence":0.5}],"value_estimate":8000000,"cost_estimate":200000,
		"feasibility":{"data_readiness":4,"technical_maturity":3,"skills":3,"integration":2},"tags":["retail"],"updated_at":%q}`, w.pain.ID, w.kpi.ID, stamp)
	uc := fromJSON[lodestar.UseCase](t, f.apiOK("PUT", path, secret, full, 200))
	if uc.Title != "t2" || uc.Description != "Weekly demand" || uc.ValueEstimate != 8000000 || !slices.Equal(uc.Tags, []string{"retail"}) ||
		len(uc.Impacts) != 1 || uc.Feasibility.DataReadiness != 4 || uc.BusinessUnitID != 0 || uc.Stage != lodestar.StageIdea {
		t.Errorf("full PUT: got %+v", uc)
	}

	// The OpenAPI document says so: each update body requires what the
	// handler does.
	doc := fromJSON[struct {
		Components struct {
			Schemas map[string]struct {
				Required []string `json:"required"`
			} `json:"schemas"`
		} `json:"components"`
	}](t, f.apiOK("GET", "/api/v1/openapi.json", "", "", 200))
	for schema, entity := range map[string]string{"BusinessUnitUpdate": "business-units", "GoalUpdate": "goals", "KPIUpdate": "kpis",
		"PainPointUpdate": "pain-points", "UseCaseUpdate": "use-cases", "ModelUpdate": "models", "ExperimentUpdate": "experiments",
		"ModelCardInput": "card", "ProvenanceInput": "provenance"} {
		got := slices.Sorted(slices.Values(doc.Components.Schemas[schema].Required))
		if want := slices.Sorted(slices.Values(putFields[entity])); !slices.Equal(got, want) {
			t.Errorf("OpenAPI %s requires %v, want %v", schema, got, want)
		}
	}

	// Every other PUT: {} is refused naming every field the record has
	// (updated_at, a use case's stage and a model's or experiment's key
	// excepted), and changes nothing.
	_, ver, tok := f.teamVersion("Recs", "rec", "Rec")
	x := f.experimentWorld()
	exp := fromJSON[lodestar.Experiment](t, f.apiOK("POST", "/api/v1/experiments", x.token, x.design("whole"), 201))
	for _, c := range []struct{ path, tok, entity string }{
		{fmt.Sprintf("/api/v1/business-units/%d", w.child.ID), secret, "business-units"},
		{fmt.Sprintf("/api/v1/goals/%d", w.goal.ID), secret, "goals"},
		{fmt.Sprintf("/api/v1/kpis/%d", w.kpi.ID), secret, "kpis"},
		{fmt.Sprintf("/api/v1/pain-points/%d", w.pain.ID), secret, "pain-points"},
		{path, secret, "use-cases"},
		{fmt.Sprintf("/api/v1/models/%d", ver.ModelID), tok, "models"},
		{fmt.Sprintf("/api/v1/model-versions/%d/card", ver.ID), tok, "card"},
		{fmt.Sprintf("/api/v1/model-versions/%d/provenance", ver.ID), tok, "provenance"},
		{fmt.Sprintf("/api/v1/experiments/%d", exp.ID), x.token, "experiments"},
	} {
		get := strings.TrimSuffix(strings.TrimSuffix(c.path, "/card"), "/provenance")
		was := f.apiOK("GET", get, c.tok, "", 200).body
		for _, body := range []string{`{}`, `{"updated_at":null}`} {
			d := wantAPIError(t, f.api("PUT", c.path, c.tok, body), 400, lodestar.EInvalid)
			want := slices.Sorted(slices.Values(putFields[c.entity]))
			if got := fieldKeys(d.Fields); !slices.Equal(got, want) {
				t.Errorf("PUT %s %s: fields %v, want %v", c.path, body, got, want)
			}
		}
		// One field short: refused naming that one only.
		short := putFields[c.entity][1:]
		body := whole(c.path, "{}")
		body = strings.Replace(body, `"`+putFields[c.entity][0]+`":null,`, "", 1)
		d := wantAPIError(t, f.api("PUT", c.path, c.tok, body), 400, lodestar.EInvalid)
		if got := fieldKeys(d.Fields); !slices.Equal(got, []string{putFields[c.entity][0]}) {
			t.Errorf("PUT %s without %s (%d others sent): fields %v", c.path, putFields[c.entity][0], len(short), got)
		}
		if now := f.apiOK("GET", get, c.tok, "", 200).body; now != was {
			t.Errorf("a refused PUT %s changed the record:\nbefore %s\nafter  %s", c.path, was, now)
		}
	}
}

// TestPutTakesWhatGetReturns: a record's answer carries every field its
// PUT must send — an empty Chinese name as "", a reference to no record
// as null — so a PUT of the fields as GET returned them is taken and
// changes nothing. GET left empty references out (omitempty), and a PUT
// built from it was refused for them.
func TestPutTakesWhatGetReturns(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, secret := f.token(admin, lodestar.ScopeRead, lodestar.ScopeWrite)
	w := f.strategyWorld()
	uc := fromJSON[lodestar.UseCase](t, f.apiOK("POST", "/api/v1/use-cases", secret, `{"title":"Echo"}`, 201))
	for _, c := range []struct {
		entity string
		id     int64
		nulls  []string // empty references the record has
	}{
		{"business-units", w.root.ID, []string{"parent_id"}},
		{"goals", w.goal.ID, []string{"owner_id"}},
		{"kpis", w.kpi.ID, []string{"owner_id"}},
		{"pain-points", w.pain.ID, []string{"goal_id"}},
		{"use-cases", uc.ID, []string{"business_unit_id", "sponsor_id", "ai_lead_id"}},
	} {
		path := fmt.Sprintf("/api/v1/%s/%d", c.entity, c.id)
		before := fromJSON[map[string]any](t, f.apiOK("GET", path, secret, "", 200))
		for _, k := range c.nulls {
			if v, ok := before[k]; !ok || v != nil {
				t.Errorf("GET %s: %s = %v (present %v), want null", path, k, v, ok)
			}
		}
		body := map[string]any{"updated_at": before["updated_at"]}
		for _, k := range putFields[c.entity] {
			v, ok := before[k]
			if !ok {
				t.Errorf("GET %s has no %s, which its PUT must send", path, k)
			}
			body[k] = v
		}
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		after := fromJSON[map[string]any](t, f.apiOK("PUT", path, secret, string(b), 200))
		for _, k := range putFields[c.entity] {
			if fmt.Sprint(after[k]) != fmt.Sprint(before[k]) {
				t.Errorf("PUT %s as GET returned it changed %s: %v → %v", path, k, before[k], after[k])
			}
		}
	}
}
