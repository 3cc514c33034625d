package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestRiskSwitchNeverFlipped: the risk overview's "Last flipped" column
// says a switch nobody flipped was never flipped — as the model page
// does — rather than giving the model's registration time as a flip;
// a flipped switch gives who and when.
func TestRiskSwitchNeverFlipped(t *testing.T) {
	f := start(t, fixtureOpts{})
	quiet := f.model("Churn", "churn", "Churn")
	held := f.model("Credit", "credit", "Credit")
	if _, err := f.app.Store.FlipSwitch(sys(), held.Key, lodestar.SwitchOff, "", "drift under review"); err != nil {
		t.Fatal(err)
	}
	u := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	c, _, _ := f.signIn(u, time.Hour)
	cell := func(body string, m *lodestar.Model) string {
		t.Helper()
		row := regexp.MustCompile(fmt.Sprintf(`(?s)<tr id="risk-model-%d">.*?</tr>`, m.ID)).FindString(body)
		if row == "" {
			t.Fatalf("no row for %s on /risk", m.Key)
		}
		i := strings.LastIndex(row, "<td")
		return row[i:]
	}
	for lang, never := range map[string]string{"en": "Never flipped", "zh-CN": "尚未切换过"} {
		if err := f.app.Store.SetLocale(sys(), u.ID, lang); err != nil {
			t.Fatal(err)
		}
		page := f.get(c, "/risk")
		if got := cell(page.body, quiet); !strings.Contains(got, never) || strings.Contains(got, "<time") {
			t.Errorf("%s: the never-flipped switch's cell %q; want %q and no time", lang, got, never)
		}
		if got := cell(page.body, held); strings.Contains(got, never) || !strings.Contains(got, "test-setup") {
			t.Errorf("%s: the flipped switch's cell %q; want who flipped it and when", lang, got)
		}
	}
}
