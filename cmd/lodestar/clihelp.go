package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"

	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// The help the commands print ('lodestar help', 'lodestar help CMD',
// 'lodestar CMD -h') follows the command's language, as its errors do
// (errorLang): English as written in the code, word for word, or
// Simplified Chinese from the catalogs (clihelp.json). A help text is
// translated paragraph by paragraph, each under the "msg." key of its
// English (helpKey), so that an edited paragraph loses its translation
// (and the test that checks every one fails) rather than keep a stale
// one; a flag's usage, one paragraph, likewise. English never goes
// through the catalogs: it is printed as it always was (fs.PrintDefaults).

// helpFlagsShared and helpFlags head the flag list of a command with
// subcommands and of one without.
const (
	helpFlagsShared = "Flags (each subcommand reads those it names):"
	helpFlags       = "Flags:"
)

// helpText is text, a help or a flag's usage, in lang: each paragraph
// (text cut at blank lines) by its "msg." key, the blank lines and the
// line breaks around it kept; a paragraph the catalog lacks stays in
// English.
func helpText(lang, text string) string {
	out, _ := helpTextMissing(lang, text)
	return out
}

// helpTextMissing is helpText, and the paragraphs the catalog of lang
// has no translation for.
func helpTextMissing(lang, text string) (string, []string) {
	if lang == i18n.Default {
		return text, nil
	}
	b := reportBundle()
	parts := strings.Split(text, "\n\n")
	var missing []string
	for i, p := range parts {
		core := strings.Trim(p, "\n")
		if core == "" {
			continue
		}
		key := helpKey(core)
		if !b.Has(lang, key) {
			missing = append(missing, core)
			continue
		}
		start := strings.Index(p, core)
		parts[i] = p[:start] + strings.ReplaceAll(b.T(lang, key), "%%", "%") + p[start+len(core):]
	}
	return strings.Join(parts, "\n\n"), missing
}

// helpKey is the catalog key of a paragraph of help: "msg." and its
// English, a "%" in it written "%%" as in the catalogs' other texts
// (which are fmt formats), in the key and in its translations.
func helpKey(paragraph string) string {
	return "msg." + strings.ReplaceAll(paragraph, "%", "%%")
}

// helpLang is the language of a flag set's help: its output's, which
// cmdEnv.flags set to the command's.
func helpLang(fs *flag.FlagSet) string {
	if o, ok := fs.Output().(flagOutput); ok {
		return o.lang
	}
	return i18n.Default
}

// printHelp writes a command's help: text, then (under heading, when it
// is not empty) its flags, all in the flag set's language.
func printHelp(fs *flag.FlagSet, text, heading string) {
	lang := helpLang(fs)
	if o, ok := fs.Output().(flagOutput); ok {
		o.log.text(text)
		o.log.text(heading)
	}
	fmt.Fprint(fs.Output(), helpText(lang, text))
	if heading != "" {
		fmt.Fprintln(fs.Output(), "\n"+helpText(lang, heading))
	}
	printFlags(fs, lang)
}

// printFlags writes fs's flags as fs.PrintDefaults does, in lang: each
// usage translated and the default in its words (English: as they are).
func printFlags(fs *flag.FlagSet, lang string) {
	tr := func(s string) string { return helpText(lang, s) }
	if lang == i18n.Default {
		tr = func(s string) string { return s }
	}
	writeFlags(fs.Output(), fs, tr, reportBundle().T(lang, "clihelp.flag_default"))
}

// writeFlags is flag.PrintDefaults with each usage through tr and the
// default written by defaultFormat (its %s the value, quoted for a
// string flag, as Go shows it): "  -name type" (a type, or the usage's
// back-quoted name), then the usage indented by four spaces and a tab; a
// one-letter flag with no type has its usage on the same line.
func writeFlags(w io.Writer, fs *flag.FlagSet, tr func(string) string, defaultFormat string) {
	fs.VisitAll(func(f *flag.Flag) {
		g := *f
		g.Usage = tr(f.Usage)
		name, usage := flag.UnquoteUsage(&g)
		if _, number := f.Value.(*numberFlag); number && name == "value" {
			name = "float" // as flag.Float64's
		}
		var b strings.Builder
		fmt.Fprintf(&b, "  -%s", f.Name)
		if name != "" {
			b.WriteString(" " + name)
		}
		if b.Len() <= 4 {
			b.WriteString("\t")
		} else {
			b.WriteString("\n    \t")
		}
		b.WriteString(strings.ReplaceAll(usage, "\n", "\n    \t"))
		if def, ok := shownDefault(f); ok {
			fmt.Fprintf(&b, defaultFormat, def)
		}
		fmt.Fprint(w, b.String(), "\n")
	})
}

// shownDefault is the default PrintDefaults shows for f, if any: none
// when it is the zero value of the flag's type (or that value's String
// panics), quoted for a string flag.
func shownDefault(f *flag.Flag) (shown string, ok bool) {
	typ := reflect.TypeOf(f.Value)
	var z reflect.Value
	if typ.Kind() == reflect.Pointer {
		z = reflect.New(typ.Elem())
	} else {
		z = reflect.Zero(typ)
	}
	defer func() {
		if recover() != nil {
			shown, ok = "", false
		}
	}()
	if f.DefValue == z.Interface().(flag.Value).String() {
		return "", false
	}
	if typ.String() == "*flag.stringValue" {
		return strconv.Quote(f.DefValue), true
	}
	return f.DefValue, true
}

// helpLog, when run's context carries one, hears of every flag set the
// commands make and every help text they print: how the test that
// checks every help has its translation finds them all.
type helpLog struct {
	mu    sync.Mutex
	sets  []*flag.FlagSet
	texts []string
}

type helpLogKey struct{}

// withHelpLog returns ctx carrying l.
func withHelpLog(ctx context.Context, l *helpLog) context.Context {
	return context.WithValue(ctx, helpLogKey{}, l)
}

// helpLogOf is ctx's helpLog, nil when it has none.
func helpLogOf(ctx context.Context) *helpLog {
	l, _ := ctx.Value(helpLogKey{}).(*helpLog)
	return l
}

func (l *helpLog) set(fs *flag.FlagSet) {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sets = append(l.sets, fs)
}

func (l *helpLog) text(text string) {
	if l == nil || text == "" {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.texts = append(l.texts, text)
}
