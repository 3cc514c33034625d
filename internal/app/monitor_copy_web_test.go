package app_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestMonitorCopyWeb: the health page says which version in staging or
// production no monitor watches, and each monitor's card offers to copy
// it there (that version chosen first). A refused copy comes back with
// its values kept and its error in that card (in Chinese too), the page's
// new-monitor form untouched; a good one makes the monitor and the notice
// goes.
func TestMonitorCopyWeb(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ml@example.com")
	ids := f.records("cpweb")
	id, model := ids["monitors"], ids["models"]
	src, err := f.app.Store.FindMonitorByID(sys(), id)
	if err != nil {
		t.Fatal(err)
	}
	v, err := f.app.Store.CreateModelVersion(sys(), model, lodestar.ModelVersion{Version: "v-new"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.SetModelVersionStatus(sys(), v.ID, lodestar.ModelStaging, "candidate"); err != nil {
		t.Fatal(err)
	}
	c, csrf, _ := f.signIn(ai, time.Hour)
	health := fmt.Sprintf("/models/%d/health", model)
	page := f.get(c, health)
	if !strings.Contains(page.body, "Version v-new (Staging) has no monitor watching it.") ||
		!strings.Contains(page.body, fmt.Sprintf(`action="/monitors/%d/copy"`, id)) ||
		!strings.Contains(page.body, `<option value="v-new" selected>`) {
		t.Fatalf("the health page neither says v-new is unwatched nor offers the copy, v-new first:\n%.5000s", page.body)
	}
	if strings.Contains(page.body, fmt.Sprintf(`<option value="%s"`, src.Version)) && strings.Count(page.body, fmt.Sprintf(`<option value="%s"`, src.Version)) > 1 {
		t.Errorf("the copy form offers the monitor's own version")
	}
	count := func() int {
		ms, err := f.app.Store.ListMonitors(sys(), model)
		if err != nil {
			t.Fatal(err)
		}
		return len(ms)
	}
	before := count()
	copyPath := fmt.Sprintf("/monitors/%d/copy", id)
	post := func(v url.Values) *response {
		v.Set("csrf_token", csrf)
		if fid := formIDField.FindStringSubmatch(f.get(c, health).body); fid != nil {
			v.Set("form_id", fid[1])
		}
		return f.postForm(c, copyPath, v)
	}
	// To a version the model lacks, and a name the copy may not have.
	r := post(url.Values{"copy_version": {"v-gone"}, "copy_name": {"Copy <b>x</b>"}})
	if r.StatusCode != 400 || !strings.Contains(r.body, `value="Copy &lt;b&gt;x&lt;/b&gt;"`) ||
		!strings.Contains(r.body, fmt.Sprintf(`id="copy-%d" name="copy_version" aria-describedby="copy_version-error" aria-invalid="true"`, id)) ||
		!strings.Contains(r.body, `<p class="field-error" id="copy_version-error">Choose a version of this model.</p>`) {
		t.Errorf("copy to a missing version: got %d, want 400 with the error in the card and the name kept:\n%.4000s", r.StatusCode, r.body[max(0, strings.Index(r.body, "inline-form copy")):])
	}
	if strings.Contains(r.body, `id="mon-version" name="version" aria-invalid`) {
		t.Errorf("the copy's refusal marked the new-monitor form")
	}
	if err := f.app.Store.SetLocale(sys(), ai.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	if r := post(url.Values{"copy_version": {src.Version}}); r.StatusCode != 400 || !strings.Contains(r.body, "此监控器已在监控版本") {
		t.Errorf("copy to its own version in Chinese: got %d:\n%.3000s", r.StatusCode, r.body)
	}
	if err := f.app.Store.SetLocale(sys(), ai.ID, "en"); err != nil {
		t.Fatal(err)
	}
	if n := count(); n != before {
		t.Fatalf("refused copies left %d monitors, there were %d", n, before)
	}
	r = post(url.Values{"copy_version": {"v-new"}})
	if r.StatusCode != 303 || !strings.Contains(r.Header.Get("Location"), health+"#monitor-") {
		t.Fatalf("copy: got %d to %q:\n%.3000s", r.StatusCode, r.Header.Get("Location"), r.body)
	}
	if n := count(); n != before+1 {
		t.Errorf("%d monitors after the copy, want %d", n, before+1)
	}
	if page := f.get(c, health); strings.Contains(page.body, "has no monitor watching it") || !strings.Contains(page.body, "Monitor copied") {
		t.Errorf("after the copy: the notice stays, or no flash:\n%.3000s", page.body)
	}
}
