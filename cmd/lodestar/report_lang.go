package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// The reports the no-server commands write for a reader (abtest,
// fairness and explain's text, drift's text and HTML) are in English or
// Simplified Chinese, their words from the catalogs (keys "clireport.…",
// and drift's HTML "driftreport.…"). Their numbers are written the same
// in both, so a report reads the same figures whatever its language; JSON
// and CSV, for programs, are not translated. The errors run writes on
// stderr follow the same choice (errorLang), translated by the catalogs'
// "msg." keys and "msgpat." shapes where they have one.

// reportLangHelp is part of abtest's, fairness's and explain's -h.
const reportLangHelp = `Output: --format text (the default, for a reader) is in English or
Simplified Chinese: --lang en or zh-CN, by default as the locale of LC_ALL,
LC_MESSAGES or LANG; its numbers are written the same in both. JSON and CSV,
for programs, are in English; errors on stderr follow --lang and the locale
where the catalogs translate them.

`

// langFlagUsage is the --lang flag's help, the same for every command.
const langFlagUsage = "language of the errors on stderr, and of a report for a reader (text; drift's HTML too): en or zh-CN\n(default: zh-CN when LC_ALL, LC_MESSAGES or LANG is Chinese, else en)"

// registerLang makes a command's --lang (every flag set cmdEnv.flags
// makes has one) set *p; a flag set made otherwise gets one.
func registerLang(fs *flag.FlagSet, p *string) {
	if f := fs.Lookup("lang"); f != nil {
		f.Value.(*langFlag).p = p
		return
	}
	fs.StringVar(p, "lang", "", langFlagUsage)
}

// langFlag is --lang's value: the string it points at.
type langFlag struct{ p *string }

func (l *langFlag) String() string {
	if l == nil || l.p == nil {
		return ""
	}
	return *l.p
}

func (l *langFlag) Set(v string) error { *l.p = v; return nil }

// checkLang refuses a --lang that is neither en nor zh-CN, with the words
// the reports use for it, in a command whose --lang only chooses the
// language of its errors.
func checkLang(fs *flag.FlagSet) error {
	f := fs.Lookup("lang")
	if f == nil || f.Value.String() == "" {
		return nil
	}
	_, err := reportLang(strings.TrimPrefix(fs.Name(), "lodestar "), f.Value.String(), nil)
	return err
}

// reportLang is the language of cmd's report: --lang when given (en or
// zh-CN; zh, zh_CN and zh-Hans are taken for zh-CN), else Chinese when
// the environment's locale (LC_ALL, LC_MESSAGES, LANG, the first set) is
// Chinese, else English. Another --lang is bad usage.
func reportLang(cmd, given string, getenv func(string) string) (string, error) {
	if given != "" {
		switch strings.ToLower(strings.ReplaceAll(given, "_", "-")) {
		case "en":
			return "en", nil
		case "zh", "zh-cn", "zh-hans":
			return "zh-CN", nil
		}
		return "", errUsage{fmt.Sprintf("%s: --lang %q: want en or zh-CN", cmd, given)}
	}
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if loc := getenv(v); loc != "" {
			if strings.HasPrefix(strings.ToLower(loc), "zh") {
				return "zh-CN", nil
			}
			return "en", nil
		}
	}
	return i18n.Default, nil
}

// leadingLang takes the --lang flags (-lang, --lang V, --lang=V) written
// before the command's name off args: rest begins with the command. lang
// is the last one's value ("" when there is none).
func leadingLang(args []string) (rest []string, lang string) {
	for len(args) > 0 {
		name, val, hasVal := strings.Cut(args[0], "=")
		if name != "-lang" && name != "--lang" {
			break
		}
		if !hasVal {
			if len(args) == 1 {
				return nil, ""
			}
			val, args = args[1], args[1:]
		}
		lang, args = val, args[1:]
	}
	return args, lang
}

// withLocale is getenv with the locale set to lang (en or zh-CN), as
// reportLang reads it.
func withLocale(getenv func(string) string, lang string) func(string) string {
	loc := "C"
	if lang == "zh-CN" {
		loc = "zh_CN.UTF-8"
	}
	return func(k string) string {
		if k == "LC_ALL" {
			return loc
		}
		return getenv(k)
	}
}

// errorLang is the language of the errors run writes on stderr, chosen
// as reportLang chooses a report's: the last --lang (-lang, --lang=V,
// -lang=V) among args before a "--", else the environment's locale. It
// reads args before any command parses them, so that an error in the
// parsing itself (an unknown flag, an unknown command), or from a command
// with no --lang of its own, is written in the same language as the
// report would be. A --lang that reportLang refuses counts as not given:
// the command says so itself, in the locale's language.
func errorLang(args []string, getenv func(string) string) string {
	given := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		name, val, hasVal := strings.Cut(a, "=")
		if name != "-lang" && name != "--lang" {
			continue
		}
		if !hasVal {
			if i+1 == len(args) {
				break
			}
			i++
			val = args[i]
		}
		given = val
	}
	if lang, err := reportLang("", given, getenv); err == nil {
		return lang
	}
	lang, _ := reportLang("", "", getenv)
	return lang
}

// reportBundle is the catalogs: the process's one copy (i18n.Shared),
// which a broken embedded catalog, a bug, makes a panic, as i18n.MustLoad.
func reportBundle() *i18n.Bundle {
	b, err := i18n.Shared()
	if err != nil {
		panic(err)
	}
	return b
}

// reportText writes a text report's words in one language.
type reportText struct {
	b    *i18n.Bundle
	lang string
}

func newReportText(lang string) reportText { return reportText{reportBundle(), lang} }

// T is the catalog's message for key, formatted with args.
func (r reportText) T(key string, args ...any) string { return r.b.T(r.lang, key, args...) }

// Word is the catalog's word for a value (prefix+v, e.g. a test's name),
// or the value itself when the catalog has none.
func (r reportText) Word(prefix, v string) string {
	if !r.b.Has(r.lang, prefix+v) {
		return v
	}
	return r.T(prefix + v)
}

// Msg translates a message made at run time (a note, a verdict's reason)
// by its "msg." key or "msgpat." shape; one without stays as it is. Such
// messages are made in English, which the report keeps word for word
// (the English catalog rewords some command-line advice for the web).
func (r reportText) Msg(msg string) string {
	if r.lang == i18n.Default {
		return msg
	}
	return r.b.Message(r.lang, msg)
}

// padCells pads s with spaces to n terminal cells (a Chinese character
// takes two).
func padCells(s string, n int) string {
	return s + strings.Repeat(" ", max(n-cellWidth(s), 0))
}

// writeTabbed writes rows as text/tabwriter did with padding 2 and every
// cell ended by a tab (each column as wide as its widest cell plus two,
// the last one too), but counting the terminal cells each string takes,
// so a Chinese heading or group name keeps its column in line (tabwriter
// counts runes). right aligns every column on the right.
func writeTabbed(w io.Writer, rows [][]string, right bool) {
	var widths []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], cellWidth(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]+2-cellWidth(c))
			if right {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		fmt.Fprintln(w, b.String())
	}
}
