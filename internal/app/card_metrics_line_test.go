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
	metrics := "auc = 0.91\naccuracy: 0.85\n\nf1 = high\nrecall = 0.7"
	for _, c := range []struct{ locale, want string }{
		{"en", "Write each metric as name = number, e.g. auc = 0.91 (line 2, 4)."},
		{"zh-CN", "每个指标写作 名称 = 数值，例如 auc = 0.91（第 2, 4 行）。"},
	} {
		u := f.user(lodestar.RoleAITeam, c.locale+"@example.com")
		if err := f.app.Store.SetLocale(sys(), u.ID, c.locale); err != nil {
			t.Fatal(err)
		}
		cl, csrf, _ := f.signIn(u, time.Hour)
		path := fmt.Sprintf("/models/%d", m.ID)
		r := f.postForm(cl, path+"/versions", url.Values{"csrf_token": {csrf}, "form_id": {pageFormID(t, f, cl, path)},
			"version": {"1.0"}, "intended_use": {"Rank customers"}, "metrics": {metrics}})
		if r.StatusCode != http.StatusBadRequest {
			t.Fatalf("%s: got %d, want 400", c.locale, r.StatusCode)
		}
		wantShown(t, r, c.locale, c.want, metrics, "Rank customers")
	}
	if vs, err := f.app.Store.ListModelVersions(sys(), m.ID); err != nil || len(vs) != 0 {
		t.Errorf("versions after the refusals: %d, %v; want none", len(vs), err)
	}
}
