package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// TestDriftParquetMeetsPandasCSV: the same data as a Parquet file and as
// pandas writes it in CSV. A BOOLEAN column is true/false in Parquet and
// True/False in pandas' CSV; a DOUBLE of integers is 3 and 3.0; an INT64
// past 2^53 went through float64 (9007199254740993 read 9007199254740992);
// a FLOAT is compared at its own precision with pandas' float64s.
// Compared as categories (the CSV columns hold a text value), each is one
// set of values, not 100% new categories and drift; only the text value
// is new, and it is named.
func TestDriftParquetMeetsPandasCSV(t *testing.T) {
	type row struct {
		B   bool    `parquet:"b"`
		D   float64 `parquet:"d"`
		Big int64   `parquet:"big"`
		F   float32 `parquet:"f"`
	}
	const two53 = int64(1) << 53
	bigs := []int64{two53, two53 + 1, two53 + 3}
	// A FLOAT holds float32s; pandas wrote the float64s they came from.
	floats := []float64{0.1, 1.2345678901234568e16, 3}
	floatCSV := []string{"0.1", "1.2345678901234568e+16", "3.0"}
	var rows []row
	var csv strings.Builder
	csv.WriteString("b,d,big,f\n")
	for i := range 600 {
		r := row{i%3 == 0, float64(1 + i%3), bigs[i%3], float32(floats[i%3])}
		rows = append(rows, r)
		d, big, f := fmt.Sprintf("%.1f", r.D), fmt.Sprint(r.Big), floatCSV[i%3]
		if i == 300 {
			d, big, f = "unknown", "unknown", "unknown"
		}
		fmt.Fprintf(&csv, "%s,%s,%s,%s\n", map[bool]string{true: "True", false: "False"}[r.B], d, big, f)
	}
	pq := filepath.Join(t.TempDir(), "ref.parquet")
	if err := parquet.WriteFile(pq, rows); err != nil {
		t.Fatal(err)
	}
	cur := writeFile(t, "cur.csv", csv.String())
	code, out, errOut := runCLI(t, "drift", "--format", "json", "--reference", pq, "--current", cur)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Verdict string `json:"verdict"`
		Columns []struct {
			Name       string   `json:"name"`
			Kind       string   `json:"kind"`
			Drifted    bool     `json:"drifted"`
			Categories int      `json:"categories"`
			NewValues  int      `json:"new_categories"`
			NewFirst   []string `json:"new_category_values"`
		} `json:"columns"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	for i, want := range []struct {
		categories int
		first      []string
	}{{2, []string{}}, {4, []string{"unknown"}}, {4, []string{"unknown"}}, {4, []string{"unknown"}}} {
		c := doc.Columns[i]
		if c.Kind != "categorical" || c.Drifted || c.Categories != want.categories || c.NewValues != len(want.first) ||
			fmt.Sprint(c.NewFirst) != fmt.Sprint(want.first) || c.NewFirst == nil {
			t.Errorf("%s: kind %s, drifted %v, %d categories, %d new %q; want categorical, no drift, %d, %q",
				c.Name, c.Kind, c.Drifted, c.Categories, c.NewValues, c.NewFirst, want.categories, want.first)
		}
	}
	if doc.Verdict != "no_drift" {
		t.Errorf("verdict %s, want no_drift", doc.Verdict)
	}
	// The values shown are the reference's spelling; the INT64s exact.
	_, out, _ = runCLI(t, "drift", "--format", "html", "--reference", pq, "--current", cur)
	if !strings.Contains(out, "9007199254740993") || !strings.Contains(out, "9007199254740995") {
		t.Errorf("HTML chart lacks the exact INT64 values")
	}
}

// TestDriftBooleanSpellings: two CSV files of one boolean column, one
// written True/False (pandas), the other true/false (Spark, Parquet
// tools): one set of values, no drift.
func TestDriftBooleanSpellings(t *testing.T) {
	var r, c strings.Builder
	r.WriteString("flag\n")
	c.WriteString("flag\n")
	for i := range 400 {
		fmt.Fprintf(&r, "%v\n", map[bool]string{true: "True", false: "False"}[i%4 == 0])
		fmt.Fprintf(&c, "%v\n", map[bool]string{true: "true", false: "FALSE"}[i%4 == 0])
	}
	d := runDriftJSON(t, "--reference", writeFile(t, "r.csv", r.String()), "--current", writeFile(t, "c.csv", c.String()))
	if col := d.Columns[0]; col.Drifted || *col.Statistic > 1e-12 {
		t.Errorf("True/False against true/FALSE: drifted %v, statistic %v", col.Drifted, *col.Statistic)
	}
}

// TestDriftNewCategoriesNamed: the report names the first new values
// (most rows first), not only their count: JSON new_category_values, the
// text and HTML warnings, in both languages.
func TestDriftNewCategoriesNamed(t *testing.T) {
	var r, c strings.Builder
	r.WriteString("city\n")
	c.WriteString("city\n")
	for i := range 300 {
		fmt.Fprintf(&r, "%s\n", []string{"Paris", "Lyon"}[i%2])
		v := []string{"Paris", "Lyon", "Nice", "Nice", "Lille", "Paris"}[i%6]
		if i < 8 {
			v = fmt.Sprintf("town%d", i)
		}
		fmt.Fprintf(&c, "%s\n", v)
	}
	ref, cur := writeFile(t, "r.csv", r.String()), writeFile(t, "c.csv", c.String())
	_, out, _ := runCLI(t, "drift", "--format", "json", "--reference", ref, "--current", cur)
	var doc struct {
		Columns []struct {
			NewFirst []string `json:"new_category_values"`
		} `json:"columns"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	want := []string{"Nice", "Lille", "town0", "town1", "town2"}
	if fmt.Sprint(doc.Columns[0].NewFirst) != fmt.Sprint(want) {
		t.Errorf("new_category_values %q, want %q", doc.Columns[0].NewFirst, want)
	}
	_, text, _ := runCLI(t, "drift", "--reference", ref, "--current", cur)
	if !strings.Contains(text, `new categories: 10 ("Nice", "Lille", "town0", "town1", "town2", …)`) {
		t.Errorf("text report does not name the new values:\n%s", text)
	}
	_, zh, _ := runCLI(t, "drift", "--lang", "zh-CN", "--reference", ref, "--current", cur)
	if !strings.Contains(zh, `新类别：10 个（"Nice"、"Lille"、"town0"、"town1"、"town2"、…）`) {
		t.Errorf("Chinese text report does not name the new values:\n%s", zh)
	}
	_, html, _ := runCLI(t, "drift", "--format", "html", "--reference", ref, "--current", cur)
	if !strings.Contains(html, `new categories: 10 (&#34;Nice&#34;, &#34;Lille&#34;`) {
		t.Errorf("HTML report does not name the new values")
	}
}
