package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// driftRow is the data the Parquet tests write both ways.
type driftRow struct {
	Amount *float64 `parquet:"amount,optional"`
	Count  int32    `parquet:"count"`
	Score  float64  `parquet:"score"`
	City   string   `parquet:"city,dict"`
	Flag   bool     `parquet:"flag"`
	When   int64    `parquet:"when,timestamp(millisecond)"`
}

func driftRows(n int, shift float64) []driftRow {
	rows := make([]driftRow, n)
	for i := range rows {
		r := &rows[i]
		if i%11 != 0 {
			v := math.Round((math.Sin(float64(i)*0.7)*50+100+shift)*100) / 100
			r.Amount = &v
		}
		r.Count = int32((i * 7) % 23)
		r.Score = math.Cos(float64(i)*1.3) + shift/10
		r.City = []string{"Paris", "Lyon", "北京", "Lyon"}[(i+int(shift))%4]
		r.Flag = (i+int(shift))%3 == 0
		r.When = int64(i)
	}
	return rows
}

// writeDriftFiles writes rows as Parquet and as the CSV pandas would
// write (a blank for a null), without the timestamp column in the CSV.
func writeDriftFiles(t *testing.T, name string, rows []driftRow) (csvPath, parquetPath string) {
	t.Helper()
	dir := t.TempDir()
	parquetPath = filepath.Join(dir, name+".parquet")
	if err := parquet.WriteFile(parquetPath, rows, parquet.MaxRowsPerRowGroup(700)); err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	b.WriteString("amount,count,score,city,flag\n")
	for _, r := range rows {
		amount := ""
		if r.Amount != nil {
			amount = strconv.FormatFloat(*r.Amount, 'g', -1, 64)
		}
		fmt.Fprintf(&b, "%s,%d,%s,%s,%t\n", amount, r.Count, strconv.FormatFloat(r.Score, 'g', -1, 64), r.City, r.Flag)
	}
	csvPath = filepath.Join(dir, name+".csv")
	if err := os.WriteFile(csvPath, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return csvPath, parquetPath
}

// comparable is drift's JSON without what names the files: the paths,
// how each was read (format, encoding), and the note saying why a column
// is categorical (a CSV line, a Parquet type).
func comparable(t *testing.T, out string) string {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	delete(v, "reference")
	delete(v, "current")
	delete(v, "reference_file")
	delete(v, "current_file")
	for _, c := range v["columns"].([]any) {
		col := c.(map[string]any)
		if n, _ := col["note"].(string); strings.HasPrefix(n, "categorical: ") {
			delete(col, "note")
		}
	}
	b, _ := json.MarshalIndent(v, "", " ")
	return string(b)
}

// TestDriftParquetSameAsCSV: the same data as CSV, as Parquet and mixed
// gives the same report, on the exact path and on the binned one (where
// the Parquet file is read twice).
func TestDriftParquetSameAsCSV(t *testing.T) {
	refCSV, refPQ := writeDriftFiles(t, "ref", driftRows(3000, 0))
	curCSV, curPQ := writeDriftFiles(t, "cur", driftRows(2500, 3))
	cols := "amount,count,score,city,flag"
	for _, extra := range [][]string{nil, {"--exact-limit", "500", "--bins", "100"}} {
		run := func(ref, cur string) string {
			args := append([]string{"drift", "--format", "json", "--reference", ref, "--current", cur, "--columns", cols}, extra...)
			code, out, errOut := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			return comparable(t, out)
		}
		want := run(refCSV, curCSV)
		for _, pair := range [][2]string{{refPQ, curPQ}, {refCSV, curPQ}, {refPQ, curCSV}} {
			if got := run(pair[0], pair[1]); got != want {
				t.Errorf("%v %s vs %s differs from CSV:\n%s\nwant\n%s", extra, filepath.Base(pair[0]), filepath.Base(pair[1]), got, want)
			}
		}
		if len(extra) > 0 && !strings.Contains(want, `"binned"`) {
			t.Errorf("the binned path was not taken:\n%s", want)
		}
	}

	d := runDriftJSON(t, "--reference", refPQ, "--current", curPQ, "--columns", "#1,city")
	if len(d.Columns) != 2 || d.Columns[0].Name != "amount" || d.Columns[0].Kind != "numeric" || d.Columns[0].RefMiss != 273 ||
		d.Columns[1].Kind != "categorical" || !strings.Contains(d.Columns[1].Note, "BYTE_ARRAY") || d.RefRows != 3000 || d.CurRows != 2500 {
		t.Errorf("--columns on Parquet: %+v", d)
	}
}

func TestDriftParquetErrors(t *testing.T) {
	_, refPQ := writeDriftFiles(t, "ref", driftRows(300, 0))
	b, err := os.ReadFile(refPQ)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truncated := write("truncated.parquet", b[:len(b)-100])
	notParquet := write("table.parquet", []byte("amount,count\n1,2\n"))
	type other struct {
		Count int32 `parquet:"count"`
	}
	otherPQ := filepath.Join(dir, "other.parquet")
	if err := parquet.WriteFile(otherPQ, []other{{1}, {2}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"truncated", []string{"--reference", refPQ, "--current", truncated}, 1, "truncated.parquet: unreadable Parquet file"},
		{"not Parquet", []string{"--reference", notParquet, "--current", refPQ}, 1, "table.parquet: not a Parquet file"},
		// Named in --columns, a type drift does not read stops the run
		// (by default it is left untested: TestDriftParquetUnreadTypes).
		{"unsupported type named", []string{"--reference", refPQ, "--current", refPQ, "--columns", "amount,when"}, 1, `column "when": unsupported column type: INT64 (TIMESTAMP`},
		// --columns naming a column a file lacks: bad usage, as any flag's bad value.
		{"missing column", []string{"--reference", refPQ, "--current", otherPQ, "--columns", "count,score"}, 2, `"score"`},
		{"bad usage still 2", []string{"--reference", refPQ}, 2, "--current"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, _, errOut := runCLI(t, append([]string{"drift"}, c.args...)...)
			if code != c.code || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, c.code, c.want)
			}
		})
	}
	// Not named, a column the current lacks is listed, not an error.
	if code, out, errOut := runCLI(t, "drift", "--reference", refPQ, "--current", otherPQ, "--format", "json"); code != 0 ||
		!strings.Contains(out, `"reference_only_columns": [`) || !strings.Contains(out[strings.Index(out, `"reference_only_columns"`):], `"amount"`) {
		t.Errorf("a column the current lacks: exit %d, stderr %q; want it in reference_only_columns\n%s", code, errOut, out)
	}
	// Leaving the unsupported column out works.
	d := runDriftJSON(t, "--reference", refPQ, "--current", refPQ, "--columns", "amount,count,score,city,flag")
	if len(d.Columns) != 5 || d.DatasetDrift {
		t.Errorf("same file against itself: %+v", d)
	}
}

