package lodestar_test

import (
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
)

func TestParseTimeRange(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	for _, c := range []struct {
		from, to         string
		wantFrom, wantTo time.Time
		field            string
	}{
		{"", "", time.Time{}, time.Time{}, ""},
		{"2026-03-01", "", d("2026-03-01T00:00:00Z"), time.Time{}, ""},
		{"", "2026-03-01", time.Time{}, d("2026-03-02T00:00:00Z"), ""},
		{"2026-03-01", "2026-03-01", d("2026-03-01T00:00:00Z"), d("2026-03-02T00:00:00Z"), ""},
		{" 2026-03-01T09:30:00+08:00 ", "2026-03-01T10:00:00Z", d("2026-03-01T01:30:00Z"), d("2026-03-01T10:00:00Z"), ""},
		{"2026-03-02", "2026-03-01", time.Time{}, time.Time{}, "to"},
		{"2026-03-01T10:00:00Z", "2026-03-01T10:00:00Z", time.Time{}, time.Time{}, "to"},
		{"yesterday", "", time.Time{}, time.Time{}, "from"},
		{"2026-02-30", "", time.Time{}, time.Time{}, "from"},
		{"", "03/01/2026", time.Time{}, time.Time{}, "to"},
		{"1772323200", "", time.Time{}, time.Time{}, "from"},
	} {
		from, to, err := lodestar.ParseTimeRange(c.from, c.to)
		if c.field != "" {
			if fields := lodestar.ErrorFields(err); lodestar.ErrorCode(err) != lodestar.EInvalid || fields[c.field] == "" {
				t.Errorf("(%q, %q): got %v, want an invalid error on %s", c.from, c.to, err, c.field)
			}
			continue
		}
		if err != nil || !from.Equal(c.wantFrom) || !to.Equal(c.wantTo) {
			t.Errorf("(%q, %q): got %s, %s, %v; want %s, %s", c.from, c.to, from, to, err, c.wantFrom, c.wantTo)
		}
	}
}
