package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// noEnv is a getenv that sees no LODESTAR_* variable, whatever the
// developer's environment holds.
func noEnv(string) string { return "" }

// runIn runs commands on the data directory dir, with no environment, and
// returns each one's exit code, stdout and stderr.
func runIn(dir string) func(args ...string) (int, string, string) {
	return func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := run(context.Background(), append(args, "--data", dir), &out, &errb, noEnv)
		return code, out.String(), errb.String()
	}
}

// TestRunUsage calls run directly for the cases that never reach the
// database: usage errors exit 2 with a message, help and version exit 0.
func TestRunUsage(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		args   []string
		code   int
		stdout string // substring wanted on stdout
		stderr string // substring wanted on stderr
	}{
		{"no args", nil, 2, "Usage: lodestar <command>", ""},
		{"help", []string{"help"}, 0, "Usage: lodestar <command>", ""},
		{"-h", []string{"-h"}, 0, "Usage: lodestar <command>", ""},
		{"--help", []string{"--help"}, 0, "Usage: lodestar <command>", ""},
		{"version", []string{"version"}, 0, "lodestar " + version, ""},
		{"unknown command", []string{"frobnicate"}, 2, "", `unknown command "frobnicate"`},
		{"migrate without subcommand", []string{"migrate"}, 2, "", "migrate: want 'up' or 'status'"},
		{"migrate unknown subcommand", []string{"migrate", "sideways"}, 2, "", `migrate: unknown subcommand "sideways"`},
		{"user without subcommand", []string{"user"}, 2, "", "user: want add, list, set-role, set-password, disable or enable"},
		// 'lodestar help' says "Run 'lodestar <command> -h' for flags":
		// every command's -h is its help, not an unknown subcommand.
		{"migrate -h", []string{"migrate", "-h"}, 0, "", "status  list the migrations"},
		{"migrate --help", []string{"migrate", "--help"}, 0, "", "Usage: lodestar migrate up|status"},
		{"user -h", []string{"user", "-h"}, 0, "", "set-password  --email E"},
		{"user --help", []string{"user", "--help"}, 0, "", "-password"},
		{"user help", []string{"user", "help"}, 0, "", "Usage: lodestar user SUBCOMMAND"},
		{"token -h", []string{"token", "-h"}, 0, "", "revoke  --id N"},
		{"token --help", []string{"token", "--help"}, 0, "", "-scope"},
		{"audit -h", []string{"audit", "-h"}, 0, "", "-expect"},
		{"audit --help", []string{"audit", "--help"}, 0, "", "Usage: lodestar audit verify"},
		{"model -h", []string{"model", "-h"}, 0, "", "status   --key K --version V --status S --reason R"},
		{"model --help", []string{"model", "--help"}, 0, "", "-intended-use"},
		{"export -h", []string{"export", "-h"}, 0, "", "Usage: lodestar export use-cases"},
		{"export --help", []string{"export", "--help"}, 0, "", "-output"},
		{"import -h", []string{"import", "-h"}, 0, "", "Usage: lodestar import use-cases FILE"},
		{"import --help", []string{"import", "--help"}, 0, "", "-dry-run"},
		{"user list -h", []string{"user", "list", "-h"}, 0, "", "-email"},
		{"user add without --email", []string{"user", "add", "--role", "viewer"}, 2, "", "user add: --email is required"},
		{"user unknown subcommand", []string{"user", "frob"}, 2, "", `user: unknown subcommand "frob"`},
		{"token without subcommand", []string{"token"}, 2, "", "token: want create, list or revoke"},
		{"token create without --user", []string{"token", "create", "--name", "ci"}, 2, "", "--user and --name are required"},
		{"token create without --name", []string{"token", "create", "--user", "a@example.com"}, 2, "", "--user and --name are required"},
		{"token revoke with a bad id", []string{"token", "revoke", "--id", "x"}, 2, "", "--id must be a token ID"},
		{"audit without verify", []string{"audit"}, 2, "", "audit: want 'verify'"},
		{"unknown flag", []string{"serve", "--bogus"}, 2, "", "flag provided but not defined: -bogus"},
		{"stray argument", []string{"audit", "verify", "extra"}, 2, "", `unexpected argument "extra"`},
		{"bad log format", []string{"serve", "--log-format", "yaml"}, 2, "", `--log-format "yaml": want text or json`},
		{"bad database URL", []string{"serve", "--database", "mysql://x"}, 2, "", "--database must be a postgres://"},
		{"negative ingest rate", []string{"serve", "--ingest-rate", "-5"}, 2, "", `invalid value "-5" for flag -ingest-rate: want 0 (off) or a positive whole number`},
		{"fractional ingest rate", []string{"serve", "--ingest-rate", "2.5"}, 2, "", `invalid value "2.5" for flag -ingest-rate: want a whole number of lines a second`},
		{"ingest rate not a number", []string{"serve", "--ingest-rate", "lots"}, 2, "", `invalid value "lots" for flag -ingest-rate: want a whole number`},
		{"serve -h", []string{"serve", "-h"}, 0, "", "-addr"},
		{"serve -h names --ingest-rate", []string{"serve", "-h"}, 0, "", "-ingest-rate"},
		{"serve -h names --max-streams", []string{"serve", "-h"}, 0, "", "-max-streams value"},
		{"serve -h names --max-streams-per-credential", []string{"serve", "-h"}, 0, "", "-max-streams-per-credential value"},
		{"serve -h names --max-streams-per-user", []string{"serve", "-h"}, 0, "", "-max-streams-per-user value"},
		{"negative max streams per user", []string{"serve", "--max-streams-per-user", "-5"}, 2, "", `invalid value "-5" for flag -max-streams-per-user: want 0 (no cap) or a positive whole number of streams`},
		{"negative max streams", []string{"serve", "--max-streams", "-1"}, 2, "", `invalid value "-1" for flag -max-streams: want 0 (no cap) or a positive whole number of streams`},
		{"max streams per credential not a number", []string{"serve", "--max-streams-per-credential", "many"}, 2, "", `invalid value "many" for flag -max-streams-per-credential: want a whole number of streams`},
		{"switch without subcommand", []string{"switch"}, 2, "", "switch: want list, show or flip"},
		{"switch unknown subcommand", []string{"switch", "toggle"}, 2, "", `switch: unknown subcommand "toggle"`},
		{"switch -h", []string{"switch", "-h"}, 0, "", "flip  KEY --state on|off|fallback"},
		{"switch --help", []string{"switch", "--help"}, 0, "", "-version"},
		{"switch list with a key", []string{"switch", "list", "credit-risk"}, 2, "", "switch list: takes no KEY"},
		{"switch show without a key", []string{"switch", "show"}, 2, "", "switch show: name the model's KEY"},
		{"switch show two keys", []string{"switch", "show", "a", "b"}, 2, "", `unexpected argument "b"`},
		{"switch show keys that differ", []string{"switch", "show", "a", "--key", "b"}, 2, "", `KEY "a" and --key "b" differ`},
		{"switch show bad format", []string{"switch", "show", "a", "--format", "yaml"}, 2, "", "--format must be text or json"},
		{"switch flip without --as", []string{"switch", "flip", "a", "--state", "off", "--reason", "r"}, 2, "", "--state, --reason and --as are required"},
		{"switch flip without --reason", []string{"switch", "flip", "a", "--state", "off", "--as", "r@example.com"}, 2, "", "--state, --reason and --as are required"},
		{"switch flip without --state", []string{"switch", "flip", "a", "--reason", "r", "--as", "r@example.com"}, 2, "", "--state, --reason and --as are required"},
		{"switch flip bad --version", []string{"switch", "flip", "a", "--state", "off", "--reason", "r", "--as", "r@example.com", "--version", "0"}, 2, "", `--version "0": want the switch's version`},
		{"switch flip --version not a number", []string{"switch", "flip", "a", "--state", "off", "--reason", "r", "--as", "r@example.com", "--version", "two"}, 2, "", `--version "two"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			// Every case that might open a database points it at a
			// directory that must stay absent: usage errors write nothing.
			data := filepath.Join(t.TempDir(), "data")
			args := tc.args
			if len(args) > 1 && args[0] != "version" {
				args = append(append([]string{}, args...), "--data", data)
			}
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), args, &stdout, &stderr, noEnv)
			if code != tc.code {
				t.Errorf("run %q: exit %d, want %d\n--- stdout:\n%s--- stderr:\n%s", args, code, tc.code, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tc.stdout) {
				t.Errorf("run %q: stdout lacks %q:\n%s", args, tc.stdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Errorf("run %q: stderr lacks %q:\n%s", args, tc.stderr, stderr.String())
			}
			if tc.code == 2 && tc.stdout == "" {
				checkHint(t, tc.args, stderr.String())
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Errorf("run %q: created the data directory %s (stat: %v)", args, data, err)
			}
		})
	}
}

// TestUsageListsCommands keeps the usage text in step with the commands.
func TestUsageListsCommands(t *testing.T) {
	u := usage()
	for _, c := range []string{"serve", "migrate", "user", "token", "audit", "switch", "version"} {
		if !strings.Contains(u, "\n  "+c+" ") {
			t.Errorf("usage does not list %q:\n%s", c, u)
		}
	}
}

// TestRunBadEnvironment: a malformed LODESTAR_* variable is a usage error.
func TestRunBadEnvironment(t *testing.T) {
	t.Parallel()
	getenv := func(k string) string {
		if k == "LODESTAR_DEMO" {
			return "maybe"
		}
		return ""
	}
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"version"}, &stdout, &stderr, getenv); code != 2 {
		t.Errorf("LODESTAR_DEMO=maybe: exit %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), "LODESTAR_DEMO") {
		t.Errorf("stderr should name LODESTAR_DEMO:\n%s", stderr.String())
	}
}

// checkHint checks that stderr, a usage error of args, ends with the line
// pointing at the help of the command args ran ('lodestar CMD -h', with
// the subcommand when there is one), and that what it names prints that
// help and exits 0.
func checkHint(t *testing.T, args []string, stderr string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
	last := lines[len(lines)-1]
	if synopsisOf(args[0]) == "" {
		if last != "Run 'lodestar help' for usage." {
			t.Errorf("run %q: an unknown command should point at 'lodestar help':\n%s", args, stderr)
		}
		return
	}
	cmdline, ok := strings.CutPrefix(last, "Run 'lodestar ")
	cmdline, ok2 := strings.CutSuffix(cmdline, " -h' for usage.")
	if !ok || !ok2 || !strings.HasPrefix(cmdline+" ", args[0]+" ") {
		t.Errorf("run %q: the usage error should end pointing at 'lodestar %s … -h':\n%s", args, args[0], stderr)
		return
	}
	if len(args) > 1 && !strings.HasPrefix(args[1], "-") && slices.Contains(subcommands(synopsisOf(args[0])), args[1]) && cmdline != args[0]+" "+args[1] {
		t.Errorf("run %q: points at 'lodestar %s -h', not at its subcommand's help", args, cmdline)
	}
	var out, errOut bytes.Buffer
	if code := run(context.Background(), append(strings.Fields(cmdline), "-h"), &out, &errOut, noEnv); code != 0 || !strings.Contains(errOut.String(), "Usage") {
		t.Errorf("run %q: %q, which the error points at, exits %d:\n%s", args, cmdline+" -h", code, errOut.String())
	}
}

func synopsisOf(name string) string {
	for _, c := range commands {
		if c.name == name {
			return c.synopsis
		}
	}
	return ""
}
