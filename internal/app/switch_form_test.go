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

// production registers version v of the model and moves it to production.
func (f *fixture) production(modelID int64, v string) *lodestar.ModelVersion {
	f.t.Helper()
	mv, err := f.app.Store.CreateModelVersion(sys(), modelID, lodestar.ModelVersion{Version: v})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction} {
		if mv, err = f.app.Store.SetModelVersionStatus(sys(), mv.ID, st, "promoted"); err != nil {
			f.t.Fatal(err)
		}
	}
	return mv
}

var (
	switchHeading = regexp.MustCompile(`(?s)<section class="card switch[^"]*" id="(?:health-)?switch">\s*<h2>.*?</h2>`)
	modelRowRe    = regexp.MustCompile(`(?s)<tr>\s*<td[^>]*><a href="/models/\d+"><code[^>]*>credit</code>.*?</tr>`)
)

// TestSwitchOnWithNothingInProduction: a model whose switch is on but
// which has no version in production (none yet, or all retired) serves
// nothing, and its pages say so — the model page and its health page, the
// registry and its use case's list, and the message after a flip — in
// English and in Chinese. They said "On: the model serves."
func TestSwitchOnWithNothingInProduction(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	uc := f.useCase("Credit")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit", Name: "Credit"})
	if err != nil {
		t.Fatal(err)
	}
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	zhUser := f.user(lodestar.RoleViewer, "viewer@example.com")
	if err := f.app.Store.SetLocale(sys(), zhUser.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	en, _, _ := f.signIn(risk, time.Hour)
	zh, _, _ := f.signIn(zhUser, time.Hour)
	page := fmt.Sprintf("/models/%d", m.ID)
	const (
		idleEN   = "On, but no version is in production: nothing serves"
		idleZH   = "开启，但没有生产版本：没有模型在服务"
		servesEN = "On: the model serves"
		servesZH = "开启：模型正常服务"
	)
	// says checks what each page shows of the switch (and, for on, that
	// it does not say the other on).
	says := func(when, wantEN, wantZH string) {
		t.Helper()
		for _, c := range []struct {
			browser   *http.Client
			want, not string
		}{{en, wantEN, map[string]string{idleEN: servesEN, servesEN: idleEN}[wantEN]}, {zh, wantZH, map[string]string{idleZH: servesZH, servesZH: idleZH}[wantZH]}} {
			for _, p := range []string{page, page + "/health"} {
				r := f.get(c.browser, p)
				h := switchHeading.FindString(r.body)
				if r.StatusCode != http.StatusOK || !strings.Contains(h, c.want) || c.not != "" && strings.Contains(h, c.not) {
					t.Errorf("%s: %s shows the switch as %q; want %q", when, p, h, c.want)
				}
			}
			for _, p := range []string{"/models", fmt.Sprintf("/use-cases/%d", uc.ID)} {
				row := modelRowRe.FindString(f.get(c.browser, p).body)
				if !strings.Contains(row, c.want) || c.not != "" && strings.Contains(row, c.not) {
					t.Errorf("%s: %s lists the model as %q; want %q", when, p, row, c.want)
				}
			}
		}
	}
	flip := func(state, wantFlash string) {
		t.Helper()
		form := switchFormFields(t, f.get(en, page).body)
		form.Set("state", state)
		form.Set("reason", "review "+state)
		if r := f.postForm(en, page+"/switch", form); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("flip to %s: %d\n%s", state, r.StatusCode, r.body)
		}
		if body := f.get(en, page).body; !strings.Contains(body, wantFlash) {
			t.Errorf("after a flip to %s, the page does not say %q", state, wantFlash)
		}
	}

	says("no version yet", idleEN, idleZH)
	flip(lodestar.SwitchOn, "The switch was already on, but no version is in production: nothing serves. Your reason is recorded.")
	flip(lodestar.SwitchOff, "Switch flipped: off, the model must not serve.")
	says("switched off", "Off: the model must not serve", "关闭：模型停止服务")
	flip(lodestar.SwitchOn, "Switch flipped: on, but no version is in production: nothing serves.")

	mv := f.production(m.ID, "2.3")
	says("a version in production", servesEN, servesZH)
	flip(lodestar.SwitchOn, "The switch was already on: the model still serves. Your reason is recorded.")

	if _, err := f.app.Store.SetModelVersionStatus(sys(), mv.ID, lodestar.ModelRetired, "replaced by rules"); err != nil {
		t.Fatal(err)
	}
	says("its only version retired", idleEN, idleZH)
}

