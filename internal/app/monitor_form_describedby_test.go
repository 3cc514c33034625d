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

// The webhook field and the drift-test choices carry a help text and,
// when refused, an error: each control had its help's aria-describedby
// written out and a second one, with the error, added after it — a
// duplicated attribute, of which a browser keeps the first, so a screen
// reader never read the error. Each now has one attribute naming both.
func TestMonitorFormErrorsDescribeTheirControls(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	ai := f.user(lodestar.RoleAITeam, "ml@example.com")
	ids := f.records("web")
	c, csrf, _ := f.signIn(ai, time.Hour)
	edit := fmt.Sprintf("/monitors/%d/edit", ids["monitors"])
	page := f.get(c, edit)
	v := url.Values{"csrf_token": {csrf}, "updated_at": {updatedAtField.FindStringSubmatch(page.body)[1]}, "name": {"Monitor web"},
		"alert_after": {"1"}, "resolve_after": {"1"}, "webhook_url": {"ftp://hooks.example.com/x"},
		"drift_numeric_test": {"bogus"}, "drift_categorical_test": {"bogus"}}
	if fid := formIDField.FindStringSubmatch(page.body); fid != nil {
		v.Set("form_id", fid[1])
	}
	r := f.postForm(c, fmt.Sprintf("/monitors/%d", ids["monitors"]), v)
	if r.StatusCode != 400 {
		t.Fatalf("got %d, want 400:\n%.2000s", r.StatusCode, r.body)
	}
	for _, c := range []struct{ id, help, field string }{
		{"mon-hook", "mon-hook-help", "webhook_url"},
		{"mon-numtest", "mon-tests-help", "thresholds.drift_numeric_test"},
		{"mon-cattest", "mon-tests-help", "thresholds.drift_categorical_test"},
	} {
		tag := regexp.MustCompile(`<(input|select) id="` + c.id + `"[^>]*>`).FindString(r.body)
		attrs := regexp.MustCompile(`aria-describedby="([^"]*)"`).FindAllStringSubmatch(tag, -1)
		if len(attrs) != 1 {
			t.Errorf("%s: %d aria-describedby attributes, want one: %s", c.id, len(attrs), tag)
			continue
		}
		errID := regexp.MustCompile(`<p class="field-error" id="([^"]+)">[^<]*</p>`)
		ids := strings.Fields(attrs[0][1])
		found := false
		for _, m := range errID.FindAllStringSubmatch(r.body, -1) {
			if strings.HasPrefix(m[1], strings.NewReplacer(".", "-").Replace(c.field)) {
				found = found || strings.Contains(" "+attrs[0][1]+" ", " "+m[1]+" ")
			}
		}
		if len(ids) < 2 || ids[0] != c.help || !found || !strings.Contains(tag, `aria-invalid="true"`) {
			t.Errorf("%s: described by %q, want its help %s and its error (%s): %s", c.id, attrs[0][1], c.help, c.field, tag)
		}
	}
}
