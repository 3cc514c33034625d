package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAuditEntriesNameTheirRecords: the dashboard's recent changes and the
// audit log say which record changed by its name (its Chinese one on
// Chinese pages), linked to its page, not by a bare number; records
// without a page (a switch) are named without a link, and an entry whose
// record has no name keeps its number.
func TestAuditEntriesNameTheirRecords(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	uc, err := f.app.Store.CreateUseCase(sys(), lodestar.NewUseCase{Title: "Churn prediction", TitleZH: "流失预测", Description: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "churn", Name: "Churn model"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.FlipSwitch(sys(), "churn", lodestar.SwitchOff, "", "paused for review"); err != nil {
		t.Fatal(err)
	}
	c, _, _ := f.signIn(admin, time.Hour)
	link := fmt.Sprintf(`<a href="/use-cases/%d">Churn prediction</a>`, uc.ID)
	for page, wants := range map[string][]string{
		"/":            {link, "· switch churn</li>"},
		"/admin/audit": {link, "switch</span> churn</td>"},
	} {
		body := f.get(c, page).body
		for _, want := range wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s: want %q among the changes", page, want)
			}
		}
	}
	// People are named to those who may read the audit log only: the
	// dashboard is every signed-in user's.
	if _, err := f.app.Store.CreateUser(sys(), lodestar.NewUser{Email: "new.hire@example.com", Name: "New Hire", Role: lodestar.RoleViewer, Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	if body := f.get(c, "/").body; !strings.Contains(body, "user New Hire") {
		t.Error("admin's dashboard: want the new user named")
	}
	// A sign-in's entry records no name: the audit log names the user as
	// its other entries do ("User 10" read beside "User New Hire"), in
	// both languages, and keeps the change column's summaries whole.
	hire, err := f.app.Store.Authenticate(sys(), "new.hire@example.com", "correct horse battery", "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.Authenticate(sys(), "admin@example.com", testPassword, "test"); err != nil {
		t.Fatal(err)
	}
	login := regexp.MustCompile(`<span title="login">[^<]*</span></td><td><span title="user">[^<]*</span> ([^<]*)</td>\s*<td class="col-change">`)
	for _, lang := range []string{"en", "zh-CN"} {
		if err := f.app.Store.SetLocale(sys(), admin.ID, lang); err != nil {
			t.Fatal(err)
		}
		names := map[string]bool{}
		for _, m := range login.FindAllStringSubmatch(f.get(c, "/admin/audit").body, -1) {
			names[m[1]] = true
		}
		if !names["New Hire"] || names[fmt.Sprint(hire.ID)] || len(names) != 2 {
			t.Errorf("%s audit log: sign-ins name %v; want New Hire and the admin by name, no bare number", lang, names)
		}
	}
	if err := f.app.Store.SetLocale(sys(), admin.ID, "en"); err != nil {
		t.Fatal(err)
	}
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	vc, _, _ := f.signIn(viewer, time.Hour)
	if body := f.get(vc, "/").body; strings.Contains(body, "New Hire") || strings.Contains(body, "new.hire@") || !strings.Contains(body, link) {
		t.Error("viewer's dashboard: want use cases named, other users not")
	}
	if err := f.app.Store.SetLocale(sys(), admin.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	if body := f.get(c, "/").body; !strings.Contains(body, fmt.Sprintf(`<a href="/use-cases/%d">流失预测</a>`, uc.ID)) {
		t.Error("Chinese dashboard: want the use case's Chinese title among the changes")
	}
}
