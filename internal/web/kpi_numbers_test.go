package web_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// kpiWithReadings creates a KPI and its readings directly in the store.
func kpiWithReadings(t *testing.T, f *entFixture, k lodestar.KPI, rs ...lodestar.KPIReading) *lodestar.KPI {
	t.Helper()
	kk, err := f.app.Store.CreateKPI(setup(), k)
	if err != nil {
		t.Fatal(err)
	}
	for i := range rs {
		rs[i].KPIID = kk.ID
	}
	if _, err := f.app.Store.AddReadings(setup(), kk.ID, rs); err != nil {
		t.Fatal(err)
	}
	return kk
}

var (
	kpiXTick = regexp.MustCompile(`<text x="([^"]+)" y="244" dy="22" text-anchor="[a-z]+">([^<]*)</text>`)
	kpiYTick = regexp.MustCompile(`<text x="72" dx="-6" y="[^"]+" dy="4" text-anchor="end">([^<]*)</text>`)
)

// Two readings a day apart: the date axis prints the first date three
// times, two of them on top of each other.
func TestKPIChartDateTicksRepeat(t *testing.T) {
	f := newEntFixture(t)
	b := f.signIn(lodestar.RoleAdmin, "en")
	k := kpiWithReadings(t, f, lodestar.KPI{Name: "Uptime", Unit: "%", Direction: "up", Target: 99, TargetDate: "2027-01-01"},
		lodestar.KPIReading{Date: "2026-03-01", Value: 97}, lodestar.KPIReading{Date: "2026-03-02", Value: 98})
	page := b.get("/kpis/"+strconv.FormatInt(k.ID, 10), 200)
	seen := map[string]string{}
	for _, m := range kpiXTick.FindAllStringSubmatch(page, -1) {
		if x, dup := seen[m[2]]; dup {
			t.Errorf("date axis label %q drawn twice (x=%s and x=%s)", m[2], x, m[1])
		}
		seen[m[2]] = m[1]
	}
}

// Readings of a small rate: the value axis labels repeat because they are
// cut to three decimals while the ticks are 0.0002 apart.
func TestKPIChartValueTicksRepeat(t *testing.T) {
	f := newEntFixture(t)
	b := f.signIn(lodestar.RoleAdmin, "en")
	k := kpiWithReadings(t, f, lodestar.KPI{Name: "Defect rate", Unit: "ratio", Direction: "down", Target: 0.0012, TargetDate: "2027-01-01"},
		lodestar.KPIReading{Date: "2026-01-01", Value: 0.0018}, lodestar.KPIReading{Date: "2026-02-01", Value: 0.0016})
	page := b.get("/kpis/"+strconv.FormatInt(k.ID, 10), 200)
	seen := map[string]bool{}
	var labels []string
	for _, m := range kpiYTick.FindAllStringSubmatch(page, -1) {
		labels = append(labels, m[1])
		if seen[m[1]] {
			t.Errorf("value axis label %q repeats: %v", m[1], labels)
		}
		seen[m[1]] = true
	}
	if len(labels) == 0 {
		t.Fatal("no value axis labels found")
	}
}

// The dashboard's "KPIs behind target" rounds every figure to one decimal:
// a defect rate of 0.048 against an expected 0.033 and a target of 0.01
// reads "0.0 / 0.0 / 0.0", while the API and the KPI page say 0.048.
func TestHomeKPIsBehindPrecision(t *testing.T) {
	f := newEntFixture(t)
	b := f.signIn(lodestar.RoleAdmin, "en")
	k := kpiWithReadings(t, f, lodestar.KPI{Name: "Defect rate", Unit: "ratio", Direction: "down", Target: 0.01, TargetDate: "2025-12-31"},
		lodestar.KPIReading{Date: "2025-01-01", Value: 0.05}, lodestar.KPIReading{Date: "2025-06-01", Value: 0.048})
	kp := text(b.get("/kpis/"+strconv.FormatInt(k.ID, 10), 200))
	if !strings.Contains(kp, "0.048") {
		t.Fatalf("KPI page should show the latest reading 0.048")
	}
	page := b.get("/", 200)
	row := regexp.MustCompile(`(?s)<tr><td><a href="/kpis/\d+">Defect rate</a>.*?</tr>`).FindString(page)
	if row == "" {
		t.Fatalf("Defect rate not listed as behind on the dashboard")
	}
	if !strings.Contains(text(row), "0.048") {
		t.Errorf("dashboard row shows %q, want the latest reading 0.048 as on the KPI page and the API", strings.Join(strings.Fields(text(row)), " "))
	}
}

// Ticks a step of 2.5 apart keep their decimal: 2.5 and 7.5, not 2 and 8.
func TestKPIChartHalfStepTicks(t *testing.T) {
	f := newEntFixture(t)
	b := f.signIn(lodestar.RoleAdmin, "en")
	k := kpiWithReadings(t, f, lodestar.KPI{Name: "Score", Unit: "pt", Direction: "up", Target: 10, TargetDate: "2027-01-01"},
		lodestar.KPIReading{Date: "2026-01-01", Value: 0}, lodestar.KPIReading{Date: "2026-02-01", Value: 5})
	page := b.get("/kpis/"+strconv.FormatInt(k.ID, 10), 200)
	var labels []string
	for _, m := range kpiYTick.FindAllStringSubmatch(page, -1) {
		labels = append(labels, m[1])
	}
	if strings.Join(labels, " ") != "0.0 2.5 5.0 7.5 10.0" && strings.Join(labels, " ") != "0 2.5 5 7.5 10" {
		t.Errorf("value axis %v; want the 2.5 steps labelled as they are", labels)
	}
}
