package app_test

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

var alertRowID = regexp.MustCompile(`<tr id="alert-(\d+)">`)

// TestAlertsPageTriage checks the alerts page as a risk officer works
// through it, on the demo with the clock held: the open alerts nobody has
// acknowledged first, longest-open first, then the open ones being
// handled, then the closed in the store's order; how long each open alert
// nobody has acknowledged has been open; the counts and the
// longest-neglected alert above the table; and the open-only filter — in
// English and in Chinese.
func TestAlertsPageTriage(t *testing.T) {
	t.Parallel()
	f := startDemo(t)
	ctx := sys()
	all, err := f.app.Store.ListAlerts(ctx, 0, false)
	if err != nil {
		t.Fatal(err)
	}
	var open []*lodestar.Alert
	closed := 0
	for _, a := range all {
		if a.Status == lodestar.AlertOpen {
			open = append(open, a)
		} else {
			closed++
		}
	}
	if len(open) < 2 || closed == 0 {
		t.Fatalf("the demo has %d open and %d closed alerts; the test needs two open and one closed", len(open), closed)
	}
	// One open alert is being handled, the latest opened, whatever the
	// demo says of it.
	newest := slices.MaxFunc(open, func(a, b *lodestar.Alert) int { return a.OpenedAt.Compare(b.OpenedAt) })
	if newest.AckedAt.IsZero() {
		if _, err := f.app.Store.AcknowledgeAlert(ctx, newest.ID, "on it"); err != nil {
			t.Fatal(err)
		}
	}
	if all, err = f.app.Store.ListAlerts(ctx, 0, false); err != nil {
		t.Fatal(err)
	}
	latest := time.Time{}
	for _, a := range all {
		if a.OpenedAt.After(latest) {
			latest = a.OpenedAt
		}
	}
	now := latest.Add(3*24*time.Hour + 5*time.Hour)
	f.app.DB.Now = func() time.Time { return now }

	// The expected order, from the store's alerts.
	var unacked, handled, rest []*lodestar.Alert
	for _, a := range all {
		switch {
		case a.Status == lodestar.AlertOpen && a.AckedAt.IsZero():
			unacked = append(unacked, a)
		case a.Status == lodestar.AlertOpen:
			handled = append(handled, a)
		default:
			rest = append(rest, a)
		}
	}
	byOpened := func(a, b *lodestar.Alert) int { return a.OpenedAt.Compare(b.OpenedAt) }
	slices.SortStableFunc(unacked, byOpened)
	slices.SortStableFunc(handled, byOpened)
	if len(unacked) == 0 || len(handled) == 0 {
		t.Fatalf("want alerts both unacknowledged and handled: %d, %d", len(unacked), len(handled))
	}
	ids := func(as ...[]*lodestar.Alert) []string {
		var out []string
		for _, part := range as {
			for _, a := range part {
				out = append(out, strconv.FormatInt(a.ID, 10))
			}
		}
		return out
	}
	rows := func(body string) []string {
		var out []string
		for _, m := range alertRowID.FindAllStringSubmatch(body, -1) {
			out = append(out, m[1])
		}
		return out
	}
	risk := f.user(lodestar.RoleRiskOfficer, "risk@example.com")
	c, _, _ := f.signIn(risk, time.Hour)

	page := f.get(c, "/alerts")
	if page.StatusCode != 200 {
		t.Fatalf("/alerts: %d", page.StatusCode)
	}
	if got, want := rows(page.body), ids(unacked, handled, rest); !slices.Equal(got, want) {
		t.Errorf("rows in order %v, want %v", got, want)
	}
	oldest := unacked[0]
	days := int(now.Sub(oldest.OpenedAt) / (24 * time.Hour))
	for _, want := range []string{
		fmt.Sprintf("%d open, %d of them not acknowledged by anyone.", len(unacked)+len(handled), len(unacked)),
		fmt.Sprintf(`<a href="/alerts#alert-%d">`, oldest.ID),
		fmt.Sprintf("Not acknowledged · open %d days", days),
		fmt.Sprintf("All alerts (%d)", len(all)),
		fmt.Sprintf(`<a href="/alerts?status=open">Open only (%d)</a>`, len(unacked)+len(handled)),
	} {
		if !strings.Contains(page.body, want) {
			t.Errorf("the alerts page lacks %q", want)
		}
	}
	if n := strings.Count(page.body, `class="badge alert-unacked"`); n != len(unacked) {
		t.Errorf("%d rows marked not acknowledged, want %d", n, len(unacked))
	}

	only := f.get(c, "/alerts?status=open")
	if got, want := rows(only.body), ids(unacked, handled); !slices.Equal(got, want) {
		t.Errorf("open only: rows %v, want %v", got, want)
	}
	if !strings.Contains(only.body, `<strong>Open only (`) || !strings.Contains(only.body, `<a href="/alerts">All alerts (`) {
		t.Error("the open-only page does not mark its filter")
	}

	zhUser := f.user(lodestar.RoleRiskOfficer, "risk.zh@example.com")
	if err := f.app.Store.SetLocale(ctx, zhUser.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	zc, _, _ := f.signIn(zhUser, time.Hour)
	zh := f.get(zc, "/alerts")
	for _, want := range []string{
		fmt.Sprintf("未解除 %d 条，其中 %d 条尚无人确认。", len(unacked)+len(handled), len(unacked)),
		fmt.Sprintf("无人确认 · 已持续 %d 天", days),
	} {
		if !strings.Contains(zh.body, want) {
			t.Errorf("the Chinese alerts page lacks %q", want)
		}
	}
}
