package app_test

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestDemoStrategyNumbers checks, on the demo enterprise (loaded once),
// the numbers the strategy pages show a CEO.
func TestDemoStrategyNumbers(t *testing.T) {
	f := startDemo(t)
	admin := f.user(lodestar.RoleAdmin, "numbers@example.com")
	viewer := f.user(lodestar.RoleViewer, "viewer.numbers@example.com")
	signIn := func(t *testing.T, locale string) *http.Client {
		c, csrf, _ := f.with(t).signIn(admin, time.Hour)
		if r := f.with(t).postForm(c, "/locale", url.Values{"csrf_token": {csrf}, "locale": {locale}, "next": {"/"}}); r.StatusCode != 303 {
			t.Fatalf("POST /locale %s: %d", locale, r.StatusCode)
		}
		return c
	}
	for _, tc := range []struct {
		name, locale string
		run          func(*testing.T, *fixture, *http.Client)
	}{
		{"misaligned badge matches its list", "en", testMisalignedBadgeMatchesItsList},
		{"KPIs behind show units one way", "en", testKPIsBehindShowUnitsOneWay},
		{"KPI chart draws the plan it is judged on", "en", testKPIChartDrawsPlan},
		{"KPI page's pain points cost in yuan", "zh-CN", testKPIPainCostsInYuan},
		{"recent changes name their records (en)", "en", testRecentChangesNamed},
		{"recent changes name their records (zh)", "zh-CN", testRecentChangesNamed},
		{"use case header shows its models' state (en)", "en", testUseCaseHeaderState},
		{"use case header shows its models' state (zh)", "zh-CN", testUseCaseHeaderState},
		{"experiment shows rates' effects in points (en)", "en", testExperimentNumbers},
		{"experiment shows rates' effects in points (zh)", "zh-CN", testExperimentNumbers},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, f.with(t), signIn(t, tc.locale)) })
	}
	t.Run("recent changes hide people without a bare number", func(t *testing.T) {
		c, _, _ := f.with(t).signIn(viewer, time.Hour)
		changes := recentChanges(t, f.with(t).get(c, "/").body)
		if m := regexp.MustCompile(`· user \d+</li>`).FindString(changes); m != "" {
			t.Errorf("a viewer's recent changes show a user by number (%q):\n%s", m, changes)
		}
		if strings.Contains(changes, "viewer.numbers@") || strings.Contains(changes, "Test viewer") {
			t.Errorf("a viewer's recent changes name another person's account:\n%s", changes)
		}
	})
}

// recentChanges is the dashboard's list of recent changes.
func recentChanges(t *testing.T, body string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<h2>(?:Recent changes|最近变更)</h2>.*?</ul>`).FindString(body)
	if m == "" {
		t.Fatalf("no recent changes on the dashboard")
	}
	return m
}

// testMisalignedBadgeMatchesItsList: the dashboard's misaligned count and
// the list its link opens count by one rule (work under way: rejected
// and retired use cases left out), so a CEO following the "13" finds 13,
// for the whole portfolio and for one business unit; the list says so.
func testMisalignedBadgeMatchesItsList(t *testing.T, f *fixture, c *http.Client) {
	badge := regexp.MustCompile(`Misaligned use cases <span class="badge bad">([0-9,]+)</span>`)
	link := regexp.MustCompile(`<a href="([^"]+)">See all misaligned use cases</a>`)
	count := regexp.MustCompile(`<span id="active-only">([0-9,]+) use cases under way`)
	all := regexp.MustCompile(`([0-9,]+) use cases ·`)
	units := regexp.MustCompile(`<option value="(\d+)"`).FindAllStringSubmatch(
		regexp.MustCompile(`(?s)<select id="f-bu".*?</select>`).FindString(f.get(c, "/").body), -1)
	if len(units) == 0 {
		t.Fatal("the dashboard offers no business unit to filter by")
	}
	compared := 0
	for _, home := range []string{"/", "/?business_unit_id=" + units[0][1], "/?business_unit_id=" + units[len(units)-1][1]} {
		body := f.get(c, home).body
		b, l := badge.FindStringSubmatch(body), link.FindStringSubmatch(body)
		if b == nil || l == nil {
			continue // nothing misaligned under this filter
		}
		href := html.UnescapeString(l[1])
		if !strings.Contains(href, "active=1") {
			t.Errorf("%s: the misaligned link %q does not leave out rejected and retired use cases", home, href)
		}
		if strings.Contains(home, "business_unit_id") && !strings.Contains(href, strings.SplitN(home, "?", 2)[1]) {
			t.Errorf("%s: the misaligned link %q drops the dashboard's business unit", home, href)
		}
		list := f.get(c, href).body
		n := count.FindStringSubmatch(list)
		if n == nil {
			t.Errorf("%s → %s: the list does not say it counts work under way only", home, href)
			continue
		}
		if n[1] != b[1] {
			t.Errorf("%s: badge says %s misaligned, its list %s shows %s", home, b[1], href, n[1])
		}
		compared++
	}
	if compared == 0 {
		t.Fatal("no dashboard showed a misaligned count to compare")
	}
	// The demo has rejected misaligned work: without the rule the list
	// would show more than the badge.
	body := f.get(c, "/use-cases?alignment=misaligned").body
	b := badge.FindStringSubmatch(f.get(c, "/").body)
	if m := all.FindStringSubmatch(body); m == nil || m[1] == b[1] {
		t.Errorf("the demo's misaligned list over every stage: %v, want more than the badge's %s (the rule must matter)", m, b[1])
	}
}

