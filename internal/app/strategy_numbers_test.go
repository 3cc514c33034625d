package app_test

import (
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestMisalignedBadgeMatchesItsList: the dashboard's misaligned count and
// the list its link opens count by one rule (work under way: rejected
// and retired use cases left out), so a CEO following the "13" finds 13,
// for the whole portfolio and for one business unit; the list says so.
func TestMisalignedBadgeMatchesItsList(t *testing.T) {
	f := startDemo(t)
	c, _, _ := f.signIn(f.user(lodestar.RoleAdmin, "numbers@example.com"), time.Hour)
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

// TestKPIsBehindShowUnitsOneWay: the dashboard's "KPIs behind target"
// writes latest, expected-by-now and target alike with the KPI's unit,
// the currency before the number as elsewhere ("¥8.51", not "8.51 ¥"),
// a percent against it ("91.91%", not "91.91 %" wrapping), each on one
// line, and marks which way the KPI should go.
func TestKPIsBehindShowUnitsOneWay(t *testing.T) {
	f := startDemo(t)
	c, _, _ := f.signIn(f.user(lodestar.RoleAdmin, "units@example.com"), time.Hour)
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
