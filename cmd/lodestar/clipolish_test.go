package main

import (
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// Every subcommand a command's synopsis names ('lodestar help') is in
// its -h: audit's listed only verify, though export works.
func TestHelpNamesEverySubcommand(t *testing.T) {
	n := 0
	for _, c := range commands {
		subs := subcommands(c.synopsis)
		if len(subs) == 0 {
			continue
		}
		code, _, stderr := runWith(noEnv, c.name, "-h")
		if code != 0 {
			t.Errorf("%s -h: exit %d", c.name, code)
		}
		for _, s := range subs {
			n++
			if !strings.Contains(stderr, "lodestar "+c.name+" "+s) && !strings.Contains(stderr, "\n  "+s+" ") {
				t.Errorf("%s -h does not name its subcommand %s:\n%s", c.name, s, stderr)
			}
		}
	}
	if n < 20 {
		t.Fatalf("checked %d subcommands", n)
	}
}

// What the help says of a flag, and of --format json, is true.
func TestHelpTextsTrue(t *testing.T) {
	cases := []struct {
		cmd        string
		has, hasnt []string
	}{
		{"audit", []string{"lodestar audit export [filters]", "'lodestar audit export -h'"}, nil},
		// copy needs --as too.
		{"monitor", []string{"pausing, resuming, copying or evaluating", "(pause, resume, copy, evaluate)", "as a JSON array", `{"monitor": …, "windows": […]}`},
			[]string{"lists them."}},
		// --key names the model for show, card and provenance as well.
		{"model", []string{"or the model (show, version, card, provenance, status; or give it as KEY)",
			"version name (show, version, card, provenance, status)", "'lodestar model show churn2'"}, nil},
		// The API wraps its lists in {"data": […], "total": N}; the CLI prints an array.
		{"alert", []string{"--format json prints the objects GET /api/v1/alerts lists, as a JSON array."}, []string{"as GET /api/v1/alerts lists them"}},
		{"switch", []string{"(list: a JSON array of\nthem)"}, nil},
		// The default shown is this machine's, from its open-file limit.
		{"serve", []string{"open-file limit (ulimit -n) of the machine it runs on", "the one shown here is this machine's"}, nil},
	}
	for _, c := range cases {
		code, _, stderr := runWith(noEnv, c.cmd, "-h")
		if code != 0 {
			t.Errorf("%s -h: exit %d", c.cmd, code)
		}
		for _, w := range c.has {
			if !strings.Contains(stderr, w) {
				t.Errorf("%s -h lacks %q:\n%s", c.cmd, w, stderr)
			}
		}
		for _, w := range c.hasnt {
			if strings.Contains(stderr, w) {
				t.Errorf("%s -h still says %q", c.cmd, w)
			}
		}
	}
}

// A model is named by its KEY as switch's is, or by --key; a stray
// argument to user and token says which flag it belongs to.
func TestKeyAsArgument(t *testing.T) {
	dir, do := withUseCase(t)
	mustRun(t, do, [][]string{
		{"user", "add", "--email", "ai@example.com", "--role", "ai_team", "--password", "correct horse battery"},
		{"model", "add", "--use-case", "1", "--key", "churn2", "--name", "Churn"},
		{"model", "version", "churn2", "--version", "1.0", "--intended-use", "rank"},
		{"model", "card", "--version", "1.0", "churn2", "--limitations", "small", "--as", "ai@example.com"},
	}...)
	_, byFlag, _ := do("model", "show", "--key", "churn2", "--version", "1.0")
	code, byArg, stderr := do("model", "show", "churn2", "--version", "1.0")
	if code != 0 || byArg != byFlag || !strings.Contains(byArg, "small") {
		t.Errorf("model show churn2: exit %d\n%s\n%s\nwant what --key churn2 prints:\n%s", code, byArg, stderr, byFlag)
	}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"model", "show", "churn2", "--key", "other"}, `model show: KEY "churn2" and --key "other" differ; give one`},
		{[]string{"model", "show", "churn2", "other"}, `model show: unexpected argument "other" (one KEY at a time)`},
		{[]string{"model", "list", "churn2"}, `model list: unexpected argument "churn2" (filter with --use-case ID)`},
		{[]string{"user", "disable", "bob@example.com"}, `lodestar user disable: unexpected argument "bob@example.com"; give the user with --email bob@example.com`},
		{[]string{"token", "revoke", "5"}, `lodestar token revoke: unexpected argument "5"; give the token with --id 5`},
		{[]string{"token", "list", "bob@example.com"}, `; give the user with --user bob@example.com`},
		{[]string{"user", "disable", "Bob Smith"}, `; give the user with --email "Bob Smith"`},
	}
	for _, c := range cases {
		code, _, stderr := do(c.args...)
		if code != 2 || !strings.Contains(stderr, c.want+"\n") {
			t.Errorf("%q: exit %d\n%s\nwant exit 2 and %q", c.args, code, stderr, c.want)
		}
	}
	// No hint where the flag is given, or a list takes no such argument.
	for _, args := range [][]string{{"user", "list", "x"}, {"token", "revoke", "--id", "4", "5"}} {
		if code, _, stderr := do(args...); code != 2 || strings.Contains(stderr, "give the") {
			t.Errorf("%q: exit %d\n%s", args, code, stderr)
		}
	}
	// In Chinese too.
	code, _, stderr = runWith(zhEnvOf, "user", "disable", "bob@example.com", "--data", dir)
	if code != 2 || !strings.Contains(stderr, "多余的参数 \"bob@example.com\"；请用 --email bob@example.com 指定用户\n") {
		t.Errorf("user disable bob@example.com in Chinese: exit %d\n%s", code, stderr)
	}
}

