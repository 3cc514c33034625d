package app_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// formFields reads a page's form inputs (text, hidden, selected options
// and textareas) into values, as a browser would send them.
func formFields(body string) url.Values {
	v := url.Values{}
	for _, m := range regexp.MustCompile(`<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"`).FindAllStringSubmatch(body, -1) {
		if !strings.Contains(m[0], `type="checkbox"`) || strings.Contains(m[0], "checked") {
			v.Add(m[1], m[2])
		}
	}
	for _, m := range regexp.MustCompile(`(?s)<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>`).FindAllStringSubmatch(body, -1) {
		if o := regexp.MustCompile(`<option value="([^"]*)" selected`).FindStringSubmatch(m[2]); o != nil {
			v.Set(m[1], o[1])
		}
	}
	for _, m := range regexp.MustCompile(`(?s)<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>`).FindAllStringSubmatch(body, -1) {
		v.Set(m[1], m[2])
	}
	return v
}

// TestConcurrentEditsDoNotOverwrite: two people open the same edit form;
// the first saves; the second's save, made on the page as it was before,
// is refused with a conflict that says why, their input kept — instead
// of silently undoing the first person's change.
func TestConcurrentEditsDoNotOverwrite(t *testing.T) {
	f := start(t, fixtureOpts{})
	a, csrfA, _ := f.signIn(f.user(lodestar.RoleAdmin, "a@example.com"), time.Hour)
	b, csrfB, _ := f.signIn(f.user(lodestar.RoleAdmin, "b@example.com"), time.Hour)
	uc := f.useCase("Forecasting")
	g, err := f.app.Store.CreateGoal(sys(), lodestar.Goal{Title: "Grow", Horizon: "year"})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []struct {
		edit, save, field string
		title             func() string
	}{
		{fmt.Sprintf("/use-cases/%d/edit", uc.ID), fmt.Sprintf("/use-cases/%d", uc.ID), "title",
			func() string { x, _ := f.app.Store.FindUseCaseByID(sys(), uc.ID); return x.Title }},
		{fmt.Sprintf("/goals/%d/edit", g.ID), fmt.Sprintf("/goals/%d", g.ID), "title",
			func() string { x, _ := f.app.Store.FindGoalByID(sys(), g.ID); return x.Title }},
	} {
		formA := formFields(f.get(a, rec.edit).body)
		formB := formFields(f.get(b, rec.edit).body)
		if formA.Get("updated_at") == "" {
			t.Fatalf("%s: the edit form carries no updated_at", rec.edit)
		}
		f.clock.Advance(time.Second)
		formA.Set(rec.field, "Edited by A")
		formA.Set("csrf_token", csrfA)
		if r := f.postForm(a, rec.save, formA); r.StatusCode != 303 {
			t.Fatalf("%s: A's save: %d\n%.500s", rec.save, r.StatusCode, r.body)
		}
		f.clock.Advance(time.Second)
		formB.Set(rec.field, "Edited by B")
		formB.Set("csrf_token", csrfB)
		r := f.postForm(b, rec.save, formB)
		if r.StatusCode != 409 || !strings.Contains(r.body, "Someone else changed this record") || !strings.Contains(r.body, "Edited by B") {
			t.Errorf("%s: B's save on the older page: got %d, want 409 saying someone else changed it, B's input kept\n%.300s", rec.save, r.StatusCode, r.body)
		}
		if got := rec.title(); got != "Edited by A" {
			t.Errorf("%s: after B's refused save the record reads %q, want A's change", rec.save, got)
		}
		// Reloaded, B's save goes in.
		formB = formFields(f.get(b, rec.edit).body)
		formB.Set(rec.field, "Edited by B")
		formB.Set("csrf_token", csrfB)
		if r := f.postForm(b, rec.save, formB); r.StatusCode != 303 || rec.title() != "Edited by B" {
			t.Errorf("%s: B's save after reloading: got %d, title %q", rec.save, r.StatusCode, rec.title())
		}
	}
}
