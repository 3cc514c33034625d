package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// unreadRow has columns of types drift does not read (a timestamp, a
// list) between ones it does.
type unreadRow struct {
	Amount float64  `parquet:"amount"`
	When   int64    `parquet:"when,timestamp(millisecond)"`
	City   string   `parquet:"city"`
	Tags   []string `parquet:"tags,list"`
}

func writeUnread(t *testing.T, name string, n int, shift float64) string {
	t.Helper()
	rows := make([]unreadRow, n)
	for i := range rows {
		rows[i] = unreadRow{Amount: float64(i%97) + shift, When: int64(i) * 1000, City: []string{"Paris", "Lyon"}[i%2], Tags: []string{"a"}}
	}
	path := filepath.Join(t.TempDir(), name+".parquet")
	if err := parquet.WriteFile(path, rows); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDriftParquetUnreadTypes: a Parquet column of a type drift does not
// read no longer stops a default run: it is reported untested, its note
// naming the type and the file, in English and Chinese, and the other
// columns decide. Named in --columns it still stops the run, naming it.
func TestDriftParquetUnreadTypes(t *testing.T) {
	ref, cur := writeUnread(t, "ref", 1500, 0), writeUnread(t, "cur", 1200, 40)
	d := runDriftJSON(t, "--reference", ref, "--current", cur)
	if len(d.Columns) != 4 || d.RefRows != 1500 || d.CurRows != 1200 {
		t.Fatalf("columns %d, rows %d and %d; want 4, 1500 and 1200", len(d.Columns), d.RefRows, d.CurRows)
	}
	for _, k := range []int{1, 3} {
		c := d.Columns[k]
		if c.Test != "none" || c.Drifted || !strings.HasPrefix(c.Note, "not tested: its type ") || !strings.Contains(c.Note, "(in "+ref+")") {
			t.Errorf("%s: test %s drifted %v note %q; want untested, naming its type and the reference", c.Name, c.Test, c.Drifted, c.Note)
		}
	}
	if n := d.Columns[1].Note; !strings.Contains(n, "INT64 (TIMESTAMP") {
		t.Errorf("when: note %q does not name the timestamp type", n)
	}
	// The shifted amount drifts, the city does not: one of two tested.
	if a, c := d.Columns[0], d.Columns[2]; a.Test == "none" || !a.Drifted || c.Test == "none" || c.Drifted || d.ShareDrifted != 0.5 || !d.DatasetDrift {
		t.Errorf("amount %s %v, city %s %v, share %v drift %v; want amount drifted, city not, share 0.5 of the tested",
			a.Test, a.Drifted, c.Test, c.Drifted, d.ShareDrifted, d.DatasetDrift)
	}
	// In Chinese.
	code, out, errOut := runWith(zhEnvOf, "drift", "--reference", ref, "--current", cur)
	if code != 0 && code != 1 || !strings.Contains(out, "未检验：该列（在 ") || !strings.Contains(out, "不是 drift 能读取的类型") {
		t.Errorf("Chinese report (exit %d, %s):\n%s", code, errOut, out)
	}
	// Named, it is refused as before: exit 1, naming the column.
	code, _, errOut = runCLI(t, "drift", "--reference", ref, "--current", cur, "--columns", "amount,tags")
	if code != 1 || !strings.Contains(errOut, `column "tags": unsupported column type`) {
		t.Errorf("--columns naming tags: exit %d, %q; want exit 1 naming the column", code, errOut)
	}
	// A CSV reference against a Parquet current: the note names the
	// current, whose type it is; and when no column can be read the rows
	// are still counted and the verdict is undetermined.
	csv := writeFile(t, "ref.csv", "when\n2024-01-01\n2024-01-02\n2024-01-03\n")
	type onlyWhen struct {
		When int64 `parquet:"when,timestamp(millisecond)"`
	}
	pq := filepath.Join(t.TempDir(), "when.parquet")
	if err := parquet.WriteFile(pq, []onlyWhen{{1}, {2}}); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = runCLI(t, "drift", "--format", "json", "--reference", csv, "--current", pq)
	if code == 2 || !strings.Contains(out, `"current_rows": 2`) || !strings.Contains(out, `"reference_rows": 3`) ||
		!strings.Contains(out, `"verdict": "undetermined"`) || !strings.Contains(out, "(in "+pq+")") {
		t.Errorf("nothing readable: exit %d, %s\n%s", code, errOut, out)
	}
}
