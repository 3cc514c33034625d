package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestSwitchFlashSaysTheState: after a flip the page says what the switch
// is now, and when the state chosen is the one it already had (the form
// opens on the current state, so an officer who typed a reason and left
// the state as it was), it says so — "Switch flipped." there told a risk
// officer who meant to stop a model that it had been flipped, while it
// went on serving.
func TestSwitchFlashSaysTheState(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m := f.model("Credit", "credit", "Credit")
	// A version in production, so that on means the model serves (with
	// none, the messages say nothing serves: TestSwitchOnWithNothingInProduction).
	f.production(m.ID, "2.3")
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	cl, _, _ := f.signIn(risk, time.Hour)
	page := fmt.Sprintf("/models/%d", m.ID)
	for _, c := range []struct{ state, fallback, want string }{
		{lodestar.SwitchOn, "", "The switch was already on: the model still serves."},
		{lodestar.SwitchOff, "", "Switch flipped: off, the model must not serve."},
		{lodestar.SwitchOff, "", "The switch was already off: the model still must not serve."},
		{lodestar.SwitchFallback, "rules-v3", "Switch flipped: fallback, the services serve the fallback instead."},
		{lodestar.SwitchFallback, "rules-v4", "Switch flipped: fallback, the services serve the fallback instead."},
		{lodestar.SwitchOn, "", "Switch flipped: on, the model serves."},
	} {
		form := switchFormFields(t, f.get(cl, page).body)
		form.Set("state", c.state)
		form.Set("fallback", c.fallback)
		form.Set("reason", "review "+c.state)
		r := f.postForm(cl, page+"/switch", form)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("flip to %s: %d\n%s", c.state, r.StatusCode, r.body)
		}
		if body := f.get(cl, page).body; !strings.Contains(body, c.want) {
			t.Errorf("after a flip to %s %s the page does not say %q", c.state, c.fallback, c.want)
		}
	}
}
