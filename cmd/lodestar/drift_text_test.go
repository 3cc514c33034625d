package main

import (
	"math"
	"strings"
	"testing"
)

// The text table lines up by terminal cells: a Chinese name takes two a
// character (tabwriter counted one, pushing its row's columns right).
func TestDriftTextAlignedWithWideNames(t *testing.T) {
	var r, c strings.Builder
	r.WriteString("城市名称,x,é́\n")
	c.WriteString("城市名称,x,é́\n")
	for i := 0; i < 50; i++ {
		r.WriteString([]string{"北京", "上海"}[i%2] + "," + fmtNum(float64(i)) + ",1\n")
		c.WriteString([]string{"北京", "广州"}[i%2] + "," + fmtNum(float64(i+3)) + ",2\n")
	}
	ref, cur := writeFile(t, "r.csv", r.String()), writeFile(t, "c.csv", c.String())
	code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	lines := strings.Split(out, "\n")
	var header string
	var rows []string
	for i, l := range lines {
		if strings.HasPrefix(l, "column ") {
			header, rows = l, lines[i+1:i+4]
		}
	}
	if header == "" {
		t.Fatalf("no table header in\n%s", out)
	}
	at := func(line, word string) int { return cellWidth(line[:strings.Index(line, word)]) }
	kindAt, psiAt := at(header, "kind"), at(header, "PSI grade")
	for _, l := range rows {
		kind := "numeric"
		if !strings.Contains(l, kind) {
			kind = "categorical"
		}
		grade := "stable"
		if !strings.Contains(l, grade) {
			grade = "drift "
		}
		if at(l, kind) != kindAt || at(l, grade) != psiAt {
			t.Errorf("row out of line with the header (kind at %d, want %d; grade at %d, want %d):\n%s\n%s",
				at(l, kind), kindAt, at(l, grade), psiAt, header, l)
		}
	}
}

func TestCellWidth(t *testing.T) {
	for s, want := range map[string]int{"abc": 3, "城市": 4, "ｘ": 2, "é": 1, "e\u0301": 1, "": 0, "a城b": 4} {
		if got := cellWidth(s); got != want {
			t.Errorf("cellWidth(%q) = %d, want %d", s, got, want)
		}
	}
}

// A very long name is cut in the table (its end kept, as similar names
// differ there) and given in full under it; a short one is left alone.
func TestDriftTextLongName(t *testing.T) {
	long1 := "customer_lifetime_value_estimate_from_the_marketing_model_version_1"
	long2 := "customer_lifetime_value_estimate_from_the_marketing_model_version_2"
	var r, c strings.Builder
	r.WriteString(long1 + "," + long2 + ",x\n")
	c.WriteString(long1 + "," + long2 + ",x\n")
	for i := 0; i < 50; i++ {
		v := fmtNum(float64(i))
		r.WriteString(v + "," + v + "," + v + "\n")
		c.WriteString(v + "," + v + "," + v + "\n")
	}
	code, out, errOut := runCLI(t, "drift", "--reference", writeFile(t, "r.csv", r.String()), "--current", writeFile(t, "c.csv", c.String()))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	s1, cut1 := tableName(long1)
	s2, _ := tableName(long2)
	if !cut1 || cellWidth(s1) != maxNameCells || s1 == s2 || !strings.HasSuffix(s1, "version_1") {
		t.Errorf("cut names: %q (%d cells), %q; want %d cells, distinct, ends kept", s1, cellWidth(s1), s2, maxNameCells)
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "customer_") && cellWidth(l) > 150 {
			t.Errorf("table row %d cells wide:\n%s", cellWidth(l), l)
		}
	}
	for _, want := range []string{s1 + ": in full, " + long1, s2 + ": in full, " + long2} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if strings.Contains(out, "x: in full") {
		t.Errorf("a short name is noted as cut:\n%s", out)
	}
	if s, cut := tableName("a\nb"); cut || s != "a b" {
		t.Errorf("tableName(a\\nb) = %q, %v; want a b, not cut", s, cut)
	}
	if s, _ := tableName(strings.Repeat("城", 30)); cellWidth(s) > maxNameCells {
		t.Errorf("wide name cut to %d cells, want at most %d", cellWidth(s), maxNameCells)
	}
}

// Missing values are shown with their share of each side's rows (the
// counts alone compare badly between files of different sizes).
func TestDriftTextMissingShare(t *testing.T) {
	var r, c strings.Builder
	r.WriteString("id,x\n")
	c.WriteString("id,x\n")
	for i := 0; i < 200; i++ {
		v := fmtNum(float64(i % 50))
		if i%100 == 0 {
			v = ""
		}
		r.WriteString(fmtNum(float64(i)) + "," + v + "\n")
	}
	for i := 0; i < 100; i++ {
		v := fmtNum(float64(i % 50))
		if i%4 == 0 {
			v = "NA"
		}
		c.WriteString(fmtNum(float64(i)) + "," + v + "\n")
	}
	code, out, errOut := runCLI(t, "drift", "--reference", writeFile(t, "r.csv", r.String()), "--current", writeFile(t, "c.csv", c.String()))
	if code != 0 || !strings.Contains(out, "2 (1.0%)") || !strings.Contains(out, "25 (25.0%)") {
		t.Errorf("exit %d (%s); want missing 2 (1.0%%) and 25 (25.0%%) in\n%s", code, errOut, out)
	}
}

// p-values that underflowed read "< 1e-300", not 0.00e+00; thresholds
// are written as given.
func TestDriftPValueFormat(t *testing.T) {
	for v, want := range map[float64]string{0: "< 1e-300", 5e-324: "< 1e-300", 1e-200: "1.00e-200", 0.05: "0.0500",
		0.00005: "5.00e-05", math.NaN(): "—", 1: "1.0000"} {
		if got := fmtP(v); got != want {
			t.Errorf("fmtP(%g) = %q, want %q", v, got, want)
		}
	}
	var r, c strings.Builder
	r.WriteString("x\n")
	c.WriteString("x\n")
	for i := 0; i < 800; i++ {
		r.WriteString(fmtNum(float64(i)) + "\n")
		c.WriteString(fmtNum(float64(i+100000)) + "\n")
	}
	code, out, _ := runCLI(t, "drift", "--reference", writeFile(t, "r.csv", r.String()), "--current", writeFile(t, "c.csv", c.String()))
	if code != 0 || !strings.Contains(out, "< 1e-300") || strings.Contains(out, "e+00") {
		t.Errorf("exit %d; want the KS p-value as < 1e-300 in\n%s", code, out)
	}
}

// A numeric column empty in one file says which, with the other's count
// (it said "no values in either sample", counts 0 and 0).
func TestDriftEmptySideNamed(t *testing.T) {
	var r, c strings.Builder
	r.WriteString("id,x\n")
	c.WriteString("id,x\n")
	for i := 0; i < 50; i++ {
		r.WriteString(fmtNum(float64(i)) + "," + fmtNum(float64(i)) + "\n")
		c.WriteString(fmtNum(float64(i)) + ",\n")
	}
	ref, cur := writeFile(t, "r.csv", r.String()), writeFile(t, "c.csv", c.String())
	for _, k := range []struct{ ref, cur, note string }{{ref, cur, "no values in the current sample"}, {cur, ref, "no values in the reference"}} {
		d := runDriftJSON(t, "--reference", k.ref, "--current", k.cur)
		x := d.Columns[1]
		if x.Note != k.note || x.Test != "none" {
			t.Errorf("note %q, test %s; want %q, none", x.Note, x.Test, k.note)
		}
	}
}
