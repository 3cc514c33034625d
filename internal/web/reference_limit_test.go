package web

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/httpx"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
)

// The new-monitor form's reference file says how large it may be, the
// limit the server holds it to, in both languages: a file over it is
// refused (the form comes back as filled in, but the file was sent for
// nothing), so the limit must be known before choosing the file.
func TestReferenceFieldSaysItsLimit(t *testing.T) {
	limit := fmt.Sprintf("%d MiB", monitoring.MaxReferenceBytes>>20)
	for _, loc := range []string{"en", "zh-CN"} {
		p := &Page{ID: &httpx.Identity{Locale: loc}, bundle: i18n.MustLoad()}
		if got := p.T("health.reference_dataset"); !strings.Contains(got, limit) {
			t.Errorf("%s: the reference field reads %q, without its limit (%s)", loc, got, limit)
		}
	}
}
