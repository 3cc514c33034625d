package i18n_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lodestar-hq/lodestar/internal/i18n"
)

// readCatalog reads every file of a locale's catalog token by token, so a
// key written twice (which json.Unmarshal would silently collapse), in one
// file or across two, is reported.
func readCatalog(t *testing.T, locale string) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("catalogs", locale, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("catalog %s: no files (%v)", locale, err)
	}
	out := map[string]string{}
	seen := map[string]map[string]bool{} // file → keys
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatalf("read catalog %s: %v", f, err)
		}
		dec := json.NewDecoder(strings.NewReader(string(raw)))
		if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
			t.Fatalf("catalog %s: got first token %v (err %v), want {", f, tok, err)
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatalf("catalog %s: %v", f, err)
			}
			var v string
			if err := dec.Decode(&v); err != nil {
				t.Fatalf("catalog %s key %v: value is not a string: %v", f, k, err)
			}
			key := k.(string)
			if prev, dup := out[key]; dup && (prev != v || seen[f][key]) {
				t.Errorf("catalog %s: key %q appears twice (in one file, or in two with different texts)", f, key)
			}
			if seen[f] == nil {
				seen[f] = map[string]bool{}
			}
			seen[f][key] = true
			out[key] = v
		}
	}
	return out
}

func TestCatalogsLoad(t *testing.T) {
	b, err := i18n.Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	for _, loc := range i18n.Locales {
		if len(b.Keys(loc)) == 0 {
			t.Errorf("catalog %s: got no keys", loc)
		}
	}
	if i18n.Locales[0] != i18n.Default {
		t.Errorf("Locales[0]: got %q, want the default %q", i18n.Locales[0], i18n.Default)
	}
}

func TestCatalogsSameKeys(t *testing.T) {
	en := readCatalog(t, "en")
	for _, loc := range i18n.Locales[1:] {
		other := readCatalog(t, loc)
		for k := range en {
			if _, ok := other[k]; !ok {
				t.Errorf("key %q is in en but not in %s", k, loc)
			}
		}
		for k := range other {
			if _, ok := en[k]; !ok {
				t.Errorf("key %q is in %s but not in en", k, loc)
			}
		}
	}
}

func TestCatalogsNoEmptyValues(t *testing.T) {
	for _, loc := range i18n.Locales {
		for k, v := range readCatalog(t, loc) {
			if strings.TrimSpace(v) == "" {
				t.Errorf("catalog %s: key %q has an empty value", loc, k)
			}
			if strings.TrimSpace(k) != k || k == "" {
				t.Errorf("catalog %s: key %q has surrounding space or is empty", loc, k)
			}
		}
	}
}

// verb matches a fmt verb, with an optional explicit argument index.
var verb = regexp.MustCompile(`%(?:\[(\d+)\])?[-+# 0]*(?:\d+|\*)?(?:\.(?:\d+|\*))?([a-zA-Z%])`)

// verbs lists a message's verbs; with explicit indexes, translations may
// reorder them, so they are listed in index order.
func verbs(s string) []string {
	var out []string
	indexed := false
	for _, m := range verb.FindAllStringSubmatch(s, -1) {
		if m[2] == "%" {
			continue
		}
		if m[1] != "" {
			indexed = true
		}
		out = append(out, m[1]+m[2])
	}
	if indexed {
		slices.Sort(out)
	}
	return out
}

func TestVerbsHelper(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"plain", nil},
		{"%s use cases", []string{"s"}},
		{"%d of %s", []string{"d", "s"}},
		{"100%% done %5.2f", []string{"f"}},
		{"%[2]s then %[1]d", []string{"1d", "2s"}},
	}
	for _, tc := range tests {
		if got := verbs(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("verbs(%q): got %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestCatalogsSameVerbs(t *testing.T) {
	en := readCatalog(t, "en")
	for _, loc := range i18n.Locales[1:] {
		other := readCatalog(t, loc)
		for k, v := range en {
			o, ok := other[k]
			if !ok {
				continue // reported by TestCatalogsSameKeys
			}
			if got, want := verbs(o), verbs(v); !slices.Equal(got, want) {
				t.Errorf("key %q: %s has verbs %v, want en's %v (%q vs %q)", k, loc, got, want, o, v)
			}
		}
	}
}

// TestMsgKeysAreTheirEnglish checks the convention Page.Msg relies on: a
// service message m is translated under "msg."+m, whose English is m.
func TestMsgKeysAreTheirEnglish(t *testing.T) {
	for k, v := range readCatalog(t, "en") {
		if m, ok := strings.CutPrefix(k, "msg."); ok && v != m {
			t.Errorf("en %q: got %q, want the message itself", k, v)
		}
	}
}

func TestT(t *testing.T) {
	b := i18n.MustLoad()
	tests := []struct {
		name, locale, key string
		args              []any
		want              string
	}{
		{"english", "en", "login.title", nil, "Sign in"},
		{"chinese", "zh-CN", "login.title", nil, "登录"},
		{"with an argument", "en", "home.welcome", []any{"Ada"}, "Welcome, Ada."},
		{"chinese with an argument", "zh-CN", "home.welcome", []any{"Ada"}, "欢迎，Ada。"},
		{"unknown locale falls back to English", "fr", "login.title", nil, "Sign in"},
		{"missing key shows itself", "en", "no.such.key", nil, "[no.such.key]"},
		{"missing key in Chinese shows itself", "zh-CN", "no.such.key", nil, "[no.such.key]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := b.T(tc.locale, tc.key, tc.args...); got != tc.want {
				t.Errorf("T(%q, %q, %v): got %q, want %q", tc.locale, tc.key, tc.args, got, tc.want)
			}
		})
	}
}

