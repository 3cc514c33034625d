package app_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestHealthPageShowsTheSwitch: the health page, where an open alert is
// read and handled, says whether the model is serving — its switch's
// state, fallback and the last flip's who, when and why, with the way to
// the model page to flip it — in English and in Chinese. It said nothing
// of it: the on-call engineer reading a credit model's fairness alert
// could not tell it had been switched off days before.
func TestHealthPageShowsTheSwitch(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m := f.model("Credit", "credit", "Credit")
	page := fmt.Sprintf("/models/%d/health", m.ID)
	team := f.user(lodestar.RoleAITeam, "team@example.com")
	zh := f.user(lodestar.RoleViewer, "viewer@example.com")
	if err := f.app.Store.SetLocale(sys(), zh.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	en, _, _ := f.signIn(team, time.Hour)
	cn, _, _ := f.signIn(zh, time.Hour)

	// The model has no version in production: its switch, on, does not
	// say that it serves.
	r := f.get(en, page)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.body, `id="health-switch"`) || !strings.Contains(r.body, "On, but no version is in production: nothing serves") {
		t.Fatalf("health page of a model switched on: %d, switch shown %v", r.StatusCode, strings.Contains(r.body, `id="health-switch"`))
	}
	if _, err := f.app.Store.FlipSwitch(sys(), "credit", lodestar.SwitchFallback, "rules-v3", "Skew <under 30> under review"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		browser *http.Client
		want    []string
	}{
		{en, []string{"Fallback: serve the fallback instead", "rules-v3", "test-setup", "Skew &lt;under 30&gt; under review", fmt.Sprintf(`href="/models/%d#switch"`, m.ID)}},
		{cn, []string{"降级：改用备选方案", "rules-v3", "Skew &lt;under 30&gt; under review", "在模型页面查看开关"}},
	} {
		r := f.get(c.browser, page)
		sec := r.body[strings.Index(r.body, `id="health-switch"`):]
		sec = sec[:strings.Index(sec, "</section>")]
		for _, w := range c.want {
			if !strings.Contains(sec, w) {
				t.Errorf("the health page's switch does not show %q:\n%s", w, sec)
			}
		}
	}
}
