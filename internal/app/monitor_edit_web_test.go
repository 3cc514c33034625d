package app_test

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

var updatedAtField = regexp.MustCompile(`name="updated_at" value="([^"]+)"`)

// TestMonitorEditWeb: the health page links each monitor's edit form,
// which shows its settings; a bad value comes back with the input kept and
// the error by its field (in Chinese too); a stale form is refused; a good
// one saves. Pausing needs a reason, kept with its error when missing;
// paused, the card says by whom, when and why and offers Resume, and the
// alerts page marks the monitor's open alert.
func TestMonitorEditWeb(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ml@example.com")
	ids := f.records("web")
	id, model := ids["monitors"], ids["models"]
	c, csrf, _ := f.signIn(ai, time.Hour)
	health := fmt.Sprintf("/models/%d/health", model)
	edit := fmt.Sprintf("/monitors/%d/edit", id)
	if r := f.get(c, health); !strings.Contains(r.body, `href="`+edit+`"`) || !strings.Contains(r.body, fmt.Sprintf(`action="/monitors/%d/pause"`, id)) {
		t.Fatalf("the health page links no edit form or pause form for monitor %d", id)
	}
	page := f.get(c, edit)
	m := updatedAtField.FindStringSubmatch(page.body)
	if page.StatusCode != 200 || m == nil || !strings.Contains(page.body, `value="Monitor web"`) {
		t.Fatalf("edit page: %d, no updated_at or name:\n%.2000s", page.StatusCode, page.body)
	}
	stale := m[1]
	post := func(v url.Values) *response {
		v.Set("csrf_token", csrf)
		// (A form is acted on once: each submission is a form opened anew.)
		if fid := formIDField.FindStringSubmatch(f.get(c, edit).body); fid != nil {
			v.Set("form_id", fid[1])
		}
		return f.postForm(c, fmt.Sprintf("/monitors/%d", id), v)
	}
	r := post(url.Values{"updated_at": {stale}, "name": {"Tuned"}, "min_accuracy": {"1.7"}, "min_events": {"many"}, "alert_after": {"2"}, "resolve_after": {"1"}})
	if r.StatusCode != 400 || !strings.Contains(r.body, `value="1.7"`) || !strings.Contains(r.body, `value="many"`) || !strings.Contains(r.body, `value="Tuned"`) ||
		!strings.Contains(r.body, "Enter a whole number.") || !strings.Contains(r.body, "Between 0 and 1 (0: off).") {
		t.Errorf("bad values: got %d, want 400 with the input kept and both errors:\n%.3000s", r.StatusCode, r.body)
	}
	if got, _ := f.app.Store.FindMonitorByID(sys(), id); got.Name != "Monitor web" {
		t.Errorf("a refused edit saved: %+v", got)
	}
	if err := f.app.Store.SetLocale(sys(), ai.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	if r := post(url.Values{"updated_at": {stale}, "name": {"Tuned"}, "min_accuracy": {"1.7"}}); r.StatusCode != 400 || !strings.Contains(r.body, `value="1.7"`) || strings.Contains(r.body, "Between 0 and 1") {
		t.Errorf("bad value in Chinese: got %d, want 400 with the error translated:\n%.3000s", r.StatusCode, r.body)
	}
	if err := f.app.Store.SetLocale(sys(), ai.ID, "en"); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(time.Second)
	if r := post(url.Values{"updated_at": {stale}, "name": {"Tuned"}, "min_events": {"3"}, "alert_after": {"2"}, "resolve_after": {"1"}}); r.StatusCode != 303 {
		t.Fatalf("good edit: got %d:\n%.2000s", r.StatusCode, r.body)
	}
	if got, _ := f.app.Store.FindMonitorByID(sys(), id); got.Name != "Tuned" || got.Thresholds.MinEvents != 3 || got.AlertAfter != 2 {
		t.Errorf("saved: %+v", got)
	}
	if r := post(url.Values{"updated_at": {stale}, "name": {"Overwrite"}}); r.StatusCode != 409 || !strings.Contains(r.body, "Someone else changed this record") || !strings.Contains(r.body, `value="Overwrite"`) {
		t.Errorf("a stale form: got %d, want 409 with the input kept:\n%.2000s", r.StatusCode, r.body)
	}

	pause := fmt.Sprintf("/monitors/%d/pause", id)
	r = f.postForm(c, pause, url.Values{"csrf_token": {csrf}, "reason": {"  "}})
	if r.StatusCode != 400 || !strings.Contains(r.body, "Say why the monitor is paused.") || !strings.Contains(r.body, fmt.Sprintf(`id="pause-%d" name="reason" maxlength="1000" value="  "`, id)) {
		t.Errorf("pause without a reason: got %d, want 400 with the error in the card:\n%.3000s", r.StatusCode, r.body)
	}
	alert := f.record("alerts", "web2", ids) // an open alert of the monitor
	if r := f.postForm(c, pause, url.Values{"csrf_token": {csrf}, "reason": {"Noisy <b>after</b> the holiday"}}); r.StatusCode != 303 {
		t.Fatalf("pause: got %d", r.StatusCode)
	}
	page = f.get(c, health)
	if !strings.Contains(page.body, `<span class="badge monitor-paused">Paused</span>`) || !strings.Contains(page.body, "Noisy &lt;b&gt;after&lt;/b&gt; the holiday") ||
		!strings.Contains(page.body, fmt.Sprintf(`action="/monitors/%d/resume"`, id)) || strings.Contains(page.body, fmt.Sprintf(`action="/monitors/%d/evaluate"`, id)) {
		t.Errorf("the paused card: no pause shown, or evaluate still offered:\n%.4000s", page.body)
	}
	if r := f.postForm(c, fmt.Sprintf("/monitors/%d/evaluate", id), url.Values{"csrf_token": {csrf}}); r.StatusCode != 409 || !strings.Contains(r.body, "paused") {
		t.Errorf("evaluate a paused monitor: got %d, want 409 saying it is paused", r.StatusCode)
	}
	if r := f.get(c, "/alerts"); !strings.Contains(r.body, `id="alert-`+fmt.Sprint(alert)+`"`) || !strings.Contains(r.body, "monitor paused") {
		t.Errorf("the alerts page does not mark the paused monitor's alert:\n%.3000s", r.body)
	}
	if r := f.postForm(c, fmt.Sprintf("/monitors/%d/resume", id), url.Values{"csrf_token": {csrf}}); r.StatusCode != 303 {
		t.Errorf("resume: got %d", r.StatusCode)
	}
	if got, _ := f.app.Store.FindMonitorByID(sys(), id); got.Paused() {
		t.Errorf("still paused after resuming: %+v", got)
	}
}

// TestMonitorEditWebKeepsHiddenThresholds: the edit form does not show
// the drift test thresholds (p-value, PSI, distance, share) an API client
// may have set; saving the form must keep them, not reset them to the
// defaults.
func TestMonitorEditWebKeepsHiddenThresholds(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ml@example.com")
	ids := f.records("hidden")
	id := ids["monitors"]
	mon, err := f.app.Store.FindMonitorByID(sys(), id)
	if err != nil {
		t.Fatal(err)
	}
	th := mon.Thresholds
	th.Drift, th.DriftPValue, th.DriftPSI, th.DriftDistance, th.DriftShare = true, 0.01, 0.3, 0.2, 0.4
	if _, err := f.app.Store.UpdateMonitor(sys(), id, lodestar.MonitorUpdate{Thresholds: &th}); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(ai, time.Hour)
	edit := fmt.Sprintf("/monitors/%d/edit", id)
	page := f.get(c, edit)
	m := updatedAtField.FindStringSubmatch(page.body)
	fid := formIDField.FindStringSubmatch(page.body)
	if m == nil || fid == nil {
		t.Fatalf("edit page: no updated_at or form_id:\n%.2000s", page.body)
	}
	f.clock.Advance(time.Second)
	r := f.postForm(c, fmt.Sprintf("/monitors/%d", id), url.Values{"csrf_token": {csrf}, "form_id": {fid[1]}, "updated_at": {m[1]},
		"name": {"Renamed"}, "drift": {"on"}, "alert_after": {"1"}, "resolve_after": {"1"}})
	if r.StatusCode != 303 {
		t.Fatalf("edit: got %d:\n%.2000s", r.StatusCode, r.body)
	}
	got, err := f.app.Store.FindMonitorByID(sys(), id)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Renamed" || got.Thresholds.DriftPValue != 0.01 || got.Thresholds.DriftPSI != 0.3 || got.Thresholds.DriftDistance != 0.2 || got.Thresholds.DriftShare != 0.4 {
		t.Errorf("after a web edit of the name: %+v, want the drift thresholds the form does not show kept", got.Thresholds)
	}
}

