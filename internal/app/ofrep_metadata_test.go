package app_test

import (
	"encoding/json"
	"sort"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestOFREPMetadataNamesTheFlip: an OFREP evaluation's flag metadata
// carries the switch's record — why it was flipped, by whom, when — as
// GET /api/v1/switches/{key} gives it, in one flag and in the bulk
// evaluation; a switch never flipped has no reason nor flipper; and every
// key it sends is one the OpenAPI document describes.
func TestOFREPMetadataNamesTheFlip(t *testing.T) {
	f := start(t, fixtureOpts{})
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	uc := f.useCase("Credit scoring")
	for _, key := range []string{"credit-risk", "fraud"} {
		if _, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: key, Name: key}); err != nil {
			t.Fatal(err)
		}
	}
	_, riskTok := f.token(risk)
	_, tok := f.token(viewer, "read")

	evaluate := func() map[string]any {
		t.Helper()
		r := f.api("POST", "/ofrep/v1/evaluate/flags/credit-risk", tok, `{"context":{}}`)
		var got struct {
			Metadata map[string]any `json:"metadata"`
		}
		if r.StatusCode != 200 || json.Unmarshal([]byte(r.body), &got) != nil {
			t.Fatalf("evaluate: %d %s", r.StatusCode, r.body)
		}
		return got.Metadata
	}
	switchNow := func() lodestar.Switch {
		t.Helper()
		var sw lodestar.Switch
		r := f.api("GET", "/api/v1/switches/credit-risk", tok, "")
		if r.StatusCode != 200 || json.Unmarshal([]byte(r.body), &sw) != nil {
			t.Fatalf("GET switch: %d %s", r.StatusCode, r.body)
		}
		return sw
	}
	var raw struct {
		ChangedAt string `json:"changed_at"`
	}
	changedAt := func() string {
		t.Helper()
		r := f.api("GET", "/api/v1/switches/credit-risk", tok, "")
		if err := json.Unmarshal([]byte(r.body), &raw); err != nil {
			t.Fatal(err)
		}
		return raw.ChangedAt
	}

	md := evaluate()
	if md["version"] != float64(1) || md["changed_at"] != changedAt() || md["changed_at"] == "" {
		t.Errorf("never flipped: metadata %v, want version 1 and changed_at %q", md, changedAt())
	}
	for _, k := range []string{"reason", "changed_by", "via", "fallback"} {
		if _, ok := md[k]; ok {
			t.Errorf("never flipped: metadata has %s (%v), want none", k, md)
		}
	}

	r := f.api("PUT", "/api/v1/switches/credit-risk", riskTok, `{"state":"fallback","fallback":"rules-v3","reason":"Fairness skew under review"}`)
	if r.StatusCode != 200 {
		t.Fatalf("flip: %d %s", r.StatusCode, r.body)
	}
	sw := switchNow()
	md = evaluate()
	want := map[string]any{"version": float64(2), "fallback": "rules-v3", "reason": "Fairness skew under review", "changed_by": "risk@example.com", "via": "api", "changed_at": changedAt()}
	if len(md) != len(want) {
		t.Errorf("after the flip: metadata %v, want %v", md, want)
	}
	for k, v := range want {
		if md[k] != v {
			t.Errorf("after the flip: metadata %s = %v, want %v (the switch: %+v)", k, md[k], v, sw)
		}
	}

	// The bulk evaluation says the same of each flag.
	r = f.api("POST", "/ofrep/v1/evaluate/flags", tok, `{"context":{}}`)
	var bulk struct {
		Flags []struct {
			Key      string         `json:"key"`
			Metadata map[string]any `json:"metadata"`
		} `json:"flags"`
	}
	if r.StatusCode != 200 || json.Unmarshal([]byte(r.body), &bulk) != nil || len(bulk.Flags) != 2 {
		t.Fatalf("bulk: %d %s", r.StatusCode, r.body)
	}
	for _, fl := range bulk.Flags {
		if fl.Key == "credit-risk" && (fl.Metadata["reason"] != "Fairness skew under review" || fl.Metadata["changed_by"] != "risk@example.com" || fl.Metadata["changed_at"] != changedAt()) {
			t.Errorf("bulk, credit-risk: metadata %v", fl.Metadata)
		}
		if fl.Key == "fraud" && (fl.Metadata["reason"] != nil || fl.Metadata["changed_by"] != nil || fl.Metadata["changed_at"] == nil) {
			t.Errorf("bulk, fraud (never flipped): metadata %v", fl.Metadata)
		}
	}

	// Every key sent is documented.
	var doc map[string]any
	if err := json.Unmarshal([]byte(f.get(f.client(), "/api/v1/openapi.json").body), &doc); err != nil {
		t.Fatal(err)
	}
	props, _ := dig(doc, "components", "schemas", "OFREPEvaluation", "properties", "metadata", "properties").(map[string]any)
	var sent []string
	for k := range md {
		sent = append(sent, k)
	}
	sort.Strings(sent)
	for _, k := range sent {
		if _, ok := props[k]; !ok {
			t.Errorf("metadata key %q is not in the OpenAPI document's OFREPEvaluation.metadata (%v)", k, props)
		}
	}
	for _, p := range []string{"/evaluate/flags/{key}", "/evaluate/flags"} {
		if ref, _ := dig(doc, "paths", p, "post", "responses", "200", "content", "application/json", "schema", "$ref").(string); p == "/evaluate/flags/{key}" && ref != "#/components/schemas/OFREPEvaluation" {
			t.Errorf("%s: 200 schema %q, want OFREPEvaluation", p, ref)
		}
		if url, _ := dig(doc, "paths", p, "servers", 0, "url").(string); url != "/ofrep/v1" {
			t.Errorf("%s: server %q, want /ofrep/v1", p, url)
		}
	}
}
