package i18n_test

import (
	"testing"

	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// TestShared: every caller of Shared gets the one loaded Bundle, the
// same catalogs Load reads.
func TestShared(t *testing.T) {
	a, err := i18n.Shared()
	if err != nil {
		t.Fatal(err)
	}
	b, err := i18n.Shared()
	if err != nil || a != b {
		t.Fatalf("Shared twice: %p and %p (%v), want the same Bundle", a, b, err)
	}
	fresh, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(a.Keys("zh-CN")), len(fresh.Keys("zh-CN")); got != want || a.T("zh-CN", "msg.no data rows") != fresh.T("zh-CN", "msg.no data rows") {
		t.Errorf("Shared has %d zh-CN keys, Load %d", got, want)
	}
}
