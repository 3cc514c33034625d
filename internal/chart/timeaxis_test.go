package chart

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// xTick reads the time axis's ticks: each text's centre and text.
var xTick = regexp.MustCompile(`<text x="([^"]+)" y="\d+" class="tick" text-anchor="middle">([^<]*)</text>`)

type readTick struct {
	x    float64
	text string
}

func readTicks(t *testing.T, svg string) []readTick {
	t.Helper()
	var out []readTick
	for _, m := range xTick.FindAllStringSubmatch(svg, -1) {
		x, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			t.Fatalf("tick at %q: %v", m[1], err)
		}
		out = append(out, readTick{x, m[2]})
	}
	return out
}

// series is one value a step apart from t0, n of them.
func series(t0 time.Time, step time.Duration, n int, v func(int) float64) []Line {
	var pts []TimePoint
	for i := range n {
		pts = append(pts, TimePoint{t0.Add(time.Duration(i) * step), v(i)})
	}
	return []Line{{Name: "a", Points: pts, Class: "actual"}}
}

var (
	enDate  = func(t time.Time) string { return t.Format("2 Jan 2006") }
	enDay   = func(t time.Time) string { return t.Format("2 Jan") }
	zhDate  = func(t time.Time) string { return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day()) }
	zhDay   = func(t time.Time) string { return fmt.Sprintf("%d月%d日", int(t.Month()), t.Day()) }
	clock   = func(t time.Time) string { return t.Format("15:04") }
	full    = func(t time.Time) string { return t.Format("2 Jan 2006 15:04") + " UTC" }
	anyText = func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
)

// TestTimeAxisDays: six months of day windows (the demo's recommender) had
// two dates on their axis, the first and the last, each "… 00:00 UTC". Now
// a few dates, evenly spaced on round days, dates only; their texts (at
// the phone's size) leave room between them and stay inside the chart.
// Likewise in Chinese, whose dates are wider. Within a year no tick
// repeats it; over the new year, the first tick and the first of the new
// year have theirs.
func TestTimeAxisDays(t *testing.T) {
	for _, c := range []struct {
		name      string
		t0        time.Time
		date, day func(time.Time) string
		years     []string // the years the ticks show, in order
	}{
		{"en", time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC), enDate, enDay, nil},
		{"zh-CN", time.Date(2026, 5, 31, 0, 0, 0, 0, time.UTC), zhDate, zhDay, nil},
		{"en over the new year", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), enDate, enDay, []string{"2026", "2027"}},
		{"zh-CN over the new year", time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), zhDate, zhDay, []string{"2026年", "2027年"}},
	} {
		lines := series(c.t0, 24*time.Hour, 182, func(i int) float64 { return 0.8 - float64(i)/1000 })
		axis := DateAxis(c.date, c.day)
		axis.Em = 18
		ticks := readTicks(t, string(TimeChart("acc", lines, axis, anyText)))
		if len(ticks) < 3 || len(ticks) > maxTimeTicks {
			t.Fatalf("%s: %d date ticks %v, want 3 to %d", c.name, len(ticks), ticks, maxTimeTicks)
		}
		var years []string
		for i, tk := range ticks {
			if strings.Contains(tk.text, ":") || strings.Contains(tk.text, "UTC") {
				t.Errorf("%s: tick %q of day windows has a time of day", c.name, tk.text)
			}
			if y := regexp.MustCompile(`20\d\d年?`).FindString(tk.text); y != "" {
				years = append(years, y)
			}
			w := axis.textWidth(tk.text)
			if tk.x-w/2 < -0.5 || tk.x+w/2 > 560.5 {
				t.Errorf("%s: tick %q (centre %.0f, %.0f wide) runs off the chart", c.name, tk.text, tk.x, w)
			}
			if i > 0 {
				prev := ticks[i-1]
				if gap := (tk.x - w/2) - (prev.x + axis.textWidth(prev.text)/2); gap < 0.75*axis.Em {
					t.Errorf("%s: ticks %q and %q %.0f apart, want three quarters of an em", c.name, prev.text, tk.text, gap)
				}
			}
		}
		if strings.Join(years, " ") != strings.Join(c.years, " ") {
			t.Errorf("%s: ticks %v show the years %q, want %q", c.name, ticks, years, c.years)
		}
		// Evenly spaced: the same distance between each inner pair (the end
		// ones may be moved in to stay on the chart; months differ by up
		// to three days in thirty).
		for i := 2; i < len(ticks)-1; i++ {
			if d0, d := ticks[2].x-ticks[1].x, ticks[i].x-ticks[i-1].x; d < 0.85*d0 || d > 1.15*d0 {
				t.Errorf("%s: ticks unevenly spaced: %v", c.name, ticks)
			}
		}
	}
}

