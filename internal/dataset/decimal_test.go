package dataset

import (
	"bufio"
	"errors"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// decimalCase is a line of testdata/decimals.tsv: a DECIMAL's unscaled
// integer and scale, and the float64 nearest it as Python's
// float(Decimal) gives it (make_decimals.py).
type decimalCase struct {
	unscaled *big.Int
	scale    int
	want     float64
}

func readDecimalCases(t *testing.T) []decimalCase {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "decimals.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var cases []decimalCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		fields := strings.Split(sc.Text(), "\t")
		u, ok := new(big.Int).SetString(fields[0], 10)
		scale, err1 := strconv.Atoi(fields[1])
		want, err2 := strconv.ParseFloat(fields[2], 64)
		if len(fields) != 3 || !ok || err1 != nil || err2 != nil {
			t.Fatalf("decimals.tsv: bad line %q", sc.Text())
		}
		cases = append(cases, decimalCase{u, scale, want})
	}
	if err := sc.Err(); err != nil || len(cases) < 20 {
		t.Fatalf("decimals.tsv: %d cases, %v", len(cases), err)
	}
	return cases
}

// twosComplement spells n as a big-endian two's-complement integer of
// size bytes (0: the fewest that hold it).
func twosComplement(n *big.Int, size int) []byte {
	if size == 0 {
		size = n.BitLen()/8 + 1
	}
	m := new(big.Int).Set(n)
	if n.Sign() < 0 {
		m.Add(m, new(big.Int).Lsh(big.NewInt(1), uint(8*size)))
	}
	return m.FillBytes(make([]byte, size))
}

