package app_test

import (
	"fmt"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestCardMetricNullRefused: a model card's metric sent as null (a pipeline
// that could not compute it) is refused naming the metric, on a new
// version and on a card's update, and nothing is stored; before, it was
// kept as 0, so the card claimed "auc = 0" and a retraining task closed
// with that as its after figure.
func TestCardMetricNullRefused(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	_, tok := f.token(team)
	m := creditModel(t, f)
	r := f.api("POST", fmt.Sprintf("/api/v1/models/%d/versions", m.ID), tok,
		`{"version":"2.0","card":{"evaluation_metrics":{"accuracy":0.86,"auc":null}}}`)
	d := wantAPIError(t, r, 400, "invalid")
	if msg := d.Fields["card.evaluation_metrics.auc"]; !strings.Contains(msg, "not null") {
		t.Errorf("fields %v: want card.evaluation_metrics.auc saying it must be a number, not null", d.Fields)
	}
	vs, err := f.app.Store.ListModelVersions(sys(), m.ID)
	if err != nil || len(vs) != 1 {
		t.Fatalf("versions after the refusal: %d, %v; want only 1.0", len(vs), err)
	}
	r = f.api("PUT", fmt.Sprintf("/api/v1/model-versions/%d/card", vs[0].ID), tok, `{"evaluation_metrics":{"f1":null}}`)
	d = wantAPIError(t, r, 400, "invalid")
	if _, ok := d.Fields["evaluation_metrics.f1"]; !ok {
		t.Errorf("fields %v: want evaluation_metrics.f1", d.Fields)
	}
	v, err := f.app.Store.FindModelVersionByID(sys(), vs[0].ID)
	if err != nil || len(v.Card.EvaluationMetrics) != 0 {
		t.Errorf("card after the refused update: %v, %v; want no metrics", v.Card.EvaluationMetrics, err)
	}
	// Numbers still go in, and a card without metrics still has none.
	r = f.api("POST", fmt.Sprintf("/api/v1/models/%d/versions", m.ID), tok, `{"version":"2.0","card":{"evaluation_metrics":{"accuracy":0.86,"auc":0.9}}}`)
	if r.StatusCode != 201 || !strings.Contains(r.body, `"evaluation_metrics":{"accuracy":0.86,"auc":0.9}`) {
		t.Errorf("a card with numbers: %d %s", r.StatusCode, r.body)
	}
	r = f.api("POST", fmt.Sprintf("/api/v1/models/%d/versions", m.ID), tok, `{"version":"2.1","card":{"evaluation_metrics":null}}`)
	if r.StatusCode != 201 || !strings.Contains(r.body, `"evaluation_metrics":{}`) {
		t.Errorf("a card with metrics null: %d %s", r.StatusCode, r.body)
	}
}
