package app_test

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestSwitchHistoryOnModelPage: the committee reviewing a model reads
// every flip of its switch — when, who, from what to what and why — on
// the model page, newest first and escaped, in English and in Chinese.
// The page showed the last flip alone, and the audit log holds the rest
// as raw JSON behind "Before" and "After".
func TestSwitchHistoryOnModelPage(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m := f.model("Credit", "credit", "Credit")
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	ceo := f.user(lodestar.RoleCommittee, "ceo@example.com")
	if err := f.app.Store.SetLocale(sys(), ceo.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	_, tok := f.token(risk, "write")
	for _, body := range []string{
		`{"state":"off","reason":"Fairness skew <b>under 30</b>"}`,
		`{"state":"fallback","fallback":"rules-v3","reason":"Rules while retraining"}`,
		`{"state":"on","reason":"Retrained model approved"}`,
	} {
		if r := f.api("PUT", "/api/v1/switches/credit", tok, body); r.StatusCode != http.StatusOK {
			t.Fatalf("flip %s: %d %s", body, r.StatusCode, r.body)
		}
	}
	page := fmt.Sprintf("/models/%d", m.ID)
	history := regexp.MustCompile(`(?s)<table[^>]*id="switch-history".*?</table>`)
	for _, c := range []struct {
		u    *lodestar.User
		want []string
	}{
		{risk, []string{"On: the model serves", "Off: the model must not serve", "rules-v3", "risk@example.com", "Fairness skew &lt;b&gt;under 30&lt;/b&gt;"}},
		{ceo, []string{"开启：模型正常服务", "降级：改用备选方案", "关闭：模型停止服务", "Rules while retraining"}},
	} {
		cl, _, _ := f.signIn(c.u, time.Hour)
		body := f.get(cl, page).body
		table := history.FindString(body)
		if table == "" {
			t.Fatalf("%s: no flip history on the model page", c.u.Email)
		}
		for _, w := range c.want {
			if !strings.Contains(table, w) {
				t.Errorf("%s: the flip history does not show %q:\n%s", c.u.Email, w, table)
			}
		}
		// Newest first.
		if a, b := strings.Index(table, "Retrained model approved"), strings.Index(table, "Rules while retraining"); a < 0 || b < 0 || a > b {
			t.Errorf("%s: the flips are not newest first:\n%s", c.u.Email, table)
		}
		if n := strings.Count(table, "<tr>") - 1; n != 3 {
			t.Errorf("%s: %d flips shown, want 3", c.u.Email, n)
		}
	}
}