func TestNegotiate(t *testing.T) {
	tests := []struct {
		name, user, accept, want string
	}{
		{"nothing", "", "", "en"},
		{"zh", "", "zh", "zh-CN"},
		{"zh-CN", "", "zh-CN", "zh-CN"},
		{"zh-Hans-CN with q", "", "zh-Hans-CN;q=0.9", "zh-CN"},
		{"zh preferred over en", "", "zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"},
		{"en preferred over zh", "", "en-GB,en;q=0.9,zh-CN;q=0.5", "en"},
		{"en-US", "", "en-US", "en"},
		{"fr", "", "fr", "en"},
		{"fr then zh", "", "fr-FR,zh;q=0.5", "zh-CN"},
		{"wildcard", "", "*", "en"},
		{"garbage", "", "garbage;;;q=x,,", "en"},
		{"very long garbage", "", strings.Repeat("x-", 200), "en"},
		{"user setting wins over header", "en", "zh-CN", "en"},
		{"user Chinese wins over header", "zh-CN", "en", "zh-CN"},
		{"unsupported user setting ignored", "fr", "zh-CN", "zh-CN"},
		{"case matters for the setting", "ZH-cn", "", "en"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := i18n.Negotiate(tc.user, tc.accept); got != tc.want {
				t.Errorf("Negotiate(%q, %q): got %q, want %q", tc.user, tc.accept, got, tc.want)
			}
		})
	}
}

func TestSupported(t *testing.T) {
	for _, tc := range []struct {
		loc  string
		want bool
	}{{"en", true}, {"zh-CN", true}, {"zh", false}, {"", false}, {"EN", false}, {"fr", false}} {
		if got := i18n.Supported(tc.loc); got != tc.want {
			t.Errorf("Supported(%q): got %v, want %v", tc.loc, got, tc.want)
		}
	}
}

func TestNumbers(t *testing.T) {
	b := i18n.MustLoad()
	tests := []struct {
		name, got, want string
	}{
		{"en Int", b.Int("en", 1234567), "1,234,567"},
		{"zh-CN Int", b.Int("zh-CN", 1234567), "1,234,567"},
		{"en Int small", b.Int("en", 7), "7"},
		{"en Int negative", b.Int("en", -1234), "-1,234"},
		{"unknown locale Int", b.Int("fr", 1234567), "1,234,567"},
		{"en Number", b.Number("en", 1234.5, 2), "1,234.50"},
		{"zh-CN Number", b.Number("zh-CN", 1234567.891, 1), "1,234,567.9"},
		{"en Number no decimals", b.Number("en", 1234.4, 0), "1,234"},
		{"en NumberUpTo trims zeros", b.NumberUpTo("en", 0.94, 4), "0.94"},
		{"zh-CN NumberUpTo rounds", b.NumberUpTo("zh-CN", 0.81234, 4), "0.8123"},
		{"en NumberUpTo whole", b.NumberUpTo("en", 1200, 1), "1,200"},
		{"en NumberUpTo one decimal", b.NumberUpTo("en", 87.36, 1), "87.4"},
		{"en NumberUpTo rounds to whole", b.NumberUpTo("en", 119.96, 1), "120"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

func TestDates(t *testing.T) {
	day := time.Date(2026, time.November, 28, 15, 4, 0, 0, time.UTC)
	shanghai := time.FixedZone("CST", 8*3600)
	tests := []struct {
		name, got, want string
	}{
		{"zh-CN Date", i18n.Date("zh-CN", day), "2026年11月28日"},
		{"en Date", i18n.Date("en", day), "28 Nov 2026"},
		{"zh-CN single digits", i18n.Date("zh-CN", time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)), "2026年3月4日"},
		{"zero Date", i18n.Date("en", time.Time{}), "—"},
		{"en DateTime", i18n.DateTime("en", day), "28 Nov 2026 15:04 UTC"},
		{"zh-CN DateTime", i18n.DateTime("zh-CN", day), "2026年11月28日 15:04 UTC"},
		{"DateTime converts to UTC", i18n.DateTime("en", time.Date(2026, 11, 29, 2, 0, 0, 0, shanghai)), "28 Nov 2026 18:00 UTC"},
		{"zero DateTime", i18n.DateTime("zh-CN", time.Time{}), "—"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// ExampleBundle_Int shows the grouping both locales share.
func ExampleBundle_Int() {
	b := i18n.MustLoad()
	fmt.Println(b.Int("en", 1234567), b.Int("zh-CN", 1234567))
	// Output: 1,234,567 1,234,567
}