// testKPIsBehindShowUnitsOneWay: the dashboard's "KPIs behind target"
// writes latest, expected-by-now and target alike with the KPI's unit,
// the currency before the number as elsewhere ("¥8.51", not "8.51 ¥"),
// a percent against it ("91.91%", not "91.91 %" wrapping), each on one
// line, and marks which way the KPI should go.
func testKPIsBehindShowUnitsOneWay(t *testing.T, f *fixture, c *http.Client) {
	body := f.get(c, "/").body
	section := regexp.MustCompile(`(?s)KPIs behind target</h2>.*?</section>`).FindString(body)
	rows := regexp.MustCompile(`(?s)<tr><td><a href="/kpis/\d+">(.*?)</a>(.*?)</td>(.*?)</tr>`).FindAllStringSubmatch(section, -1)
	if len(rows) == 0 {
		t.Fatalf("no KPI behind target on the demo's dashboard:\n%s", section)
	}
	cell := regexp.MustCompile(`<td class="num nowrap">([^<]*)</td>`)
	checked := map[string]bool{}
	for _, r := range rows {
		name, mark, cells := r[1], r[2], cell.FindAllStringSubmatch(r[3], -1)
		if len(cells) != 3 {
			t.Errorf("%s: %d value cells kept on one line, want latest, expected and target: %s", name, len(cells), r[3])
			continue
		}
		var want *regexp.Regexp
		switch name {
		case "Cost per delivery":
			want = regexp.MustCompile(`^¥\d+(\.\d+)?$`)
			if !strings.Contains(mark, "↓") || !strings.Contains(mark, "Lower is better") {
				t.Errorf("%s: not marked lower-is-better: %q", name, mark)
			}
		case "On-time delivery", "Credit loss rate":
			want = regexp.MustCompile(`^\d+(\.\d+)?%$`)
		case "Customer satisfaction":
			want = regexp.MustCompile(`^\d+(\.\d+)?/5$`)
		case "Campaign return on spend":
			want = regexp.MustCompile(`^\d+(\.\d+)?\x{00a0}x$`)
		default:
			continue
		}
		checked[name] = true
		for i, c := range cells {
			if v := html.UnescapeString(c[1]); !want.MatchString(v) {
				t.Errorf("%s: value %d is %q, want it like %s", name, i+1, v, want)
			}
		}
		if name == "Credit loss rate" && !strings.Contains(mark, "↓") {
			t.Errorf("%s: not marked lower-is-better: %q", name, mark)
		}
		if name == "On-time delivery" && !strings.Contains(mark, "↑") {
			t.Errorf("%s: not marked higher-is-better: %q", name, mark)
		}
	}
	if !checked["Cost per delivery"] || !checked["On-time delivery"] {
		t.Errorf("the demo's dashboard no longer lists cost per delivery and on-time delivery as behind (checked %v)", checked)
	}
}

