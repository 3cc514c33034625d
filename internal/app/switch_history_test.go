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
// every flip of its switch — when, who, how (web page, API or the
// shell's lodestar switch flip), from what to what and why — on the
// model page, newest first and escaped, in English and in Chinese. Each
// row reads "from → to" with the states' short names and, for a
// fallback, what it serves instead on either side; a flip that changed
// nothing says so. The switch card says how the last flip was made.
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
	page := fmt.Sprintf("/models/%d", m.ID)
	for _, body := range []string{
		`{"state":"off","reason":"Fairness skew <b>under 30</b>"}`,
		`{"state":"fallback","fallback":"rules-v3","reason":"Rules while retraining"}`,
	} {
		if r := f.api("PUT", "/api/v1/switches/credit", tok, body); r.StatusCode != http.StatusOK {
			t.Fatalf("flip %s: %d %s", body, r.StatusCode, r.body)
		}
	}
	web, _, _ := f.signIn(risk, time.Hour)
	for _, reason := range []string{"Rules v4 are out", "Still on rules v4"} {
		form := switchFormFields(t, f.get(web, page).body)
		form.Set("state", lodestar.SwitchFallback)
		form.Set("fallback", "rules-v4")
		form.Set("reason", reason)
		if r := f.postForm(web, page+"/switch", form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("flip on the web page: %d\n%s", r.StatusCode, r.body)
		}
	}
	// As 'lodestar switch flip' does: the user's flip, made from the shell.
	cli := lodestar.WithActor(sys(), lodestar.Actor{ID: risk.ID, Label: risk.Email, Role: risk.Role, Via: lodestar.ViaCLI})
	if _, err := f.app.Store.FlipSwitch(cli, "credit", lodestar.SwitchOn, "", "Retrained model approved"); err != nil {
		t.Fatal(err)
	}

	history := regexp.MustCompile(`(?s)<table[^>]*id="switch-history".*?</table>`)
	row := regexp.MustCompile(`(?s)<tr>.*?</tr>`)
	tags := regexp.MustCompile(`<[^>]*>`)
	for _, c := range []struct {
		u    *lodestar.User
		rows [][]string // newest first: what each row reads, tags taken out
		card string
	}{
		{risk, [][]string{
			{"Test risk_officer", "Command line", "Fallback to rules-v4 → On", "Retrained model approved"},
			{"Web page", "Fallback to rules-v4 → Fallback to rules-v4 (unchanged: the reason is recorded)", "Still on rules v4"},
			{"Web page", "Fallback to rules-v3 → Fallback to rules-v4", "Rules v4 are out"},
			{"API", "Off → Fallback to rules-v3", "Rules while retraining"},
			{"API", "On → Off", "Fairness skew &lt;b&gt;under 30&lt;/b&gt;"},
		}, "Last flipped by Test risk_officer (from the command line) ·"},
		{ceo, [][]string{
			{"命令行", "降级至 rules-v4 → 开启", "Retrained model approved"},
			{"网页", "降级至 rules-v4 → 降级至 rules-v4 （状态未变，仅记录原因）"},
			{"网页", "降级至 rules-v3 → 降级至 rules-v4"},
			{"API", "关闭 → 降级至 rules-v3"},
			{"API", "开启 → 关闭"},
		}, "最近一次切换： Test risk_officer （通过命令行） ·"},
	} {
		cl, _, _ := f.signIn(c.u, time.Hour)
		for _, p := range []string{page, page + "/health"} {
			body := f.get(cl, p).body
			if text := strings.Join(strings.Fields(tags.ReplaceAllString(body, " ")), " "); !strings.Contains(text, c.card) {
				t.Errorf("%s %s: the switch card does not say %q", c.u.Email, p, c.card)
			}
		}
		table := history.FindString(f.get(cl, page).body)
		if table == "" {
			t.Fatalf("%s: no flip history on the model page", c.u.Email)
		}
		rows := row.FindAllString(table, -1)[1:] // the first is the header's
		if len(rows) != len(c.rows) {
			t.Fatalf("%s: %d flips shown, want %d:\n%s", c.u.Email, len(rows), len(c.rows), table)
		}
		for i, want := range c.rows {
			text := strings.Join(strings.Fields(tags.ReplaceAllString(rows[i], " ")), " ")
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("%s: flip %d (newest first) does not read %q: %s", c.u.Email, i, w, text)
				}
			}
		}
		if strings.Contains(rows[2], "unchanged") || strings.Contains(rows[2], "未变") {
			t.Errorf("%s: a flip from one fallback to another reads as unchanged: %s", c.u.Email, rows[2])
		}
	}
}
