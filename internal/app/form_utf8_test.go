package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestFormRefusesInvalidUTF8: a form field holding bytes that are not
// UTF-8 is refused, in the user's language, and nothing is stored — such
// text would be sent raw into pages, turned into U+FFFD by every export,
// and refused by PostgreSQL.
func TestFormRefusesInvalidUTF8(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	c, csrf, _ := f.signIn(admin, time.Hour)
	before := f.counts()
	for _, path := range []string{"/use-cases", "/pain-points"} {
		form := url.Values{"csrf_token": {csrf}, "form_id": {newUseCaseForm(t, f, c)}, "title": {"Bad\xff\xfeUTF"}, "stage": {"idea"}}
		r := f.postForm(c, path, form)
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "UTF-8") {
			t.Errorf("POST %s with invalid UTF-8: got %d, want 400 naming UTF-8\n%.300s", path, r.StatusCode, r.body)
		}
		if path != "/use-cases" {
			continue
		}
		// The refusal gave the form's claim back: corrected, it goes in.
		form.Set("title", "Good")
		if r := f.postForm(c, path, form); r.StatusCode != http.StatusSeeOther {
			t.Errorf("POST %s corrected: got %d, want 303", path, r.StatusCode)
		}
	}
	// A field name that is not UTF-8 is refused too.
	form := url.Values{"csrf_token": {csrf}, "form_id": {newUseCaseForm(t, f, c)}, "title": {"Named"}, "stage": {"idea"}, "x\xff": {"1"}}
	if r := f.postForm(c, "/use-cases", form); r.StatusCode != http.StatusBadRequest {
		t.Errorf("invalid UTF-8 in a field name: got %d, want 400", r.StatusCode)
	}
	// The token in the header instead of the form: the form is checked
	// all the same.
	body := url.Values{"form_id": {newUseCaseForm(t, f, c)}, "title": {"Head\xffer"}, "stage": {"idea"}}.Encode()
	r := f.do(c, "POST", "/use-cases", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "X-CSRF-Token": {csrf}}, strings.NewReader(body))
	if r.StatusCode != http.StatusBadRequest {
		t.Errorf("invalid UTF-8 with the CSRF token in a header: got %d, want 400", r.StatusCode)
	}
	after := f.counts()
	if after.useCases != before.useCases+1 {
		t.Errorf("use cases: %d → %d, want one more (the corrected form only)", before.useCases, after.useCases)
	}
}
