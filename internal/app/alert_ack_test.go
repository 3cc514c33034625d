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

var formIDField = regexp.MustCompile(`name="form_id" value="([0-9a-f]+)"`)

// TestAlertAcknowledgement walks acknowledging an alert on the alerts
// page and over the API: who sees the form, a refused note kept in its
// row with the error, the acknowledgement shown (also in Chinese), and
// every refusal — bad JSON, a second acknowledgement, a resolved alert —
// leaving the alert as it was.
func TestAlertAcknowledgement(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	ids := f.records("ack")
	alertID := ids["alerts"]
	action := fmt.Sprintf(`action="/alerts/%d/acknowledge"`, alertID)

	vc, _, _ := f.signIn(viewer, time.Hour)
	if r := f.get(vc, "/alerts"); r.StatusCode != 200 || strings.Contains(r.body, action) {
		t.Errorf("a viewer's alerts page: status %d, acknowledge form shown %v; want 200 without it", r.StatusCode, strings.Contains(r.body, action))
	}

	rc, csrf, _ := f.signIn(risk, time.Hour)
	page := f.get(rc, "/alerts")
	if !strings.Contains(page.body, action) {
		t.Fatalf("the risk officer's alerts page has no acknowledge form for alert %d", alertID)
	}
	formID := func(body string) string {
		m := formIDField.FindStringSubmatch(body)
		if m == nil {
			t.Fatal("no form_id on the alerts page")
		}
		return m[1]
	}
	post := func(note, fid string) *response {
		return f.postForm(rc, fmt.Sprintf("/alerts/%d/acknowledge", alertID), url.Values{"csrf_token": {csrf}, "form_id": {fid}, "note": {note}})
	}
	r := post("   ", formID(page.body))
	if r.StatusCode != http.StatusBadRequest || !strings.Contains(r.body, "Say what is being done about the alert.") ||
		!strings.Contains(r.body, fmt.Sprintf(`id="ack-%d" name="note" maxlength="1000" value="   " aria-describedby="note-error" aria-invalid="true" autofocus>`, alertID)) {
		t.Errorf("a blank note: got %d, want 400 with the field's error in the alert's row:\n%.2000s", r.StatusCode, r.body)
	}
	if a := f.alert(alertID); !a.AckedAt.IsZero() {
		t.Errorf("a refused note acknowledged the alert: %+v", a)
	}
	r = post("Checking the upstream feed <b>now</b>", formID(r.body))
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("a good note: got %d, want 303:\n%.1500s", r.StatusCode, r.body)
	}
	page = f.get(rc, "/alerts")
	if !strings.Contains(page.body, `Acknowledged by <span class="person" title="risk@example.com">Test risk_officer</span>`) || !strings.Contains(page.body, "Checking the upstream feed &lt;b&gt;now&lt;/b&gt;") ||
		strings.Contains(page.body, action) {
		t.Errorf("the alerts page after acknowledging: no acknowledgement shown, or the form still there:\n%.3000s", page.body)
	}
	a := f.alert(alertID)
	if a.AckedBy != "risk@example.com" || a.AckNote != "Checking the upstream feed <b>now</b>" {
		t.Errorf("stored: %+v", a)
	}

	// The API: same rules, JSON errors.
	ai := f.user(lodestar.RoleAITeam, "ml@example.com")
	_, tok := f.token(ai)
	path := fmt.Sprintf("/api/v1/alerts/%d/acknowledge", alertID)
	for _, c := range []struct {
		name, body string
		status     int
		code       string
	}{
		{"already acknowledged", `{"note":"me too"}`, 409, lodestar.EConflict},
		{"no note", `{}`, 400, lodestar.EInvalid},
		{"a number for a note", `{"note":5}`, 400, lodestar.EInvalid},
		{"an unknown field", `{"note":"x","by":"someone"}`, 400, lodestar.EInvalid},
		{"not JSON", `note=x`, 400, lodestar.EInvalid},
		{"a note too long", `{"note":"` + strings.Repeat("x", lodestar.MaxAckNote+1) + `"}`, 400, lodestar.EInvalid},
	} {
		r := f.api("POST", path, tok, c.body)
		if r.StatusCode != c.status || apiError(t, r).Code != c.code {
			t.Errorf("%s: got %d %s, want %d %s", c.name, r.StatusCode, r.body, c.status, c.code)
		}
	}
	if got := f.alert(alertID); got.AckedBy != "risk@example.com" || !got.AckedAt.Equal(a.AckedAt) {
		t.Errorf("refused API calls changed the acknowledgement: %+v", got)
	}
	if r := f.api("POST", "/api/v1/alerts/99999/acknowledge", tok, `{"note":"x"}`); r.StatusCode != 404 {
		t.Errorf("an unknown alert: got %d, want 404", r.StatusCode)
	}

	// A second open alert, acknowledged over the API; shown in Chinese.
	second := f.record("alerts", "ack2", ids)
	r = f.api("POST", fmt.Sprintf("/api/v1/alerts/%d/acknowledge", second), tok, `{"note":"重新训练中"}`)
	if r.StatusCode != 200 || !strings.Contains(r.body, `"acknowledged_by":"ml@example.com"`) || !strings.Contains(r.body, `"acknowledgement":"重新训练中"`) {
		t.Errorf("API acknowledgement: got %d %s", r.StatusCode, r.body)
	}
	zc, _, _ := f.signIn(risk, time.Hour)
	if err := f.app.Store.SetLocale(sys(), risk.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	if zh := f.get(zc, "/alerts"); !strings.Contains(zh.body, `<span class="person" title="ml@example.com">Test ai_team</span> 于`) || !strings.Contains(zh.body, "确认：重新训练中") {
		t.Errorf("the Chinese alerts page does not show the acknowledgement:\n%.3000s", zh.body)
	}
}

