package app_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestAlertsPageKeepsOldOpenAlerts: the alerts page read the newest 500
// alerts only, so once a fleet had raised 500 alerts since, an alert
// open for weeks — the one a risk officer most needs to see — was gone
// from the page, from its open count and from "left alone longest", and
// "All alerts (500)" understated the total. Now every open alert is
// listed whatever its age, the counts are the store's totals, and the
// page says when it shows only the newest of the closed ones — in
// English and in Chinese.
func TestAlertsPageKeepsOldOpenAlerts(t *testing.T) {
	t.Parallel()
	f := start(t, fixtureOpts{})
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer@example.com")
	ids := f.records("fleet") // a monitor with one open alert, opened now
	old := ids["alerts"]
	// 510 alerts of the same monitor opened and resolved after it.
	t0 := f.clock.Now()
	ev := &lodestar.Evaluation{}
	for i := range 510 {
		at := t0.Add(time.Duration(i+1) * time.Minute)
		ev.Opened = append(ev.Opened, &lodestar.Alert{Kind: "latency", Status: lodestar.AlertResolved, Value: 300, Threshold: 200,
			Message: fmt.Sprintf("flap %d", i), OpenedAt: at, ResolvedAt: at.Add(30 * time.Second), Resolution: lodestar.ResolutionRecovered})
	}
	if err := f.app.Store.SaveEvaluation(sys(), ids["monitors"], t0.Truncate(time.Hour), ev); err != nil {
		t.Fatal(err)
	}
	f.clock.Advance(30 * 24 * time.Hour)
	if err := f.app.Store.SetLocale(sys(), viewer.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		u                      *lodestar.User
		triage, all, open, cut string
	}{
		{risk, "1 open, 1 of them not acknowledged by anyone.", "All alerts (511)", "Open only (1)", "Showing the newest 500 of the 510 closed alerts"},
		{viewer, "未解除 1 条，其中 1 条尚无人确认。", "全部告警（511）", "仅未解除（1）", "仅显示已解除告警中最新的 500 条（共 510 条）"},
	} {
		cl, _, _ := f.signIn(c.u, time.Hour)
		for _, path := range []string{"/alerts", "/alerts?status=open"} {
			body := f.get(cl, path).body
			if !strings.Contains(body, fmt.Sprintf(`<tr id="alert-%d">`, old)) {
				t.Errorf("%s %s: the alert open for 30 days is not listed", c.u.Email, path)
			}
			for _, want := range []string{c.triage, c.all, c.open} {
				if !strings.Contains(body, want) {
					t.Errorf("%s %s: no %q", c.u.Email, path, want)
				}
			}
			if !strings.Contains(body, fmt.Sprintf(`href="/alerts#alert-%d"`, old)) {
				t.Errorf("%s %s: the alert left alone longest is not the one open for 30 days", c.u.Email, path)
			}
			rows := len(regexp.MustCompile(`<tr id="alert-\d+">`).FindAllString(body, -1))
			cut := strings.Contains(body, c.cut)
			if path == "/alerts" && (rows != 501 || !cut) {
				t.Errorf("%s %s: %d rows (want the open one and the 500 newest closed), note of the rest %v", c.u.Email, path, rows, cut)
			}
			if path != "/alerts" && (rows != 1 || cut) {
				t.Errorf("%s %s: %d rows (want the open one only), note of the closed ones %v", c.u.Email, path, rows, cut)
			}
		}
		// The model's health page lists it too.
		health := f.get(cl, fmt.Sprintf("/models/%d/health", ids["models"])).body
		if !regexp.MustCompile(`(?s)<tbody><tr><td class="col-monitor"[^>]*><a href="#monitor-\d+">[^<]*</a><div class="alert-version muted">(?:<a [^>]*>)?[^<]*(?:</a>)?</div></td><td[^>]*>[^<]*</td><td[^>]*><span class="badge alert-open">`).MatchString(health) {
			t.Errorf("%s: the health page's alerts do not start with the open one", c.u.Email)
		}
	}
}