// TestTimeAxisHours: two days of hour windows tick round hours, with the
// date where a day starts; six hours within a day tick the hours, the
// first with its date (else the axis would say no day at all).
func TestTimeAxisHours(t *testing.T) {
	axis := TimeAxis{Date: enDate, Day: enDay, Clock: clock, Point: full, Em: 18}
	two := readTicks(t, string(TimeChart("acc", series(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), time.Hour, 48, func(int) float64 { return 0.9 }), axis, anyText)))
	var texts []string
	for _, tk := range two {
		texts = append(texts, tk.text)
	}
	got := strings.Join(texts, " | ")
	if !strings.HasPrefix(got, "27 Nov | ") || !strings.Contains(got, "28 Nov") || !strings.Contains(got, ":00") {
		t.Errorf("two days of hours: ticks %q, want the dates at midnight and hours between", got)
	}
	six := readTicks(t, string(TimeChart("acc", series(time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC), time.Hour, 6, func(i int) float64 { return float64(i) }), axis, anyText)))
	if len(six) < 3 || !regexp.MustCompile(`^28 Nov \d\d:00$`).MatchString(six[0].text) || six[len(six)-1].text != "14:00" {
		t.Errorf("six hours: ticks %v, want from 28 Nov and an hour to 14:00", six)
	}
	// A day window's axis never ticks an hour, even over two days.
	day := DateAxis(enDate, enDay)
	day.Em = 18
	two = readTicks(t, string(TimeChart("acc", series(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC), 24*time.Hour, 2, func(int) float64 { return 0.9 }), day, anyText)))
	if len(two) != 2 || two[0].text != "27 Nov" || two[1].text != "28 Nov" {
		t.Errorf("two day windows: ticks %v, want 27 Nov and 28 Nov", two)
	}
	// Minutes of windows of N events: no round hour between; the first and
	// last times in full.
	svg := string(TimeChart("acc", series(time.Date(2026, 11, 28, 9, 10, 0, 0, time.UTC), time.Minute, 5, func(i int) float64 { return float64(i) }), axis, anyText))
	if !strings.Contains(svg, ">28 Nov 2026 09:10 UTC<") || !strings.Contains(svg, ">28 Nov 2026 09:14 UTC<") {
		t.Errorf("minutes: want the first and last times in full: %s", svg)
	}
}

// TestTimeChartFlatSeries: a series that never moves (150 events in every
// window, accuracy 1) had one tick, its value, in the middle of an empty
// axis. It is drawn from 0 to its value, ticked in round steps between
// them, the line along the top.
func TestTimeChartFlatSeries(t *testing.T) {
	d := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	cy := regexp.MustCompile(`<circle cx="[^"]*" cy="([^"]*)"`)
	for _, c := range []struct {
		v     float64
		ticks string
		top   bool
	}{{150, "0 50 100 150", true}, {1, "0 1", true}, {0, "0 1", false}, {-2, "-2 -1 0", false}} {
		svg := string(TimeChart("x", series(d, time.Hour, 3, func(int) float64 { return c.v }), oneText(clock), anyText))
		var ticks []string
		for _, m := range tick.FindAllStringSubmatch(svg, -1) {
			ticks = append(ticks, m[1])
		}
		if strings.Join(ticks, " ") != c.ticks {
			t.Errorf("all %v: value ticks %q, want %q", c.v, ticks, c.ticks)
		}
		m := cy.FindStringSubmatch(svg)
		if m == nil {
			t.Fatalf("all %v: no dots: %s", c.v, svg)
		}
		y, _ := strconv.ParseFloat(m[1], 64)
		// The plot runs from y=10 (top) to 192.
		if c.top && y > 30 {
			t.Errorf("all %v: the line at y=%.0f, want along the top", c.v, y)
		}
		if !c.top && y < 170 {
			t.Errorf("all %v: the line at y=%.0f, want along the bottom", c.v, y)
		}
	}
}
