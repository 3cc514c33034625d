package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// hiddenFrom is the stage or status a page's stage or status form says
// it was opened on (its hidden "from").
func hiddenFrom(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`<input type="hidden" name="from" value="([^"]*)">`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("the page's form carries no from\n%.300s", body)
	}
	return m[1]
}

// TestStageChangeOnAStalePage: two admins open a use case at assessment;
// A approves it; B, on the page still showing assessment, rejects it.
// B's change is refused (409) naming the stage now, who moved it there
// and when, in English and Chinese, B's reason kept, and the use case
// stays approved. Reloaded, B's page changes it.
func TestStageChangeOnAStalePage(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ua, ub := f.user(lodestar.RoleAdmin, "a@example.com"), f.user(lodestar.RoleAdmin, "b@example.com")
	a, csrfA, _ := f.signIn(ua, time.Hour)
	b, csrfB, _ := f.signIn(ub, time.Hour)
	uc, err := f.app.Store.CreateUseCase(sys(), lodestar.NewUseCase{Title: "Churn", Stage: lodestar.StageAssessment})
	if err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/use-cases/%d", uc.ID)
	fromA, fromB := hiddenFrom(t, f.get(a, page).body), hiddenFrom(t, f.get(b, page).body)
	if fromA != lodestar.StageAssessment || fromB != fromA {
		t.Fatalf("the stage forms carry from %q (A) and %q (B); want assessment", fromA, fromB)
	}
	f.clock.Set(time.Date(2026, 11, 30, 9, 36, 0, 0, time.UTC))
	r := f.postForm(a, page+"/stage", url.Values{"csrf_token": {csrfA}, "from": {fromA}, "stage": {"approved"}, "reason": {"Worth it"}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("A's approval: %d\n%.500s", r.StatusCode, r.body)
	}
	f.clock.Advance(time.Hour)
	for lang, says := range map[string]string{
		"en":    "it is now approved, changed by a@example.com at 30 Nov 2026 09:36 UTC.",
		"zh-CN": "现在是“已批准”，由 a@example.com 于 2026年11月30日 09:36 UTC 更改",
	} {
		if err := f.app.Store.SetLocale(sys(), ub.ID, lang); err != nil {
			t.Fatal(err)
		}
		audits := f.count("audit_log")
		r := f.postForm(b, page+"/stage", url.Values{"csrf_token": {csrfB}, "from": {fromB}, "stage": {"rejected"}, "reason": {"Not worth it, says B"}})
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.body, says) {
			t.Errorf("%s: B's rejection on the stale page: %d, want 409 saying %q\n%.2000s", lang, r.StatusCode, says, r.body)
		}
		if !strings.Contains(r.body, "Not worth it, says B") {
			t.Errorf("%s: the refused page lost B's reason", lang)
		}
		// The page shows the use case as it is now: its form is based on
		// approved, so B's next change is based on what B now sees.
		if got := hiddenFrom(t, r.body); got != lodestar.StageApproved {
			t.Errorf("%s: the refused page's form carries from %q, want approved", lang, got)
		}
		if n := f.count("audit_log"); n != audits {
			t.Errorf("%s: the refused change wrote %d audit entries", lang, n-audits)
		}
		if got, _ := f.app.Store.FindUseCaseByID(sys(), uc.ID); got.Stage != lodestar.StageApproved {
			t.Fatalf("%s: after B's refused change the use case is %s, want approved", lang, got.Stage)
		}
	}
	fromB = hiddenFrom(t, f.get(b, page).body)
	r = f.postForm(b, page+"/stage", url.Values{"csrf_token": {csrfB}, "from": {fromB}, "stage": {"rejected"}, "reason": {"Not worth it"}})
	if got, _ := f.app.Store.FindUseCaseByID(sys(), uc.ID); r.StatusCode != http.StatusSeeOther || got.Stage != lodestar.StageRejected {
		t.Errorf("B's rejection after a reload: %d, stage %s; want 303, rejected", r.StatusCode, got.Stage)
	}
}

