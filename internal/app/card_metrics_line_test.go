package app_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestCardMetricsNameTheBadLine: a model card's metrics that do not read
// as "name = number" are refused naming the lines to mend (a blank line
// counts, as in the text box), in both languages, with what was typed kept
// and no version made; before, the message said only the rule.
func TestCardMetricsNameTheBadLine(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m := f.model("Churn", "churn", "Churn")
	newVersionRefused(t, f, m, "auc = 0.91\naccuracy: 0.85\n\nf1 = high\nrecall = 0.7", map[string]string{
		"en":    "Write each metric as name = number, e.g. auc = 0.91 (line 2, 4).",
		"zh-CN": "每个指标写作 名称 = 数值，例如 auc = 0.91（第 2, 4 行）。",
	})
}

// newVersionRefused posts the new version form with metrics as a user of
// each locale and wants a 400 showing that locale's message with what was
// typed kept, and no version made.
func newVersionRefused(t *testing.T, f *fixture, m *lodestar.Model, metrics string, want map[string]string) {
	t.Helper()
	for _, locale := range []string{"en", "zh-CN"} {
		u := f.user(lodestar.RoleAITeam, locale+"@example.com")
		if err := f.app.Store.SetLocale(sys(), u.ID, locale); err != nil {
			t.Fatal(err)
		}
		cl, csrf, _ := f.signIn(u, time.Hour)
		path := fmt.Sprintf("/models/%d", m.ID)
		r := f.postForm(cl, path+"/versions", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, cl, path)},
			"version": {"1.0"}, "intended_use": {"Rank customers"}, "metrics": {metrics}})
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: new version: got %d, want 400", locale, r.StatusCode)
		}
		wantShown(t, r, locale, want[locale], metrics, "Rank customers")
	}
	if vs, err := f.app.Store.ListModelVersions(sys(), m.ID); err != nil || len(vs) != 0 {
		t.Fatalf("versions after the refusals: %d, %v; want none", len(vs), err)
	}
}

// TestCardMetricsNumbers: a card's metric is a number as JSON has one: NaN,
// an infinity, hexadecimal and a number beyond float64 are lines to mend
// (NaN and Inf went to the service, which named no line; 0x1p-1 was
// stored as 0.5), and a number so close to 0 that it reads as 0 is
// refused by its line, not stored as 0. In both languages, on the new
// version form and the card form, with what was typed kept, nothing
// written.
func TestCardMetricsNumbers(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	m := f.model("Churn", "churn", "Churn")
	const bad = "auc = NaN\nf1 = Inf\nrecall = 0x1p-1\nprecision = 1e999\naccuracy = 0.9"
	const tiny = "auc = 0.91\nloss = 1e-999"
	for _, c := range []struct{ locale, bad, tiny string }{
		{"en", "Write each metric as name = number, e.g. auc = 0.91 (line 1, 2, 3, 4).", "Too small to store: a number this close to 0 reads as 0 (line 2)."},
		{"zh-CN", "每个指标写作 名称 = 数值，例如 auc = 0.91（第 1, 2, 3, 4 行）。", "数值过小，无法存储：如此接近 0 的数会被当作 0（第 2 行）。"},
	} {
		u := f.user(lodestar.RoleAITeam, c.locale+"@example.com")
		if err := f.app.Store.SetLocale(sys(), u.ID, c.locale); err != nil {
			t.Fatal(err)
		}
		cl, csrf, _ := f.signIn(u, time.Hour)
		path := fmt.Sprintf("/models/%d", m.ID)
		for _, tc := range []struct{ metrics, want string }{{bad, c.bad}, {tiny, c.tiny}} {
			r := f.postForm(cl, path+"/versions", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, cl, path)},
				"version": {"1.0"}, "intended_use": {"Rank customers"}, "metrics": {tc.metrics}})
			if r.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: metrics %q: got %d, want 400", c.locale, tc.metrics, r.StatusCode)
			}
			wantShown(t, r, c.locale, tc.want, tc.metrics, "Rank customers")
		}
	}
	if vs, err := f.app.Store.ListModelVersions(sys(), m.ID); err != nil || len(vs) != 0 {
		t.Errorf("versions after the refusals: %d, %v; want none", len(vs), err)
	}

	// The card form of a version reads its metrics the same way.
	v, err := f.app.Store.CreateModelVersion(sys(), m.ID, lodestar.ModelVersion{Version: "2.0"})
	if err != nil {
		t.Fatal(err)
	}
	u := f.user(lodestar.RoleAITeam, "card@example.com")
	cl, csrf, _ := f.signIn(u, time.Hour)
	page := fmt.Sprintf("/model-versions/%d", v.ID)
	before := f.versionSnapshot(v.ID)
	for _, tc := range []struct{ metrics, want string }{
		{bad, "Write each metric as name = number, e.g. auc = 0.91 (line 1, 2, 3, 4)."},
		{tiny, "Too small to store: a number this close to 0 reads as 0 (line 2)."},
	} {
		r := f.postForm(cl, page+"/card", url.Values{"csrf_token": {csrf}, "updated_at": {versionFormStamps(f.get(cl, page).body)["card-form"]},
			"intended_use": {"Mine"}, "metrics": {tc.metrics}})
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("card form: metrics %q: got %d, want 400", tc.metrics, r.StatusCode)
		}
		wantShown(t, r, "card form", tc.want, tc.metrics, "Mine")
	}
	f.wantVersionUnchanged(before, "refused card metrics")
}
