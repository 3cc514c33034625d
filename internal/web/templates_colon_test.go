package web_test

import (
	"regexp"
	"sort"
	"testing"
)

// TestTemplatesNoASCIIColonAfterText: no template writes an ASCII colon
// after a translated label ({{.T "x"}}: …); Chinese takes the full-width
// "：", so the colon is the catalog's "punct.colon". Before, the iteration
// page read "漂移: 1".
func TestTemplatesNoASCIIColonAfterText(t *testing.T) {
	labelColon := regexp.MustCompile(`\{\{[^}]*\.T[^}]*\}\}:`)
	tpls := templates(t)
	names := make([]string, 0, len(tpls))
	for n := range tpls {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, m := range labelColon.FindAllString(tpls[n], -1) {
			t.Errorf("%s: %q: write the colon with {{$.T \"punct.colon\"}}", n, m)
		}
	}
}
