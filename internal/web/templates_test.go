package web_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"text/template/parse"
	"unicode"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/web"
)

// templates returns every template file's name and text.
func templates(t *testing.T) map[string]string {
	t.Helper()
	names, err := fs.Glob(web.TemplateFS, "templates/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("glob templates: got %d names, err %v; want some", len(names), err)
	}
	out := map[string]string{}
	for _, n := range names {
		b, err := fs.ReadFile(web.TemplateFS, n)
		if err != nil {
			t.Fatalf("read %s: %v", n, err)
		}
		out[n] = string(b)
	}
	return out
}

// goSources returns the package's non-test Go files.
func goSources(t *testing.T) map[string]string {
	t.Helper()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out[n] = string(b)
	}
	if len(out) == 0 {
		t.Fatal("no Go sources found next to the test")
	}
	return out
}

var (
	literalKey   = regexp.MustCompile(`\.TH?\s+"([^"]+)"`)
	printedKey   = regexp.MustCompile(`\.T\s+\(print\s+"([^"]+)"`)
	anyTCall     = regexp.MustCompile(`\.TH?\s+(\S)`)
	flashKey     = regexp.MustCompile(`"(flash\.[A-Za-z0-9_.]+)"`)
	pageTitleKey = regexp.MustCompile(`s\.page\(r,\s*"([^"]+)",`)
	sectionName  = regexp.MustCompile(`s\.section\("([^"]+)"\)`)
	navSection   = regexp.MustCompile(`eq \.Section "([^"]+)"`)
)

// runtimeKeys enumerates, for each key prefix templates build at run time
// with print, the values that can follow it. Prefixes not listed here
// (their values are not enumerable from Go, like audit actions) are only
// checked to exist in the catalogs; TestEveryPageTranslated in internal/app
// renders them.
var runtimeKeys = map[string]func() []string{
	"role.":  func() []string { return strs(lodestar.Roles) },
	"stage.": func() []string { return lodestar.Stages },
	"feasibility.": func() []string {
		var out []string
		ft := reflect.TypeFor[lodestar.Feasibility]()
		for i := range ft.NumField() {
			name, _, _ := strings.Cut(ft.Field(i).Tag.Get("json"), ",")
			out = append(out, name)
		}
		return out
	},
	"alignment.short.": func() []string {
		return []string{lodestar.ReasonNoKPIImpact, lodestar.ReasonNoSponsor, lodestar.ReasonNoPainPoint, lodestar.ReasonKPIWithoutGoal}
	},
	"real.status.": func() []string { return portfolio.Statuses },
	"section.":     nil, // section.<name>.intro, from the section routes
}

func strs[S ~string](xs []S) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

// usedKeys is every catalog key the pages can ask for, with where it came
// from: literal keys in templates, and the keys built at run time.
// It also returns the run-time prefixes it cannot enumerate.
func usedKeys(t *testing.T) (map[string]string, map[string]string) {
	t.Helper()
	keys := map[string]string{}
	sections := map[string]bool{}
	prefixes := map[string]string{}
	for name, text := range templates(t) {
		for _, m := range literalKey.FindAllStringSubmatch(text, -1) {
			keys[m[1]] = name
		}
		for _, m := range printedKey.FindAllStringSubmatch(text, -1) {
			enum, known := runtimeKeys[m[1]]
			switch {
			case enum != nil:
				for _, v := range enum() {
					keys[m[1]+v] = name + " (built at run time)"
				}
			case !known:
				prefixes[m[1]] = name
			}
		}
		for _, m := range anyTCall.FindAllStringSubmatch(text, -1) {
			if m[1] != `"` && m[1] != "(" && m[1] != "." {
				t.Errorf("%s: a .T call with an argument this test cannot follow: %q", name, m[0])
			}
		}
		for _, m := range navSection.FindAllStringSubmatch(text, -1) {
			sections[m[1]] = true
		}
	}
	for name, src := range goSources(t) {
		for _, m := range flashKey.FindAllStringSubmatch(src, -1) {
			keys[m[1]] = name
		}
		for _, m := range pageTitleKey.FindAllStringSubmatch(src, -1) {
			keys[m[1]] = name + " (page title)"
		}
		for _, m := range sectionName.FindAllStringSubmatch(src, -1) {
			keys["nav."+m[1]] = name + " (section title)"
			keys["section."+m[1]+".intro"] = name + " (section intro)"
		}
	}
	for s := range sections {
		keys["nav."+s] = "layout.html (nav section)"
	}
	for _, l := range i18n.Locales {
		keys["locale."+l] = "i18n.Locales"
	}
	return keys, prefixes
}