// writeDecimals writes one Parquet file of DECIMAL(38, scale) columns:
// the values as a 16-byte FIXED_LEN_BYTE_ARRAY, as a nullable BYTE_ARRAY
// (null after each value), and as INT64 and INT32 where they fit (null
// where not).
func writeDecimals(t *testing.T, scale int, values []*big.Int) string {
	t.Helper()
	schema := parquet.NewSchema("decimals", parquet.Group{
		"a_fixed": parquet.Decimal(scale, 38, parquet.FixedLenByteArrayType(16)),
		"b_bytes": parquet.Optional(parquet.Decimal(scale, 38, parquet.ByteArrayType)),
		"c_int64": parquet.Optional(parquet.Decimal(scale, 18, parquet.Int64Type)),
		"d_int32": parquet.Optional(parquet.Decimal(scale, 9, parquet.Int32Type)),
	})
	path := filepath.Join(t.TempDir(), "dec"+strconv.Itoa(scale)+".parquet")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := parquet.NewWriter(f, schema)
	var rows []parquet.Row
	for _, v := range values {
		row := parquet.Row{
			parquet.FixedLenByteArrayValue(twosComplement(v, 16)).Level(0, 0, 0),
			parquet.ByteArrayValue(twosComplement(v, 0)).Level(0, 1, 1),
			parquet.NullValue().Level(0, 0, 2),
			parquet.NullValue().Level(0, 0, 3),
		}
		if v.IsInt64() {
			row[2] = parquet.Int64Value(v.Int64()).Level(0, 1, 2)
			if x := v.Int64(); x >= math.MinInt32 && x <= math.MaxInt32 {
				row[3] = parquet.Int32Value(int32(x)).Level(0, 1, 3)
			}
		}
		rows = append(rows, row, parquet.Row{
			parquet.FixedLenByteArrayValue(twosComplement(v, 16)).Level(0, 0, 0),
			parquet.NullValue().Level(0, 0, 1), parquet.NullValue().Level(0, 0, 2), parquet.NullValue().Level(0, 0, 3),
		})
	}
	if _, err := w.WriteRows(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestParquetDecimals: a DECIMAL column, stored in any of the four
// physical types, is numeric and reads as the float64 nearest its value
// (rounded once: float64(unscaled)/10^scale rounds twice past 2^53 and
// misses some), checked against Python's float(Decimal). Nulls are
// missing.
func TestParquetDecimals(t *testing.T) {
	byScale := map[int][]decimalCase{}
	for _, c := range readDecimalCases(t) {
		byScale[c.scale] = append(byScale[c.scale], c)
	}
	checked := map[string]int{}
	for scale, cases := range byScale {
		var values []*big.Int
		for _, c := range cases {
			values = append(values, c.unscaled)
		}
		path := writeDecimals(t, scale, values)
		f, err := OpenFile(path, Options{BatchRows: 3})
		if err != nil {
			t.Fatal(err)
		}
		names := []string{"a_fixed", "b_bytes", "c_int64", "d_int32"}
		for i, h := range f.Header() {
			if f.Kind(i) != Numeric {
				t.Errorf("scale %d: column %s is %v (%s), want numeric", scale, h, f.Kind(i), f.TypeName(i))
			}
		}
		got, err := scanAll(t, f, names...)
		f.Close()
		if err != nil {
			t.Fatalf("scale %d: %v", scale, err)
		}
		for i, c := range cases {
			want := strconv.FormatFloat(c.want, 'g', -1, 64)
			for k, name := range names {
				exp := want
				switch {
				case k == 2 && !c.unscaled.IsInt64(),
					k == 3 && (!c.unscaled.IsInt64() || c.unscaled.Int64() < math.MinInt32 || c.unscaled.Int64() > math.MaxInt32):
					exp = "missing"
				}
				if got[k][2*i] != exp {
					t.Errorf("%s × 10^-%d as %s: got %s, want %s", c.unscaled, scale, name, got[k][2*i], exp)
				}
				if exp != "missing" {
					checked[name]++
				}
				if k > 0 && got[k][2*i+1] != "missing" {
					t.Errorf("%s: a null reads as %s", name, got[k][2*i+1])
				}
			}
		}
	}
	// Every physical type met values, and INT64 ones past 2^53.
	if checked["a_fixed"] < 20 || checked["b_bytes"] < 20 || checked["c_int64"] < 10 || checked["d_int32"] < 5 {
		t.Errorf("values checked per column: %v", checked)
	}
}

// TestParquetDecimalErrors: a DECIMAL beyond float64's range, and an
// empty BYTE_ARRAY decimal, are errors naming the column and the row.
func TestParquetDecimalErrors(t *testing.T) {
	huge := make([]byte, 200)
	huge[0] = 0x7f
	for i := 1; i < len(huge); i++ {
		huge[i] = 0xff
	}
	for _, c := range []struct {
		name  string
		node  parquet.Node
		value []byte
		want  string
	}{
		{"huge", parquet.Decimal(0, 482, parquet.FixedLenByteArrayType(200)), huge, "the DECIMAL is beyond float64's range"},
		{"empty", parquet.Decimal(2, 10, parquet.ByteArrayType), []byte{}, "an empty DECIMAL"},
	} {
		path := filepath.Join(t.TempDir(), c.name+".parquet")
		out, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		w := parquet.NewWriter(out, parquet.NewSchema("t", parquet.Group{"v": c.node}))
		one := []byte{0x01}
		if c.name == "huge" {
			one = make([]byte, 200)
			one[199] = 1
		}
		rows := []parquet.Row{{parquet.ByteArrayValue(one).Level(0, 0, 0)}, {parquet.ByteArrayValue(c.value).Level(0, 0, 0)}}
		if _, err := w.WriteRows(rows); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		out.Close()
		f, err := OpenFile(path, Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = scanAll(t, f, "v")
		f.Close()
		if !errors.Is(err, ErrValue) || !strings.Contains(err.Error(), `column "v": row 2: `+c.want) {
			t.Errorf("%s: error %v, want %v naming row 2 and %q", c.name, err, ErrValue, c.want)
		}
	}
}
