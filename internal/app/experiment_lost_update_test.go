package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestExperimentEditsDoNotOverwrite: two people open the same draft
// experiment's edit form; the first saves; the second's save, made on the
// form as it was before, is refused (409) saying why, in English and
// Chinese, their input kept, and the experiment keeps the first save.
// Reloaded, the second person's save goes in.
func TestExperimentEditsDoNotOverwrite(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	w := f.experimentWorld()
	e := fromJSON[lodestar.Experiment](t, f.apiOK("POST", "/api/v1/experiments", w.token, w.design("recsys-4"), 201))
	ua, ub := f.user(lodestar.RoleAdmin, "a@example.com"), f.user(lodestar.RoleAITeam, "b@example.com")
	a, csrfA, _ := f.signIn(ua, time.Hour)
	b, csrfB, _ := f.signIn(ub, time.Hour)
	edit, save := fmt.Sprintf("/experiments/%d/edit", e.ID), fmt.Sprintf("/experiments/%d", e.ID)
	name := func() string {
		t.Helper()
		x, err := f.app.Store.FindExperimentByID(sys(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		return x.Name
	}

	formA, formB := formFields(f.get(a, edit).body), formFields(f.get(b, edit).body)
	if formA.Get("updated_at") == "" || formB.Get("updated_at") != formA.Get("updated_at") {
		t.Fatalf("the edit forms carry updated_at %q (A) and %q (B); want the experiment's", formA.Get("updated_at"), formB.Get("updated_at"))
	}
	f.clock.Advance(time.Second)
	formA.Set("name", "Edited by A")
	formA.Set("csrf_token", csrfA)
	if r := f.postForm(a, save, formA); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("A's save: %d\n%.500s", r.StatusCode, r.body)
	}
	f.clock.Advance(time.Second)
	for lang, says := range map[string]string{"en": "Someone else changed this record after you opened it", "zh-CN": "在你打开之后，有人修改了这条记录"} {
		if err := f.app.Store.SetLocale(sys(), ub.ID, lang); err != nil {
			t.Fatal(err)
		}
		audits := f.count("audit_log")
		formB.Set("name", "Edited by B")
		formB.Set("csrf_token", csrfB)
		r := f.postForm(b, save, formB)
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, says) || !strings.Contains(r.body, `value="Edited by B"`) {
			t.Errorf("%s: B's save on the older form: %d, want 409 saying %q, B's input kept\n%.500s", lang, r.StatusCode, says, r.body)
		}
		if got := name(); got != "Edited by A" {
			t.Errorf("%s: after B's refused save the experiment is named %q, want A's", lang, got)
		}
		if n := f.count("audit_log"); n != audits {
			t.Errorf("%s: the refused save wrote %d audit entries", lang, n-audits)
		}
	}
	formB = formFields(f.get(b, edit).body)
	formB.Set("name", "Edited by B")
	formB.Set("csrf_token", csrfB)
	if r := f.postForm(b, save, formB); r.StatusCode != http.StatusSeeOther || name() != "Edited by B" {
		t.Errorf("B's save after a reload: %d, named %q; want 303 and B's name", r.StatusCode, name())
	}
}
