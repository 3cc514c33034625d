package app_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// TestStaleSwitchFlipSaysWhoFlippedIt: a flip through the API based on a
// version the switch has moved on from is refused (409) naming what the
// switch is now, at which version, and who flipped it when — in the
// message, translated for a client asking for Chinese, and in the error's
// "current" object (the switch as GET /api/v1/switches/{key} gives it), as
// the CLI's refusal does — rather than only "it was flipped after you
// opened it", which left the caller to find out by a second read what it
// was about to overwrite. Nothing is changed.
func TestStaleSwitchFlipSaysWhoFlippedIt(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	ceo := f.user(lodestar.RoleCommittee, "ceo@example.com")
	f.model("Churn", "churn", "Churn")
	_, riskTok := f.token(risk, "write")
	_, ceoTok := f.token(ceo, "write")
	if r := f.api("PUT", "/api/v1/switches/churn", riskTok, `{"state":"fallback","fallback":"rules-v3","reason":"Drift alert","version":1}`); r.StatusCode != http.StatusOK {
		t.Fatalf("first flip: %d %s", r.StatusCode, r.body)
	}
	now, err := f.app.Store.FindSwitch(sys(), "churn")
	if err != nil {
		t.Fatal(err)
	}
	at := now.ChangedAt.UTC().Format(time.RFC3339)
	stale := `{"state":"on","reason":"Committee approved","version":1}`

	d := wantAPIError(t, f.api("PUT", "/api/v1/switches/churn", ceoTok, stale), http.StatusConflict, "conflict")
	for _, want := range []string{"version 2 now, not 1", "risk@example.com flipped it to fallback (rules-v3) at " + at, "Your flip was not made"} {
		if !strings.Contains(d.Message, want) {
			t.Errorf("the 409's message %q does not say %q", d.Message, want)
		}
	}
	// The switch as it is now, under the Switch's own field names.
	b, _ := json.Marshal(d.Current)
	var cur lodestar.Switch
	if err := json.Unmarshal(b, &cur); err != nil || d.Current == nil {
		t.Fatalf("the 409 carries no current switch: %s (%v)", b, err)
	}
	if cur.Key != "churn" || cur.Version != 2 || cur.State != lodestar.SwitchFallback || cur.Fallback != "rules-v3" ||
		cur.ChangedBy != "risk@example.com" || !cur.ChangedAt.Equal(now.ChangedAt) || cur.Via != lodestar.ViaAPI {
		t.Errorf("the 409's current switch: %+v, want churn at version 2, fallback rules-v3, flipped by risk@example.com via api at %s", cur, at)
	}

	// In Chinese, the same facts, the time as the pages write it.
	r := f.do(f.client(), "PUT", "/api/v1/switches/churn", http.Header{"Authorization": {"Bearer " + ceoTok},
		"Content-Type": {"application/json"}, "Accept-Language": {"zh-CN"}}, strings.NewReader(stale))
	d = wantAPIError(t, r, http.StatusConflict, "conflict")
	for _, want := range []string{"开关在你打开页面之后已被切换", "第 2 版", "第 1 版", "risk@example.com 于 " + i18n.DateTime("zh-CN", now.ChangedAt), "fallback (rules-v3)", "你的切换未执行"} {
		if !strings.Contains(d.Message, want) {
			t.Errorf("the Chinese 409's message %q does not say %q", d.Message, want)
		}
	}

	if sw, _ := f.app.Store.FindSwitch(sys(), "churn"); sw.Version != 2 || sw.State != lodestar.SwitchFallback {
		t.Errorf("after the refused flips the switch is %s at version %d, want fallback at 2", sw.State, sw.Version)
	}
}

// TestStaleSwitchFormSaysWhoFlippedIt: the model page's switch form, sent
// from a page opened before someone else's flip, is refused saying the
// same: the version now, who flipped it and to what.
func TestStaleSwitchFormSaysWhoFlippedIt(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	ceo := f.user(lodestar.RoleCommittee, "ceo@example.com")
	m := f.model("Credit", "credit", "Credit")
	page := fmt.Sprintf("/models/%d", m.ID)
	b, _, _ := f.signIn(ceo, time.Hour)
	form := switchFormFields(t, f.get(b, page).body)
	_, tok := f.token(risk, "write")
	if r := f.api("PUT", "/api/v1/switches/credit", tok, `{"state":"off","reason":"Drift alert"}`); r.StatusCode != http.StatusOK {
		t.Fatalf("flip: %d %s", r.StatusCode, r.body)
	}
	form.Set("state", lodestar.SwitchOn)
	form.Set("reason", "Committee approved")
	r := f.postForm(b, page+"/switch", form)
	if r.StatusCode != http.StatusConflict {
		t.Fatalf("flip from the stale page: %d, want 409", r.StatusCode)
	}
	if !strings.Contains(r.body, "version 2 now, not 1; risk@example.com flipped it to off at ") {
		t.Errorf("the refused page does not say who flipped the switch, to what and when:\n%s", switchForm.FindString(r.body))
	}
}