// TestVersionStatusOnAStalePage: an admin puts a version in production;
// the ML lead's page, opened while it was in staging, moves it back to
// development. Refused (409) naming the status now, who set it and when;
// the version stays in production.
func TestVersionStatusOnAStalePage(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	lead := f.user(lodestar.RoleAITeam, "ml.lead@example.com")
	a, csrfA, _ := f.signIn(admin, time.Hour)
	l, csrfL, _ := f.signIn(lead, time.Hour)
	m := f.model("Recs", "rec", "Rec")
	v, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.SetModelVersionStatus(sys(), v.ID, lodestar.ModelStaging, "evaluated"); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/model-versions/%d", v.ID)
	fromA, fromL := hiddenFrom(t, f.get(a, page).body), hiddenFrom(t, f.get(l, page).body)
	if fromA != lodestar.ModelStaging || fromL != fromA {
		t.Fatalf("the status forms carry from %q and %q; want staging", fromA, fromL)
	}
	f.clock.Set(time.Date(2026, 11, 30, 9, 36, 0, 0, time.UTC))
	if r := f.postForm(a, page+"/status", url.Values{"csrf_token": {csrfA}, "from": {fromA}, "status": {"production"}, "reason": {"Ship it"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("the admin's release: %d\n%.500s", r.StatusCode, r.body)
	}
	f.clock.Advance(time.Minute)
	before := f.versionSnapshot(v.ID)
	r := f.postForm(l, page+"/status", url.Values{"csrf_token": {csrfL}, "from": {fromL}, "status": {"development"}, "reason": {"More training, says the lead"}})
	if says := "it is now production, changed by admin@example.com at 30 Nov 2026 09:36 UTC."; r.StatusCode != http.StatusConflict || !strings.Contains(r.body, says) {
		t.Errorf("the lead's stale change: %d, want 409 saying %q\n%.2000s", r.StatusCode, says, r.body)
	}
	if !strings.Contains(r.body, "More training, says the lead") {
		t.Errorf("the refused page lost the lead's reason")
	}
	f.wantVersionUnchanged(before, "the lead's stale status change")
	// Without from (an older page), the change is not checked, as before.
	if r := f.postForm(l, page+"/status", url.Values{"csrf_token": {csrfL}, "status": {"development"}, "reason": {"rollback"}}); r.StatusCode != http.StatusSeeOther {
		t.Errorf("a change with no from: %d; want it made", r.StatusCode)
	}
}

// TestStaleDecisionsAPI: the stage and status endpoints take an optional
// from; a change from a stage or status the record has left is a 409
// naming the one now, who set it and when (in Chinese for a client that
// asks), with the record as current, and nothing changes.
func TestStaleDecisionsAPI(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	_, ver, tok := f.teamVersion("Recs", "rec", "Rec")
	uc, err := f.app.Store.CreateUseCase(sys(), lodestar.NewUseCase{Title: "Churn", Stage: lodestar.StageAssessment})
	if err != nil {
		t.Fatal(err)
	}
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	_, adminTok := f.token(admin)
	stage := fmt.Sprintf("/api/v1/use-cases/%d/stage", uc.ID)
	status := fmt.Sprintf("/api/v1/model-versions/%d/status", ver.ID)
	f.clock.Set(time.Date(2026, 11, 30, 9, 36, 0, 0, time.UTC))
	if r := f.api("POST", stage, adminTok, `{"stage":"approved","reason":"worth it","from":"assessment"}`); r.StatusCode != 200 {
		t.Fatalf("approval from assessment: %d %s", r.StatusCode, r.body)
	}
	if r := f.api("POST", status, adminTok, `{"status":"staging","reason":"evaluated","from":"development"}`); r.StatusCode != 200 {
		t.Fatalf("to staging from development: %d %s", r.StatusCode, r.body)
	}
	f.clock.Advance(time.Hour)

	audits := f.count("audit_log")
	d := wantAPIError(t, f.api("POST", stage, adminTok, `{"stage":"rejected","reason":"no","from":"assessment"}`), 409, "conflict")
	if want := "it is now approved, changed by admin@example.com at 2026-11-30T09:36:00Z."; !strings.Contains(d.Message, want) || strings.Contains(d.Message, "Reload the page") {
		t.Errorf("stale stage change: %q, want it to say %q", d.Message, want)
	}
	if cur, ok := d.Current.(map[string]any); !ok || cur["stage"] != "approved" {
		t.Errorf("stale stage change: current %v, want the use case as approved", d.Current)
	}
	d = wantAPIError(t, f.api("POST", status, tok, `{"status":"development","reason":"no","from":"development"}`), 409, "conflict")
	if want := "it is now staging, changed by admin@example.com at 2026-11-30T09:36:00Z."; !strings.Contains(d.Message, want) {
		t.Errorf("stale status change: %q, want it to say %q", d.Message, want)
	}
	h := http.Header{"Authorization": {"Bearer " + tok}, "Content-Type": {"application/json"}, "Accept-Language": {"zh-CN"}}
	r := f.do(f.client(), "POST", status, h, strings.NewReader(`{"status":"production","reason":"go","from":"development"}`))
	if r.StatusCode != 409 || !strings.Contains(r.body, "现在是“预发布”，由 admin@example.com 于") {
		t.Errorf("stale status change in Chinese: %d %s", r.StatusCode, r.body)
	}
	if n := f.count("audit_log"); n != audits {
		t.Errorf("the refused changes wrote %d audit entries", n-audits)
	}
	if got, _ := f.app.Store.FindUseCaseByID(sys(), uc.ID); got.Stage != lodestar.StageApproved {
		t.Errorf("after the refusals the use case is %s, want approved", got.Stage)
	}
	// From the stage or status as it is, or with no from: made.
	if r := f.api("POST", stage, adminTok, `{"stage":"rejected","reason":"no","from":"approved"}`); r.StatusCode != 200 {
		t.Errorf("stage change from the current stage: %d %s", r.StatusCode, r.body)
	}
	if r := f.api("POST", status, tok, `{"status":"production","reason":"go","from":"staging"}`); r.StatusCode != 200 {
		t.Errorf("status change from the current status: %d %s", r.StatusCode, r.body)
	}
	if r := f.api("POST", status, tok, `{"status":"development","reason":"rollback"}`); r.StatusCode != 200 {
		t.Errorf("status change with no from: %d %s", r.StatusCode, r.body)
	}
}
