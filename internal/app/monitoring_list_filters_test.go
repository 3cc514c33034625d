package app_test

import (
	"fmt"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestMonitoringListsRefuseOtherFilters: the monitoring lists take only
// their own filters; another list's filter or one no list takes
// (/retraining-tasks?model_id=, /alerts?monitor_id=) is a 400 naming it,
// where each used to answer the unfiltered list — every model's tasks or
// alerts, read as the one model's or monitor's. Their own filters, limit
// and cursor still work.
func TestMonitoringListsRefuseOtherFilters(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	m := creditModel(t, f)
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok,
		`{"version":"1.0","name":"M","window":"hour","reference":{"kind":"dataset","csv":"x\n1\n2\n"}}`)
	if r.StatusCode != 201 {
		t.Fatalf("create monitor: %d %s", r.StatusCode, r.body)
	}
	mon := fromJSON[lodestar.Monitor](t, r)
	for path, field := range map[string]string{
		"/api/v1/retraining-tasks?model_id=1":                               "model_id",
		"/api/v1/retraining-tasks?status=open":                              "status",
		"/api/v1/retraining-tasks?monitor_id=1":                             "monitor_id",
		"/api/v1/alerts?monitor_id=1":                                       "monitor_id",
		"/api/v1/alerts?use_case_id=1&status=open":                          "use_case_id",
		"/api/v1/alerts?model=credit-risk":                                  "model",
		fmt.Sprintf("/api/v1/monitors/%d/windows?from=2026-11-01", mon.ID):  "from",
		fmt.Sprintf("/api/v1/models/%d/monitors?version=1.0", m.ID):         "version",
		fmt.Sprintf("/api/v1/models/%d/unregistered-versions?limt=5", m.ID): "limt",
		fmt.Sprintf("/api/v1/models/%d/versions?status=production", m.ID):   "status",
		"/api/v1/models?key=credit-risk":                                    "key",
	} {
		if d := wantAPIError(t, f.api("GET", path, tok, ""), 400, lodestar.EInvalid); d.Fields[field] == "" {
			t.Errorf("GET %s: got fields %v, want %s", path, d.Fields, field)
		}
	}
	for _, path := range []string{
		fmt.Sprintf("/api/v1/alerts?model_id=%d&status=open&limit=10", m.ID),
		fmt.Sprintf("/api/v1/retraining-tasks?use_case_id=%d&limit=5", m.UseCaseID),
		fmt.Sprintf("/api/v1/monitors/%d/windows?limit=5", mon.ID),
		fmt.Sprintf("/api/v1/models/%d/monitors?limit=5", m.ID),
		fmt.Sprintf("/api/v1/models/%d/unregistered-versions", m.ID),
		fmt.Sprintf("/api/v1/models/%d/versions?limit=1", m.ID),
		fmt.Sprintf("/api/v1/models?use_case_id=%d", m.UseCaseID),
	} {
		if r := f.api("GET", path, tok, ""); r.StatusCode != 200 {
			t.Errorf("GET %s: %d %s, want 200", path, r.StatusCode, r.body)
		}
	}
}
