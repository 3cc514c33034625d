package web

import (
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// TestAge checks the unit an alert's age is told in at each boundary, in
// both languages: minutes (at least one) within the hour, hours within two
// days, whole days after.
func TestAge(t *testing.T) {
	b := i18n.MustLoad()
	en := &Page{ID: &httpx.Identity{Locale: "en"}, bundle: b}
	zh := &Page{ID: &httpx.Identity{Locale: "zh-CN"}, bundle: b}
	for _, c := range []struct {
		d      time.Duration
		en, zh string
	}{
		{0, "1 min", "1 分钟"},
		{59 * time.Second, "1 min", "1 分钟"},
		{59*time.Minute + 59*time.Second, "59 min", "59 分钟"},
		{time.Hour, "1 h", "1 小时"},
		{47*time.Hour + 59*time.Minute, "47 h", "47 小时"},
		{48 * time.Hour, "2 days", "2 天"},
		{41*24*time.Hour + 23*time.Hour, "41 days", "41 天"},
	} {
		if got := en.Age(c.d); got != c.en {
			t.Errorf("Age(%v) in English = %q, want %q", c.d, got, c.en)
		}
		if got := zh.Age(c.d); got != c.zh {
			t.Errorf("Age(%v) in Chinese = %q, want %q", c.d, got, c.zh)
		}
	}
}
