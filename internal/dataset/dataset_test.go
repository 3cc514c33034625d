package dataset

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/lodestar-hq/lodestar/internal/tabular"
)

// kinds is a row of every type the rule reads, and two it refuses.
type kinds struct {
	X     float64  `parquet:"x"`
	F     float32  `parquet:"f"`
	N     int32    `parquet:"n"`
	Big   int64    `parquet:"big"`
	U     uint32   `parquet:"u"`
	Price int64    `parquet:"price,decimal(2:12)"`
	Opt   *float64 `parquet:"opt,optional"`
	City  string   `parquet:"city,dict"`
	Note  *string  `parquet:"note,optional"`
	Ok    bool     `parquet:"ok"`
	When  int64    `parquet:"when,timestamp(millisecond)"`
	Tags  []string `parquet:"tags,list"`
}

func kindRows(n int) []kinds {
	rows := make([]kinds, n)
	for i := range rows {
		r := &rows[i]
		r.X = math.Sin(float64(i)) * 100
		r.F = float32(i) / 4
		r.N = int32(i - n/2)
		r.Big = int64(i) * 1_000_003
		r.U = math.MaxUint32 - uint32(i)
		r.Price = int64(i*137 - 5000) // cents
		if i%3 != 0 {
			v := float64(i) + 0.5
			r.Opt = &v
		}
		r.City = []string{"北京", "Paris", "Lyon"}[i%3]
		if i%4 == 1 {
			s := "note " + strconv.Itoa(i%5)
			r.Note = &s
		}
		r.Ok = i%2 == 0
		r.When = int64(i)
		r.Tags = []string{"a"}
	}
	return rows
}

func writeParquet[T any](t *testing.T, name string, rows []T, opts ...parquet.WriterOption) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := parquet.WriteFile(path, rows, opts...); err != nil {
		t.Fatal(err)
	}
	return path
}

// scanAll reads the named columns and returns, per column, each row as
// "missing", a number, or the text.
func scanAll(t *testing.T, f *File, names ...string) ([][]string, error) {
	t.Helper()
	var idx []int
	for _, n := range names {
		i, err := f.Column(n)
		if err != nil {
			t.Fatal(err)
		}
		idx = append(idx, i)
	}
	out := make([][]string, len(idx))
	err := f.Scan(idx, func(b *Batch) error {
		for k := range idx {
			if !b.Has(k) {
				continue
			}
			for r := range b.Rows {
				var s string
				switch {
				case b.Missing(k, r):
					s = "missing"
				case b.Num[k][r] == b.Num[k][r]:
					s = strconv.FormatFloat(b.Num[k][r], 'g', -1, 64)
				default:
					s = string(b.Text(k, r))
				}
				out[k] = append(out[k], s)
			}
		}
		return nil
	})
	return out, err
}