// alert reads one alert from the store.
func (f *fixture) alert(id int64) *lodestar.Alert {
	f.t.Helper()
	all, err := f.app.Store.ListAlerts(sys(), 0, false)
	if err != nil {
		f.t.Fatal(err)
	}
	for _, a := range all {
		if a.ID == id {
			return a
		}
	}
	f.t.Fatalf("alert %d not found", id)
	return nil
}

// TestHealthNamesMonitorsAndRetiredVersions: the health page's alerts
// name the monitor that raised each (a model may have several), and a
// monitor of a retired version says its monitors are not evaluated (not that no events come: a retired version may still be sent some).
func TestHealthNamesMonitorsAndRetiredVersions(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	u := f.user(lodestar.RoleViewer, "viewer@example.com")
	ids := f.records("hn")
	c, _, _ := f.signIn(u, time.Hour)
	path := fmt.Sprintf("/models/%d/health", ids["models"])
	link := fmt.Sprintf(`<a href="#monitor-%d">Monitor hn</a>`, ids["monitors"])
	page := f.get(c, path)
	if !strings.Contains(page.body, link) || strings.Contains(page.body, "version retired") {
		t.Errorf("before retiring: the alert's monitor not named, or a retired badge shown:\n%.3000s", page.body)
	}
	for _, st := range []string{lodestar.ModelStaging, lodestar.ModelProduction, lodestar.ModelRetired} {
		if _, err := f.app.Store.SetModelVersionStatus(sys(), ids["model-versions"], st, "walk"); err != nil {
			t.Fatal(err)
		}
	}
	page = f.get(c, path)
	if !strings.Contains(page.body, "version retired: its monitors are not evaluated") || !strings.Contains(page.body, link) {
		t.Errorf("after retiring: no retired badge on its monitor:\n%.3000s", page.body)
	}
	// Its alert, open until then, says why it resolved.
	if a := f.alert(ids["alerts"]); a.Status != lodestar.AlertResolved || a.Resolution != lodestar.ResolutionRetired {
		t.Errorf("the retired version's alert: %s, resolution %q; want resolved, retired", a.Status, a.Resolution)
	}
	if !strings.Contains(page.body, `<div class="resolution muted">its version was retired</div></td>`) {
		t.Errorf("after retiring: the alert's row does not say why it resolved:\n%.3000s", page.body)
	}
}
