package app_test

import (
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
)

// TestAuditPageShowsKeyedEntries: with an audit key, the audit page names
// the entry that starts keying in either language and shows each keyed
// entry's own MAC digits, not the "hmac-sha256:" every one of them begins
// with.
func TestAuditPageShowsKeyedEntries(t *testing.T) {
	f := start(t, fixtureOpts{})
	admin := f.user(lodestar.RoleAdmin, "admin@example.com")
	keys, err := audit.NewKeyring([][]byte{[]byte("page-test-audit-key-0123456789abcdef")})
	if err != nil {
		t.Fatal(err)
	}
	audit.UseKeys(f.app.DB, keys)
	t.Cleanup(func() { audit.UseKeys(f.app.DB, nil) })
	if _, err := f.app.Store.CreateUseCase(sys(), lodestar.NewUseCase{Title: "Keyed", Description: "x"}); err != nil {
		t.Fatal(err)
	}
	evs, err := audit.Find(sys(), f.app.DB, lodestar.AuditFilter{Limit: 1})
	if err != nil || len(evs) != 1 || audit.KeyIDOf(evs[0].Hash) != keys.Current().ID() {
		t.Fatalf("last entry: %v (%v), want one keyed", evs, err)
	}
	mac := evs[0].Hash[strings.LastIndex(evs[0].Hash, ":")+1:]
	c, _, _ := f.signIn(admin, time.Hour)
	body := f.get(c, "/admin/audit").body
	for _, want := range []string{">" + mac[:12] + "</code>", "started keying", "audit log</span>"} {
		if !strings.Contains(body, want) {
			t.Errorf("audit page: want %q", want)
		}
	}
	if strings.Contains(body, ">hmac-sha256:</code>") {
		t.Error("audit page: a keyed entry's hash is shown as its prefix")
	}
	if err := f.app.Store.SetLocale(sys(), admin.ID, "zh-CN"); err != nil {
		t.Fatal(err)
	}
	if body := f.get(c, "/admin/audit").body; !strings.Contains(body, "开始密钥签名") || !strings.Contains(body, "审计日志</span>") {
		t.Error("Chinese audit page: want the keying entry in Chinese")
	}
}
