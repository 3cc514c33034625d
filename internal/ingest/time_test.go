package ingest

import (
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

// TestEventTimeRFC3339: an event's time is read as RFC 3339 writes it —
// an offset's hours 00-23 and minutes 00-59, a fraction after a full stop
// — and from 1970 in UTC, the time stored. Go's parser also takes +24:00,
// +23:60 and a comma before the fraction, which no RFC 3339 writer sends:
// the event was moved a day, or a typo taken as a time; and a time in
// 1970 in its own zone but 1969 in UTC was taken before the stated 1970.
func TestEventTimeRFC3339(t *testing.T) {
	at := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	line := func(id, ts string) string {
		return `{"id":"` + id + `","time":"` + ts + `","version":"1","prediction":0.5}`
	}
	taken := map[string]time.Time{
		"2026-11-28T10:00:00+23:59":      time.Date(2026, 11, 27, 10, 1, 0, 0, time.UTC),
		"2026-11-28T10:00:00-23:59":      time.Date(2026, 11, 29, 9, 59, 0, 0, time.UTC),
		"2026-11-28T10:00:00.5+05:45":    time.Date(2026, 11, 28, 4, 15, 0, 500e6, time.UTC),
		"2026-11-28T10:00:00-00:00":      time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC),
		"1970-01-01T00:30:00-01:00":      time.Date(1970, 1, 1, 1, 30, 0, 0, time.UTC),
		"2026-11-28T10:00:00.123456789Z": time.Date(2026, 11, 28, 10, 0, 0, 123456789, time.UTC),
	}
	refused := map[string]string{
		"2026-11-28T10:00:00+24:00": "time: must be RFC 3339",
		"2026-11-28T10:00:00-24:00": "time: must be RFC 3339",
		"2026-11-28T10:00:00+23:60": "time: must be RFC 3339",
		"2026-11-28T10:00:00,5Z":    "time: must be RFC 3339",
		"1970-01-01T00:30:00+01:00": "time: must be between 1970 and 9999",
	}
	for ts, want := range taken {
		evs, rej, err := Events(strings.NewReader(line("e", ts)), at)
		if err != nil || len(rej) != 0 || len(evs) != 1 || !evs[0].Time.Equal(want) {
			t.Errorf("%s: got %d events (%v), rejected %+v, %v; want it taken as %s", ts, len(evs), times(evs), rej, err, want)
		}
	}
	for ts, want := range refused {
		evs, rej, err := Events(strings.NewReader(line("e", ts)), at)
		if err != nil || len(evs) != 0 || len(rej) != 1 || !strings.HasPrefix(rej[0].Message, want) {
			t.Errorf("%s: got %d events (%v), rejected %+v, %v; want it refused: %q", ts, len(evs), times(evs), rej, err, want)
		}
	}
}

func times(evs []lodestar.StoredEvent) []time.Time {
	out := make([]time.Time, len(evs))
	for i, e := range evs {
		out[i] = e.Time
	}
	return out
}
