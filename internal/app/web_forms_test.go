package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

func TestRefusedStatusKeepsCardForm(t *testing.T) {
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	uc := f.useCase("Credit")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit", Name: "Credit"})
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0",
		Card: lodestar.ModelCard{IntendedUse: "Score retail credit applications"}})
	if err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(ai, time.Hour)
	r := f.postForm(c, fmt.Sprintf("/model-versions/%d/status", v.ID), url.Values{"csrf_token": {csrf}, "status": {"staging"}, "reason": {"  "}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("status without reason: got %d, want 400", r.StatusCode)
	}
	if !strings.Contains(r.body, `name="intended_use" rows="2">Score retail credit applications</textarea>`) {
		t.Errorf("the re-rendered card form lost the stored intended use")
	}
	if !strings.Contains(r.body, `<option value="staging" selected>`) {
		t.Errorf("the refused status is not kept selected")
	}
	// A refused card keeps what was typed, not the stored card.
	r = f.postForm(c, fmt.Sprintf("/model-versions/%d/card", v.ID), url.Values{"csrf_token": {csrf}, "intended_use": {"Typed use"}, "metrics": {"auc = high"}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("card with a bad metric: got %d, want 400", r.StatusCode)
	}
	if !strings.Contains(r.body, `>Typed use</textarea>`) || !strings.Contains(r.body, `auc = high</textarea>`) {
		t.Errorf("the refused card form lost what was typed")
	}
}

// When a use-case form is refused, each impact row must show the KPI
// with the change and confidence typed on that same row.