// TestSwitchFormOpensOnTheFallback: the flip form of a switch at fallback
// opens with its fallback filled in, and its reason is held to the
// server's 2,000 characters. Sent back as it opened with another state
// chosen, the fallback left there is not taken as one named for on or
// off; a fallback typed in with those is refused as before, nothing
// changed and what was typed kept.
func TestSwitchFormOpensOnTheFallback(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	uc := f.useCase("Credit")
	m, err := f.app.Store.CreateModel(sys(), lodestar.Model{UseCaseID: uc.ID, Key: "credit", Name: "Credit"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.FlipSwitch(sys(), "credit", lodestar.SwitchFallback, "rules-v3", "retraining"); err != nil {
		t.Fatal(err)
	}
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	c, _, _ := f.signIn(risk, time.Hour)
	page := fmt.Sprintf("/models/%d", m.ID)

	form := switchForm.FindString(f.get(c, page).body)
	if !regexp.MustCompile(`<input id="fallback" name="fallback" value="rules-v3" maxlength="200"`).MatchString(form) {
		t.Errorf("the form's fallback field is not filled with the switch's fallback (and held to 200):\n%s", form)
	}
	if !strings.Contains(form, `<textarea id="switch-reason" name="reason" rows="2" maxlength="2000"`) {
		t.Errorf("the form's reason is not held to the server's 2,000 characters:\n%s", form)
	}
	// Sent as it opened, with only the reason typed: a flip to the same
	// fallback, the reason recorded.
	fields := switchFormFields(t, f.get(c, page).body)
	fields.Set("reason", "still retraining")
	if r := f.postForm(c, page+"/switch", fields); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("flip as the form opened: %d\n%s", r.StatusCode, r.body)
	}
	if sw, _ := f.app.Store.FindSwitch(sys(), "credit"); sw.State != lodestar.SwitchFallback || sw.Fallback != "rules-v3" || sw.Version != 3 {
		t.Errorf("after a flip as the form opened: %+v, want at fallback rules-v3, version 3", sw)
	}

	// A fallback typed in with off is refused, nothing changed, the form
	// shown again with what was typed.
	fields = switchFormFields(t, f.get(c, page).body)
	fields.Set("state", lodestar.SwitchOff)
	fields.Set("fallback", "rules-v4")
	fields.Set("reason", "stop it")
	r := f.postForm(c, page+"/switch", fields)
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "A fallback is named only when the state is fallback.") ||
		!strings.Contains(switchForm.FindString(r.body), `name="fallback" value="rules-v4"`) {
		t.Errorf("off with a fallback typed in: %d, want 400 naming the fallback, rules-v4 kept\n%s", r.StatusCode, switchForm.FindString(r.body))
	}
	// Fallback emptied: refused, and the field stays empty (not filled
	// again with the switch's fallback).
	fields.Set("state", lodestar.SwitchFallback)
	fields.Set("fallback", "")
	r = f.postForm(c, page+"/switch", fields)
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "Name what to serve instead.") ||
		!strings.Contains(switchForm.FindString(r.body), `name="fallback" value="" maxlength`) {
		t.Errorf("fallback emptied: %d, want 400 asking for one, the field empty\n%s", r.StatusCode, switchForm.FindString(r.body))
	}
	// The longest reason the form lets through is taken; one more is not.
	fields.Set("fallback", "rules-v3")
	fields.Set("reason", strings.Repeat("理", 2001))
	if r := f.postForm(c, page+"/switch", fields); r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "At most 2000 characters.") {
		t.Errorf("a reason of 2,001 characters: %d, want 400 saying at most 2000", r.StatusCode)
	}
	if sw, _ := f.app.Store.FindSwitch(sys(), "credit"); sw.Version != 3 || sw.State != lodestar.SwitchFallback {
		t.Errorf("after the refused flips: %+v, want unchanged at version 3", sw)
	}

	// Sent as it opened with off chosen: the fallback left in the field is
	// dropped, and the switch is off.
	fields = switchFormFields(t, f.get(c, page).body)
	if fields.Get("fallback") != "rules-v3" {
		t.Fatalf("the form opened with fallback %q, want rules-v3", fields.Get("fallback"))
	}
	fields.Set("state", lodestar.SwitchOff)
	fields.Set("reason", strings.Repeat("理", 2000))
	if r := f.postForm(c, page+"/switch", fields); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("off with the fallback left as it opened: %d\n%s", r.StatusCode, r.body)
	}
	if sw, _ := f.app.Store.FindSwitch(sys(), "credit"); sw.State != lodestar.SwitchOff || sw.Fallback != "" {
		t.Errorf("after off with the fallback left as it opened: %+v, want off with no fallback", sw)
	}
	// Off now: the field opens empty.
	if got := switchFormFields(t, f.get(c, page).body).Get("fallback"); got != "" {
		t.Errorf("switched off, the form opens with fallback %q, want none", got)
	}
}
