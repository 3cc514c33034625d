package app_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestTrueFalseFieldsAreStrict: a disable or archive form whose flag is
// neither true nor false is refused and changes nothing (it was read as
// false: enabling a user, restoring a use case).
func TestTrueFalseFieldsAreStrict(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	if _, err := f.app.Store.SetDisabled(sys(), viewer.Email, true); err != nil {
		t.Fatal(err)
	}
	uc := f.useCase("Forecasting")
	if _, err := f.app.Store.ArchiveUseCase(sys(), uc.ID, true); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(admin, time.Hour)
	before := f.counts()
	for _, v := range []string{"maybe", "", "1"} {
		if r := f.postForm(c, "/admin/users/"+url.PathEscape(viewer.Email)+"/disabled", url.Values{"csrf_token": {csrf}, "disabled": {v}}); r.StatusCode != 400 {
			t.Errorf("disabled=%q: got %d, want 400", v, r.StatusCode)
		}
		if r := f.postForm(c, fmt.Sprintf("/use-cases/%d/archive", uc.ID), url.Values{"csrf_token": {csrf}, "archived": {v}}); r.StatusCode != 400 {
			t.Errorf("archived=%q: got %d, want 400", v, r.StatusCode)
		}
	}
	f.wantUnchanged(before, "flags that are neither true nor false")
	if u, _ := f.app.Store.FindUserByEmail(sys(), viewer.Email); !u.Disabled {
		t.Error("the disabled user was enabled")
	}
	if x, _ := f.app.Store.FindUseCaseByID(sys(), uc.ID); !x.Archived {
		t.Error("the archived use case was restored")
	}
}