// TestDriftParquetFloatSameAsCSV: the same values as CSV and in a FLOAT
// (float32) Parquet column are the same data: KS 0, p-value 1, PSI 0, no
// drift. (A float32 read as float64(v) was 0.41999998688697815 where the
// CSV said 0.42, and every value moved.)
func TestDriftParquetFloatSameAsCSV(t *testing.T) {
	type row struct {
		Score float32 `parquet:"score"`
	}
	var rows []row
	var b strings.Builder
	b.WriteString("score\n")
	for i := range 2000 {
		v := float32((i*37)%100) / 100 // 0.42 and its like: few values, so any shift is a large one
		rows = append(rows, row{v})
		b.WriteString(strconv.FormatFloat(float64(v), 'g', -1, 32) + "\n")
	}
	pq := filepath.Join(t.TempDir(), "f.parquet")
	if err := parquet.WriteFile(pq, rows); err != nil {
		t.Fatal(err)
	}
	csv := writeFile(t, "f.csv", b.String())
	for _, extra := range [][]string{nil, {"--exact-limit", "500", "--bins", "100"}} {
		for _, pair := range [][2]string{{csv, pq}, {pq, csv}} {
			d := runDriftJSON(t, append([]string{"--reference", pair[0], "--current", pair[1]}, extra...)...)
			c := d.Columns[0]
			if d.DatasetDrift || c.Drifted || c.KS == nil || *c.KS != 0 || c.KSP == nil || *c.KSP != 1 || c.PSI == nil || *c.PSI != 0 {
				t.Errorf("%v %s vs %s: drifted %v KS %v p %v PSI %v, want no drift, 0 1 0", extra, filepath.Base(pair[0]), filepath.Base(pair[1]),
					c.Drifted, deref(c.KS), deref(c.KSP), deref(c.PSI))
			}
		}
	}
}