// lastColumnAt checks that every line of a table starts its last column,
// whose cells are last (the heading first), at the same terminal cell:
// rows with Chinese names line up.
func lastColumnAt(t *testing.T, what, out string, last ...string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(last) || len(lines) < 2 {
		t.Fatalf("%s: %d lines, want %d:\n%s", what, len(lines), len(last), out)
	}
	at := -1
	for i, l := range lines {
		head, ok := strings.CutSuffix(l, last[i])
		if !ok {
			t.Fatalf("%s: line %d does not end in %q:\n%s", what, i, last[i], out)
		}
		if w := cellWidth(head); at == -1 {
			at = w
		} else if w != at {
			t.Errorf("%s: line %d starts its last column at cell %d, the heading at %d:\n%s", what, i, w, at, out)
		}
	}
}

// The lists pad their columns by the cells a name takes on a terminal,
// not by its runes; token list names the user by e-mail, as --user does;
// monitor show counts its windows in good English.
func TestListsAlignChinese(t *testing.T) {
	dir, do := withUseCase(t)
	mustRun(t, do, [][]string{
		{"user", "add", "--email", "wang@example.com", "--role", "viewer", "--name", "王小明（风险）", "--password", "correct horse battery"},
		{"user", "add", "--email", "admin@example.com", "--role", "admin", "--name", "Admin", "--password", "correct horse battery"},
		{"model", "add", "--use-case", "1", "--key", "credit-risk", "--name", "Credit risk scorer · 信贷风险评分"},
		{"model", "add", "--use-case", "1", "--key", "pdm", "--name", "Failure predictor"},
		{"model", "version", "credit-risk", "--version", "1"},
		{"token", "create", "--user", "wang@example.com", "--name", "读取令牌", "--scope", "read"},
		{"token", "create", "--user", "admin@example.com", "--name", "ci", "--scope", "read"},
	}...)
	ctx := lodestar.WithActor(context.Background(), lodestar.Actor{Label: "test"})
	db, err := sqldb.Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	svc := &monitoring.Service{Store: store.New(db)}
	now := time.Now().UTC().Truncate(time.Hour)
	// The reference range holds an event of the version (an empty one is
	// refused: such a monitor could never be evaluated).
	if _, err := store.New(db).AppendEvents(ctx, 1, []lodestar.StoredEvent{{ID: "e-1", Time: now.Add(-90 * time.Minute), Version: "1",
		Body: []byte(`{"id":"e-1","version":"1","features":{"x":0.5},"prediction":0.9,"latency_ms":5}`)}}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"每日漂移监控", "daily"} {
		if _, err := svc.CreateMonitor(ctx, lodestar.Monitor{ModelID: 1, Version: "1", Name: name, Task: "binary", Numeric: []string{"x"},
			Window: "hour", Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}, AlertAfter: 1, ResolveAfter: 2, RetrainAfter: 1,
			Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: now.Add(-2 * time.Hour), To: now.Add(-time.Hour)}}, nil, ""); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	code, out, stderr := do("model", "list")
	if code != 0 || !strings.Contains(out, "信贷风险评分") {
		t.Fatalf("model list: exit %d\n%s%s", code, out, stderr)
	}
	lastColumnAt(t, "model list", out, "VERSIONS", "1 (development)", "-")

	code, out, _ = do("user", "list")
	if code != 0 || !strings.Contains(out, "王小明（风险）") {
		t.Fatalf("user list: exit %d\n%s", code, out)
	}
	lastColumnAt(t, "user list", out, "LAST LOGIN", "-", "-")

	code, out, _ = do("token", "list")
	if code != 0 {
		t.Fatalf("token list: exit %d", code)
	}
	lastColumnAt(t, "token list", out, "MODELS", "all", "all")
	for _, want := range []string{" wang@example.com   读取令牌 ", " admin@example.com  ci "} {
		if !strings.Contains(out, want) {
			t.Errorf("token list lacks %q (USER is the e-mail):\n%s", want, out)
		}
	}
	if _, filtered, _ := do("token", "list", "--user", "wang@example.com"); strings.Count(filtered, "\n") != 2 || !strings.Contains(filtered, " wang@example.com ") {
		t.Errorf("token list --user wang@example.com:\n%s", filtered)
	}

	code, out, stderr = do("monitor", "list")
	if code != 0 || !strings.Contains(out, "每日漂移监控") {
		t.Fatalf("monitor list: exit %d %s%s", code, out, stderr)
	}
	lastColumnAt(t, "monitor list", out, "EVALUATED TO", "-", "-")

	code, out, _ = do("monitor", "show", "1")
	for _, want := range []string{"1 breaching window in a row\n", "2 good windows in a row\n"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("monitor show 1 lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "1 breaching windows") {
		t.Errorf("monitor show 1: a plural for one window:\n%s", out)
	}
}

