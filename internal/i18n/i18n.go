// Package i18n holds Lodestar's message catalogs (English and Simplified
// Chinese), picks a locale for each request and formats numbers and dates
// the way each locale writes them.
package i18n

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Locales are the supported locales; the first is the default.
var Locales = []string{"en", "zh-CN"}

// Default is the locale used when nothing else decides.
const Default = "en"

var tags = []language.Tag{language.English, language.SimplifiedChinese}

var matcher = language.NewMatcher(tags)

//go:embed catalogs/*/*.json
var catalogFS embed.FS

// Bundle is the loaded catalogs, one flat key → message map per locale.
type Bundle struct {
	msgs     map[string]map[string]string
	pats     map[string][]pattern
	cliPats  map[string][]pattern // pats and the "cli.msgpat." shapes, for CLIMessage
	printers map[string]*message.Printer
}

// pattern is a "msgpat." catalog entry: an English message shape whose
// %s parts are any text (a line number, a file name, a nested message),
// and its translation with as many %s (or %[n]s). It translates messages
// made at run time — "line 3: malformed record: …" — that no fixed key
// can hold.
type pattern struct {
	re      *regexp.Regexp
	out     string
	generic bool // no words of its own ("%s: %s"): used only when a part translates
	weight  int  // literal text: the most specific pattern is tried first
}

// compilePattern turns an English message shape into its pattern.
func compilePattern(shape, out string) (pattern, error) {
	parts := strings.Split(shape, "%s")
	if n := len(parts) - 1; n == 0 || strings.Count(out, "%") != n && !strings.Contains(out, "%[") {
		return pattern{}, fmt.Errorf("i18n: pattern %q and its text %q must hold the same number of %%s", shape, out)
	}
	var re strings.Builder
	re.WriteString("^")
	literal := ""
	for i, p := range parts {
		if i > 0 {
			re.WriteString("(.+?)")
		}
		re.WriteString(regexp.QuoteMeta(p))
		literal += p
	}
	re.WriteString("$")
	letters := strings.IndexFunc(literal, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }) >= 0
	return pattern{re: regexp.MustCompile(re.String()), out: out, generic: !letters, weight: len(literal)}, nil
}

// maxPatterned is the longest message Message matches against shapes.
const maxPatterned = 2000

// Message translates a message made at run time (an error's text): by
// its "msg." key when it has one, else by the most specific "msgpat."
// shape it fits, its parts translated in turn; else it stays as it is.
func (b *Bundle) Message(locale, msg string) string { return b.message(locale, msg, 0, b.pats[locale]) }

// CLIMessage is Message for the command line: a "cli.msgpat." shape,
// which words a message for a terminal rather than for the web (a flag
// to give rather than a form field to choose), is tried before a
// "msgpat." shape of the same English, at every level of a message.
func (b *Bundle) CLIMessage(locale, msg string) string {
	return b.message(locale, msg, 0, b.cliPats[locale])
}

func (b *Bundle) message(locale, msg string, depth int, pats []pattern) string {
	if t, ok := b.msgs[locale]["msg."+msg]; ok {
		return t
	}
	// Shapes are for messages of a sentence or two; a longer one (a row's
	// reason echoing a megabyte cell) stays as it is rather than cost
	// seconds of matching.
	if depth > 5 || len(msg) > maxPatterned {
		return msg
	}
	// A shape with no words of its own ("%s: %s", "%s; %s") may cut a
	// message in more than one place: "a: b; c: d" is the label "a" of
	// "b; c: d" or the clauses "a: b" and "c: d". The first cut whose
	// every part translates is taken, else the first that translates some.
	partial := ""
	for _, p := range pats {
		if partial != "" && !p.generic {
			continue
		}
		m := p.re.FindStringSubmatch(msg)
		if m == nil {
			continue
		}
		args, changed, all := make([]any, len(m)-1), false, true
		for i, g := range m[1:] {
			t := b.part(locale, g, depth+1, pats)
			args[i], changed, all = t, changed || t != g, all && t != g
		}
		switch {
		case !p.generic:
			return fmt.Sprintf(p.out, args...)
		case all:
			return fmt.Sprintf(p.out, args...)
		case changed && partial == "":
			partial = fmt.Sprintf(p.out, args...)
		}
	}
	if partial != "" {
		return partial
	}
	return msg
}

// part translates a part of a message a shape cut out: a time stamp
// (RFC 3339, as messages made for machines and for every language hold
// it: "to 2026-08-29T00:00:00Z") is written as the pages write a time in
// locale — "29 Aug 2026 00:00 UTC", "2026年8月29日 00:00 UTC" — and any
// other part is a message in turn.
func (b *Bundle) part(locale, s string, depth int, pats []pattern) string {
	if len(s) >= len("2006-01-02T15:04:05Z") && len(s) <= len(time.RFC3339Nano) && s[4] == '-' && s[10] == 'T' {
		if t, err := time.Parse(time.RFC3339, s); err == nil {
			return DateTime(locale, t)
		}
	}
	return b.message(locale, s, depth, pats)
}

