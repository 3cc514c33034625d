package main

import (
	"context"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

func TestModelCLI(t *testing.T) {
	_, do := withUseCase(t)
	mustRun(t, do, []string{"user", "add", "--email", "ai@example.com", "--role", "ai_team", "--password", "correct horse battery"})
	steps := []struct {
		args   []string
		code   int
		outHas string
		errHas string
	}{
		{[]string{"model", "add", "--use-case", "1", "--key", "recsys", "--name", "Recommender"}, 0, "registered model 1 recsys", ""},
		{[]string{"model", "add", "--use-case", "1", "--key", "recsys", "--name", "Again"}, 1, "", "already exists"},
		{[]string{"model", "add", "--use-case", "1", "--key", "Bad Key", "--name", "x"}, 1, "", "key"},
		{[]string{"model", "add", "--key", "x"}, 2, "", "required"},
		{[]string{"model", "version", "--key", "recsys", "--version", "1.0", "--intended-use", "rank"}, 0, "added recsys 1.0", ""},
		{[]string{"model", "version", "--key", "nope", "--version", "1.0"}, 1, "", "no model with key"},
		{[]string{"model", "status", "--key", "recsys", "--version", "1.0", "--status", "staging"}, 2, "", "--reason and --as are required"},
		// A reason given blank is the service's refusal (exit 1), as on
		// the API; only one left out is bad usage (exit 2).
		{[]string{"model", "status", "--key", "recsys", "--version", "1.0", "--status", "staging", "--reason", "  ", "--as", "ai@example.com"}, 1, "", "lodestar: Say why the status changes. (reason)\n"},
		{[]string{"model", "status", "--key", "recsys", "--version", "1.0", "--status", "staging", "--reason", "\t", "--as", "ai@example.com", "--lang", "zh-CN"}, 1, "", "lodestar: 请说明变更状态的原因。（reason）\n"},
		{[]string{"model", "list"}, 0, "1.0 (development)", ""},
		{[]string{"model", "status", "--key", "recsys", "--version", "1.0", "--status", "production", "--reason", "skip", "--as", "ai@example.com"}, 1, "", "not allowed"},
		{[]string{"model", "status", "--key", "recsys", "--version", "1.0", "--status", "staging", "--reason", "offline metrics pass", "--as", "ai@example.com"}, 0, "is now staging", ""},
		{[]string{"model", "list"}, 0, "1.0 (staging)", ""},
		{[]string{"model", "frobnicate"}, 2, "", "unknown subcommand"},
	}
	for _, st := range steps {
		code, out, errs := do(st.args...)
		if code != st.code || !strings.Contains(out, st.outHas) || !strings.Contains(errs, st.errHas) {
			t.Errorf("%v: got exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
				st.args, code, out, errs, st.code, st.outHas, st.errHas)
		}
	}
	// A refusal naming a field says its message once: it read "X. status: X.".
	mustRun(t, do, []string{"model", "version", "--key", "recsys", "--version", "2.0"})
	if _, _, errs := do("model", "status", "--key", "recsys", "--version", "2.0", "--status", "production", "--reason", "skip", "--as", "ai@example.com"); strings.Count(errs, "not allowed") != 1 || !strings.Contains(errs, "(status)") {
		t.Errorf("refused status change: stderr %q, want its message once and the field named", errs)
	}
	if code, out, _ := do("audit", "verify"); code != 0 || !strings.Contains(out, "intact") {
		t.Errorf("audit verify after model commands: exit %d %s", code, out)
	}
}

// mustUseCase writes one use case into the SQLite database in dir.
// withUseCase returns a data directory migrated and holding one use case
// (ID 1), and a runner of commands on it.
func withUseCase(t *testing.T) (dir string, do func(args ...string) (int, string, string)) {
	t.Helper()
	dir = t.TempDir()
	do = runIn(dir)
	if code, _, stderr := do("migrate", "up"); code != 0 {
		t.Fatalf("migrate: %d %s", code, stderr)
	}
	mustUseCase(t, dir)
	return dir, do
}

// mustRun runs each command, failing the test at the first that does not
// exit 0.
func mustRun(t *testing.T, do func(args ...string) (int, string, string), cmds ...[]string) {
	t.Helper()
	for _, args := range cmds {
		if code, _, stderr := do(args...); code != 0 {
			t.Fatalf("%q: exit %d\n%s", args, code, stderr)
		}
	}
}

func mustUseCase(t *testing.T, dir string) {
	t.Helper()
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
	db, err := sqldb.Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := store.New(db).CreateUseCase(ctx, lodestar.NewUseCase{Title: "Recommender"}); err != nil {
		t.Fatal(err)
	}
}
