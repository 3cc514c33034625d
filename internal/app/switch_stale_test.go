package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

var switchForm = regexp.MustCompile(`(?s)<form method="post" action="/models/\d+/switch".*?</form>`)

// switchFormFields reads the switch form of a model page as a browser
// would send it.
func switchFormFields(t *testing.T, body string) url.Values {
	t.Helper()
	form := switchForm.FindString(body)
	if form == "" {
		t.Fatalf("no switch form on the page:\n%s", body)
	}
	return formFields(form)
}

// TestStaleSwitchFormDoesNotUndoAFlip: the risk officer and a committee
// member have the same model page open; the risk officer switches the
// model off; the committee member, on the page as it was (on), flips it
// "on" again with their own reason. That flip is refused with a conflict
// saying why, their reason kept, and the switch stays off — instead of a
// stale page silently putting back into service a model just stopped.
// From the reloaded page the flip goes through. API clients get the same
// guard by sending the version they saw; without one a flip is made as
// before.
func TestStaleSwitchFormDoesNotUndoAFlip(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	ceo := f.user(lodestar.RoleCommittee, "ceo@example.com")
	if err := f.app.Store.SetLocale(sys(), ceo.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	m := f.model("Credit", "credit", "Credit")
	page := fmt.Sprintf("/models/%d", m.ID)
	a, _, _ := f.signIn(risk, time.Hour)
	b, _, _ := f.signIn(ceo, time.Hour)
	formA := switchFormFields(t, f.get(a, page).body)
	formB := switchFormFields(t, f.get(b, page).body)

	formA.Set("state", lodestar.SwitchOff)
	formA.Set("reason", "Drift alert under review")
	if r := f.postForm(a, page+"/switch", formA); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("first flip: %d\n%s", r.StatusCode, r.body)
	}
	formB.Set("state", lodestar.SwitchOn)
	formB.Set("reason", "Committee approved the model")
	r := f.postForm(b, page+"/switch", formB)
	if r.StatusCode != http.StatusConflict {
		t.Fatalf("flip from the stale page: %d, want 409", r.StatusCode)
	}
	for _, want := range []string{"开关在你打开页面之后已被切换", "Committee approved the model"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the refusal does not show %q", want)
		}
	}
	if sw, _ := f.app.Store.FindSwitch(sys(), "credit"); sw.State != lodestar.SwitchOff || sw.Version != 2 {
		t.Fatalf("after the stale flip the switch is %s at version %d, want off at 2", sw.State, sw.Version)
	}
	// The refused page is the switch as it is now: flipping from it works.
	again := switchFormFields(t, r.body)
	again.Set("reason", "Committee approved the model")
	if got := again.Get("state"); got != lodestar.SwitchOn {
		t.Errorf("the refused form lost the chosen state: %q", got)
	}
	if r := f.postForm(b, page+"/switch", again); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("flip from the refused page: %d\n%s", r.StatusCode, r.body)
	}

	// The API: a flip based on an old version is refused; on the current
	// one, or naming none, it is made.
	_, tok := f.token(risk, "write")
	put := func(body string) *response {
		return f.api("PUT", "/api/v1/switches/credit", tok, body)
	}
	wantAPIError(t, put(`{"state":"off","reason":"stale","version":2}`), http.StatusConflict, "conflict")
	if sw, _ := f.app.Store.FindSwitch(sys(), "credit"); sw.State != lodestar.SwitchOn || sw.Version != 3 {
		t.Fatalf("after the stale API flip the switch is %s at version %d, want on at 3", sw.State, sw.Version)
	}
	if r := put(`{"state":"off","reason":"current","version":3}`); r.StatusCode != http.StatusOK {
		t.Fatalf("flip on the current version: %d %s", r.StatusCode, r.body)
	}
	if r := put(`{"state":"on","reason":"no version named"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("flip naming no version: %d %s", r.StatusCode, r.body)
	}
	wantAPIError(t, put(`{"state":"on","reason":"bad version","version":-1}`), http.StatusBadRequest, "invalid")
}