func g(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func TestParquetKindsAndValues(t *testing.T) {
	rows := kindRows(1000)
	path := writeParquet(t, "k.parquet", rows, parquet.MaxRowsPerRowGroup(300), parquet.PageBufferSize(512),
		parquet.Compression(&zstd.Codec{}))
	f, err := OpenFile(path, Options{BatchRows: 77})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if f.Format() != Parquet || f.Rows() != 1000 {
		t.Fatalf("format %v rows %d", f.Format(), f.Rows())
	}
	want := map[string]Kind{"x": Numeric, "f": Numeric, "n": Numeric, "big": Numeric, "u": Numeric, "price": Numeric,
		"opt": Numeric, "city": Categorical, "note": Categorical, "ok": Categorical, "when": Unsupported, "tags": Unsupported}
	for i, h := range f.Header() {
		if f.Kind(i) != want[h] {
			t.Errorf("column %s: kind %v (%s), want %v", h, f.Kind(i), f.TypeName(i), want[h])
		}
	}
	names := []string{"x", "f", "n", "big", "u", "price", "opt", "city", "note", "ok"}
	got, err := scanAll(t, f, names...)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		opt, note := "missing", "missing"
		if r.Opt != nil {
			opt = strconv.FormatFloat(*r.Opt, 'g', -1, 64)
		}
		if r.Note != nil {
			note = *r.Note
		}
		price, _ := ParseNumber([]byte(fmt.Sprintf("%.2f", float64(r.Price)/100)))
		exp := []string{strconv.FormatFloat(r.X, 'g', -1, 64), strconv.FormatFloat(float64(r.F), 'g', -1, 64),
			g(float64(r.N)), g(float64(r.Big)), g(float64(r.U)),
			strconv.FormatFloat(price, 'g', -1, 64), opt, r.City, note, strconv.FormatBool(r.Ok)}
		for k := range names {
			if got[k][i] != exp[k] {
				t.Fatalf("row %d column %s: got %q, want %q", i+1, names[k], got[k][i], exp[k])
			}
		}
	}
	// Read in passes of three columns, each column's rows come the same.
	f.opt.ColumnGroup = 3
	passes, err := scanAll(t, f, names...)
	if err != nil {
		t.Fatal(err)
	}
	for k := range names {
		if !slices.Equal(passes[k], got[k]) {
			t.Errorf("column %s differs when read in passes", names[k])
		}
	}
	f.opt.ColumnGroup = 0

	// A Parquet file can be read again, and in another column order.
	again, err := scanAll(t, f, "city", "x")
	if err != nil || !slices.Equal(again[0], got[7]) || !slices.Equal(again[1], got[0]) {
		t.Errorf("second scan differs: %v", err)
	}

	for _, col := range []string{"when", "tags"} {
		_, err := scanAll(t, f, "x", col)
		if !errors.Is(err, ErrType) || !strings.Contains(err.Error(), fmt.Sprintf("%s: column %q", path, col)) {
			t.Errorf("column %s: error %v, want %v naming the column", col, err, ErrType)
		}
	}
	if _, err := f.Column("nope"); !errors.Is(err, tabular.ErrColumn) {
		t.Errorf("missing column: %v", err)
	}
	if i, err := f.Column("#2"); err != nil || i != 1 {
		t.Errorf("#2: %d, %v", i, err)
	}
	if i, err := f.Column("CITY"); err != nil || i != 7 {
		t.Errorf("CITY: %d, %v", i, err)
	}
}

