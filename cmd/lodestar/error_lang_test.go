package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// zhEnvOf is a getenv whose locale is Chinese.
func zhEnvOf(k string) string { return map[string]string{"LANG": "zh_CN.UTF-8"}[k] }

func runWith(getenv func(string) string, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), args, &stdout, &stderr, getenv)
	return code, stdout.String(), stderr.String()
}

// The errors' language is the reports' choice: --lang (the last one,
// before "--"), else the locale; a --lang reportLang refuses counts as
// not given.
func TestErrorLang(t *testing.T) {
	cases := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"drift"}, nil, "en"},
		{[]string{"drift"}, map[string]string{"LANG": "zh_CN.UTF-8"}, "zh-CN"},
		{[]string{"drift"}, map[string]string{"LANG": "zh_CN.UTF-8", "LC_ALL": "C"}, "en"},
		{[]string{"drift", "--lang", "zh-CN"}, nil, "zh-CN"},
		{[]string{"model", "list", "-lang=zh_CN"}, nil, "zh-CN"},
		{[]string{"drift", "--lang=en"}, map[string]string{"LANG": "zh_CN.UTF-8"}, "en"},
		{[]string{"drift", "--lang", "zh", "--lang", "en"}, nil, "en"},
		{[]string{"drift", "--lang", "fr"}, map[string]string{"LANG": "zh_CN.UTF-8"}, "zh-CN"},
		{[]string{"drift", "--lang", "fr"}, nil, "en"},
		{[]string{"drift", "--", "--lang", "zh-CN"}, nil, "en"},
		{[]string{"drift", "--lang"}, nil, "en"},
	}
	for _, c := range cases {
		if got := errorLang(c.args, func(k string) string { return c.env[k] }); got != c.want {
			t.Errorf("errorLang(%q, %v) = %s, want %s", c.args, c.env, got, c.want)
		}
	}
}

