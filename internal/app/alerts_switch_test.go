package app_test

import (
	"fmt"
	"regexp"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAlertsPageShowsSwitchedOffModels: on the alerts page, where the
// on-call engineer triages every model's alerts, a model that is
// switched off or at fallback says so in its alerts' rows (English and
// Chinese): its alert is contained, unlike one of a model still serving.
func TestAlertsPageShowsSwitchedOffModels(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	serving, stopped := f.records("serving"), f.records("stopped")
	m, err := f.app.Store.FindModelByID(sys(), stopped["models"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.FlipSwitch(sys(), m.Key, lodestar.SwitchOff, "", "contained"); err != nil {
		t.Fatal(err)
	}
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	if err := f.app.Store.SetLocale(sys(), viewer.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	row := func(body string, id int64) string {
		return regexp.MustCompile(fmt.Sprintf(`(?s)<tr id="alert-%d">.*?</tr>`, id)).FindString(body)
	}
	for _, c := range []struct {
		u   *lodestar.User
		off string
	}{{team, "Switched off"}, {viewer, "已关闭"}} {
		cl, _, _ := f.signIn(c.u, time.Hour)
		body := f.get(cl, "/alerts").body
		if r := row(body, stopped["alerts"]); !regexp.MustCompile(`class="badge switch-off"[^>]*>` + regexp.QuoteMeta(c.off)).MatchString(r) {
			t.Errorf("%s: the alert of the model switched off does not say so:\n%s", c.u.Email, r)
		}
		if r := row(body, serving["alerts"]); r == "" || regexp.MustCompile(`badge switch-`).MatchString(r) {
			t.Errorf("%s: the alert of the model serving shows a switch badge (or no row):\n%s", c.u.Email, r)
		}
	}
}
