package main

import (
	"context"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// TestModelChangesAsUser: a version's status and card change from the
// shell only as a named user whose role may change them (as on the web
// and the API), audited as that user; promotion closes retraining tasks,
// so it must be attributable. A flag the subcommand does not take is a
// usage error, not silently ignored.
func TestModelChangesAsUser(t *testing.T) {
	dir, do := withUseCase(t)
	mustRun(t, do, [][]string{
		{"user", "add", "--email", "ai@example.com", "--role", "ai_team", "--password", "correct horse battery"},
		{"user", "add", "--email", "risk@example.com", "--role", "risk_officer", "--password", "correct horse battery"},
		{"user", "add", "--email", "gone@example.com", "--role", "ai_team", "--password", "correct horse battery"},
		{"user", "disable", "--email", "gone@example.com"},
		{"model", "add", "--use-case", "1", "--key", "churn", "--name", "Churn"},
		{"model", "version", "--key", "churn", "--version", "3.0-rc"},
	}...)
	status := []string{"model", "status", "--key", "churn", "--version", "3.0-rc", "--status", "staging", "--reason", "shadow test"}
	card := []string{"model", "card", "--key", "churn", "--version", "3.0-rc", "--metric", "accuracy=0.5"}
	with := func(args []string, more ...string) []string { return append(append([]string{}, args...), more...) }
	for _, c := range []struct {
		args   []string
		code   int
		errHas string
	}{
		{status, 2, "model status: --key, --version, --status, --reason and --as are required"},
		{card, 2, "model card: --key, --version, --as and a card flag"},
		{with(status, "--as", "nobody@example.com"), 1, "model status: no user nobody@example.com in this database"},
		{with(card, "--as", "risk@example.com"), 1, "model card: risk@example.com has the role risk_officer; only the roles admin, ai_team may change a model card"},
		{with(status, "--as", "risk@example.com"), 1, "model status: risk@example.com has the role risk_officer; only the roles admin, ai_team may change a version's status"},
		{with(status, "--as", "gone@example.com"), 1, "model status: gone@example.com is disabled"},
		// Flags another subcommand takes.
		{[]string{"model", "version", "--key", "churn", "--version", "9.9", "--status", "production", "--reason", "x"}, 2,
			"model version: takes no --reason, --status (a new version starts in development: move it with 'lodestar model status')"},
		{with(status, "--as", "ai@example.com", "--metric", "auc=0.9"), 2, "model status: takes no --metric (see 'lodestar model status -h')"},
		{[]string{"model", "show", "churn", "--reason", "x"}, 2, "model show: takes no --reason"},
		{[]string{"model", "list", "--key", "churn"}, 2, "model list: takes no --key"},
		{[]string{"model", "add", "--use-case", "1", "--key", "k2", "--name", "K", "--version", "1"}, 2, "model add: takes no --version"},
		{[]string{"model", "provenance", "churn", "--version", "3.0-rc", "--source-commit", "abc1234", "--as", "ai@example.com"}, 2, "model provenance: takes no --as"},
	} {
		code, out, errs := do(c.args...)
		if code != c.code || out != "" || !strings.Contains(errs, c.errHas) {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit %d saying %q", c.args, code, out, errs, c.code, c.errHas)
		}
	}
	// Nothing was added or changed by the refusals.
	if code, out, _ := do("model", "show", "churn"); code != 0 || strings.Contains(out, "9.9") || !strings.Contains(out, "3.0-rc   development") {
		t.Errorf("after the refusals: exit %d\n%s", code, out)
	}
	// In Chinese, the refusals read Chinese.
	for _, c := range []struct {
		args []string
		want string
	}{
		{with(status, "--lang", "zh-CN"), "必须提供 --key、--version、--status、--reason 和 --as"},
		{[]string{"model", "version", "--key", "churn", "--version", "9.9", "--status", "production", "--lang", "zh-CN"}, "不接受 --status（新版本从开发状态开始"},
		{with(card, "--as", "risk@example.com", "--lang", "zh-CN"), "只有角色 admin, ai_team 可以修改模型卡"},
	} {
		if _, _, errs := do(c.args...); !strings.Contains(errs, c.want) {
			t.Errorf("%q: stderr %q; want %q", c.args, errs, c.want)
		}
	}

	mustRun(t, do, with(status, "--as", "ai@example.com"), with(card, "--as", "ai@example.com"))
	db, err := sqldb.Open(context.Background(), dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s := store.New(db)
	u, err := s.FindUserByEmail(context.Background(), "ai@example.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, action := range []string{"set_status", "update_card"} {
		evs, err := s.FindEvents(context.Background(), lodestar.AuditFilter{Action: action, EntityType: "model_version"})
		if err != nil || len(evs) != 1 {
			t.Fatalf("%s: %d audit entries, %v; want 1", action, len(evs), err)
		}
		if evs[0].Actor != "ai@example.com" || evs[0].ActorID != u.ID {
			t.Errorf("%s audited as %q (id %d); want ai@example.com (id %d)", action, evs[0].Actor, evs[0].ActorID, u.ID)
		}
	}
}
