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

// TestMonitorFormShowsEveryError: a reference file with a repeated
// column name is refused with that said under the reference (it was
// filed under "numeric", which the form had no place for, leaving only
// "check the fields"), and every bad threshold is named, not the first.
func TestMonitorFormShowsEveryError(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	if err := f.app.Store.SetLocale(sys(), ai.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	m := f.model("Recs", "recs", "Recs")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(ai, time.Hour)
	path := fmt.Sprintf("/models/%d/monitors", m.ID)
	health := fmt.Sprintf("/models/%d/health", m.ID)
	before := f.count("monitors")

	r := f.postMultipart(c, path, importPart{name: "csrf_token", value: csrf}, importPart{name: "form_id", value: pageFormID(t, f, c, health)},
		importPart{name: "version", value: "1.0"}, importPart{name: "name", value: "drift watch"}, importPart{name: "window", value: "day"},
		importPart{name: "reference_kind", value: "dataset"}, importPart{name: "reference", filename: "ref.csv", value: "a,a\n1,2\n3,4\n"})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("repeated column: got %d, want 400", r.StatusCode)
	}
	wantShown(t, r, "repeated column", "监控器未能保存，请检查各字段。", `参照文件的列：名称不得重复；"a" 出现了两次。`, `value="drift watch"`)

	r = f.postForm(c, path, url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, health)}, "version": {"1.0"}, "name": {"m"},
		"window": {"day"}, "reference_kind": {"events"}, "reference_from": {"2026-01-01"}, "reference_to": {"2026-02-01"},
		"max_latency_p95_ms": {"-1"}, "min_events": {"-5"}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad thresholds: got %d, want 400", r.StatusCode)
	}
	wantShown(t, r, "bad thresholds", "≥ 0 的毫秒数（0：关闭）。", "事件数 ≥ 0（0：关闭），最大值不得小于最小值。")
	// A field that does not parse and one the service refuses, together:
	// both are shown (the service's checks ran on a dry run).
	r = f.postForm(c, path, url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, health)}, "version": {"1.0"}, "name": {"m"},
		"window": {"fortnight"}, "reference_kind": {"events"}, "reference_from": {"2026-01-01"}, "reference_to": {"2026-02-01"},
		"min_events": {"ten"}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("parse and service errors: got %d, want 400", r.StatusCode)
	}
	wantShown(t, r, "parse and service errors", "请输入整数。", "请使用 hour、day 或 events:N（N 为 10 至 10,000,000）。")
	if n := f.count("monitors"); n != before {
		t.Errorf("refused monitors changed data: %d monitors, want %d", n, before)
	}
	// The dry run's monitor is not kept: the next one is made and works.
	r = f.postForm(c, path, url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, health)}, "version": {"1.0"}, "name": {"m"},
		"window": {"day"}, "reference_kind": {"events"}, "reference_from": {"2026-01-01"}, "reference_to": {"2026-02-01"}})
	if r.StatusCode != http.StatusSeeOther || f.count("monitors") != before+1 {
		t.Errorf("a good monitor after refused ones: got %d, %d monitors; want 303, %d", r.StatusCode, f.count("monitors"), before+1)
	}
}

// TestMonitorFormErrorsTiedToFields: every field the monitor form refuses
// is marked aria-invalid and names its error by aria-describedby, so a
// screen reader reads the message on reaching the field. Only the name and
// version were tied; the window's error, the thresholds', the streaks',
// the webhook's and the reference dates' stood apart from their fields.
func TestMonitorFormErrorsTiedToFields(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ai@example.com")
	m := f.model("Recs", "recs", "Recs")
	if _, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "1.0"}); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(ai, time.Hour)
	health := fmt.Sprintf("/models/%d/health", m.ID)
	r := f.postForm(c, fmt.Sprintf("/models/%d/monitors", m.ID), url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, c, health)},
		"version": {"1.0"}, "name": {"m"}, "window": {"fortnight"}, "reference_kind": {"events"}, "reference_from": {"someday"},
		"reference_to": {"2026-02-01"}, "min_accuracy": {"high"}, "max_latency_p95_ms": {"-1"}, "min_events": {"-5"},
		"alert_after": {"x"}, "resolve_after": {"1.5"}, "retrain_after": {"y"}, "webhook_url": {"ftp://example.com/hook"}})
	if r.StatusCode != http.StatusBadRequest {
		t.Fatalf("bad monitor form: got %d, want 400", r.StatusCode)
	}
	ids := map[string]string{} // id → text of each field error
	for _, m := range regexp.MustCompile(`<p class="field-error" id="([^"]+)">([^<]*)</p>`).FindAllStringSubmatch(r.body, -1) {
		ids[m[1]] = m[2]
	}
	if n := strings.Count(r.body, `class="field-error"`); n != len(ids) {
		t.Errorf("%d field errors, %d of them with an id a field could name", n, len(ids))
	}
	named := map[string]bool{}
	for _, ctl := range regexp.MustCompile(`<(?:input|select|textarea)\b[^>]*>`).FindAllString(r.body, -1) {
		invalid := strings.Contains(ctl, `aria-invalid="true"`)
		d := regexp.MustCompile(`aria-describedby="([^"]*)"`).FindStringSubmatch(ctl)
		var errs int
		if d != nil {
			for _, id := range strings.Fields(d[1]) {
				if _, ok := ids[id]; ok {
					named[id] = true
					errs++
				}
			}
		}
		if invalid && errs == 0 {
			t.Errorf("field %s is invalid but names no error", ctl)
		}
	}
	for _, want := range []string{"window-error", "thresholds-min_accuracy-error", "thresholds-max_latency_p95_ms-error",
		"thresholds-min_events-error", "alert_after-error", "resolve_after-error", "retrain_after-error", "webhook_url-error",
		"reference-from-error"} {
		if _, ok := ids[want]; !ok {
			t.Errorf("no error %s on the page (errors: %v)", want, ids)
		}
	}
	for id, text := range ids {
		if !named[id] {
			t.Errorf("error %s (%q) is named by no field", id, text)
		}
	}
}
