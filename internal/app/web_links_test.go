package app_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

func TestUseCaseNextPageLink(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	for i := 0; i < 51; i++ {
		f.useCase(fmt.Sprintf("Use case %02d", i))
	}
	c, _, _ := f.signIn(admin, time.Hour)
	r := f.get(c, "/use-cases")
	m := regexp.MustCompile(`<a href="(/use-cases\?[^"]*)">`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no next-page link in:\n%s", r.body)
	}
	next := html.UnescapeString(m[1])
	u, _ := url.Parse(next)
	if u.Query().Get("after") == "" {
		t.Fatalf("next-page link %q has no after= parameter (query %v)", next, u.Query())
	}
	p2 := f.get(c, next)
	if strings.Contains(p2.body, "Use case 50") {
		t.Errorf("page 2 (%s) shows the first page again", next)
	}
}

// The export links must keep the list's filters.

func TestUseCaseExportLinkKeepsFilters(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	f.useCase("Alpha")
	c, _, _ := f.signIn(admin, time.Hour)
	r := f.get(c, "/use-cases?q=Alpha&sort=title")
	m := regexp.MustCompile(`href="(/use-cases/export\?format=csv[^"]*)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no export link")
	}
	u, _ := url.Parse(html.UnescapeString(m[1]))
	if u.Query().Get("q") != "Alpha" || u.Query().Get("sort") != "title" {
		t.Errorf("export link %q lost the filters: %v", m[1], u.Query())
	}
}

// A refused status change must not blank the model-card form on the
// same page (saving it then would wipe the card).

// roleForm finds the role form of email on the users page: the address
// is one path segment, escaped.
func roleForm(t *testing.T, page, email string) string {
	t.Helper()
	for _, m := range regexp.MustCompile(`action="/admin/users/([^"/]*)/role"`).FindAllStringSubmatch(page, -1) {
		seg := html.UnescapeString(m[1])
		if got, err := url.PathUnescape(seg); err == nil && got == email {
			return "/admin/users/" + seg + "/role"
		}
	}
	t.Fatalf("no role form for %s", email)
	return ""
}

// TestUserRoleFormUnusualEmails: addresses with '/', '#', '?' or a
// '%XX' (all valid) get role forms that reach them, and only them.
func TestUserRoleFormUnusualEmails(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	other := f.user(lodestar.RoleViewer, "xay@example.com")
	c, csrf, _ := f.signIn(admin, time.Hour)
	for _, email := range []string{"ops/team@example.com", "ops#1@example.com", "what?@example.com", "x%41y@example.com"} {
		u := f.user(lodestar.RoleViewer, email)
		action := roleForm(t, f.get(c, "/admin/users").body, u.Email)
		r := f.postForm(c, action, url.Values{"csrf_token": {csrf}, "role": {"committee"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: role form posts to %q: got %d, want 303", email, action, r.StatusCode)
		}
		got, err := f.app.Store.FindUserByID(sys(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Role != lodestar.RoleCommittee {
			t.Errorf("%s: role %s after the form, want committee", email, got.Role)
		}
	}
	if got, _ := f.app.Store.FindUserByID(sys(), other.ID); got.Role != lodestar.RoleViewer {
		t.Errorf("the role form of x%%41y@example.com changed %s to %s", other.Email, got.Role)
	}
}
