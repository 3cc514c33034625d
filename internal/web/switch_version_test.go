package web_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// A switch form whose version is ahead of the switch (the page edited, or
// the database restored to before flips the page saw) is refused as a
// stale one, with the page as it is now: the store's field error names
// "version", which on the model page is the version registration form's
// field — the refusal was shown under that other form, marking its empty
// input invalid, and nothing under the switch said why.
func TestSwitchFormVersionAhead(t *testing.T) {
	t.Parallel()
	f := newEntFixture(t)
	admin := f.signIn(lodestar.RoleAdmin, "en")
	uc := admin.created("/use-cases", url.Values{"title": {"Forecasting"}}, "/use-cases/")
	model, err := f.app.Store.CreateModel(setup(), lodestar.Model{UseCaseID: uc, Key: "fc", Name: "Forecast"})
	if err != nil {
		t.Fatal(err)
	}
	path := "/models/" + strconv.FormatInt(model.ID, 10)
	before, err := f.app.Store.FindSwitch(setup(), "fc")
	if err != nil {
		t.Fatal(err)
	}
	r := admin.post(path+"/switch", url.Values{"switch_version": {strconv.FormatInt(before.Version+1000, 10)}, "state": {"off"}, "reason": {"test"}})
	if r.status != http.StatusConflict {
		t.Fatalf("got %d, want 409 as for a stale version:\n%.1500s", r.status, r.body)
	}
	if strings.Contains(r.body, `id="version-error"`) || strings.Contains(r.body, "is ahead of it") {
		t.Errorf("the refusal is shown under the version registration form's field:\n%s", r.body)
	}
	if !strings.Contains(r.body, "The switch was flipped after you opened it") {
		t.Errorf("the page does not say the flip was not made:\n%.3000s", r.body)
	}
	after, err := f.app.Store.FindSwitch(setup(), "fc")
	if err != nil {
		t.Fatal(err)
	}
	if after.State != before.State || after.Version != before.Version {
		t.Errorf("switch changed: %+v, was %+v", after, before)
	}
}
