package app_test

import (
	"encoding/json"
	"strings"
)

// putFields are the fields each PUT body must hold (a PUT replaces the
// whole record), by the path's last named segment; updated_at, a use
// case's stage and a model's or experiment's key may be left out.
var putFields = map[string][]string{
	"business-units": {"name", "name_zh", "parent_id"},
	"goals":          {"title", "title_zh", "description", "business_unit_id", "owner_id", "horizon", "status"},
	"kpis":           {"goal_id", "name", "name_zh", "unit", "direction", "baseline", "target", "target_date", "owner_id"},
	"pain-points":    {"business_unit_id", "title", "title_zh", "description", "category", "annual_cost", "goal_id"},
	"use-cases": {"title", "title_zh", "description", "business_unit_id", "sponsor_id", "ai_lead_id", "pain_point_ids",
		"impacts", "value_estimate", "cost_estimate", "feasibility", "tags"},
	"models": {"use_case_id", "name", "description"},
	"experiments": {"use_case_id", "name", "hypothesis", "control_version_id", "treatment_version_id", "primary", "guardrails",
		"alpha", "min_sample", "treatment_share"},
	"card":       {"intended_use", "out_of_scope_use", "training_data", "evaluation_metrics", "limitations", "ethical_considerations"},
	"provenance": {"artifact_uri", "artifact_sha256", "source_commit", "training_run"},
}

// whole is body, a test's PUT to path naming only what it is about, with
// every other field of the record (putFields) added as null: what a
// client that means to clear them sends. A body that is not a JSON
// object is left as it is (the test is about that).
func whole(path, body string) string {
	var obj map[string]json.RawMessage
	if json.Unmarshal([]byte(body), &obj) != nil {
		return body
	}
	var fields []string
	for _, seg := range strings.Split(strings.Trim(path, "/"), "/") {
		if fs, ok := putFields[seg]; ok {
			fields = fs
		}
	}
	var add strings.Builder
	for _, name := range fields {
		if _, ok := obj[name]; !ok {
			add.WriteString(`,"` + name + `":null`)
		}
	}
	if add.Len() == 0 {
		return body
	}
	i := strings.LastIndexByte(body, '}')
	head := strings.TrimRight(body[:i], " \t\r\n")
	if strings.HasSuffix(head, "{") {
		return head + strings.TrimPrefix(add.String(), ",") + body[i:]
	}
	return head + add.String() + body[i:]
}