// TestMonitorEditNumbers: the monitor edit form reads a threshold as the
// API's JSON reads a number. One so close to 0 that it reads as 0
// (1e-999) is refused — taken as 0, it turned the threshold off without
// a word — and hexadecimal (0x1p-1, saved as 0.5), NaN and infinities
// are not numbers. Each is refused by its field, in the user's language,
// with what was typed kept; the monitor is unchanged.
func TestMonitorEditNumbers(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ml@example.com")
	id := f.records("web")["monitors"]
	c, csrf, _ := f.signIn(ai, time.Hour)
	edit := fmt.Sprintf("/monitors/%d/edit", id)
	const (
		tooSmall  = "Too small to store: a number this close to 0 reads as 0."
		notNumber = "Enter a number."
	)
	zh := map[string]string{tooSmall: "数值过小，无法存储：如此接近 0 的数会被当作 0。", notNumber: "请输入数字。"}
	before, err := f.app.Store.FindMonitorByID(sys(), id)
	if err != nil {
		t.Fatal(err)
	}
	for _, locale := range []string{"en", "zh-CN"} {
		if err := f.app.Store.SetLocale(sys(), ai.ID, locale); err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct{ field, value, want string }{
			{"min_accuracy", "1e-999", tooSmall},
			{"min_accuracy", "0x1p-1", notNumber},
			{"max_latency_p95_ms", "NaN", notNumber},
			{"fairness_min_impact_ratio", "-1e-400", tooSmall},
			{"quality_max_new_values", "Inf", notNumber},
		} {
			page := f.get(c, edit)
			v := url.Values{"csrf_token": {csrf}, "updated_at": {updatedAtField.FindStringSubmatch(page.body)[1]}, "name": {"Monitor web"},
				"alert_after": {"2"}, "resolve_after": {"1"}, tc.field: {tc.value}}
			if fid := formIDField.FindStringSubmatch(page.body); fid != nil {
				v.Set("form_id", fid[1])
			}
			r := f.postForm(c, fmt.Sprintf("/monitors/%d", id), v)
			want := tc.want
			if locale == "zh-CN" {
				want = zh[want]
			}
			input := regexp.MustCompile(`name="` + tc.field + `" inputmode="decimal" value="` + regexp.QuoteMeta(tc.value) + `" aria-describedby="([^"]+)" aria-invalid="true"`).FindStringSubmatch(r.body)
			if r.StatusCode != 400 || input == nil || !strings.Contains(r.body, `<p class="field-error" id="`+input[1]+`">`+want+`</p>`) {
				t.Errorf("%s: %s=%q: got %d, want 400 with the value kept and %q by the field\n%.3000s", locale, tc.field, tc.value, r.StatusCode, want, r.body)
			}
		}
	}
	if got, _ := f.app.Store.FindMonitorByID(sys(), id); !got.UpdatedAt.Equal(before.UpdatedAt) || got.Thresholds != before.Thresholds {
		t.Errorf("refused edits changed the monitor: %+v, want %+v", got.Thresholds, before.Thresholds)
	}
}
