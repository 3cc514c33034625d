package main

import (
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// decimalRow holds DECIMAL columns as pyarrow writes them for pandas'
// Decimal (a 16-byte FIXED_LEN_BYTE_ARRAY), as a nullable 9-byte one (the
// width parquet-go gives a precision of 20), and as an INT64, beside a
// plain number. (internal/dataset tests BYTE_ARRAY decimals.)
type decimalRow struct {
	Price  [16]byte `parquet:"price,decimal(2:38)"`
	Rate   []byte   `parquet:"rate,decimal(4:20),optional"`
	Amount int64    `parquet:"amount,decimal(3:18)"`
	Qty    int32    `parquet:"qty"`
}

// fixed16 is v as a 16-byte big-endian two's-complement integer.
func fixed16(v int64) (b [16]byte) {
	n := big.NewInt(v)
	if v < 0 {
		n.Add(n, new(big.Int).Lsh(big.NewInt(1), 128))
	}
	n.FillBytes(b[:])
	return b
}

// writeDecimalFiles writes n rows as Parquet DECIMALs and as the CSV
// pandas writes for the same Decimals (a blank for a null).
func writeDecimalFiles(t *testing.T, name string, n, shift int) (csvPath, parquetPath string) {
	t.Helper()
	rows := make([]decimalRow, n)
	var b strings.Builder
	b.WriteString("price,rate,amount,qty\n")
	for i := range rows {
		cents := int64((i*7919+shift*131)%90000 - 20000) // -200.00 to 699.99
		rate := ""
		if i%13 != 0 {
			r := int64((i*31 + shift) % 25000) // 0.0000 to 2.4999
			rows[i].Rate = big.NewInt(r).FillBytes(make([]byte, 9))
			rate = fmt.Sprintf("%d.%04d", r/10000, r%10000)
		}
		milli := int64(i)*1_000_003 - 7_000_000_000 + int64(shift)*1000
		rows[i].Price, rows[i].Amount, rows[i].Qty = fixed16(cents), milli, int32(i%17)
		fmt.Fprintf(&b, "%s,%s,%s,%d\n", decimalText(cents, 2), rate, decimalText(milli, 3), i%17)
	}
	dir := t.TempDir()
	parquetPath = filepath.Join(dir, name+".parquet")
	if err := parquet.WriteFile(parquetPath, rows, parquet.MaxRowsPerRowGroup(500)); err != nil {
		t.Fatal(err)
	}
	return writeFileIn(t, dir, name+".csv", b.String()), parquetPath
}

// decimalText spells unscaled × 10^-scale as Python's str(Decimal) does
// for these values: "-12.05", "0.50".
func decimalText(unscaled int64, scale int) string {
	sign := ""
	if unscaled < 0 {
		sign, unscaled = "-", -unscaled
	}
	s := fmt.Sprintf("%0*d", scale+1, unscaled)
	return sign + s[:len(s)-scale] + "." + s[len(s)-scale:]
}

// TestDriftParquetDecimals: DECIMAL columns (FIXED_LEN_BYTE_ARRAY as
// pyarrow writes them, BYTE_ARRAY, INT64) are numeric columns, and drift
// reports the same as for the CSV of the same decimals, on the exact path
// and the binned one, with no --columns: one such column used to refuse
// the whole run.
func TestDriftParquetDecimals(t *testing.T) {
	refCSV, refPQ := writeDecimalFiles(t, "ref", 2400, 0)
	curCSV, curPQ := writeDecimalFiles(t, "cur", 2000, 7)
	for _, extra := range [][]string{nil, {"--exact-limit", "500", "--bins", "100"}} {
		run := func(ref, cur string) string {
			args := append([]string{"drift", "--format", "json", "--reference", ref, "--current", cur}, extra...)
			code, out, errOut := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("%v %s vs %s: exit %d: %s", extra, filepath.Base(ref), filepath.Base(cur), code, errOut)
			}
			return comparable(t, out)
		}
		want := run(refCSV, curCSV)
		for _, pair := range [][2]string{{refPQ, curPQ}, {refCSV, curPQ}, {refPQ, curCSV}} {
			if got := run(pair[0], pair[1]); got != want {
				t.Errorf("%v %s vs %s differs from CSV:\n%s\nwant\n%s", extra, filepath.Base(pair[0]), filepath.Base(pair[1]), got, want)
			}
		}
	}
	d := runDriftJSON(t, "--reference", refPQ, "--current", curPQ)
	if len(d.Columns) != 4 {
		t.Fatalf("columns: %+v", d.Columns)
	}
	for _, c := range d.Columns[:3] {
		if c.Kind != "numeric" || c.Test == "none" || c.Statistic == nil {
			t.Errorf("column %s: kind %s test %s, want a tested numeric column", c.Name, c.Kind, c.Test)
		}
	}
	if rate := d.Columns[1]; rate.RefMiss != 185 || rate.CurMiss != 154 {
		t.Errorf("rate: missing %d and %d, want the nulls, 185 and 154", rate.RefMiss, rate.CurMiss)
	}
}
