package main

import (
	"strings"
	"testing"
)

// TestDriftHTMLEscapesData: whatever a data file holds — markup in a
// column's name, in a category's value (a chart's bar), in the file's
// own name — the HTML report writes it as text: a report mailed to a
// reviewer and opened in a browser runs nothing of the data's.
func TestDriftHTMLEscapesData(t *testing.T) {
	col := `<script>alert('col')</script>"><img src=x onerror=alert(1)>`
	cat := `<script>alert('cat')</script>`
	head := `"` + strings.ReplaceAll(col, `"`, `""`) + `",x` + "\n"
	var r, c strings.Builder
	r.WriteString(head)
	c.WriteString(head)
	for i := range 40 {
		r.WriteString([]string{"a", "b"}[i%2] + ",1\n")
		c.WriteString([]string{cat, "b"}[i%2] + ",2\n")
	}
	ref := writeFile(t, `ref<img src=x onerror=alert(2)>.csv`, r.String())
	cur := writeFile(t, "cur.csv", c.String())
	code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--format", "html")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, raw := range []string{"<script", "<img"} {
		if i := strings.Index(out, raw); i >= 0 {
			t.Errorf("raw %q in the report: %.200s", raw, out[max(i-80, 0):])
		}
	}
	for _, shown := range []string{"alert(&#39;col&#39;)", "alert(&#39;cat&#39;)", "ref&lt;img src=x onerror=alert(2)&gt;.csv"} {
		if !strings.Contains(out, shown) {
			t.Errorf("the report does not show %q (escaped); the test proves nothing for it", shown)
		}
	}
}
