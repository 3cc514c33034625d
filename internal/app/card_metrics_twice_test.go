package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestCardMetricsNamedTwice: a card whose metrics name one metric twice
// ("auc = 0.91" for validation, "auc = 0.88" for test) kept the last and
// dropped the other without a word. It is refused naming the metric and
// its lines, in both languages, with what was typed kept and nothing
// written, on the new version form and on the card form.
func TestCardMetricsNamedTwice(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m := f.model("Churn", "churn", "Churn")
	const metrics = "auc = 0.91\nf1 = 0.8\n auc = 0.88"
	newVersionRefused(t, f, m, metrics, map[string]string{
		"en":    "Metric auc is given more than once (line 1, 3): give each metric once, under a name of its own (e.g. auc_test).",
		"zh-CN": "指标 auc 出现了不止一次（第 1, 3 行）：每个指标只写一次，不同的值请用不同的名称（如 auc_test）。",
	})
	v, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0",
		Card: lodestar.ModelCard{EvaluationMetrics: map[string]float64{"auc": 0.9}}})
	if err != nil {
		t.Fatal(err)
	}
	u := f.user(lodestar.RoleAITeam, "card@example.com")
	cl, csrf, _ := f.signIn(u, time.Hour)
	path := fmt.Sprintf("/model-versions/%d", v.ID)
	r := f.postForm(cl, path+"/card", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, cl, path)},
		"intended_use": {"Rank customers"}, "metrics": {metrics}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("card: got %d, want 400", r.StatusCode)
	}
	wantShown(t, r, "en", "Metric auc is given more than once (line 1, 3)", metrics, "Rank customers")
	if got, err := f.app.Store.FindModelVersionByID(sys(), v.ID); err != nil || len(got.Card.EvaluationMetrics) != 1 || got.Card.EvaluationMetrics["auc"] != 0.9 {
		t.Errorf("the card after the refusal: %+v, %v; want auc = 0.9 only", got.Card.EvaluationMetrics, err)
	}
}
