package chart

import (
	"time"
	"unicode"
)

// TimeAxis says how a time chart writes its dates. The chart puts a few
// ticks on round times (midnight, the hour, a Monday, the first of a
// month) as many as fit side by side, at least MinStep apart: a tick on a
// day's start is a date (Day; Date where the year is needed), any other a
// time of day (Clock; the first also with its date).
type TimeAxis struct {
	Date  func(time.Time) string // a date with its year: "31 May 2026", "2026年5月31日"
	Day   func(time.Time) string // a date within the year: "31 May", "5月31日"
	Clock func(time.Time) string // a time of day: "15:00"
	Point func(time.Time) string // a dot's date in its tooltip, in full
	// MinStep is the least time between ticks: a day for daily windows,
	// whose axis then shows dates only. 0: an hour.
	MinStep time.Duration
	// Em is the ticks' font size in the chart's units, as the page's CSS
	// sets it, to judge how many fit (0: 12).
	Em float64
}

// DateAxis is the axis of a series of dates (a reading a week, a window a
// day): date ticks, each point's date in full.
func DateAxis(date, day func(time.Time) string) TimeAxis {
	return TimeAxis{Date: date, Day: day, Clock: func(t time.Time) string { return t.UTC().Format("15:04") }, Point: date, MinStep: 24 * time.Hour}
}

// timeTick is one tick of the time axis.
type timeTick struct {
	T    time.Time
	Text string
}

// tickSteps are the times between ticks the axis chooses from: a number
// of hours or days, or of months.
var tickSteps = []struct {
	d      time.Duration
	months int
}{
	{time.Hour, 0}, {2 * time.Hour, 0}, {3 * time.Hour, 0}, {6 * time.Hour, 0}, {12 * time.Hour, 0},
	{24 * time.Hour, 0}, {48 * time.Hour, 0}, {7 * 24 * time.Hour, 0}, {14 * 24 * time.Hour, 0},
	{0, 1}, {0, 2}, {0, 3}, {0, 6}, {0, 12}, {0, 24}, {0, 60}, {0, 120},
}

// maxTimeTicks bounds the ticks: a few, not a ruler.
const maxTimeTicks = 6

// timeTicks chooses the ticks between t0 and t1 in a chart w wide: the
// smallest step whose ticks' texts fit side by side (three quarters of an
// em between them) within the chart. xp places a time. None when no round
// time falls in the range.
func (a TimeAxis) timeTicks(t0, t1 time.Time, xp func(time.Time) float64, w float64) []timeTick {
	t0, t1 = t0.UTC(), t1.UTC()
	minStep := max(a.MinStep, time.Hour)
	for _, s := range tickSteps {
		if s.months == 0 && s.d < minStep {
			continue
		}
		if s.months > 0 && time.Duration(s.months)*28*24*time.Hour < minStep {
			continue
		}
		var ts []time.Time
		for t := firstTick(t0, s.d, s.months); !t.After(t1); t = nextTick(t, s.d, s.months) {
			ts = append(ts, t)
			if len(ts) > maxTimeTicks {
				break
			}
		}
		if len(ts) > maxTimeTicks {
			continue
		}
		if len(ts) == 0 {
			return nil
		}
		ticks := a.label(ts)
		if a.fits(ticks, xp, w) {
			return ticks
		}
	}
	return nil
}

// label writes each tick: a date at a day's start, else a time of day
// (the first with its date). A date has its year when the ticks span two
// years or more, on the first tick and where the year changes; within one
// year the tooltips and the page say which.
func (a TimeAxis) label(ts []time.Time) []timeTick {
	years := ts[0].Year() != ts[len(ts)-1].Year()
	out := make([]timeTick, len(ts))
	for i, t := range ts {
		date := a.Day
		if years && (i == 0 || t.Year() != ts[i-1].Year()) {
			date = a.Date
		}
		switch {
		case t.Hour() == 0 && t.Minute() == 0:
			out[i] = timeTick{t, date(t)}
		case i == 0:
			out[i] = timeTick{t, date(t) + " " + a.Clock(t)}
		default:
			out[i] = timeTick{t, a.Clock(t)}
		}
	}
	return out
}

// fits reports whether the ticks' texts, each centred on its tick (kept
// inside the chart), leave three quarters of an em between neighbours.
func (a TimeAxis) fits(ticks []timeTick, xp func(time.Time) float64, w float64) bool {
	prevRight := -1e9
	for _, t := range ticks {
		tw := a.textWidth(t.Text)
		c := tickCentre(xp(t.T), tw, w)
		if c-tw/2 < prevRight+0.75*a.em() {
			return false
		}
		prevRight = c + tw/2
	}
	return true
}

func (a TimeAxis) em() float64 {
	if a.Em > 0 {
		return a.Em
	}
	return 12
}

// textWidth estimates a text's width: an em for a Chinese character, 0.64
// of one for a digit or Latin letter (a digit's width in DejaVu Sans, over
// most fonts' average letter), 0.3 for a space.
func (a TimeAxis) textWidth(s string) float64 {
	n := 0.0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Han, r) || r >= 0x3000 && r <= 0x303f || r >= 0xff00 && r <= 0xffef:
			n++
		case r == ' ':
			n += 0.3
		default:
			n += 0.64
		}
	}
	return n * a.em()
}

// tickCentre is where a tick's text of width tw is centred: on the tick,
// moved in so as not to run off a chart w wide.
func tickCentre(x, tw, w float64) float64 {
	return min(max(x, tw/2), w-tw/2)
}

// firstTick is the first round time at or after t for a step of d or of
// months: the hour, the day's start, a Monday (weeks), the first of a
// month.
func firstTick(t time.Time, d time.Duration, months int) time.Time {
	if months > 0 {
		m := t.Year()*12 + int(t.Month()) - 1
		m += (months - m%months) % months
		f := time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC)
		if f.Before(t) {
			m += months
			f = time.Date(m/12, time.Month(m%12+1), 1, 0, 0, 0, 0, time.UTC)
		}
		return f
	}
	// Go's zero time is a Monday at midnight UTC: truncating to a number of
	// hours, days or weeks since it rounds to the hour, midnight or Monday.
	f := t.Truncate(d)
	if f.Before(t) {
		f = f.Add(d)
	}
	return f
}

func nextTick(t time.Time, d time.Duration, months int) time.Time {
	if months > 0 {
		return t.AddDate(0, months, 0)
	}
	return t.Add(d)
}
