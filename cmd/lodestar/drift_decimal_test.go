package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestDriftDecimalComma: a semicolon file with decimal commas (Excel in
// much of Europe) read with --decimal-comma gives the statistics of the
// same numbers written with points; without the flag such a column is
// categorical, and its note says which flag reads it as numbers — it
// was a chi-square over one-off values, drifting on sampling noise.
func TestDriftDecimalComma(t *testing.T) {
	var refEU, curEU, refPt, curPt strings.Builder
	for _, b := range []*strings.Builder{&refEU, &curEU, &refPt, &curPt} {
		b.WriteString("price;region\n")
	}
	for i := range 1500 {
		r := float64((i*37)%1000)/10 + 5
		c := float64((i*53)%1000)/10 + 6
		fmt.Fprintf(&refPt, "%.1f;north\n", r)
		fmt.Fprintf(&curPt, "%.1f;south\n", c)
		fmt.Fprintf(&refEU, "%s;north\n", strings.Replace(fmt.Sprintf("%.1f", r), ".", ",", 1))
		fmt.Fprintf(&curEU, "%s;south\n", strings.Replace(fmt.Sprintf("%.1f", c), ".", ",", 1))
	}
	ref, cur := writeFile(t, "ref.csv", refEU.String()), writeFile(t, "cur.csv", curEU.String())
	want := runDriftJSON(t, "--reference", writeFile(t, "refpt.csv", refPt.String()), "--current", writeFile(t, "curpt.csv", curPt.String()), "--columns", "price")
	got := runDriftJSON(t, "--reference", ref, "--current", cur, "--columns", "price", "--decimal-comma")
	w, g := want.Columns[0], got.Columns[0]
	if w.Kind != "numeric" || g.Kind != "numeric" || g.Test != w.Test || g.Drifted != w.Drifted ||
		!near(g.Statistic, *w.Statistic, 1e-12, 0) || !near(g.PSI, *w.PSI, 1e-12, 0) {
		t.Errorf("--decimal-comma: %s %s %v stat %v psi %v; the same numbers with points: %s %s %v stat %v psi %v",
			g.Kind, g.Test, g.Drifted, deref(g.Statistic), deref(g.PSI), w.Kind, w.Test, w.Drifted, deref(w.Statistic), deref(w.PSI))
	}
	// The report says how the files were read: JSON and HTML.
	_, out, _ := runCLI(t, "drift", "--reference", ref, "--current", cur, "--decimal-comma", "--format", "json")
	if strings.Count(out, `"decimal_comma": true`) != 2 {
		t.Errorf("JSON without decimal_comma in both files:\n%s", out[:min(len(out), 600)])
	}
	_, html, _ := runWith(zhEnvOf, "drift", "--reference", ref, "--current", cur, "--decimal-comma", "--format", "html")
	if strings.Count(html, "，小数逗号") != 2 {
		t.Errorf("HTML does not say the files were read with a decimal comma")
	}
	plain := runDriftJSON(t, "--reference", ref, "--current", cur, "--columns", "price")
	if c := plain.Columns[0]; c.Kind != "categorical" || !strings.Contains(c.Note, `has "5,0", not a number (a decimal comma? give --decimal-comma)`) {
		t.Errorf("without --decimal-comma: %s, note %q; want categorical and a note naming --decimal-comma", c.Kind, c.Note)
	}
	// The Chinese report says so too.
	_, out, _ = runWith(zhEnvOf, "drift", "--reference", ref, "--current", cur, "--columns", "price")
	if !strings.Contains(out, "（小数逗号？请给出 --decimal-comma）") {
		t.Errorf("Chinese report without the hint:\n%s", out)
	}
	// Three decimals after the comma in a ';' file read like grouped
	// thousands ("8,648"), but there a comma is a decimal comma: not read
	// as 8648, the hint given.
	var eu3 strings.Builder
	eu3.WriteString("w;k\n")
	for i := range 200 {
		fmt.Fprintf(&eu3, "%d,%03d;a\n", 1+i%9, (i*37)%1000)
	}
	three := writeFile(t, "eu3.csv", eu3.String())
	if c := runDriftJSON(t, "--reference", three, "--current", three, "--columns", "w").Columns[0]; c.Kind != "categorical" || !strings.Contains(c.Note, "give --decimal-comma") {
		t.Errorf("three decimals after a comma in a ';' file: %s, note %q; want categorical and the --decimal-comma hint", c.Kind, c.Note)
	}
	// "5,609" more likely groups thousands: no hint to read it as 5.609.
	grouped := writeFile(t, "grouped.csv", "n\n\"5,609\"\n\"1,234\"\n\"12,001\"\n")
	if d := runDriftJSON(t, "--reference", grouped, "--current", grouped); strings.Contains(d.Columns[0].Note, "--decimal-comma") {
		t.Errorf("thousands separators: note %q suggests --decimal-comma", d.Columns[0].Note)
	}
	// A cell with a point is not a number once commas are decimal.
	mixed := writeFile(t, "mixed.csv", "x;y\n1,5;a\n2.5;b\n")
	if d := runDriftJSON(t, "--reference", mixed, "--current", mixed, "--decimal-comma"); d.Columns[0].Kind != "categorical" || !strings.Contains(d.Columns[0].Note, `has "2.5", not a number`) {
		t.Errorf("a point with --decimal-comma: %s, note %q", d.Columns[0].Kind, d.Columns[0].Note)
	}
}
