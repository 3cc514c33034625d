package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// failWriter takes the first ok bytes, then fails every write, as a full
// disk or a closed pipe does.
type failWriter struct {
	ok  int
	got bytes.Buffer
}

var errFull = errors.New("no space left on device")

func (w *failWriter) Write(p []byte) (int, error) {
	if w.got.Len()+len(p) > w.ok {
		n := max(w.ok-w.got.Len(), 0)
		w.got.Write(p[:n])
		return n, errFull
	}
	return w.got.Write(p)
}

// runTo runs a command with stdout going to w.
func runTo(w *failWriter, args ...string) (int, string) {
	var errb bytes.Buffer
	code := run(context.Background(), args, w, &errb, noEnv)
	return code, errb.String()
}

// TestOutputWriteErrors: a command whose output could not be written
// fails (exit 1, the reason on stderr), where it exited 0 and a script
// went on with nothing: a token whose secret was never shown, a user
// whose generated password was lost, a drift or explain report that was
// not written. Where a secret was lost, the message says what to do.
func TestOutputWriteErrors(t *testing.T) {
	dir := t.TempDir()
	if code, errOut := runTo(&failWriter{ok: 1 << 20}, "user", "add", "--data", dir, "--email", "a@example.com", "--role", "admin", "--password", "correct horse battery"); code != 0 {
		t.Fatalf("user add: %d %s", code, errOut)
	}
	good := writeFile(t, "good.csv", "a,b\n1,x\n2,y\n")
	model := filepath.Join(explainTestdata, "reg.json")
	srv := newModelServer(t, linearModel)
	linear, _, _ := linearData(t, 50)
	data := filepath.Join(explainTestdata, "data.csv")
	for _, c := range []struct {
		name string
		ok   int // bytes written before the writes fail
		args []string
		want string
	}{
		{"token create, nothing written", 0, []string{"token", "create", "--data", dir, "--user", "a@example.com", "--name", "ci"},
			`token \d+ was created, but its secret could not be written \(no space left on device\) and is lost: revoke it with 'lodestar token revoke --id \d+'`},
		{"token create, secret not written", 120, []string{"token", "create", "--data", dir, "--user", "a@example.com", "--name", "ci2"},
			`token \d+ was created, but its secret could not be written`},
		{"user add, generated password lost", 0, []string{"user", "add", "--data", dir, "--email", "b@example.com", "--role", "viewer"},
			`user b@example.com was created, but its generated password could not be written .* 'lodestar user set-password --email b@example.com'`},
		{"user add, given password", 0, []string{"user", "add", "--data", dir, "--email", "c@example.com", "--role", "viewer", "--password", "correct horse battery"},
			`user: writing the output: no space left on device`},
		{"user set-password, generated", 0, []string{"user", "set-password", "--data", dir, "--email", "b@example.com"},
			`a new password was set for b@example.com, but it could not be written .* run 'lodestar user set-password --email b@example.com' again`},
		{"user list", 0, []string{"user", "list", "--data", dir}, `writing the output`},
		{"audit verify", 0, []string{"audit", "verify", "--data", dir}, `the chain is intact \(\d+ entries\), but the result could not be written`},
		{"audit verify, anchor lost", 45, []string{"audit", "verify", "--data", dir}, `audit: writing the output: no space left on device`},
		{"drift text", 0, []string{"drift", "--reference", good, "--current", good}, `no space left on device`},
		{"drift text, cut short", 200, []string{"drift", "--reference", good, "--current", good}, `no space left on device`},
		{"drift json", 0, []string{"drift", "--format", "json", "--reference", good, "--current", good}, `no space left on device`},
		{"drift html", 0, []string{"drift", "--format", "html", "--reference", good, "--current", good}, `no space left on device`},
		{"explain text", 0, []string{"explain", "--model", model, "--data", data}, `no space left on device`},
		{"explain text, cut short", 500, []string{"explain", "--model", model, "--data", data}, `no space left on device`},
		{"explain --endpoint text", 0, []string{"explain", "--endpoint", srv.URL + "/predict", "--data", linear, "--label", "y"}, `explain: writing the output: no space left on device`},
		{"explain --endpoint text, cut short", 300, []string{"explain", "--endpoint", srv.URL + "/predict", "--data", linear, "--label", "y"}, `explain: writing the output`},
		{"version", 0, []string{"version"}, `version: writing the output`},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, errOut := runTo(&failWriter{ok: c.ok}, c.args...)
			if code != 1 || !regexp.MustCompile(c.want).MatchString(errOut) {
				t.Errorf("exit %d, stderr %q; want exit 1 matching %q", code, errOut, c.want)
			}
		})
	}
	// The same commands with room for their output succeed.
	if code, errOut := runTo(&failWriter{ok: 1 << 20}, "token", "create", "--data", dir, "--user", "a@example.com", "--name", "ci3"); code != 0 {
		t.Errorf("token create: %d %s", code, errOut)
	}
}

// TestOutputToDevFull: the same through a real file that refuses writes.
func TestOutputToDevFull(t *testing.T) {
	full, err := os.OpenFile("/dev/full", os.O_WRONLY, 0)
	if err != nil {
		t.Skip("no /dev/full:", err)
	}
	defer full.Close()
	good := writeFile(t, "good.csv", "a,b\n1,x\n2,y\n")
	var errb bytes.Buffer
	if code := run(context.Background(), []string{"drift", "--reference", good, "--current", good}, full, &errb, noEnv); code != 1 || !strings.Contains(errb.String(), "no space left on device") {
		t.Errorf("drift to /dev/full: exit %d, stderr %q", code, errb.String())
	}
}
