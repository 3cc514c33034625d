package app_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

func TestRefusedStatusKeepsCardForm(t *testing.T) {
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	m := f.model("Credit", "credit", "Credit")
	v, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0",
		Card: lodestar.ModelCard{IntendedUse: "Score retail credit applications"}})
	if err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(ai, time.Hour)
	r := f.postForm(c, fmt.Sprintf("/model-versions/%d/status", v.ID), url.Values{"csrf_token": {csrf}, "status": {"staging"}, "reason": {"  "}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("status without reason: got %d, want 400", r.StatusCode)
	}
	if !strings.Contains(r.body, `name="intended_use" rows="2">Score retail credit applications</textarea>`) {
		t.Errorf("the re-rendered card form lost the stored intended use")
	}
	if !strings.Contains(r.body, `<option value="staging" selected>`) {
		t.Errorf("the refused status is not kept selected")
	}
	// The form preselects no status (a version in production was one
	// click from going back to development); sent without one, it is
	// refused by field in the reader's language and nothing changes.
	page := f.do(c, "GET", fmt.Sprintf("/model-versions/%d", v.ID), nil, nil)
	if !strings.Contains(page.body, `<select id="status" name="status"><option value="">Choose…</option>`) {
		t.Errorf("the status form preselects a status")
	}
	for lang, want := range map[string]string{"en": "Choose the status to move the version to.", "zh-CN": "请选择版本要变更到的状态。"} {
		if err := f.app.Store.SetLocale(sys(), ai.ID, lang); err != nil {
			t.Fatal(err)
		}
		r = f.postForm(c, fmt.Sprintf("/model-versions/%d/status", v.ID), url.Values{"csrf_token": {csrf}, "status": {""}, "reason": {"promote"}})
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, want) {
			t.Errorf("%s: empty status: %d, want 400 saying %q", lang, r.StatusCode, want)
		}
	}
	if got, err := f.app.Store.FindModelVersionByID(sys(), v.ID); err != nil || got.Status != lodestar.ModelDevelopment {
		t.Errorf("after the refusals: %+v, %v; want still in development", got, err)
	}
	// A refused card keeps what was typed, not the stored card.
	r = f.postForm(c, fmt.Sprintf("/model-versions/%d/card", v.ID), url.Values{"csrf_token": {csrf}, "intended_use": {"Typed use"}, "metrics": {"auc = high"}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("card with a bad metric: got %d, want 400", r.StatusCode)
	}
	if !strings.Contains(r.body, `>Typed use</textarea>`) || !strings.Contains(r.body, `auc = high</textarea>`) {
		t.Errorf("the refused card form lost what was typed")
	}
}

// When a use-case form is refused, each impact row must show the KPI
// with the change and confidence typed on that same row.

