package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestSwitchSaysWhoFlips: a person who may not flip a model's switch (the
// AI team that watches the model, a viewer) is told on the model page who
// can, rather than find the form simply absent; the risk officer gets the
// form and no such note; and the refusal stands for the others.
func TestSwitchSaysWhoFlips(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m := f.model("Credit", "credit", "Credit")
	path := fmt.Sprintf("/models/%d", m.ID)
	for _, c := range []struct {
		role          lodestar.Role
		email, locale string
		flips         bool
		note          string
	}{
		{lodestar.RoleAITeam, "ai@example.com", "en", false, "Only a risk officer, the AI committee or an administrator can flip this switch"},
		{lodestar.RoleViewer, "viewer@example.com", "zh-CN", false, "只有风险官、AI 委员会或管理员可以切换此开关"},
		{lodestar.RoleRiskOfficer, "risk@example.com", "en", true, ""},
	} {
		u := f.user(c.role, c.email)
		if err := f.app.Store.SetLocale(sys(), u.ID, c.locale); err != nil {
			t.Fatal(err)
		}
		cl, csrf, _ := f.signIn(u, time.Hour)
		r := f.get(cl, path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: GET %s: %d", c.role, path, r.StatusCode)
		}
		form := strings.Contains(r.body, `action="/models/`+fmt.Sprint(m.ID)+`/switch"`)
		note := strings.Contains(r.body, `id="switch-who"`)
		if form != c.flips || note == c.flips {
			t.Errorf("%s: flip form shown %v, who-flips note shown %v; want the form %v and the note %v", c.role, form, note, c.flips, !c.flips)
		}
		if c.note != "" && !strings.Contains(r.body, c.note) {
			t.Errorf("%s: the page does not say %q", c.role, c.note)
		}
		if !c.flips {
			p := f.postForm(cl, path+"/switch", url.Values{"csrf_token": {csrf}, "state": {"off"}, "reason": {"try"}})
			if p.StatusCode != http.StatusForbidden {
				t.Errorf("%s: flip answered %d, want 403", c.role, p.StatusCode)
			}
		}
	}
}