// The windows' p95 latency is in milliseconds to at most a tenth, as the
// web writes it; the other metrics keep four decimals.
func TestWindowsLatency(t *testing.T) {
	var b strings.Builder
	at := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	ws := []*lodestar.WindowResult{
		{Start: at, Events: 10, Metrics: map[string]float64{"latency_p95": 20, "accuracy": 0.9}},
		{Start: at.Add(time.Hour), Events: 10, Metrics: map[string]float64{"latency_p95": 87.36, "accuracy": 0.91234}},
	}
	if err := writeWindows(&b, ws, "en"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if !strings.Contains(lines[1], "  0.9000      20  ") || !strings.Contains(lines[2], "  0.9123    87.4  ") || strings.Contains(b.String(), "20.0000") {
		t.Errorf("windows:\n%s", b.String())
	}
}

// A card file with an unknown field says which, and what a card holds,
// in either language, without encoding/json's words.
func TestCardUnknownFieldChinese(t *testing.T) {
	path := writeFile(t, "card.json", `{"bogus": 1}`)
	code, _, stderr := runWith(zhEnvOf, "model", "version", "--key", "k", "--version", "1", "--card", path, "--data", t.TempDir())
	// model version reads the card before it opens the database.
	if code != 1 || !strings.Contains(stderr, `未知字段 "bogus"；模型卡的字段为 intended_use, out_of_scope_use, training_data, evaluation_metrics, limitations, ethical_considerations`) || strings.Contains(stderr, "json:") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}

// Every flag of every command is in README's CLI reference, so that the
// two cannot drift apart: the commands' flag sets, found as the help test
// finds them (every command's -h, and audit export's).
func TestREADMENamesEveryFlag(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, ref, ok := strings.Cut(string(raw), "\n## CLI reference\n")
	if !ok {
		t.Fatal("README.md has no '## CLI reference' section")
	}
	ref, _, _ = strings.Cut(ref, "\n## ")
	named := regexp.MustCompile(`--[a-z0-9][a-z0-9-]*`).FindAllString(ref, -1)
	n := 0
	for _, args := range helpRuns() {
		log, _, _ := helpOf(t, "zh-CN", args)
		for _, fs := range log.sets {
			fs.VisitAll(func(f *flag.Flag) {
				n++
				if !slices.Contains(named, "--"+f.Name) {
					t.Errorf("README's CLI reference does not name %s's --%s", fs.Name(), f.Name)
				}
			})
		}
	}
	if n < 100 {
		t.Fatalf("checked %d flags", n)
	}
}

// The windows' drifted share is a figure only when a feature was tested:
// a window with none to test shows "-", as one without a drift result
// does, not 0%.
func TestWindowsDriftShareUndetermined(t *testing.T) {
	var b strings.Builder
	at := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	ws := []*lodestar.WindowResult{
		{Start: at, Events: 10, Drift: json.RawMessage(`{"tested":4,"drifted":1}`), DriftShare: 0.25},
		{Start: at.Add(time.Hour), Events: 10, Drift: json.RawMessage(`{"tested":0,"drifted":0}`)},
		{Start: at.Add(2 * time.Hour), Events: 10},
	}
	if err := writeWindows(&b, ws, "en"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(b.String(), "\n")
	if !strings.Contains(lines[1], " 25% ") || strings.Contains(lines[2], "0%") || strings.Contains(lines[3], "%") {
		t.Errorf("windows:\n%s", b.String())
	}
}