// Usage errors in Chinese, English as it always was: the same exit code,
// nothing on stdout, and the details (flag names, values) kept.
func TestErrorsTranslated(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "nowhere.csv")
	bad := filepath.Join(dir, "bad.csv")
	if err := os.WriteFile(bad, []byte("a,b\n1,2\n1,2,3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyLabel := filepath.Join(dir, "fair.csv")
	if err := os.WriteFile(emptyLabel, []byte("g,y,p\na,1,1\nb,,0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	bad3 := filepath.Join(dir, "bad3.csv")
	if err := os.WriteFile(bad3, []byte("g,y,p\na,1,1\nb,1,0,9\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	third := filepath.Join(dir, "third.csv")
	if err := os.WriteFile(third, []byte("g,y,p\na,1,1\nb,1,0\nb,0,2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name   string
		args   []string
		code   int
		en, zh string // stderr's last lines
	}{
		{"unknown command", []string{"frobnicate"}, 2,
			"lodestar: unknown command \"frobnicate\"\nRun 'lodestar help' for usage.\n",
			"lodestar: 未知命令 \"frobnicate\"\n运行 'lodestar help' 查看用法。\n"},
		{"unknown flag", []string{"drift", "--nope"}, 2,
			"lodestar: flag provided but not defined: -nope\nRun 'lodestar drift -h' for usage.\n",
			"lodestar: 未定义的选项：-nope\n运行 'lodestar drift -h' 查看用法。\n"},
		{"bad flag value", []string{"drift", "--bins", "abc"}, 2,
			"lodestar: invalid value \"abc\" for flag -bins: parse error\nRun 'lodestar drift -h' for usage.\n",
			"lodestar: 无效的值 \"abc\"（选项 -bins）：无法解析\n运行 'lodestar drift -h' 查看用法。\n"},
		{"flag without its value", []string{"fairness", "--data"}, 2,
			"lodestar: flag needs an argument: -data\nRun 'lodestar fairness -h' for usage.\n",
			"lodestar: 选项 -data 需要一个值\n运行 'lodestar fairness -h' 查看用法。\n"},
		{"unexpected argument", []string{"drift", "extra"}, 2,
			"lodestar: lodestar drift: unexpected argument \"extra\"\nRun 'lodestar drift -h' for usage.\n",
			"lodestar: lodestar drift：多余的参数 \"extra\"\n运行 'lodestar drift -h' 查看用法。\n"},
		{"required flags", []string{"fairness", "--group", "g"}, 2,
			"lodestar: fairness: --data, --label required\nRun 'lodestar fairness -h' for usage.\n",
			"lodestar: fairness：缺少 --data、--label\n运行 'lodestar fairness -h' 查看用法。\n"},
		{"unknown subcommand", []string{"switch", "frob"}, 2,
			"lodestar: switch: unknown subcommand \"frob\"; want list, show or flip\nRun 'lodestar switch -h' for usage.\n",
			"lodestar: switch：未知的子命令 \"frob\"；可用的子命令为 list、show 或 flip\n运行 'lodestar switch -h' 查看用法。\n"},
		{"drift of a missing file", []string{"drift", "--reference", missing, "--current", missing}, 1,
			"lodestar: open " + missing + ": no such file or directory\n",
			"lodestar: 无法打开 " + missing + "：文件或目录不存在\n"},
		{"drift of a malformed CSV", []string{"drift", "--reference", bad, "--current", bad}, 1,
			"lodestar: " + bad + ": line 3: malformed record: 3 fields, but the header has 2\n",
			"lodestar: " + bad + "：第 3 行：记录格式错误：有 3 个字段，但表头有 2 个\n"},
		{"fairness of a malformed CSV", []string{"fairness", "--data", bad3, "--group", "g", "--label", "y", "--prediction", "p"}, 1,
			"lodestar: " + bad3 + ": line 3: malformed record: 4 fields, but the header has 3\n",
			"lodestar: " + bad3 + "：第 3 行：记录格式错误：有 4 个字段，但表头有 3 个\n"},
		{"fairness with a third class", []string{"fairness", "--data", third, "--group", "g", "--label", "y", "--prediction", "p"}, 1,
			"lodestar: " + third + ": line 4: prediction \"p\" has a third value \"2\" after \"1\" and \"0\": it must be binary\n",
			"lodestar: " + third + "：第 4 行：预测列 \"p\" 出现第三个取值 \"2\"（此前为 \"1\" 和 \"0\"）：它必须是二值的\n"},
		{"fairness with an empty label", []string{"fairness", "--data", emptyLabel, "--group", "g", "--label", "y", "--prediction", "p"}, 1,
			"lodestar: " + emptyLabel + ": line 3: label \"y\" is empty\n",
			"lodestar: " + emptyLabel + "：第 3 行：标签列 \"y\" 为空\n"},
	}
	for _, c := range cases {
		for _, lang := range []string{"en", "zh-CN"} {
			want, getenv := c.en, noEnv
			if lang == "zh-CN" {
				want, getenv = c.zh, zhEnvOf
			}
			code, out, errOut := runWith(getenv, c.args...)
			if code != c.code || out != "" || !strings.HasSuffix(errOut, want) {
				t.Errorf("%s (%s): exit %d, stdout %q, stderr\n%s\nwant exit %d, no stdout, stderr ending in\n%s", c.name, lang, code, out, errOut, c.code, want)
			}
		}
	}
}

// A flag error is written once, in the errors' language, then the line
// that points at the command's own help (whose flags 'lodestar help'
// does not list): not the flag package's copy of it and every flag's
// usage before run's. -h still prints the help.
func TestFlagErrorOnce(t *testing.T) {
	cases := []struct {
		args   []string
		en, zh string
	}{
		{[]string{"drift", "--nope"},
			"lodestar: flag provided but not defined: -nope\nRun 'lodestar drift -h' for usage.\n",
			"lodestar: 未定义的选项：-nope\n运行 'lodestar drift -h' 查看用法。\n"},
		{[]string{"model", "card", "--metric", "auc"},
			"lodestar: invalid value \"auc\" for flag -metric: want NAME=VALUE (e.g. auc=0.91), got \"auc\"\nRun 'lodestar model card -h' for usage.\n",
			"运行 'lodestar model card -h' 查看用法。\n"},
		{[]string{"monitor", "show", "--windows", "x"}, "\nRun 'lodestar monitor show -h' for usage.\n", "\n运行 'lodestar monitor show -h' 查看用法。\n"},
		{[]string{"export", "use-cases", "--bogus"}, "\nRun 'lodestar export use-cases -h' for usage.\n", "\n运行 'lodestar export use-cases -h' 查看用法。\n"},
		{[]string{"audit", "export", "--bogus"}, "\nRun 'lodestar audit export -h' for usage.\n", "\n运行 'lodestar audit export -h' 查看用法。\n"},
		{[]string{"model"}, "lodestar: model: want list, show, add, version, card, provenance or status\nRun 'lodestar model -h' for usage.\n",
			"lodestar: model：请给出子命令 list、show、add、version、card、provenance 或 status\n运行 'lodestar model -h' 查看用法。\n"},
		{[]string{"model", "frob"}, "\nRun 'lodestar model -h' for usage.\n", "lodestar: model：未知的子命令 \"frob\"；可用的子命令为 list、show、add、version、card、provenance 或 status\n运行 'lodestar model -h' 查看用法。\n"},
	}
	for _, c := range cases {
		for _, lang := range []string{"en", "zh-CN"} {
			want, getenv := c.en, noEnv
			if lang == "zh-CN" {
				want, getenv = c.zh, zhEnvOf
			}
			code, _, stderr := runWith(getenv, c.args...)
			if code != 2 || !strings.HasSuffix(stderr, want) || strings.Count(stderr, "\n") != 2 || !strings.HasPrefix(stderr, "lodestar: ") {
				t.Errorf("%q (%s): exit %d, stderr\n%s\nwant exit 2 and two lines, ending in\n%s", c.args, lang, code, stderr, want)
			}
		}
	}
	// What the pointer names prints the command's help, subcommands and all.
	for _, args := range [][]string{{"model", "card", "-h"}, {"model", "-h"}} {
		if code, _, stderr := runWith(noEnv, args...); code != 0 || !strings.HasPrefix(stderr, modelHelp) || !strings.Contains(stderr, "  -metric ") {
			t.Errorf("%q: exit %d\n%s", args, code, stderr)
		}
	}
	if code, _, stderr := runWith(noEnv, "drift", "-h", "--lang", "zh-CN"); code != 0 || !strings.HasPrefix(stderr, "用法：lodestar drift") {
		t.Errorf("drift -h --lang zh-CN: exit %d\n%s", code, stderr)
	}
}

// A command that talks to the store: its own usage checks and the
// service's refusals (message and fields, as the web translates them)
// are in Chinese; English is as it always was.
func TestStoreErrorsTranslated(t *testing.T) {
	dir := t.TempDir()
	do := func(getenv func(string) string, args ...string) (int, string, string) {
		return runWith(getenv, append(args, "--data", dir)...)
	}
	if code, _, stderr := do(noEnv, "migrate", "up"); code != 0 {
		t.Fatalf("migrate: %d %s", code, stderr)
	}
	mustUseCase(t, dir)
	for _, args := range [][]string{
		{"user", "add", "--email", "risk@example.com", "--role", "risk_officer", "--password", "correct horse battery"},
		{"model", "add", "--use-case", "1", "--key", "credit-risk", "--name", "Credit"},
	} {
		if code, _, stderr := do(noEnv, args...); code != 0 {
			t.Fatalf("%v: exit %d %s", args, code, stderr)
		}
	}
	cases := []struct {
		args   []string
		code   int
		en, zh string
	}{
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--as", "risk@example.com"}, 2,
			"lodestar: switch flip: --state, --reason and --as are required\nRun 'lodestar switch flip -h' for usage.\n",
			"lodestar: switch flip：必须提供 --state、--reason 和 --as\n运行 'lodestar switch flip -h' 查看用法。\n"},
		{[]string{"switch", "flip", "credit-risk", "--state", "paused", "--reason", "drift", "--as", "risk@example.com"}, 1,
			"lodestar: switch flip: The switch was not flipped; check the fields. state: The state is on, off or fallback.\n",
			"lodestar: switch flip：未能切换开关，请检查各字段。 state：状态须为开启、关闭或降级。\n"},
		// A reason given blank is the service's refusal, as on the API and
		// the web (a field error, exit 1), not a usage error.
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--reason", "  ", "--as", "risk@example.com"}, 1,
			"lodestar: switch flip: The switch was not flipped; check the fields. reason: Say why the switch is flipped.\n",
			"lodestar: switch flip：未能切换开关，请检查各字段。 reason：请说明切换开关的原因。\n"},
		{[]string{"switch", "flip", "credit-risk", "--state", "off", "--reason", "drift", "--as", "nobody@example.com"}, 1,
			"lodestar: switch flip: no user nobody@example.com in this database; 'lodestar user list' shows the users (and check --data or --database)\n",
			"lodestar: switch flip：此数据库中没有用户 nobody@example.com；'lodestar user list' 列出全部用户（并请检查 --data 或 --database）\n"},
		{[]string{"model", "add", "--use-case", "1", "--key", "credit-risk", "--name", "Again"}, 1,
			"lodestar: A model with this key already exists. (key)\n",
			"lodestar: 该模型键已存在。（key）\n"},
		{[]string{"user", "add", "--email", "risk@example.com", "--role", "viewer", "--password", "correct horse battery"}, 1,
			"lodestar: A user with this e-mail already exists. (email)\n",
			"lodestar: 该邮箱的用户已存在。（email）\n"},
	}
	for _, c := range cases {
		for _, lang := range []string{"en", "zh-CN"} {
			want, getenv := c.en, noEnv
			if lang == "zh-CN" {
				want, getenv = c.zh, zhEnvOf
			}
			code, out, errOut := do(getenv, c.args...)
			if code != c.code || out != "" || errOut != want {
				t.Errorf("%v (%s): exit %d, stdout %q, stderr\n%q\nwant exit %d, no stdout, stderr\n%q", c.args, lang, code, out, errOut, c.code, want)
			}
		}
	}
}

// A damaged model's refusal keeps its details (the file, the tree, the
// arrays and their lengths) in both languages: English as it is made, and
// Chinese through the explain engine's shapes (the web's upload form shows
// the same words). Before those shapes, it stayed English under zh-CN.
func TestDamagedModelErrorInChinese(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(explainTestdata, "binary.json"))
	if err != nil {
		t.Fatal(err)
	}
	damaged := strings.Replace(string(raw), `"right_children":[`, `"right_children":[-1,`, 1)
	if damaged == string(raw) {
		t.Fatal("binary.json has no right_children to damage")
	}
	model := writeFile(t, "damaged.json", damaged)
	data := writeFile(t, "d.csv", "f0,f1,f2,f3,f4,f5,f6,f7\n1,2,3,4,5,6,7,8\n")
	code, _, en := runWith(noEnv, "explain", "--model", model, "--data", data)
	if code != 1 || !strings.HasPrefix(en, "lodestar: "+model+": tree 0: right_children has ") {
		t.Fatalf("exit %d, stderr %q; want 1 and the damaged tree", code, en)
	}
	want := "lodestar: " + model + "：第 0 棵树：right_children 有 80 个元素，而 left_children 有 79 个\n"
	if en != "lodestar: "+model+": tree 0: right_children has 80 entries, left_children 79\n" {
		t.Errorf("English: stderr %q", en)
	}
	if code, out, zh := runWith(zhEnvOf, "explain", "--model", model, "--data", data); code != 1 || out != "" || zh != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, out, zh, want)
	}
}

// The monitor command's usage errors, evaluate's among them, are in
// Chinese whole: the subcommand lists named evaluate while the catalog's
// keys did not, and a bad --from kept the form's English.
func TestMonitorUsageErrorsInChinese(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"monitor"}, "monitor：请给出子命令 list、show、pause、resume、copy 或 evaluate"},
		{[]string{"monitor", "foo"}, `monitor：未知的子命令 "foo"；可用的子命令为 list、show、pause、resume、copy 或 evaluate`},
		{[]string{"monitor", "evaluate", "1", "--as", "x@example.com", "--version", "2"}, "monitor evaluate：只接受 --from 和 --as"},
		{[]string{"monitor", "evaluate", "1", "--as", "x@example.com", "--from", "2020-13-01"}, "monitor evaluate：请填写日期（YYYY-MM-DD）或时间（RFC 3339，例如 2026-03-01T09:00:00Z）。（from）"},
		{[]string{"monitor", "copy", "1", "--version", "2", "--as", "x@example.com", "--from", "2020-13-01"}, "monitor copy：请填写日期（YYYY-MM-DD）或时间（RFC 3339，例如 2026-03-01T09:00:00Z）。（from）"},
	} {
		args := c.args
		if len(args) > 1 {
			args = append(args, "--data", t.TempDir())
		}
		code, _, stderr := runWith(zhEnvOf, args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", c.args, code, stderr, c.want)
		}
	}
}
