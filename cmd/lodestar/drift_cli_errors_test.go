package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"
)

// TestDriftColumnsUsage: --columns naming a column the files do not have
// is bad usage (exit 2, as any flag's bad value), not bad input (1); an
// empty entry ("a,,b", a comma at an end) is refused, not skipped.
func TestDriftColumnsUsage(t *testing.T) {
	f := writeFile(t, "f.csv", "num,cat\n1,a\n2,b\n")
	for _, c := range []struct{ spec, want string }{
		{"nope", `no such column: "nope"`},
		{"num,,cat", `drift: --columns "num,,cat" has an empty entry`},
		{"num,", `drift: --columns "num," has an empty entry`},
		{",num", `drift: --columns ",num" has an empty entry`},
		{" , ", `drift: --columns " , " names no column`},
	} {
		code, out, errOut := runCLI(t, "drift", "--reference", f, "--current", f, "--columns", c.spec)
		if code != 2 || out != "" || !strings.Contains(errOut, c.want) || !strings.Contains(errOut, "Run 'lodestar drift -h' for usage.") {
			t.Errorf("--columns %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.spec, code, out, errOut, c.want)
		}
	}
	if d := runDriftJSON(t, "--reference", f, "--current", f, "--columns", " num , cat "); len(d.Columns) != 2 {
		t.Errorf("spaces around names: %d columns, want 2", len(d.Columns))
	}
}

// TestDriftErrorsInChinese: drift's own errors on stderr are Chinese
// with --lang zh-CN, wholly: the Parquet type refusal (of a column named
// in --columns: unnamed, it is left untested), a column named
// twice, the hint after a column missing from the current file, and the
// encoding error, which names --encoding (not a web form).
func TestDriftErrorsInChinese(t *testing.T) {
	f := writeFile(t, "f.csv", "num,cat\n1,a\n2,b\n")
	other := writeFile(t, "o.csv", "x,cat\n1,a\n2,b\n")
	twice := writeFile(t, "t.csv", "num,cat,cat\n1,a,b\n2,b,c\n")
	latin := writeFile(t, "l.csv", "num,cat\n1,caf\xe9\n")
	type stamped struct {
		T time.Time `parquet:"t,timestamp"`
	}
	pq := filepath.Join(t.TempDir(), "ts.parquet")
	if err := parquet.WriteFile(pq, []stamped{{time.Unix(0, 0)}}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"named twice", []string{"--reference", f, "--current", f, "--columns", "num,num"}, 2,
			`lodestar: drift：--columns 两次指定了参照文件的列 "num"（"num" 与 "num"）`},
		{"named, missing from the current", []string{"--reference", f, "--current", other, "--columns", "num"}, 2,
			`没有这一列："num"`},
		{"ambiguous in the current", []string{"--reference", f, "--current", twice}, 1,
			`请按位置选择其中一列，例如 #2（参照文件的第 #2 列；可用 --columns 选择要比较的列）`},
		{"unknown column", []string{"--reference", f, "--current", f, "--columns", "nope"}, 2, `没有这一列："nope"`},
		{"empty entry", []string{"--reference", f, "--current", f, "--columns", "num,,cat"}, 2, `drift：--columns "num,,cat" 中有空项`},
		{"Parquet type", []string{"--reference", pq, "--current", pq, "--columns", "t"}, 1, `：列 "t"：不支持的列类型：INT64 (`},
		{"encoding", []string{"--reference", latin, "--current", latin, "--encoding", "utf-8"}, 1,
			`请用 --encoding 指明文件的编码（如 gb18030、windows-1252），或把文件另存为 UTF-8`},
	} {
		code, _, errOut := runWith(zhEnvOf, append([]string{"drift"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", c.name, code, errOut, c.code, c.want)
		}
		for _, english := range []string{"names the", "column #", "pick columns", "unsupported column type", "readable types", "pass the file's", "网页", "empty entry", "no such column"} {
			if strings.Contains(errOut, english) {
				t.Errorf("%s: stderr %q has %q", c.name, errOut, english)
			}
		}
	}
}