// TestCSVAndParquetAgree reads the same data written both ways.
func TestCSVAndParquetAgree(t *testing.T) {
	type row struct {
		A float64 `parquet:"a"`
		B int64   `parquet:"b"`
		C string  `parquet:"c"`
	}
	var rows []row
	var csv strings.Builder
	csv.WriteString("a,b,c\n")
	for i := range 5000 {
		r := row{A: math.Round(math.Cos(float64(i))*1e6) / 1e3, B: int64(i % 17), C: "v" + strconv.Itoa(i%7)}
		rows = append(rows, r)
		fmt.Fprintf(&csv, "%s,%d,%s\n", strconv.FormatFloat(r.A, 'g', -1, 64), r.B, r.C)
	}
	pq := writeParquet(t, "d.bin", rows, parquet.MaxRowsPerRowGroup(1024)) // found by content, not name
	cp := filepath.Join(t.TempDir(), "d.csv")
	if err := os.WriteFile(cp, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var got [2][][]string
	for i, p := range []string{cp, pq} {
		f, err := OpenFile(p, Options{Workers: 2})
		if err != nil {
			t.Fatal(err)
		}
		if got[i], err = scanAll(t, f, "c", "a", "b"); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	for k := range got[0] {
		if !slices.Equal(got[0][k], got[1][k]) {
			t.Errorf("column %d differs between CSV and Parquet", k)
		}
	}
}

// TestParquetFloatIsItsDecimal: a FLOAT (float32) value reads as the
// number its shortest decimal spelling names, the number a CSV export of
// the column holds: 0.42 stored as a float32 reads 0.42, not
// 0.41999998688697815, so the same data as CSV and as Parquet compare
// equal. The plain, the nullable and the dictionary-encoded column each
// take their own read path.
func TestParquetFloatIsItsDecimal(t *testing.T) {
	type row struct {
		F    float32  `parquet:"f"`
		Opt  *float32 `parquet:"opt,optional"`
		Dict float32  `parquet:"dict,dict"`
	}
	vals := []float32{0.42, 0.1, -3.7, 1e-5, 2.5, 7, -16777216, 1e10, 123456.79, math.MaxFloat32, math.SmallestNonzeroFloat32, 1.1754944e-38, 0}
	var rows []row
	var csv strings.Builder
	csv.WriteString("f,opt,dict\n")
	for i := range 3000 {
		v := vals[i%len(vals)] / float32(1+i/len(vals)%3) // some values not in the list
		r := row{F: v, Dict: v}
		opt := ""
		if i%5 != 0 {
			r.Opt = &v
			opt = strconv.FormatFloat(float64(v), 'g', -1, 32)
		}
		rows = append(rows, r)
		s := strconv.FormatFloat(float64(v), 'g', -1, 32)
		fmt.Fprintf(&csv, "%s,%s,%s\n", s, opt, s)
	}
	pq := writeParquet(t, "f.parquet", rows, parquet.MaxRowsPerRowGroup(1000))
	cp := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(cp, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var got [2][][]string
	for i, p := range []string{cp, pq} {
		f, err := OpenFile(p, Options{BatchRows: 700})
		if err != nil {
			t.Fatal(err)
		}
		if got[i], err = scanAll(t, f, "f", "opt", "dict"); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	for k := range got[0] {
		if !slices.Equal(got[0][k], got[1][k]) {
			for r := range got[0][k] {
				if got[0][k][r] != got[1][k][r] {
					t.Errorf("column %d row %d: CSV %s, Parquet %s", k, r+1, got[0][k][r], got[1][k][r])
					break
				}
			}
		}
	}
	if got[1][0][0] != "0.42" || got[1][1][0] != "missing" || got[1][1][1] != "0.1" {
		t.Errorf("first values %s %s %s, want 0.42 missing 0.1", got[1][0][0], got[1][1][0], got[1][1][1])
	}
}

// BenchmarkParquetFloat reads a FLOAT column: the decimal widening must
// not allocate per value.
func BenchmarkParquetFloat(b *testing.B) {
	for _, tc := range []struct {
		name string
		v    func(i int) float32
	}{
		{"distinct", func(i int) float32 { return float32(math.Sin(float64(i))) }},
		{"repeated", func(i int) float32 { return float32(i%200) / 100 }},
	} {
		b.Run(tc.name, func(b *testing.B) { benchParquetFloat(b, tc.v) })
	}
}

func benchParquetFloat(b *testing.B, v func(int) float32) {
	type row struct {
		F float32 `parquet:"f"`
	}
	rows := make([]row, 100_000)
	for i := range rows {
		rows[i].F = v(i)
	}
	path := filepath.Join(b.TempDir(), "f.parquet")
	if err := parquet.WriteFile(path, rows); err != nil {
		b.Fatal(err)
	}
	f, err := OpenFile(path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := f.Scan([]int{0}, func(*Batch) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeParquet(t, "g.parquet", kindRows(200))
	b, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, c := range []struct {
		name, path string
		want       error
	}{
		{"truncated", write("t.parquet", b[:len(b)/2]), ErrParquet},
		{"only the magic", write("m.parquet", []byte("PAR1")), ErrParquet},
		{"CSV named .parquet", write("c.parquet", []byte("a,b\n1,2\n")), ErrNotParquet},
		{"empty named .parquet", write("e.parquet", nil), ErrNotParquet},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := OpenFile(c.path, Options{})
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.path) {
				t.Errorf("error %v, want %v naming the file", err, c.want)
			}
		})
	}

	// Pages overwritten with garbage: the footer reads, the pages do not.
	bad := slices.Clone(b)
	for i := 4; i < len(bad)/2; i++ {
		bad[i] = byte(i * 7)
	}
	f, err := OpenFile(write("bad.parquet", bad), Options{})
	if err == nil {
		_, err = scanAll(t, f, "x", "city")
		f.Close()
	}
	if !errors.Is(err, ErrParquet) {
		t.Errorf("corrupt pages: %v, want %v", err, ErrParquet)
	}

	// A CSV file is read once.
	f, err = Open(bytes.NewReader([]byte("a\n1\n")), 4, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scanAll(t, f, "a"); err != nil {
		t.Fatal(err)
	}
	if _, err := scanAll(t, f, "a"); !errors.Is(err, ErrRescan) {
		t.Errorf("second CSV scan: %v", err)
	}
}

func TestParquetRefusesValues(t *testing.T) {
	type num struct {
		V float64 `parquet:"v"`
	}
	type text struct {
		S []byte `parquet:"s"`
	}
	inf := writeParquet(t, "inf.parquet", []num{{1}, {math.NaN()}, {math.Inf(1)}})
	f, err := OpenFile(inf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scanAll(t, f, "v"); !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), `column "v": row 3`) {
		t.Errorf("infinity: %v", err)
	}
	f.Close()
	bin := writeParquet(t, "bin.parquet", []text{{[]byte("ok")}, {[]byte{0xff, 0xfe}}})
	f, err = OpenFile(bin, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := scanAll(t, f, "s"); !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), "row 2") {
		t.Errorf("not UTF-8: %v", err)
	}
	f.Close()
}

// TestIntCells checks Batch.IntCells: true for a CSV column whose number
// cells are all written as FormatInt writes them, false once one is not
// (and for Parquet).
func TestIntCells(t *testing.T) {
	data := "a,b,c,d\n1,1,x,1\n-20,1.5,,02\n300,7,NA, 3\n"
	f, err := Open(bytes.NewReader([]byte(data)), int64(len(data)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	err = f.Scan([]int{0, 1, 2, 3}, func(b *Batch) error {
		for k, want := range []bool{true, false, true, false} {
			if b.IntCells(k) != want {
				t.Errorf("column %d: IntCells %v, want %v", k, b.IntCells(k), want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// NumberText spells a typed value as CSV files write it, so that a
// Parquet column compared with a CSV one as text (categories) matches.
func TestNumberText(t *testing.T) {
	f, err := OpenFile(writeParquet(t, "k.parquet", kindRows(3)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	col := func(name string) int {
		i, err := f.Column(name)
		if err != nil {
			t.Fatal(err)
		}
		return i
	}
	for _, tc := range []struct {
		col  string
		v    float64
		want string
	}{
		{"big", 1e6, "1000000"}, {"n", -42, "-42"}, {"u", 4e9, "4000000000"}, {"big", 1 << 60, "1152921504606846976"}, {"big", 1 << 63, "9223372036854775808"},
		{"f", float64(float32(0.1)), "0.1"}, {"f", float64(float32(1e-5)), "1e-05"}, {"f", 0.42, "0.42"}, {"f", 1e-5, "1e-05"}, // as read (widened) and as float64(float32)
		{"x", 0.1, "0.1"}, {"x", 1e6, "1000000"}, {"x", 1e-5, "1e-05"}, {"x", 1e16, "1e+16"}, {"x", 0, "0"}, {"x", -2.5, "-2.5"},
		{"price", 12.34, "12.34"},
	} {
		if got := f.NumberText(col(tc.col), tc.v); got != tc.want {
			t.Errorf("NumberText(%s, %v) = %q, want %q", tc.col, tc.v, got, tc.want)
		}
	}
}

// An INT64 column's values past 2^53 are kept exact by Int64s (Num holds
// the nearest float64), required, nullable and unsigned, on the plain and
// the generic read path (a small batch crosses pages); other columns
// have none.
func TestParquetInt64sExact(t *testing.T) {
	type row struct {
		I int64   `parquet:"i"`
		N *int64  `parquet:"n,optional"`
		U uint64  `parquet:"u"`
		D float64 `parquet:"d"`
		S int32   `parquet:"s"`
	}
	const base = int64(1) << 53
	var rows []row
	for k := range 1000 {
		v := base + int64(k)
		r := row{I: v, U: uint64(1)<<63 + uint64(k), D: float64(k), S: int32(k)}
		if k%3 != 0 {
			r.N = &v
		}
		rows = append(rows, r)
	}
	path := filepath.Join(t.TempDir(), "i.parquet")
	if err := parquet.WriteFile(path, rows, parquet.PageBufferSize(512)); err != nil {
		t.Fatal(err)
	}
	f, err := OpenFile(path, Options{BatchRows: 97})
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	seen := 0
	err = f.Scan([]int{0, 1, 2, 3, 4}, func(b *Batch) error {
		for r := range b.Rows {
			k := int(b.Start()) + r
			want := base + int64(k)
			if got, uns := b.Int64s(0); uns || got[r] != want {
				t.Fatalf("row %d: i %d (unsigned %v), want %d", k, got[r], uns, want)
			}
			if got, _ := b.Int64s(1); k%3 != 0 && got[r] != want || k%3 == 0 && !b.Missing(1, r) {
				t.Fatalf("row %d: n %d, missing %v", k, got[r], b.Missing(1, r))
			}
			if got, uns := b.Int64s(2); !uns || uint64(got[r]) != uint64(1)<<63+uint64(k) {
				t.Fatalf("row %d: u %d (unsigned %v)", k, uint64(got[r]), uns)
			}
			seen++
		}
		for _, k := range []int{3, 4} {
			if got, _ := b.Int64s(k); got != nil {
				t.Fatalf("column %d (not INT64) has Int64s", k)
			}
		}
		return nil
	})
	if err != nil || seen != len(rows) {
		t.Fatalf("%v; %d rows seen", err, seen)
	}
}

// TestDecimalComma: with Options.DecimalComma, a CSV cell written with a
// decimal comma (Excel in much of Europe: "1,5") is that number, and a
// cell with a '.' is not a number (it would be a thousands separator
// there, or another file's spelling); without it, "1,5" is text.
func TestDecimalComma(t *testing.T) {
	const text = "x;y\n1,5;a\n-2,25;b\n 3 ;c\n1.5;d\n1,5e3;e\n1,2,3;f\n,5;g\n;h\n"
	for _, comma := range []bool{true, false} {
		f, err := Open(strings.NewReader(text), int64(len(text)), Options{DecimalComma: comma})
		if err != nil {
			t.Fatal(err)
		}
		got, err := scanAll(t, f, "x")
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"1.5", "-2.25", "3", "1.5", "1500", "1,2,3", "0.5", "missing"}
		if comma {
			want[3] = "1.5" // text: the cell as written
		} else {
			want = []string{"1,5", "-2,25", "3", "1.5", "1,5e3", "1,2,3", ",5", "missing"}
		}
		if !slices.Equal(got[0], want) {
			t.Errorf("decimal comma %v: got %q, want %q", comma, got[0], want)
		}
	}
	// The cell with a '.' is text, not the number 1.5: Num is NaN there.
	f, _ := Open(strings.NewReader(text), int64(len(text)), Options{DecimalComma: true})
	var nums []float64
	f.Scan([]int{0}, func(b *Batch) error {
		nums = append(nums, b.Num[0][:b.Rows]...)
		return nil
	})
	if len(nums) != 8 || nums[0] != 1.5 || nums[1] != -2.25 || !math.IsNaN(nums[3]) || nums[4] != 1500 || !math.IsNaN(nums[5]) || nums[6] != 0.5 {
		t.Errorf("numbers %v", nums)
	}
}
