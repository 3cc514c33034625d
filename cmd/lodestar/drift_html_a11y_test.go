package main

import (
	"regexp"
	"strings"
	"testing"
)

// Each column's chart is an <svg role="img"> with no accessible name
// (no aria-label, aria-labelledby or <title>): a screen reader announces
// "image" and nothing else, and its bars' <title>s are hidden by role=img.
func TestDriftHTMLChartsNamed(t *testing.T) {
	ref := writeFile(t, "r.csv", "x,c\n1,a\n2,b\n3,a\n4,b\n5,a\n6,c\n7,a\n")
	cur := writeFile(t, "c.csv", "x,c\n10,a\n12,b\n13,b\n14,b\n15,a\n16,c\n17,a\n")
	code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--format", "html")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	svgs := regexp.MustCompile(`<svg[^>]*>(<title>[^<]+</title>)?`).FindAllStringSubmatch(out, -1)
	if len(svgs) != 2 {
		t.Fatalf("want 2 charts, got %d", len(svgs))
	}
	for _, m := range svgs {
		if !strings.Contains(m[0], "aria-label=") && !strings.Contains(m[0], "aria-labelledby=") && m[1] == "" {
			t.Errorf("chart has no accessible name: %s", m[0])
		}
	}
}

// A column's name in a chart's label is escaped.
func TestDriftHTMLChartLabelEscaped(t *testing.T) {
	ref := writeFile(t, "r.csv", "\"\"\"><script>x\",c\n1,a\n2,b\n3,a\n")
	cur := writeFile(t, "c.csv", "\"\"\"><script>x\",c\n1,a\n2,b\n4,b\n")
	code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--format", "html")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if strings.Contains(out, "<script>") || !strings.Contains(out, `aria-label="Distribution of &#34;&gt;&lt;script&gt;x:`) {
		t.Errorf("the column name is not escaped in the chart's label:\n%s", out)
	}
}