func TestUseCaseImpactRowsStayAligned(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	k, err := f.app.Store.CreateKPI(sys(), lodestar.KPI{Name: "Churn", Unit: "%", Direction: lodestar.DirectionDown, Baseline: 10, Target: 5, TargetDate: "2030-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(admin, time.Hour)
	r := f.postForm(c, "/use-cases", url.Values{"csrf_token": {csrf}, "title": {""}, "stage": {"idea"},
		"impact_kpi_0": {""}, "impact_change_0": {"99"}, "impact_confidence_0": {"0.1"},
		"impact_kpi_1": {fmt.Sprint(k.ID)}, "impact_change_1": {"-2"}, "impact_confidence_1": {"0.8"}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %d, want 400", r.StatusCode)
	}
	// Whichever row shows the KPI must show -2, not row 0's 99.
	re := regexp.MustCompile(`(?s)name="impact_kpi_(\d+)".*?<option value="` + fmt.Sprint(k.ID) + `" selected>.*?name="impact_change_\d+" inputmode="decimal" value="([^"]*)"`)
	m := re.FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("KPI not selected on any row")
	}
	if m[2] != "-2" {
		t.Errorf("row %s shows KPI %d with change %q, want -2 (the change typed for it)", m[1], k.ID, m[2])
	}
}

// An admin must be able to change the role of any user whose e-mail the
// service accepted, e.g. one with a "/" or "#" in its local part.

// The use-case edit form keeps what the use case holds that can no longer
// be chosen anew — a disabled sponsor, an archived unit, pain point or
// KPI — instead of dropping it on the next save.
func TestUseCaseEditKeepsInactiveReferences(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	sp := f.user(lodestar.RoleBusinessOwner, "sponsor@example.com")
	ctx := sys()
	bu, err := f.app.Store.CreateBusinessUnit(ctx, lodestar.BusinessUnit{Name: "Old unit"})
	if err != nil {
		t.Fatal(err)
	}
	pp, err := f.app.Store.CreatePainPoint(ctx, lodestar.PainPoint{Title: "Old pain", BusinessUnitID: bu.ID, Category: "cost", AnnualCost: 1})
	if err != nil {
		t.Fatal(err)
	}
	k, err := f.app.Store.CreateKPI(ctx, lodestar.KPI{Name: "Old KPI", Unit: "%", Direction: lodestar.DirectionDown, Baseline: 10, Target: 5, TargetDate: "2030-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	uc, err := f.app.Store.CreateUseCase(ctx, lodestar.NewUseCase{Title: "Chatbot", SponsorID: sp.ID, BusinessUnitID: bu.ID,
		PainPointIDs: []int64{pp.ID}, Impacts: []lodestar.Impact{{KPIID: k.ID, Change: -2, Confidence: 0.5}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.SetDisabled(ctx, sp.Email, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.ArchivePainPoint(ctx, pp.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.ArchiveKPI(ctx, k.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.ArchiveBusinessUnit(ctx, bu.ID, true); err != nil {
		t.Fatal(err)
	}
	c, _, _ := f.signIn(admin, time.Hour)
	r := f.get(c, fmt.Sprintf("/use-cases/%d/edit", uc.ID))
	for what, want := range map[string]string{
		"disabled sponsor":      fmt.Sprintf(`<option value="%d" selected>`, sp.ID),
		"archived unit":         fmt.Sprintf(`<option value="%d" selected>Old unit`, bu.ID),
		"archived pain point":   fmt.Sprintf(`name="pain_point_ids" value="%d" checked>`, pp.ID),
		"archived KPI's impact": fmt.Sprintf(`<option value="%d" selected>Old KPI`, k.ID),
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("edit form does not show the stored %s (%s); saving it would drop it without a word", what, want)
		}
	}
	// Another archived KPI, not held, is not offered.
	k2, err := f.app.Store.CreateKPI(ctx, lodestar.KPI{Name: "Gone KPI", Unit: "%", Direction: lodestar.DirectionDown, Baseline: 10, Target: 5, TargetDate: "2030-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.ArchiveKPI(ctx, k2.ID, true); err != nil {
		t.Fatal(err)
	}
	if r := f.get(c, fmt.Sprintf("/use-cases/%d/edit", uc.ID)); strings.Contains(r.body, "Gone KPI") {
		t.Error("an archived KPI the use case does not hold is offered")
	}
}

func TestLocaleSwitchAfterRefusedForm(t *testing.T) {
	f := start(t, fixtureOpts{})
	bo := f.user(lodestar.RoleBusinessOwner, "bo@example.com")
	k, err := f.app.Store.CreateKPI(sys(), lodestar.KPI{Name: "Churn", Unit: "%", Direction: lodestar.DirectionDown, Baseline: 10, Target: 5, TargetDate: "2030-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(bo, time.Hour)
	page := fmt.Sprintf("/kpis/%d", k.ID)
	r := f.do(c, "POST", page+"/readings", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}, "Referer": {f.srv.URL + page}},
		strings.NewReader(url.Values{"csrf_token": {csrf}, "date": {"2025-01-01"}, "value": {"abc"}}.Encode()))
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %d, want 400", r.StatusCode)
	}
	m := regexp.MustCompile(`name="next" value="([^"]*)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatal("no locale switch")
	}
	sw := f.postForm(c, "/locale", url.Values{"csrf_token": {csrf}, "locale": {"zh-CN"}, "next": {html.UnescapeString(m[1])}})
	loc := sw.Header.Get("Location")
	if loc != page {
		t.Errorf("language switch after a refused form goes to %q, want the form's page %s", loc, page)
	}
	if got := f.get(c, loc); got.StatusCode != http.StatusOK {
		t.Errorf("language switch sends the browser to %s: got %d, want 200", loc, got.StatusCode)
	}
}

// Opening a use case's edit form and saving it unchanged must not drop
// its sponsor because that user was since disabled.

func TestExperimentGuardrailParseErrorShown(t *testing.T) {
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	uc := f.useCase("Recs")
	c, csrf, _ := f.signIn(ai, time.Hour)
	r := f.postForm(c, "/experiments", url.Values{"csrf_token": {csrf}, "use_case_id": {fmt.Sprint(uc.ID)}, "key": {"exp1"}, "name": {"Exp"},
		"primary_name": {"conversion"}, "primary_kind": {"proportion"}, "primary_direction": {"up"},
		"alpha": {"0.05"}, "treatment_share": {"0.5"}, "min_sample": {"0"},
		"g0_name": {""}, "g1_name": {"latency"}, "g1_kind": {"mean"}, "g1_direction": {"down"}, "g1_max": {"ten percent"}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %d, want 400", r.StatusCode)
	}
	if !regexp.MustCompile(`name="g1_max" value="ten percent"[^>]*aria-describedby="guardrails-0-max_degradation-error" aria-invalid="true"[^>]*>\s*<p class="field-error" id="guardrails-0-max_degradation-error">Must be a number.</p>`).MatchString(r.body) {
		t.Errorf("the guardrail's parse error is not shown on its row")
	}
}

// The import page's refusal of create_missing for a role without
// strategy.write must be in Chinese on a Chinese page.

// Forms that choose a use case offer every one, not the first 200.
func TestUseCaseChoicesAll(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	for i := range 205 {
		f.useCase(fmt.Sprintf("UC %03d", i))
	}
	c, _, _ := f.signIn(admin, time.Hour)
	for _, path := range []string{"/models", "/experiments/new", "/experiments"} {
		r := f.get(c, path)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.body, ">UC 204<") || !strings.Contains(r.body, ">UC 000<") {
			t.Errorf("%s: got %d; want the first and the 205th use case offered", path, r.StatusCode)
		}
	}
}

// A refused monitor form shows each field's error beside that field:
// max events and the reference's end date had theirs filed under other
// fields, one overwriting the other.
func TestMonitorFormErrorsInPlace(t *testing.T) {
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	m := f.model("Recs", "recs", "Recs")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(ai, time.Hour)
	r := f.postForm(c, fmt.Sprintf("/models/%d/monitors", m.ID), url.Values{"csrf_token": {csrf}, "version": {"1.0"}, "name": {"m"},
		"window": {"day"}, "reference_kind": {"events"}, "reference_from": {"2026-13-01"}, "reference_to": {"soon"},
		"min_events": {"few"}, "max_events": {"many"}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %d, want 400", r.StatusCode)
	}
	if n := strings.Count(r.body, `">Use a date like 2026-11-28.</p>`); n != 2 {
		t.Errorf("date errors shown %d times, want 2 (from and to)", n)
	}
	if n := strings.Count(r.body, `class="field-error"`); n < 4 {
		t.Errorf("%d field errors shown, want 4 (two dates, min and max events)\n%s", n, r.body)
	}
}

func TestUseCaseNextPageLink(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	for i := 0; i < 51; i++ {
		f.useCase(fmt.Sprintf("Use case %02d", i))
	}
	c, _, _ := f.signIn(admin, time.Hour)
	r := f.get(c, "/use-cases")
	m := regexp.MustCompile(`<a href="(/use-cases\?[^"]*)">`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no next-page link in:\n%s", r.body)
	}
	next := html.UnescapeString(m[1])
	u, _ := url.Parse(next)
	if u.Query().Get("after") == "" {
		t.Fatalf("next-page link %q has no after= parameter (query %v)", next, u.Query())
	}
	p2 := f.get(c, next)
	if strings.Contains(p2.body, "Use case 50") {
		t.Errorf("page 2 (%s) shows the first page again", next)
	}
}

// The export links must keep the list's filters.

func TestUseCaseExportLinkKeepsFilters(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	f.useCase("Alpha")
	c, _, _ := f.signIn(admin, time.Hour)
	r := f.get(c, "/use-cases?q=Alpha&sort=title")
	m := regexp.MustCompile(`href="(/use-cases/export\?format=csv[^"]*)"`).FindStringSubmatch(r.body)
	if m == nil {
		t.Fatalf("no export link")
	}
	u, _ := url.Parse(html.UnescapeString(m[1]))
	if u.Query().Get("q") != "Alpha" || u.Query().Get("sort") != "title" {
		t.Errorf("export link %q lost the filters: %v", m[1], u.Query())
	}
}

// A refused status change must not blank the model-card form on the
// same page (saving it then would wipe the card).

// roleForm finds the role form of email on the users page: the address
// is one path segment, escaped.
func roleForm(t *testing.T, page, email string) string {
	t.Helper()
	for _, m := range regexp.MustCompile(`action="/admin/users/([^"/]*)/role"`).FindAllStringSubmatch(page, -1) {
		seg := html.UnescapeString(m[1])
		if got, err := url.PathUnescape(seg); err == nil && got == email {
			return "/admin/users/" + seg + "/role"
		}
	}
	t.Fatalf("no role form for %s", email)
	return ""
}

// TestUserRoleFormUnusualEmails: addresses with '/', '#', '?' or a
// '%XX' (all valid) get role forms that reach them, and only them.
func TestUserRoleFormUnusualEmails(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	other := f.user(lodestar.RoleViewer, "xay@example.com")
	c, csrf, _ := f.signIn(admin, time.Hour)
	for _, email := range []string{"ops/team@example.com", "ops#1@example.com", "what?@example.com", "x%41y@example.com"} {
		u := f.user(lodestar.RoleViewer, email)
		action := roleForm(t, f.get(c, "/admin/users").body, u.Email)
		r := f.postForm(c, action, url.Values{"csrf_token": {csrf}, "role": {"committee"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Errorf("%s: role form posts to %q: got %d, want 303", email, action, r.StatusCode)
		}
		got, err := f.app.Store.FindUserByID(sys(), u.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Role != lodestar.RoleCommittee {
			t.Errorf("%s: role %s after the form, want committee", email, got.Role)
		}
	}
	if got, _ := f.app.Store.FindUserByID(sys(), other.ID); got.Role != lodestar.RoleViewer {
		t.Errorf("the role form of x%%41y@example.com changed %s to %s", other.Email, got.Role)
	}
}

// TestReadingFormRefusesFutureDates: the reading form's date picker stops
// at tomorrow (UTC, the store's rule), and a later date typed or sent
// anyway is refused on the field, in the user's language, nothing saved.
func TestReadingFormRefusesFutureDates(t *testing.T) {
	f := start(t, fixtureOpts{})
	bo := f.user(lodestar.RoleBusinessOwner, "bo@example.com")
	k, err := f.app.Store.CreateKPI(sys(), lodestar.KPI{Name: "Churn", Unit: "%", Direction: lodestar.DirectionDown, Baseline: 10, Target: 5, TargetDate: "2031-01-01"})
	if err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(bo, time.Hour)
	page := fmt.Sprintf("/kpis/%d", k.ID)
	// The clock reads 2030-03-04.
	if body := f.get(c, page).body; !strings.Contains(body, `max="2030-03-05"`) || !strings.Contains(body, `value="2030-03-04"`) {
		t.Errorf("the reading form's date: want today's date and max tomorrow\n%.2000s", body)
	}
	for _, lang := range []struct{ locale, want string }{{"en", "A reading cannot be dated in the future."}, {"zh-CN", "读数的日期不能晚于今天。"}} {
		if err := f.app.Store.SetLocale(sys(), bo.ID, lang.locale); err != nil {
			t.Fatal(err)
		}
		r := f.postForm(c, page+"/readings", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, page)}, "date": {"2030-03-06"}, "value": {"4"}})
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, lang.want) {
			t.Errorf("%s: a reading dated 2030-03-06: got %d, want 400 saying %q", lang.locale, r.StatusCode, lang.want)
		}
	}
	// Nor before 1900: 1800-11-29 is a slip for 2026-11-29 (the picker's
	// min says so too).
	if body := f.get(c, page).body; !strings.Contains(body, `min="1900-01-01"`) {
		t.Errorf("the reading form's date: want min 1900-01-01")
	}
	for _, lang := range []struct{ locale, want string }{{"en", "A reading is dated 1900-01-01 or later."}, {"zh-CN", "读数日期不能早于 1900-01-01。"}} {
		if err := f.app.Store.SetLocale(sys(), bo.ID, lang.locale); err != nil {
			t.Fatal(err)
		}
		r := f.postForm(c, page+"/readings", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, page)}, "date": {"1800-11-29"}, "value": {"4"}})
		if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, lang.want) {
			t.Errorf("%s: a reading dated 1800-11-29: got %d, want 400 saying %q", lang.locale, r.StatusCode, lang.want)
		}
	}
	if n := f.count("kpi_readings"); n != 0 {
		t.Errorf("readings after refused forms: got %d, want 0", n)
	}
	r := f.postForm(c, page+"/readings", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, page)}, "date": {"2030-03-05"}, "value": {"4"}})
	if r.StatusCode != http.StatusSeeOther || f.count("kpi_readings") != 1 {
		t.Errorf("a reading dated tomorrow: got %d and %d readings, want 303 and 1", r.StatusCode, f.count("kpi_readings"))
	}
}
