package web_test

import (
	"net/url"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestPagesNamePeople: the audit log and the dashboard's changes name
// who acted by their name, the e-mail as its title, not by the bare
// e-mail; an actor that is no user is shown as recorded.
func TestPagesNamePeople(t *testing.T) {
	t.Parallel()
	f := newEntFixture(t)
	admin := f.signIn(lodestar.RoleAdmin, "en")
	admin.created("/business-units", url.Values{"name": {"Retail"}}, "/business-units/")
	if _, err := f.app.Store.CreateBusinessUnit(setup(), lodestar.BusinessUnit{Name: "Logistics"}); err != nil {
		t.Fatal(err)
	}
	person := `<span class="person" title="admin-en@example.com">Tester admin</span>`

	audit := admin.get("/admin/audit", 200)
	if !strings.Contains(audit, "<td>"+person+"</td>") {
		t.Errorf("the audit log does not name the admin as %s:\n%s", person, audit)
	}
	if strings.Contains(audit, "<td>admin-en@example.com</td>") {
		t.Errorf("the audit log shows the admin as a bare e-mail")
	}
	if !strings.Contains(audit, "<td>test-setup</td>") {
		t.Errorf("the audit log does not show the actor that is no user as recorded")
	}
	if home := admin.get("/", 200); !strings.Contains(home, " · "+person+" · ") {
		t.Errorf("the dashboard's changes do not name the admin as %s", person)
	}
}