func TestEnumerationFindsKeys(t *testing.T) {
	keys, _ := usedKeys(t)
	for _, want := range []string{"login.title", "app.name", "nav.strategy", "nav.risk", "section.risk.intro",
		"role.viewer", "stage.pilot", "feasibility.skills", "flash.signed_out", "flash.user_created", "home.title", "error.title"} {
		if _, ok := keys[want]; !ok {
			t.Errorf("usedKeys: got no %q; the scan is broken", want)
		}
	}
}

func TestTemplateKeysInCatalogs(t *testing.T) {
	b := i18n.MustLoad()
	keys, prefixes := usedKeys(t)
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	for _, loc := range i18n.Locales {
		for _, k := range sorted {
			if !b.Has(loc, k) {
				t.Errorf("key %q (used by %s) is missing from catalog %s", k, keys[k], loc)
			}
		}
		for p, name := range prefixes {
			found := false
			for _, k := range b.Keys(loc) {
				found = found || strings.HasPrefix(k, p)
			}
			if !found {
				t.Errorf("%s builds keys %q… at run time, but catalog %s has none", name, p, loc)
			}
		}
	}
	for p, name := range prefixes {
		t.Logf("%s builds keys %q… at run time from values this test cannot enumerate; only the prefix is checked", name, p)
	}
}

// skeleton flattens a template to its literal text, every action replaced
// by marker, so what remains is exactly what the template writes itself.
const marker = "\uFFFC"

func skeleton(name, text string) (string, error) {
	tr := parse.New(name)
	tr.Mode = parse.SkipFuncCheck | parse.ParseComments
	set := map[string]*parse.Tree{}
	if _, err := tr.Parse(text, "", "", set); err != nil {
		return "", err
	}
	var b strings.Builder
	var walk func(n parse.Node)
	walk = func(n parse.Node) {
		switch n := n.(type) {
		case nil:
		case *parse.ListNode:
			if n == nil {
				return
			}
			for _, c := range n.Nodes {
				walk(c)
			}
		case *parse.TextNode:
			b.Write(n.Text)
		case *parse.IfNode:
			b.WriteString(marker)
			walk(n.List)
			b.WriteString(marker)
			walk(n.ElseList)
			b.WriteString(marker)
		case *parse.RangeNode:
			b.WriteString(marker)
			walk(n.List)
			b.WriteString(marker)
			walk(n.ElseList)
			b.WriteString(marker)
		case *parse.WithNode:
			b.WriteString(marker)
			walk(n.List)
			b.WriteString(marker)
			walk(n.ElseList)
			b.WriteString(marker)
		default: // actions, template calls, comments
			b.WriteString(marker)
		}
	}
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		walk(set[n].Root)
		b.WriteString("\n")
	}
	return b.String(), nil
}

var (
	textAttr = regexp.MustCompile(`(?i)\s(title|alt|placeholder|aria-label|aria-description|label)\s*=\s*(?:"([^"]*)"|'([^']*)')`)
	comment  = regexp.MustCompile(`(?s)<!--.*?-->`)
	rawBlock = regexp.MustCompile(`(?is)<(script|style)\b[^>]*>.*?</(script|style)>`)
	tag      = regexp.MustCompile(`(?s)<[^>]*>`)
	entity   = regexp.MustCompile(`&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);`)
)

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// literalText returns the human-readable text a template writes itself:
// letters in text between tags, and in attributes people read.
func literalText(name, text string) ([]string, error) {
	sk, err := skeleton(name, text)
	if err != nil {
		return nil, err
	}
	var found []string
	sk = comment.ReplaceAllString(sk, "")
	for _, m := range textAttr.FindAllStringSubmatch(sk, -1) {
		if v := m[2] + m[3]; hasLetter(strings.ReplaceAll(v, marker, "")) {
			found = append(found, m[1]+"="+v)
		}
	}
	sk = rawBlock.ReplaceAllString(sk, "")
	sk = tag.ReplaceAllString(sk, marker)
	sk = entity.ReplaceAllString(sk, "")
	for _, chunk := range strings.Split(sk, marker) {
		if c := strings.TrimSpace(chunk); hasLetter(c) {
			found = append(found, c)
		}
	}
	return found, nil
}

