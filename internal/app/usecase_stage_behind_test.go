package app_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestUseCaseStageBehind: a use case's page asks to move it on when a
// model of it serves a version in production while the use case is
// still before its pilot — not once it is in pilot (a live version is
// what a pilot runs), and not while the model is switched off or on its
// fallback (it serves nothing).
func TestUseCaseStageBehind(t *testing.T) {
	f := start(t, fixtureOpts{})
	c, _, _ := f.signIn(f.user(lodestar.RoleAdmin, "admin@example.com"), time.Hour)
	st, ctx := f.app.Store, sys()
	// live makes a use case at approved with a model whose version 1.0
	// is in production.
	live := func(title, key string) *lodestar.UseCase {
		t.Helper()
		m := f.model(title, key, "Model "+key)
		for _, to := range []string{lodestar.StageAssessment, lodestar.StageApproved} {
			if _, err := st.ChangeStage(ctx, m.UseCaseID, to, "test"); err != nil {
				t.Fatal(err)
			}
		}
		v, err := st.CreateModelVersion(ctx, m.ID, lodestar.ModelVersion{Version: "1.0"})
		if err != nil {
			t.Fatal(err)
		}
		for _, to := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
			if _, err := st.SetModelVersionStatus(ctx, v.ID, to, "test"); err != nil {
				t.Fatal(err)
			}
		}
		uc, err := st.FindUseCaseByID(ctx, m.UseCaseID)
		if err != nil {
			t.Fatal(err)
		}
		return uc
	}
	page := func(uc *lodestar.UseCase) string {
		t.Helper()
		r := f.get(c, "/use-cases/"+strconv.FormatInt(uc.ID, 10))
		if r.StatusCode != 200 {
			t.Fatalf("/use-cases/%d: %d", uc.ID, r.StatusCode)
		}
		return r.body
	}
	notice := `<p class="notice" id="stage-behind">`

	serving := live("Serving early", "serving")
	if body := page(serving); !strings.Contains(body, notice) || !strings.Contains(body, "A version of model serving is in production") {
		t.Errorf("approved use case with a version serving in production: no notice to move it on")
	}
	if _, err := st.ChangeStage(ctx, serving.ID, lodestar.StagePilot, "test"); err != nil {
		t.Fatal(err)
	}
	if body := page(serving); strings.Contains(body, notice) {
		t.Errorf("a use case in pilot with a live version is told to move on")
	}

	for _, state := range []string{lodestar.SwitchOff, lodestar.SwitchFallback} {
		uc := live("Held "+state, "held-"+state)
		fallback := ""
		if state == lodestar.SwitchFallback {
			fallback = "rules"
		}
		if _, err := st.FlipSwitch(ctx, "held-"+state, state, fallback, "test"); err != nil {
			t.Fatal(err)
		}
		body := page(uc)
		if strings.Contains(body, notice) {
			t.Errorf("switch %s: the use case is told to move on though its model serves nothing", state)
		}
		if !strings.Contains(body, `id="switch-held-`+state+`"`) {
			t.Errorf("switch %s: the header does not say the model is held", state)
		}
	}
}
