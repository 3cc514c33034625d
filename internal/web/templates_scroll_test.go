package web_test

import (
	"regexp"
	"strings"
	"testing"
)

// Every table on the pages of models in production sits in its own
// horizontal scroll box: on a phone a wide table scrolls inside the page
// rather than widening it. (The model page's versions table and the
// version page's evidence tables once stood bare and pushed the page past
// a 390 px screen.)
func TestModelPageTablesScroll(t *testing.T) {
	all := templates(t)
	wrapped := regexp.MustCompile(`<div class="(?:scroll|table-wrap)(?: [a-z-]+)*">\s*$`)
	for _, name := range []string{"models.html", "model.html", "model_version.html", "health.html", "alerts.html",
		"_evidence.html", "_tasks.html", "_health_quality.html", "_health_fairness.html"} {
		text, ok := all["templates/"+name]
		if !ok {
			t.Errorf("no template %s", name)
			continue
		}
		for i := strings.Index(text, "<table"); i >= 0; {
			if !wrapped.MatchString(text[:i]) {
				t.Errorf("%s:%d: a table outside a scroll box", name, strings.Count(text[:i], "\n")+1)
			}
			j := strings.Index(text[i+1:], "<table")
			if j < 0 {
				break
			}
			i += 1 + j
		}
	}
}
