package main

import (
	"bytes"
	"context"
	"flag"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// helpRuns are the command lines whose help the CLI prints: every
// command's -h and, for audit, whose export has a flag set of its own,
// its subcommand's.
func helpRuns() [][]string {
	var runs [][]string
	for _, c := range commands {
		runs = append(runs, []string{c.name, "-h"})
	}
	return append(runs, []string{"audit", "export", "-h"})
}

// helpOf runs args in lang with a helpLog, and returns the log, the exit
// code and stderr.
func helpOf(t *testing.T, lang string, args []string) (*helpLog, int, string) {
	t.Helper()
	log := &helpLog{}
	var stdout, stderr bytes.Buffer
	args = append(append([]string{}, args...), "--lang", lang)
	code := run(withHelpLog(context.Background(), log), args, &stdout, &stderr, noEnv)
	return log, code, stderr.String()
}

// untranslated lists text's paragraphs, as helpText cuts them, that have
// no "msg." key in lang's catalog.
func untranslated(lang, text string) []string {
	var out []string
	for p := range strings.SplitSeq(text, "\n\n") {
		if core := strings.Trim(p, "\n"); core != "" && !reportBundle().Has(lang, helpKey(core)) {
			out = append(out, core)
		}
	}
	return out
}

func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// TestHelpTranslated fails when a command's help, a line of 'lodestar
// help' or a flag's usage has no translation: every command the CLI
// knows is asked for its help in both languages, and every text it
// prints and every flag its flag sets register must have its "msg." key
// in both catalogs.
func TestHelpTranslated(t *testing.T) {
	check := func(where, text string) {
		t.Helper()
		for _, lang := range i18n.Locales {
			for _, p := range untranslated(lang, text) {
				t.Errorf("%s: no %s translation (catalogs/*/clihelp.json, key \"msg.\"+it) of:\n%s", where, lang, p)
			}
		}
	}
	check("lodestar help", usageHead)
	check("lodestar help", usageFoot)
	check("help headings", helpFlags)
	check("help headings", helpFlagsShared)
	for _, c := range commands {
		check("lodestar help, "+c.name, c.synopsis)
	}
	sets, texts := 0, 0
	for _, args := range helpRuns() {
		for _, lang := range i18n.Locales {
			log, code, stderr := helpOf(t, lang, args)
			if code != 0 {
				t.Errorf("%q --lang %s: exit %d, want 0\n%s", args, lang, code, stderr)
			}
			if args[0] == "version" {
				continue // it has no flags, and prints its version for -h
			}
			if lang != i18n.Default && !hasHan(stderr) {
				t.Errorf("%q --lang %s: the help is not in Chinese:\n%s", args, lang, stderr)
			}
			if lang == i18n.Default {
				continue // the log is kept by the Chinese output, which prints the same texts
			}
			if len(log.sets) == 0 {
				t.Errorf("%q: no flag set made", args)
			}
			for _, text := range log.texts {
				texts++
				check(strings.Join(args, " "), text)
			}
			for _, fs := range log.sets {
				sets++
				fs.VisitAll(func(f *flag.Flag) {
					where := fs.Name() + " -" + f.Name
					check(where, f.Usage)
					// The back-quoted name of a usage heads the flag's line:
					// the translation keeps it.
					g := *f
					g.Usage = helpText("zh-CN", f.Usage)
					if en, _ := flag.UnquoteUsage(f); en != func() string { n, _ := flag.UnquoteUsage(&g); return n }() {
						t.Errorf("%s: the translation loses the back-quoted name %q of the usage", where, en)
					}
				})
			}
		}
	}
	if sets == 0 || texts == 0 {
		t.Fatalf("checked %d flag sets and %d help texts: the log heard nothing", sets, texts)
	}
}

// The check above can fail: a paragraph no catalog has is reported, in
// both languages, and stays in English.
func TestHelpUntranslatedFound(t *testing.T) {
	text := "Usage: lodestar drift --reference REF --current CUR [flags]\n\nA paragraph no catalog holds.\n"
	for _, lang := range i18n.Locales {
		if got := untranslated(lang, text); !slices.Equal(got, []string{"A paragraph no catalog holds."}) {
			t.Errorf("untranslated(%s): got %q", lang, got)
		}
	}
	out, missing := helpTextMissing("zh-CN", text)
	if !slices.Equal(missing, []string{"A paragraph no catalog holds."}) || !strings.HasSuffix(out, "\n\nA paragraph no catalog holds.\n") || !hasHan(out) {
		t.Errorf("helpTextMissing: got %q, missing %q", out, missing)
	}
}

// The flag list in another language is flag.PrintDefaults' layout: with
// the usages untranslated and the English catalog's words for the
// default, it is PrintDefaults' output byte for byte, for every flag set
// of every command.
func TestWriteFlagsIsPrintDefaults(t *testing.T) {
	format := reportBundle().T("en", "clihelp.flag_default")
	n := 0
	for _, args := range helpRuns() {
		log, _, _ := helpOf(t, "zh-CN", args)
		for _, fs := range log.sets {
			var want, got bytes.Buffer
			fs.SetOutput(&want)
			fs.PrintDefaults()
			writeFlags(&got, fs, func(s string) string { return s }, format)
			// Number flags (numberVar) are named float, as flag.Float64's
			// are, where PrintDefaults names any other Value "value".
			fs.VisitAll(func(f *flag.Flag) {
				if _, ok := f.Value.(*numberFlag); ok {
					w := strings.Replace(want.String(), "  -"+f.Name+" value\n", "  -"+f.Name+" float\n", 1)
					want.Reset()
					want.WriteString(w)
				}
			})
			if got.String() != want.String() {
				t.Errorf("%s: writeFlags:\n%s\nwant (PrintDefaults):\n%s", fs.Name(), got.String(), want.String())
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no flag set checked")
	}
}

// A flag's default is written as Go writes it, after the translated
// usage: a string's quoted, a number's or a duration's as it is, none
// for a zero value.
func TestFlagDefaultsInChinese(t *testing.T) {
	_, code, stderr := helpOf(t, "zh-CN", []string{"serve", "-h"})
	if code != 0 {
		t.Fatalf("serve -h: exit %d\n%s", code, stderr)
	}
	for _, want := range []string{
		"  -addr string\n    \t",
		`（默认："127.0.0.1:8080"）` + "\n",
		"（默认：1m0s）\n",
		"（默认：15000）\n",
		"  -demo\n    \t",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("serve -h --lang zh-CN lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "(default") || strings.Contains(stderr, "Usage of") {
		t.Errorf("serve -h --lang zh-CN has English words left:\n%s", stderr)
	}
	if !strings.HasPrefix(stderr, "lodestar serve 的用法：\n") {
		t.Errorf("serve -h --lang zh-CN: got the heading %q", strings.SplitN(stderr, "\n", 2)[0])
	}
}

// 'lodestar drift -h --lang zh-CN' and, in a Chinese locale, 'lodestar
// help drift' print drift's help in Chinese; 'lodestar help' its list of
// commands. English stays as it was.
func TestHelpInChinese(t *testing.T) {
	code, _, dashH := runWith(noEnv, "drift", "-h", "--lang", "zh-CN")
	if code != 0 {
		t.Fatalf("drift -h --lang zh-CN: exit %d\n%s", code, dashH)
	}
	for _, want := range []string{
		"用法：lodestar drift --reference REF --current CUR [选项]\n",
		"\n选项：\n  -bins int\n    \t",
		"  -reference string\n    \t参照文件，CSV 或 Parquet（必填）\n",
		"  -format string\n    \t输出格式：text、json 或 html（默认：\"text\"）\n",
		"  -lang value\n",
	} {
		if !strings.Contains(dashH, want) {
			t.Errorf("drift -h --lang zh-CN lacks %q:\n%s", want, dashH)
		}
	}
	for _, english := range []string{"Measures data drift", "reference file, CSV or Parquet", "(default", "Flags:"} {
		if strings.Contains(dashH, english) {
			t.Errorf("drift -h --lang zh-CN has English %q left:\n%s", english, dashH)
		}
	}
	code, helpOut, helpErr := runWith(zhEnvOf, "help", "drift")
	if code != 0 || helpErr != "" {
		t.Fatalf("LANG=zh_CN.UTF-8 help drift: exit %d, stderr %q", code, helpErr)
	}
	if helpOut != dashH {
		t.Errorf("LANG=zh_CN.UTF-8 help drift:\n%s\nwant what drift -h --lang zh-CN prints:\n%s", helpOut, dashH)
	}
	code, list, _ := runWith(zhEnvOf, "help")
	if code != 0 || !strings.Contains(list, "用法：lodestar <命令> [选项]") || !strings.Contains(list, "\n  drift      将当前数据文件与参照数据") {
		t.Errorf("LANG=zh_CN.UTF-8 help: exit %d\n%s", code, list)
	}
	// English: help drift is drift -h, which is the help as written.
	_, enOut, _ := runWith(noEnv, "help", "drift")
	_, _, enDashH := runWith(noEnv, "drift", "-h")
	if enOut != enDashH || !strings.HasPrefix(enOut, driftHelp) || !strings.Contains(enOut, "\n  -reference string\n    \treference file, CSV or Parquet (required)\n") {
		t.Errorf("help drift in English:\n%s\nwant drift -h's:\n%s", enOut, enDashH)
	}
	if _, enList, _ := runWith(noEnv, "help"); enList != usage() || !strings.HasPrefix(enList, usageHead) {
		t.Errorf("help in English changed:\n%s", enList)
	}
	// A command 'lodestar help' does not know lists the commands.
	if code, out, _ := runWith(zhEnvOf, "help", "frobnicate"); code != 0 || !strings.Contains(out, "用法：lodestar <命令>") {
		t.Errorf("help frobnicate: exit %d\n%s", code, out)
	}
	// A subcommand: help audit export is audit export -h.
	_, auditOut, _ := runWith(zhEnvOf, "help", "audit", "export", "--lang", "zh-CN")
	if !strings.Contains(auditOut, "用法：lodestar audit export") || !strings.Contains(auditOut, "  -actor string\n") {
		t.Errorf("help audit export --lang zh-CN:\n%s", auditOut)
	}
}