// testKPIChartDrawsPlan: a KPI behind target shows, on its chart, the
// glide path its status is judged on and the value expected by now, the
// same value the page's facts give, with the unit.
func testKPIChartDrawsPlan(t *testing.T, f *fixture, c *http.Client) {
	body := f.get(c, "/kpis/12").body // Campaign return on spend: behind on the demo
	m := regexp.MustCompile(`\(on the glide path: ([^)]+) by now\)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("/kpis/12: no expected-by-now value in the facts")
	}
	svg := regexp.MustCompile(`(?s)<svg class="kpi-chart".*?</svg>`).FindString(body)
	if !regexp.MustCompile(`<polyline points="[-0-9.]+,[-0-9.]+ [-0-9.]+,[-0-9.]+" class="kpi-plan"`).MatchString(svg) {
		t.Errorf("/kpis/12: the chart draws no plan line:\n%s", svg)
	}
	if want := "<title>Expected by now " + m[1] + "</title>"; !strings.Contains(svg, want) {
		t.Errorf("/kpis/12: the chart's expected-by-now point does not say %q", want)
	}
	if !strings.Contains(body, `<span id="kpi-plan-key">`) {
		t.Errorf("/kpis/12: the chart's key does not name the plan line")
	}
	if !strings.Contains(m[1], "\u00a0x") {
		t.Errorf("/kpis/12: expected by now %q has not the KPI's unit", m[1])
	}
}

// testKPIPainCostsInYuan: the pain points a KPI's page lists cost "每年
// ¥12,000,000", the currency written as on every other page.
func testKPIPainCostsInYuan(t *testing.T, f *fixture, c *http.Client) {
	body := f.get(c, "/kpis/12").body
	costs := regexp.MustCompile(`每年 (\S+)</span>`).FindAllStringSubmatch(body, -1)
	if len(costs) == 0 {
		t.Fatalf("/kpis/12 (zh-CN): no pain point's yearly cost shown")
	}
	for _, m := range costs {
		if !regexp.MustCompile(`^¥[0-9,]+$`).MatchString(m[1]) {
			t.Errorf("/kpis/12 (zh-CN): a pain point costs %q a year, want ¥ and the amount", m[1])
		}
	}
}

// testExperimentNumbers: the demo's experiment 2 (a conversion rate, its
// split mismatched) gives the rate's absolute effect in percentage points
// beside the relative change, reads its verdict as an invalid result to
// fix (not "do not ship"), labels its chart at round ticks and keeps
// "n = 50,000" on one line.
func testExperimentNumbers(t *testing.T, f *fixture, c *http.Client) {
	body := f.get(c, "/experiments/2").body
	zh := strings.Contains(body, `<html lang="zh-CN"`)
	pp, invalid, doNotShip := " pp", "Result invalid: fix assignment first", "Do not ship"
	if zh {
		pp, invalid, doNotShip = " 个百分点", "结果无效：请先修复分组", "不宜上线"
	}
	row := regexp.MustCompile(`(?s)<th scope="row"><code>conversion</code>.*?</tr>`).FindString(body)
	cells := regexp.MustCompile(`(?s)<td class="num">(.*?)</td>`).FindAllStringSubmatch(row, -1)
	if len(cells) < 4 {
		t.Fatalf("experiment 2: no conversion row:\n%s", row)
	}
	effect, relative := html.UnescapeString(cells[2][1]), html.UnescapeString(cells[3][1])
	if !regexp.MustCompile(`^<span class="nowrap">\+0\.\d\d`+pp+`</span>`).MatchString(effect) || strings.Contains(strings.SplitN(effect, "<br>", 2)[0], "%") {
		t.Errorf("experiment 2: the conversion rate's absolute effect is %q, want it in percentage points (%q)", effect, pp)
	}
	if !regexp.MustCompile(`^<span class="nowrap">\+\d+\.\d\d%</span>`).MatchString(relative) {
		t.Errorf("experiment 2: the relative effect is %q, want a signed percentage", relative)
	}
	if !strings.Contains(row, `<span class="muted nowrap">n = 50,000</span>`) {
		t.Errorf("experiment 2: the control's sample size may wrap: %s", row)
	}
	verdict := regexp.MustCompile(`(?s)<section class="card" id="verdict">.*?</section>`).FindString(body)
	if !strings.Contains(verdict, `id="verdict-invalid">`+invalid+`<`) || strings.Contains(verdict, doNotShip) {
		t.Errorf("experiment 2: a sample-ratio mismatch reads as %q, want the result invalid:\n%s", doNotShip, verdict)
	}
	svg := regexp.MustCompile(`(?s)<svg class="chart intervals".*?</svg>`).FindString(body)
	ticks := regexp.MustCompile(`<text x="[0-9.]+" y="\d+" text-anchor="middle" fill="#475467">([^<]*)</text>`).FindAllStringSubmatch(svg, -1)
	if len(ticks) < 3 {
		t.Fatalf("experiment 2: the chart has %d axis labels", len(ticks))
	}
	for _, m := range ticks {
		if !regexp.MustCompile(`^[-+]?\d+%$`).MatchString(m[1]) {
			t.Errorf("experiment 2: axis label %q is not a round percentage", m[1])
		}
	}
}

// testRecentChangesNamed: the dashboard's recent changes name
// experiments (whose "added data" entries hold no name) and users, as
// they name use cases, and name the server's own changes in the page's
// language (TestPerson checks "system" itself: this demo's latest
// changes are the test's own).
func testRecentChangesNamed(t *testing.T, f *fixture, c *http.Client) {
	changes := recentChanges(t, f.get(c, "/").body)
	zh := strings.Contains(changes, "最近变更")
	if m := regexp.MustCompile(`<a href="/experiments/\d+">\d+</a>`).FindString(changes); m != "" {
		t.Errorf("an experiment is shown by its number (%s):\n%s", m, changes)
	}
	if !regexp.MustCompile(`<a href="/experiments/\d+">[^<0-9][^<]*</a>`).MatchString(changes) {
		t.Errorf("the demo's experiment data entries are not among the changes, or not named:\n%s", changes)
	}
	if m := regexp.MustCompile(`(?:user|用户) \d+</li>`).FindString(changes); m != "" {
		t.Errorf("a user is shown by number to an administrator (%q):\n%s", m, changes)
	}
	if zh && strings.Contains(changes, " system ") {
		t.Errorf("the system's changes are not named in Chinese:\n%s", changes)
	}
}

// testUseCaseHeaderState: the demo's credit-risk use case (its model
// switched off by a person, an open fairness alert, its risk assessed
// high) says all of it in its header, not only a green "Aligned" — and
// does not ask to move it on from Pilot: its version 2.3 serves nothing.
func testUseCaseHeaderState(t *testing.T, f *fixture, c *http.Client) {
	body := f.get(c, "/use-cases/5").body
	zh := strings.Contains(body, `<html lang="zh-CN"`)
	head := body[:strings.Index(body, `<dl class="facts">`)]
	sw := regexp.MustCompile(`(?s)<p class="notice bad" id="switch-credit-risk">(.*?)</p>`).FindStringSubmatch(head)
	if sw == nil {
		t.Fatalf("/use-cases/5: the header does not say the model is switched off:\n%s", head)
	}
	off, by := "is switched off", "by "
	if zh {
		off, by = "已关闭", "操作人 "
	}
	if !strings.Contains(sw[1], off) || !strings.Contains(sw[1], by) || !strings.Contains(sw[1], `href="/models/`) {
		t.Errorf("/use-cases/5: the switch notice lacks the state, who, or the health link: %s", sw[1])
	}
	if !regexp.MustCompile(`id="alerts-credit-risk">[0-9]+ `).MatchString(head) {
		t.Errorf("/use-cases/5: the header does not count the open alerts:\n%s", head)
	}
	// Switched off and in pilot: nothing to move on for (it said "move it
	// on" right under "switched off").
	if strings.Contains(head, `id="stage-behind"`) {
		t.Errorf("/use-cases/5: a use case in pilot whose model is switched off is told to move on")
	}
	// Assessed high-risk (credit scoring, EU AI Act Annex III), not
	// ranked as if unassessed.
	high := "<dd>High</dd>"
	if zh {
		high = "<dd>高</dd>"
	}
	if strings.Contains(body, `id="risk-unassessed-live"`) || !strings.Contains(body, high) {
		t.Errorf("/use-cases/5: risk tier not shown as high:\n%s", regexp.MustCompile(`(?s)<dl class="facts">.*?</dl>`).FindString(body))
	}
	// A use case without models says none of it.
	if other := f.get(c, "/use-cases/1").body; !strings.Contains(other, `id="models"`) {
		for _, id := range []string{`id="stage-behind"`, `id="risk-unassessed-live"`, `class="notice`} {
			if strings.Contains(other, id) {
				t.Errorf("/use-cases/1 (no models) shows %s", id)
			}
		}
	}
}
