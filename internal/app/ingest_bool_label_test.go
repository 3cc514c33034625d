package app_test

import (
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestIngestBooleanLabels: a label sent as JSON true or false is a
// classification model's 1 or 0 — with the event or later, for a model
// with a binary monitor or none yet — and is refused, line by line with a
// reason in English or Chinese, for a model with a regression monitor,
// whose labels are numbers; the batch's other lines are stored.
func TestIngestBooleanLabels(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, tok := f.token(f.user(lodestar.RoleAITeam, "team@example.com"), lodestar.ScopeIngest)
	for _, key := range []string{"churn", "prices", "fresh"} {
		m := f.model("UC "+key, key, key)
		if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
			t.Fatal(err)
		}
		task := map[string]string{"churn": "binary", "prices": "regression"}[key]
		if task == "" {
			continue
		}
		if _, err := f.app.Store.CreateMonitor(sys(), lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: "M", Task: task, Window: "hour",
			Numeric: []string{"x"}, Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}, []byte("x\n1\n")); err != nil {
			t.Fatal(err)
		}
	}
	events := strings.Join([]string{
		`{"id":"a","version":"1.0","prediction":0.9,"label":true}`,
		`{"id":"b","version":"1.0","prediction":0.2,"label":false}`,
		`{"id":"c","version":"1.0","prediction":0.4,"label":1}`,
		`{"id":"d","version":"1.0","prediction":0.4}`,
		`{"id":"e","version":"1.0","prediction":0.4,"label":tru}`,
	}, "\n")
	for _, key := range []string{"churn", "fresh"} {
		res := decodeInto[lodestar.IngestResult](t, f.ndjson("/api/v1/models/"+key+"/events", tok, events))
		if res.Accepted != 4 || len(res.Rejected) != 1 || res.Rejected[0].Line != 5 {
			t.Fatalf("%s events: %+v, want 4 accepted and line 5 (not JSON) refused", key, res)
		}
		lr := decodeInto[lodestar.LabelResult](t, f.ndjson("/api/v1/models/"+key+"/labels", tok, `{"id":"c","label":false}`+"\n"+`{"id":"d","label":true}`))
		if lr.Updated != 2 || len(lr.Rejected) != 0 {
			t.Fatalf("%s labels: %+v, want 2 updated", key, lr)
		}
		for id, want := range map[string]string{"a": "1", "b": "0", "c": "0", "d": "1"} {
			if got, err := storedLabel(f.app.Store, key, id); err != nil || got != want {
				t.Errorf("%s %s: label %q (%v), want %s", key, id, got, err, want)
			}
		}
	}

	res := decodeInto[lodestar.IngestResult](t, f.ndjson("/api/v1/models/prices/events", tok, events))
	if res.Accepted != 2 || len(res.Rejected) != 3 {
		t.Fatalf("prices events: %+v, want c and d accepted, lines 1, 2 and 5 refused", res)
	}
	for i, line := range []int{1, 2} {
		if le := res.Rejected[i]; le.Line != line || !strings.Contains(le.Message, "label: true or false is a classification label") ||
			!strings.Contains(le.Message, "regression monitor") {
			t.Errorf("prices line %d: %+v, want it refused for its boolean label", line, le)
		}
	}
	r := f.ndjsonIn("zh-CN", "/api/v1/models/prices/labels", tok, `{"id":"c","label":true}`+"\n"+`{"id":"d","label":2.5}`)
	lr := decodeInto[lodestar.LabelResult](t, r)
	if lr.Updated != 1 || len(lr.Rejected) != 1 || lr.Rejected[0].Line != 1 || !strings.Contains(lr.Rejected[0].Message, "回归监控") {
		t.Fatalf("prices labels in Chinese: %s, want d updated and line 1 refused in Chinese", r.body)
	}
	for id, want := range map[string]string{"c": "1", "d": "2.5"} {
		if got, err := storedLabel(f.app.Store, "prices", id); err != nil || got != want {
			t.Errorf("prices %s: label %q (%v), want %s", id, got, err, want)
		}
	}
}
