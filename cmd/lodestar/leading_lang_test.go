package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A --lang before the command's name sets the language of the whole run,
// as the locale does; before, the command lookup took it for the command.
func TestLeadingLang(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{"ref.csv": "x,c\n1,a\n2,b\n3,a\n4,b\n5,a\n", "cur.csv": "x,c\n1,a\n2,b\n3,b\n9,b\n9,b\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ref, cur := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	noEnv := func(string) string { return "" }

	code, out, errs := runWith(noEnv, "--lang", "zh-CN", "version")
	if code != 0 || !strings.HasPrefix(out, "lodestar ") || errs != "" {
		t.Fatalf("--lang zh-CN version: %d %q %q", code, out, errs)
	}
	// The report in the language given before the command, the same as
	// given after it; English without it.
	_, after, _ := runWith(noEnv, "drift", "--reference", ref, "--current", cur, "--lang", "zh-CN")
	code, before, errs := runWith(noEnv, "--lang=zh-CN", "drift", "--reference", ref, "--current", cur)
	_, english, _ := runWith(noEnv, "drift", "--reference", ref, "--current", cur)
	if code != 0 || before != after || before == english || errs != "" {
		t.Fatalf("--lang=zh-CN drift: %d, same as after: %v, differs from English: %v, stderr %q", code, before == after, before != english, errs)
	}
	// A --lang after the command still wins.
	if _, out, _ := runWith(noEnv, "--lang", "zh-CN", "drift", "--reference", ref, "--current", cur, "--lang", "en"); out != english {
		t.Errorf("--lang en after the command: not the English report:\n%s", out)
	}
	// Errors before the command in its language; a bad value refused.
	if code, _, errs := runWith(noEnv, "--lang", "zh-CN", "nosuch"); code != 2 || !strings.Contains(errs, "未知命令") {
		t.Errorf("--lang zh-CN nosuch: %d %q", code, errs)
	}
	if code, _, errs := runWith(noEnv, "--lang", "fr", "version"); code != 2 || !strings.Contains(errs, `--lang "fr": want en or zh-CN`) {
		t.Errorf("--lang fr version: %d %q", code, errs)
	}
	if code, _, _ := runWith(noEnv, "--lang"); code != 2 {
		t.Errorf("--lang alone: exit %d, want 2 (usage)", code)
	}
}

// The configuration's refusals in Chinese, a value from the environment
// named with its variable; --data with --database refused.
func TestConfigErrorsTranslated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	env := func(extra map[string]string) func(string) string {
		return func(k string) string {
			if k == "LANG" {
				return "zh_CN.UTF-8"
			}
			return extra[k]
		}
	}
	cases := []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"serve", "--data", dir, "--log-format", "x"}, `--log-format "x"：只能是 text 或 json`},
		{map[string]string{"LODESTAR_MONITOR_LATENESS": "7h"}, []string{"serve", "--data", dir}, "--monitor-lateness （环境变量 LODESTAR_MONITOR_LATENESS）7h0m0s：须在 0 到 6h 之间"},
		{map[string]string{"LODESTAR_TLS_CERT": "c.pem"}, []string{"serve", "--data", dir}, "--tls-cert（环境变量 LODESTAR_TLS_CERT）与 --tls-key 必须同时给出"},
		{nil, []string{"token", "list", "--data", dir, "--database", "postgres://u@h/db"}, "--data 与 --database 指向两个不同的数据库：只能给出其一"},
	}
	for _, c := range cases {
		code, _, errs := runWith(env(c.env), c.args...)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%v %v: exit %d, stderr %q; want 2 and %q", c.env, c.args, code, errs, c.want)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("a refused configuration made the data directory: %v", err)
	}
}