// Load reads the embedded catalogs. A locale's catalog is every JSON file
// in catalogs/<locale>/ (one per area of the product, so that areas are
// translated and reviewed apart); a key two files define must have the
// same text in both (a message two areas share), else it is an error.
func Load() (*Bundle, error) {
	b := &Bundle{msgs: map[string]map[string]string{}, pats: map[string][]pattern{}, cliPats: map[string][]pattern{},
		printers: map[string]*message.Printer{}}
	for i, loc := range Locales {
		files, err := fs.Glob(catalogFS, path.Join("catalogs", loc, "*.json"))
		if err != nil || len(files) == 0 {
			return nil, fmt.Errorf("i18n: no catalog files for %s", loc)
		}
		m := map[string]string{}
		for _, f := range files {
			raw, err := catalogFS.ReadFile(f)
			if err != nil {
				return nil, fmt.Errorf("i18n: %w", err)
			}
			part := map[string]string{}
			if err := json.Unmarshal(raw, &part); err != nil {
				return nil, fmt.Errorf("i18n: catalog %s: %w", f, err)
			}
			for k, v := range part {
				if prev, dup := m[k]; dup && prev != v {
					return nil, fmt.Errorf("i18n: catalog %s: key %q is defined in another file with another text", f, k)
				}
				m[k] = v
			}
		}
		b.msgs[loc] = m
		var cli []pattern
		for k, v := range m {
			shape, ok := strings.CutPrefix(k, "msgpat.")
			cliOnly := false
			if !ok {
				shape, cliOnly = strings.CutPrefix(k, "cli.msgpat.")
			}
			if !ok && !cliOnly {
				continue
			}
			p, err := compilePattern(shape, v)
			if err != nil {
				return nil, err
			}
			if cliOnly {
				cli = append(cli, p)
			} else {
				b.pats[loc] = append(b.pats[loc], p)
			}
		}
		sortPatterns(b.pats[loc])
		// The command line's own shapes first among those of their weight
		// (the same English as a "msgpat." one weighs the same).
		sortPatterns(cli)
		b.cliPats[loc] = sortPatterns(append(cli, b.pats[loc]...))
		b.printers[loc] = message.NewPrinter(tags[i])
	}
	return b, nil
}

// sortPatterns orders patterns most specific first (the most literal
// text), ties by their expression; the order is stable, so that of two
// patterns of one shape the first given stays first.
func sortPatterns(ps []pattern) []pattern {
	sort.SliceStable(ps, func(i, j int) bool {
		pi, pj := ps[i], ps[j]
		return pi.weight > pj.weight || pi.weight == pj.weight && pi.re.String() < pj.re.String()
	})
	return ps
}

// MustLoad is Load for start-up, where a broken embedded catalog is a bug.
func MustLoad() *Bundle {
	b, err := Load()
	if err != nil {
		panic(err)
	}
	return b
}

// shared is Load's result, made once per process.
var shared = sync.OnceValues(Load)

// Shared returns the embedded catalogs, loaded on the first call and the
// same Bundle for every caller after it: the app, the API's translation
// of its errors, the command line. A Bundle is never changed once
// loaded, so one copy serves them all.
func Shared() (*Bundle, error) { return shared() }

// Keys returns the sorted keys of a locale's catalog.
func (b *Bundle) Keys(locale string) []string {
	keys := make([]string, 0, len(b.msgs[locale]))
	for k := range b.msgs[locale] {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Has reports whether locale's catalog holds key.
func (b *Bundle) Has(locale, key string) bool {
	_, ok := b.msgs[locale][key]
	return ok
}

// T returns the message for key in locale, formatted with args in the
// fmt style. A missing key falls back to English, then to the key itself
// in brackets so it shows up in review rather than silently.
func (b *Bundle) T(locale, key string, args ...any) string {
	msg, ok := b.msgs[locale][key]
	if !ok {
		if msg, ok = b.msgs[Default][key]; !ok {
			return "[" + key + "]"
		}
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// Negotiate picks the locale: the user's own setting, else the best match
// for the Accept-Language header, else the default.
func Negotiate(userSetting, acceptLanguage string) string {
	if Supported(userSetting) {
		return userSetting
	}
	if acceptLanguage == "" {
		return Default
	}
	prefs, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(prefs) == 0 {
		return Default
	}
	_, idx, conf := matcher.Match(prefs...)
	if conf == language.No {
		return Default
	}
	return Locales[idx]
}

// Supported reports whether loc is one of Locales.
func Supported(loc string) bool {
	for _, l := range Locales {
		if l == loc {
			return true
		}
	}
	return false
}

// Number formats x with the locale's grouping and decimal marks and the
// given number of decimals.
func (b *Bundle) Number(locale string, x float64, decimals int) string {
	p, ok := b.printers[locale]
	if !ok {
		p = b.printers[Default]
	}
	return p.Sprint(number.Decimal(x, number.MaxFractionDigits(decimals), number.MinFractionDigits(decimals)))
}

// NumberUpTo formats x like Number with at most the given number of
// decimals, leaving off trailing zeros: 0.94 to four decimals is "0.94",
// not "0.9400"; 120 to one is "120".
func (b *Bundle) NumberUpTo(locale string, x float64, decimals int) string {
	p, ok := b.printers[locale]
	if !ok {
		p = b.printers[Default]
	}
	return p.Sprint(number.Decimal(x, number.MaxFractionDigits(decimals), number.MinFractionDigits(0)))
}

// Int formats an integer with the locale's grouping.
func (b *Bundle) Int(locale string, n int64) string {
	p, ok := b.printers[locale]
	if !ok {
		p = b.printers[Default]
	}
	return p.Sprint(number.Decimal(n))
}

// Date formats a calendar date the way the locale writes it.
func Date(locale string, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	if strings.HasPrefix(locale, "zh") {
		return fmt.Sprintf("%d年%d月%d日", t.Year(), int(t.Month()), t.Day())
	}
	return t.Format("2 Jan 2006")
}

// DayMonth formats a date without its year, for the ticks of a time
// axis: "31 May", "5月31日".
func DayMonth(locale string, t time.Time) string {
	if strings.HasPrefix(locale, "zh") {
		return fmt.Sprintf("%d月%d日", int(t.Month()), t.Day())
	}
	return t.Format("2 Jan")
}

// DateTime formats a date and minute-precision time in UTC.
func DateTime(locale string, t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	t = t.UTC()
	return Date(locale, t) + " " + t.Format("15:04") + " UTC"
}
