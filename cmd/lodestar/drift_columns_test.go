package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// A Parquet INT64 column compared with a CSV column that has a text cell
// becomes categorical; its values must be the categories the CSV writes
// for the same integers ("1000000", not "1e+06").
func TestDriftParquetIntCategories(t *testing.T) {
	type row struct {
		Code int64 `parquet:"code"`
	}
	var rows []row
	var csv strings.Builder
	csv.WriteString("code\n")
	for i := range 300 {
		v := int64(1000000 * (1 + i%3))
		rows = append(rows, row{v})
		fmt.Fprintf(&csv, "%d\n", v)
	}
	csv.WriteString("unknown\n")
	refPQ := filepath.Join(t.TempDir(), "ref.parquet")
	if err := parquet.WriteFile(refPQ, rows); err != nil {
		t.Fatal(err)
	}
	refCSV := writeFile(t, "ref.csv", strings.Replace(csv.String(), "unknown\n", "", 1))
	cur := writeFile(t, "cur.csv", csv.String())

	fromCSV := runDriftJSON(t, "--reference", refCSV, "--current", cur)
	fromPQ := runDriftJSON(t, "--reference", refPQ, "--current", cur)
	if fromCSV.DatasetDrift {
		t.Fatalf("CSV reference: drift, want none: %+v", fromCSV)
	}
	if fromPQ.DatasetDrift || *fromPQ.Columns[0].Statistic != *fromCSV.Columns[0].Statistic {
		t.Errorf("Parquet reference holding the same integers: drift %v, %s statistic %v; CSV reference gives %v",
			fromPQ.DatasetDrift, fromPQ.Columns[0].Test, *fromPQ.Columns[0].Statistic, *fromCSV.Columns[0].Statistic)
	}
}

// The reference has two columns named "a"; the current one. Each
// reference column is silently compared with the current's "a", instead
// of the ambiguity being refused (as it is the other way round).
func TestDriftDuplicateReferenceName(t *testing.T) {
	var ref, cur strings.Builder
	ref.WriteString("a,a\n")
	cur.WriteString("a,b\n")
	for i := range 200 {
		fmt.Fprintf(&ref, "%d,%d\n", i, 1000+i)
		fmt.Fprintf(&cur, "%d,%d\n", i, 1000+i)
	}
	r := writeFile(t, "ref.csv", ref.String())
	c := writeFile(t, "cur.csv", cur.String())
	code, out, errOut := runCLI(t, "drift", "--format", "json", "--reference", r, "--current", c)
	if code == 0 {
		t.Errorf("exit 0: the reference's duplicated name \"a\" was resolved by guessing; output:\n%s", out)
	}
	_ = errOut
}

// TestDriftColumnsListedTwice: --columns naming a column twice, by the
// same name or another spelling of it, is a usage error naming it; it
// tested the column twice and counted it twice in the data set's verdict.
func TestDriftColumnsListedTwice(t *testing.T) {
	ref := writeFile(t, "ref.csv", "x,y,Z\n1,a,1\n2,b,2\n3,c,3\n")
	cur := writeFile(t, "cur.csv", "x,y,z\n1,a,1\n2,b,2\n3,c,3\n")
	for _, c := range []struct{ spec, want string }{
		{"x,x", `--columns names the reference's column "x" twice ("x" and "x")`},
		{"x, y ,#1", `--columns names the reference's column "x" twice ("x" and "#1")`},
		{"y,Y", `--columns names the reference's column "y" twice ("y" and "Y")`},
	} {
		code, out, errOut := runCLI(t, "drift", "--format", "json", "--reference", ref, "--current", cur, "--columns", c.spec)
		if code != 2 || !strings.Contains(errOut, c.want) || out != "" {
			t.Errorf("--columns %s: exit %d, stderr %q; want exit 2 mentioning %s", c.spec, code, errOut, c.want)
		}
	}
	if d := runDriftJSON(t, "--reference", ref, "--current", cur, "--columns", "x,y,Z"); len(d.Columns) != 3 {
		t.Errorf("distinct columns: %+v", d.Columns)
	}
}

// A column of exactly 1000 distinct numbers and one text cell is not
// reported as having "more than 1000 distinct values" and not tested.
// (Its values hardly repeat, so it is ID-like: named in --columns, to be
// tested all the same.)
func TestDriftThousandDistinct(t *testing.T) {
	var b strings.Builder
	b.WriteString("v\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "%d\n", i)
	}
	b.WriteString("0\nx\n")
	f := writeFile(t, "f.csv", b.String())
	d := runDriftJSON(t, "--reference", f, "--current", f, "--columns", "v")
	if d.Columns[0].Test == "none" {
		t.Errorf("1000 distinct values + text: not tested: %q", d.Columns[0].Note)
	}
}

// TestDriftInTurnAgreesWithSideBySide: the two ways of reading a CSV pair
// give the same report, across the exact, deferred, early and late paths.
func TestDriftInTurnAgreesWithSideBySide(t *testing.T) {
	gen := func(n, distinct, shift int, text bool) string {
		var b strings.Builder
		b.WriteString("x,y,z\n")
		for i := range n {
			v := (i*7919 + shift) % distinct
			z := fmt.Sprint((i * 31) % 4000)
			if text && i == n-1 {
				z = "t"
			}
			if i%13 == 0 {
				z = ""
			}
			fmt.Fprintf(&b, "%d,%g,%s\n", v, float64((i*104729)%distinct)/7, z)
		}
		return b.String()
	}
	for _, c := range []struct {
		rn, rd, cn, cd int
		ct             bool
	}{
		{3000, 50, 2000, 50, false}, {3000, 50, 2000, 3000, false}, {3000, 3000, 2000, 40, true}, {500, 4, 3000, 2000, false}, {3000, 900, 3000, 1100, true},
	} {
		r := writeFile(t, "r.csv", gen(c.rn, c.rd, 0, false))
		u := writeFile(t, "u.csv", gen(c.cn, c.cd, 5, c.ct))
		for _, lim := range []string{"100", "1000", "100000"} {
			args := []string{"drift", "--format", "json", "--reference", r, "--current", u, "--exact-limit", lim, "--bins", "50"}
			_, a, e1 := runCLI(t, args...)
			driftSideBySideOnly = true
			_, b, e2 := runCLI(t, args...)
			driftSideBySideOnly = false
			if a != b || e1 != e2 {
				t.Errorf("%+v limit %s: in turn\n%s\nside by side\n%s", c, lim, a, b)
			}
		}
	}
}
