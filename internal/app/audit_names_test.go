package app_test

import (
	"fmt"
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
	if err := f.app.Store.SetLocale(sys(), admin.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	if body := f.get(c, "/").body; !strings.Contains(body, fmt.Sprintf(`<a href="/use-cases/%d">流失预测</a>`, uc.ID)) {
		t.Error("Chinese dashboard: want the use case's Chinese title among the changes")
	}
}
