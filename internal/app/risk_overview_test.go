package app_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestRiskOverview checks the Risk section's page on the demo against the
// store: the models held off first with the reason, the counts of held
// models, open and unacknowledged alerts, the versions in production or
// staging no monitor watches (each linked), the open retraining tasks —
// in English and in Chinese, for every role (a viewer reads it too) and
// not for a visitor who has not signed in.
func TestRiskOverview(t *testing.T) {
	t.Parallel()
	f := startDemo(t)
	ctx := sys()
	st := f.app.Store
	models, err := st.ListModels(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	sws, err := st.ListSwitches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	var off *lodestar.Switch
	for _, sw := range sws {
		if sw.State != lodestar.SwitchOn {
			held++
		}
		if sw.State == lodestar.SwitchOff && off == nil {
			off = sw
		}
	}
	if off == nil {
		t.Fatal("the demo has no model switched off (the bank's credit-risk model should be)")
	}
	type blind struct {
		modelID int64
		version string
	}
	var blinds []blind
	for _, m := range models {
		vs, err := st.ListModelVersions(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		mons, err := st.ListMonitors(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		watched := map[string]bool{}
		for _, mon := range mons {
			watched[mon.Version] = true
		}
		for _, v := range vs {
			if !watched[v.Version] && (v.Status == lodestar.ModelProduction || v.Status == lodestar.ModelStaging) {
				blinds = append(blinds, blind{m.ID, v.Version})
			}
		}
	}
	open, err := st.ListAlerts(ctx, 0, true)
	if err != nil {
		t.Fatal(err)
	}
	unacked := 0
	for _, a := range open {
		if a.AckedAt.IsZero() {
			unacked++
		}
	}
	tasks, err := st.ListRetrainingTasks(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	openTasks := 0
	for _, tk := range tasks {
		if tk.Status == lodestar.TaskOpen {
			openTasks++
		}
	}

	c, _, _ := f.signIn(f.user(lodestar.RoleViewer, "viewer@example.com"), time.Hour)
	page := f.get(c, "/risk")
	if page.StatusCode != 200 {
		t.Fatalf("/risk for a viewer: %d", page.StatusCode)
	}
	body := page.body
	// The model switched off comes before every model whose switch is on.
	first := strings.Index(body, fmt.Sprintf(`id="risk-model-%d"`, off.ModelID))
	for _, sw := range sws {
		if sw.State == lodestar.SwitchOn {
			if i := strings.Index(body, fmt.Sprintf(`id="risk-model-%d"`, sw.ModelID)); i < 0 || first < 0 || i < first {
				t.Errorf("model %d (on) at %d, the switched-off model %d at %d: want every model listed, held ones first", sw.ModelID, i, off.ModelID, first)
			}
		}
	}
	wants := []string{
		fmt.Sprintf("Switched off or serving a fallback: %d of %d models.", held, len(models)),
		fmt.Sprintf("%d open, %d of them not acknowledged by anyone.", len(open), unacked),
		fmt.Sprintf("Retraining tasks open: %d", openTasks),
		strings.ReplaceAll(off.Reason, "'", "&#39;"),
	}
	if len(blinds) > 0 {
		wants = append(wants, fmt.Sprintf("Versions in production or staging with no monitor: %d.", len(blinds)))
	} else {
		wants = append(wants, "Every version in production or staging has a monitor.")
	}
	for _, b := range blinds {
		wants = append(wants, fmt.Sprintf(`<a href="/models/%d/health"><code class="key">`, b.modelID))
		wants = append(wants, fmt.Sprintf("</code> %s</a>", b.version))
	}
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("/risk lacks %q", w)
		}
	}

	zhUser := f.user(lodestar.RoleRiskOfficer, "risk.zh@example.com")
	if err := st.SetLocale(ctx, zhUser.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	zc, _, _ := f.signIn(zhUser, time.Hour)
	zh := f.get(zc, "/risk").body
	for _, w := range []string{"风险与控制", fmt.Sprintf("已关闭或改用备选方案的模型：%d 个（共 %d 个）。", held, len(models)), "人工干预开关"} {
		if !strings.Contains(zh, w) {
			t.Errorf("/risk in Chinese lacks %q", w)
		}
	}

	if r := f.get(f.client(), "/risk"); r.StatusCode != 303 || !strings.Contains(r.Header.Get("Location"), "/login") {
		t.Errorf("/risk signed out: %d %q, want a redirect to sign in", r.StatusCode, r.Header.Get("Location"))
	}
}
