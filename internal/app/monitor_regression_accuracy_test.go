package app_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestRegressionMonitorRefusesAccuracy: a regression model has no
// accuracy, so a regression monitor's minimum accuracy never breached —
// accepted, shown on the form, and silently never judged. It is refused by
// its field, on the web form (in the user's language) and over the API,
// with nothing stored; 0 (off) is still taken.
func TestRegressionMonitorRefusesAccuracy(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u, err := f.app.Store.CreateUser(sys(), lodestar.NewUser{Email: "team@example.com", Name: "团队", Role: lodestar.RoleAITeam, Password: testPassword, Locale: "zh-CN"})
	if err != nil {
		t.Fatal(err)
	}
	m := creditModel(t, f)
	c, csrf, _ := f.signIn(u, time.Hour)
	r := f.postMonitorForm(c, m.ID, map[string]string{"csrf_token": csrf, "version": "1.0", "name": "M", "window": "hour", "reference_kind": "dataset",
		"task": "regression", "min_accuracy": "0.8"}, "x\n1\n2\n")
	if r.StatusCode != 400 || !strings.Contains(r.body, "回归模型没有准确率") {
		t.Errorf("web form: %d, want 400 with the refusal in Chinese:\n%.3000s", r.StatusCode, r.body)
	}
	_, tok := f.token(u)
	body, _ := json.Marshal(map[string]any{"version": "1.0", "name": "API", "window": "hour", "task": "regression",
		"thresholds": map[string]any{"min_accuracy": 0.8},
		"reference":  map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": "x\n1\n2\n"}})
	a := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, string(body))
	if a.StatusCode != 400 || !strings.Contains(a.body, `"thresholds.min_accuracy"`) {
		t.Errorf("API: %d %s, want 400 naming thresholds.min_accuracy", a.StatusCode, a.body)
	}
	if n := f.count("monitors"); n != 0 {
		t.Fatalf("%d monitors stored", n)
	}
	body, _ = json.Marshal(map[string]any{"version": "1.0", "name": "API", "window": "hour", "task": "regression",
		"thresholds": map[string]any{"min_accuracy": 0, "max_latency_p95_ms": 200},
		"reference":  map[string]any{"kind": "dataset", "file_name": "train.csv", "csv": "x\n1\n2\n"}})
	if a := f.api("POST", fmt.Sprintf("/api/v1/models/%d/monitors", m.ID), tok, string(body)); a.StatusCode != 201 {
		t.Errorf("a regression monitor without an accuracy threshold: %d %s, want 201", a.StatusCode, a.body)
	}
}