func TestLiteralTextChecker(t *testing.T) {
	tests := []struct {
		name, tmpl string
		want       []string
	}{
		{"translated text", `<p>{{.T "x"}}</p>`, nil},
		{"literal text", `<p>Hello</p>`, []string{"Hello"}},
		{"literal Chinese", `<p>登录</p>`, []string{"登录"}},
		{"literal next to an action", `<p>{{.T "x"}} more</p>`, []string{"more"}},
		{"literal in an if branch", `{{if .X}}Yes{{else}}{{.T "no"}}{{end}}`, []string{"Yes"}},
		{"literal in a define", `{{define "content"}}<h1>Title</h1>{{end}}`, []string{"Title"}},
		{"literal alt", `<img src="x" alt="Logo">`, []string{"alt=Logo"}},
		{"empty alt", `<img src="x" alt="">`, nil},
		{"translated placeholder", `<input placeholder="{{.T "x"}}">`, nil},
		{"half-literal title", `<span title="x {{.T "y"}}">`, []string{"title=x " + marker}},
		{"single-quoted aria-label", `<a aria-label='Close'>`, []string{"aria-label=Close"}},
		{"other attributes are code", `<input id="email" name="email" type="email" autocomplete="username" required>`, nil},
		{"action in a tag", `<a href="/"{{if .X}} aria-current="page"{{end}}>{{.T "k"}}</a>`, nil},
		{"entities and symbols", `<p>&nbsp;&#8594;&amp; · # 1 →</p>`, nil},
		{"comments", `<!-- a comment --><p>{{/* a note */}}</p>`, nil},
		{"doctype", `<!doctype html><html lang="{{.Lang}}">`, nil},
		{"script body ignored", `<script>var a = 1;</script>`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := literalText(tc.name, tc.tmpl)
			if err != nil {
				t.Fatalf("literalText: %v", err)
			}
			if strings.Join(got, "|") != strings.Join(tc.want, "|") {
				t.Errorf("literalText(%q): got %q, want %q", tc.tmpl, got, tc.want)
			}
		})
	}
}

// TestNoLiteralTextInTemplates keeps every word a user reads in the
// catalogs, so the Chinese pages have no English left in them.
func TestNoLiteralTextInTemplates(t *testing.T) {
	for name, text := range templates(t) {
		t.Run(filepath.Base(name), func(t *testing.T) {
			found, err := literalText(name, text)
			if err != nil {
				t.Fatalf("parse %s: %v", name, err)
			}
			for _, f := range found {
				t.Errorf("%s: got literal text %q, want every readable word from the catalog via .T", name, f)
			}
		})
	}
}

var postForm = regexp.MustCompile(`(?s)<form[^>]*method="post".*?</form>`)

// TestEveryFormSentOnce: every form that posts carries the CSRF token and
// the page's form_id, so the guard acts on it once — but the language
// switch and sign-out, which may be sent again from a page restored by
// the browser's back button and change nothing twice.
func TestEveryFormSentOnce(t *testing.T) {
	n := 0
	for name, text := range templates(t) {
		for _, f := range postForm.FindAllString(text, -1) {
			n++
			if strings.Contains(f, `action="/locale"`) || strings.Contains(f, `action="/logout"`) {
				if strings.Contains(f, `name="form_id"`) {
					t.Errorf("%s: the %s form carries a form_id: sent again from a restored page it would be refused", name, f[:40])
				}
				continue
			}
			if !strings.Contains(f, `name="csrf_token"`) || !strings.Contains(f, `name="form_id" value="{{`) {
				t.Errorf("%s: a form without csrf_token and form_id:\n%.300s", name, f)
			}
		}
	}
	if n < 25 {
		t.Errorf("found %d forms; the pattern has lost its way", n)
	}
}
