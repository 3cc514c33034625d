package main

import (
	"strings"
	"testing"
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
		{"monitor", []string{"pausing, resuming or copying", "(pause, resume, copy)", "as a JSON array", `{"monitor": …, "windows": […]}`},
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
	dir := t.TempDir()
	do := runIn(dir)
	if code, _, stderr := do("migrate", "up"); code != 0 {
		t.Fatalf("migrate: %d %s", code, stderr)
	}
	mustUseCase(t, dir)
	for _, args := range [][]string{
		{"model", "add", "--use-case", "1", "--key", "churn2", "--name", "Churn"},
		{"model", "version", "churn2", "--version", "1.0", "--intended-use", "rank"},
		{"model", "card", "--version", "1.0", "churn2", "--limitations", "small"},
	} {
		if code, _, stderr := do(args...); code != 0 {
			t.Fatalf("%q: exit %d\n%s", args, code, stderr)
		}
	}
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
