package dataset

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"unicode/utf8"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/deprecated"
	"github.com/parquet-go/parquet-go/format"
)

// parquetFile is an open Parquet file: its footer and its top-level
// columns classified by the package rule.
type parquetFile struct {
	file  *parquet.File
	names []string
	cols  []parquetColumn
}

type parquetColumn struct {
	kind     Kind
	typeName string
	leaf     int          // the column chunk's index in a row group
	phys     parquet.Kind // physical type
	unsigned bool
	scale    float64 // a decimal's 10^scale when the table has it, else 1 (0 past it)
	decimal  bool    // a DECIMAL: the unscaled integer × 10^-dscale
	dscale   int32
}

func openParquet(r io.ReaderAt, size int64) (p *parquetFile, err error) {
	defer func() {
		if v := recover(); v != nil {
			p, err = nil, fmt.Errorf("%w: %v", ErrParquet, v)
		}
	}()
	pf, err := parquet.OpenFile(r, size, parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("%w (truncated or corrupt?): %v", ErrParquet, err)
	}
	p = &parquetFile{file: pf}
	for _, c := range pf.Root().Columns() {
		p.names = append(p.names, c.Name())
		p.cols = append(p.cols, classify(c))
	}
	return p, nil
}

// exactInt reports whether the column is an INT64 of integers (not a
// decimal), whose values beyond 2^53 a float64 cannot hold: Batch.Int64s
// keeps them.
func (pc parquetColumn) exactInt() bool {
	return pc.kind == Numeric && pc.phys == parquet.Int64 && (!pc.decimal || pc.dscale == 0)
}

// decimalOf sets a DECIMAL's scale.
func (pc *parquetColumn) decimalOf(d *format.DecimalType) {
	pc.kind, pc.decimal, pc.dscale, pc.scale = Numeric, true, d.Scale, 0
	if d.Scale >= 0 && int(d.Scale) < len(pow10) {
		pc.scale = pow10[d.Scale]
	}
}

// intValue is an INT32 or INT64 value as a number: a DECIMAL's unscaled
// integer times 10^-scale, rounded once. float64(v)/10^scale is that when
// both are exact (|v| ≤ 2^53, scale ≤ 22: IEEE division rounds once);
// else the decimal is spelt and parsed (strconv.ParseFloat rounds
// correctly).
func (pc *parquetColumn) intValue(v int64) float64 {
	if !pc.decimal || pc.scale != 0 && v >= -1<<53 && v <= 1<<53 {
		return float64(v) / pc.scale
	}
	var b [24]byte
	return decimalFloat(strconv.AppendInt(b[:0], v, 10), pc.dscale)
}

// decimalFloat is the float64 nearest digits × 10^-scale (digits an
// integer spelt in base 10, with its sign): ±Inf beyond float64's range.
func decimalFloat(digits []byte, scale int32) float64 {
	s := string(digits) + "e" + strconv.FormatInt(-int64(scale), 10)
	x, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) { // cannot happen: an integer and an exponent
		return math.NaN()
	}
	return x
}

// bytesDecimal reads a DECIMAL stored as a (fixed-length) byte array: a
// big-endian two's-complement unscaled integer of any width.
func (pc *parquetColumn) bytesDecimal(b []byte) (float64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	if len(b) <= 8 {
		v := int64(int8(b[0])) // sign-extended
		for _, c := range b[1:] {
			v = v<<8 | int64(c)
		}
		return pc.intValue(v), true
	}
	n := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		n.Sub(n, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return decimalFloat(n.Append(nil, 10), pc.dscale), true
}

// classify applies the package rule to a top-level column.
func classify(c *parquet.Column) parquetColumn {
	if !c.Leaf() {
		return parquetColumn{kind: Unsupported, typeName: "a group (nested struct, list or map)"}
	}
	t := c.Type()
	pc := parquetColumn{leaf: c.Index(), phys: t.Kind(), scale: 1, typeName: t.Kind().String()}
	var lt format.LogicalTypeValue
	if l := t.LogicalType(); l != nil && l.Value != nil {
		lt = l.Value
		pc.typeName += " (" + l.String() + ")"
	}
	var ct deprecated.ConvertedType = -1
	if p := t.ConvertedType(); p != nil {
		ct = *p
		if lt == nil {
			pc.typeName += fmt.Sprintf(" (converted type %d)", ct)
		}
	}
	if c.Repeated() {
		pc.kind, pc.typeName = Unsupported, "repeated "+pc.typeName
		return pc
	}
	pc.kind = Unsupported
	switch pc.phys {
	case parquet.Boolean:
		if lt == nil && ct < 0 {
			pc.kind = Categorical
		}
	case parquet.Int32, parquet.Int64:
		switch v := lt.(type) {
		case nil:
			switch {
			case ct < 0 || ct >= deprecated.Int8 && ct <= deprecated.Int64:
				pc.kind = Numeric
			case ct >= deprecated.Uint8 && ct <= deprecated.Uint64:
				pc.kind, pc.unsigned = Numeric, true
			}
		case *format.IntType:
			pc.kind, pc.unsigned = Numeric, !v.IsSigned
		case *format.DecimalType:
			pc.decimalOf(v)
		}
	case parquet.Float, parquet.Double:
		if lt == nil && ct < 0 {
			pc.kind = Numeric
		}
	case parquet.ByteArray:
		switch v := lt.(type) {
		case nil:
			if ct < 0 || ct == deprecated.UTF8 || ct == deprecated.Enum || ct == deprecated.Json {
				pc.kind = Categorical
			}
		case *format.StringType, *format.EnumType, *format.JsonType:
			pc.kind = Categorical
		case *format.DecimalType:
			pc.decimalOf(v)
		}
	case parquet.FixedLenByteArray:
		if d, ok := lt.(*format.DecimalType); ok {
			pc.decimalOf(d)
		} else if lt == nil && ct < 0 {
			pc.kind = Categorical
		}
	}
	return pc
}

func (f *File) scanParquet(cols []int, fn func(*Batch) error) (err error) {
	p := f.pq
	for _, c := range cols {
		if pc := p.cols[c]; pc.kind == Unsupported {
			return f.errorf("column %q: %w: %s; the readable types are INT32, INT64, FLOAT, DOUBLE and DECIMAL (numeric), BOOLEAN, strings and byte arrays (categorical)",
				p.names[c], ErrType, pc.typeName)
		}
	}
	defer func() {
		if v := recover(); v != nil {
			err = f.errorf("%w: %v", ErrParquet, v)
		}
	}()
	size := f.opt.BatchRows
	if size <= 0 {
		size = 4096
	}
	k := len(cols)
	b := &Batch{kinds: make([]Kind, k), Num: make([][]float64, k), text: make([]textColumn, k)}
	nan := math.NaN()
	b.i64 = make([][]int64, k)
	b.unsigned = make([]bool, k)
	for j, c := range cols {
		b.kinds[j] = p.cols[c].kind
		b.Num[j] = make([]float64, size)
		if pc := p.cols[c]; pc.exactInt() {
			b.i64[j], b.unsigned[j] = make([]int64, size), pc.unsigned
		}
		if b.kinds[j] == Categorical {
			for r := range b.Num[j] {
				b.Num[j][r] = nan
			}
			b.text[j] = textColumn{end: make([]int32, 0, size), null: make([]bool, 0, size)}
		}
	}
	group := f.opt.ColumnGroup
	if group <= 0 || group > k {
		group = max(k, 1)
	}
	var first int64
	for _, rg := range p.file.RowGroups() {
		for lo := 0; lo < k || lo == 0; lo += group { // no columns: the rows alone
			hi := min(lo+group, k)
			if err := f.scanRowGroup(rg, cols, lo, hi, first, size, b, fn); err != nil {
				return err
			}
		}
		first += rg.NumRows()
	}
	return nil
}

// scanRowGroup reads columns lo to hi of a row group side by side.
func (f *File) scanRowGroup(rg parquet.RowGroup, cols []int, lo, hi int, first int64, size int, b *Batch, fn func(*Batch) error) error {
	p := f.pq
	chunks := rg.ColumnChunks()
	curs := make([]*cursor, hi-lo)
	for j := range curs {
		c := cols[lo+j]
		curs[j] = &cursor{f: f, col: &p.cols[c], name: p.names[c], pages: chunks[p.cols[c].leaf].Pages()}
	}
	defer func() {
		for _, c := range curs {
			c.close()
		}
	}()
	b.lo, b.hi = lo, hi
	for left := rg.NumRows(); left > 0; {
		n := int(min(left, int64(size)))
		b.Rows, b.first = n, first
		for j, c := range curs {
			if err := c.read(b, lo+j, n); err != nil {
				return err
			}
		}
		if err := fn(b); err != nil {
			return err
		}
		first += int64(n)
		left -= int64(n)
	}
	return nil
}

// cursor reads one column chunk, page by page.
type cursor struct {
	f     *File
	col   *parquetColumn
	name  string
	pages parquet.Pages
	page  parquet.Page
	vals  parquet.ValueReader
	buf   []parquet.Value
	f32   []float32
	i32   []int32
	i64   []int64
	memo  *[1024]widened // widen's recent answers, made on the first FLOAT value
	spell [32]byte       // widen's scratch
}

// widened is a FLOAT value's bits and its widened value. The zero entry
// is true (+0 widens to 0), so an empty memo needs no marks.
type widened struct {
	bits uint32
	x    float64
}

// widen gives a FLOAT value as the float64 of its shortest decimal
// spelling, the number a CSV export of the column holds: 0.42 stored as a
// float32 is 0.4199999868869781 exactly, and float64(v) would keep that,
// so the same data read from a CSV file (0.42) and from a FLOAT column
// would never compare equal and drift would see every value move. The
// float32 round trip of the result is v again, so NumberText's 32-bit
// spelling is unchanged. Integers below 2^24 are exact both ways and skip
// the decimal round trip; the rest are spelled into a buffer the cursor
// keeps (no value allocates), and a small memo spares repeated values
// (prices, rounded scores) the ~100 ns the round trip costs.
func (c *cursor) widen(v float32) float64 {
	x := float64(v)
	if x == math.Trunc(x) && math.Abs(x) < 1<<24 || math.IsNaN(x) || math.IsInf(x, 0) {
		return x
	}
	if c.memo == nil {
		c.memo = new([1024]widened)
	}
	bits := math.Float32bits(v)
	e := &c.memo[(bits*0x9E3779B1)>>22]
	if e.bits == bits {
		return e.x
	}
	// Spelt as 'e' (at most 9 digits, a short exponent), the spelling
	// almost always takes fastDecimal's exact path: no string made.
	b := strconv.AppendFloat(c.spell[:0], x, 'e', -1, 32)
	y, ok := fastDecimal(b)
	if !ok {
		var err error
		if y, err = strconv.ParseFloat(string(b), 64); err != nil { // cannot happen: AppendFloat spells a finite number
			y = x
		}
	}
	*e = widened{bits, y}
	return y
}

func (c *cursor) close() {
	if c.page != nil {
		parquet.Release(c.page)
		c.page = nil
	}
	c.pages.Close()
}

// read fills column j of the batch with the next n values.
func (c *cursor) read(b *Batch, j, n int) error {
	if t := &b.text[j]; t.end != nil {
		t.data, t.end, t.null = t.data[:0], t.end[:0], t.null[:0]
	}
	for got := 0; got < n; {
		if c.vals == nil {
			if c.page != nil {
				parquet.Release(c.page)
				c.page = nil
			}
			pg, err := c.pages.ReadPage()
			if err == io.EOF {
				return c.f.errorf("column %q: %w: the column has fewer values than the row group has rows", c.name, ErrParquet)
			}
			if err != nil {
				return c.f.errorf("column %q: %w (truncated or corrupt?): %v", c.name, ErrParquet, err)
			}
			c.page, c.vals = pg, pg.Values()
		}
		m, err := c.fill(b, j, got, n-got)
		got += m
		if err == io.EOF || err == nil && m == 0 {
			c.vals = nil
			continue
		}
		if err != nil {
			if _, ours := err.(*valueError); ours {
				return c.f.errorf("column %q: %w", c.name, err)
			}
			return c.f.errorf("column %q: %w (truncated or corrupt?): %v", c.name, ErrParquet, err)
		}
	}
	return nil
}

// valueError is a value the rules refuse.
type valueError struct {
	row  int64
	what string
}

func (e *valueError) Error() string { return fmt.Sprintf("row %d: %s", e.row, e.what) }
func (e *valueError) Unwrap() error { return ErrValue }

// fill reads up to want values of the current page into column j from row
// at of the batch.
func (c *cursor) fill(b *Batch, j, at, want int) (int, error) {
	pc := c.col
	if pc.kind == Numeric && !pc.unsigned {
		dst := b.Num[j][at : at+want]
		var m int
		var err error
		switch r := c.vals.(type) {
		case parquet.DoubleReader:
			m, err = r.ReadDoubles(dst)
		case parquet.FloatReader:
			c.f32 = grow(c.f32, want)
			m, err = r.ReadFloats(c.f32)
			for i, v := range c.f32[:m] {
				dst[i] = c.widen(v)
			}
		case parquet.Int32Reader:
			c.i32 = grow(c.i32, want)
			m, err = r.ReadInt32s(c.i32)
			for i, v := range c.i32[:m] {
				dst[i] = pc.intValue(int64(v))
			}
		case parquet.Int64Reader:
			// Read into the batch's integers when it keeps them
			// (Batch.Int64s): no copy more.
			var buf []int64
			if ints := b.i64[j]; ints != nil {
				buf = ints[at : at+want]
			} else {
				c.i64 = grow(c.i64, want)
				buf = c.i64
			}
			m, err = r.ReadInt64s(buf)
			for i, v := range buf[:m] {
				dst[i] = pc.intValue(v)
			}
		default:
			return c.fillValues(b, j, at, want)
		}
		for i, v := range dst[:m] {
			if math.IsInf(v, 0) {
				return i, &valueError{b.first + int64(at+i) + 1, infinite(pc, v)}
			}
		}
		return m, err
	}
	return c.fillValues(b, j, at, want)
}

// infinite says why an infinite value is refused.
func infinite(pc *parquetColumn, v float64) string {
	if pc.decimal {
		return "the DECIMAL is beyond float64's range (±1.8e308)"
	}
	return fmt.Sprintf("%v is not a finite number", v)
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

var trueBytes, falseBytes = []byte("true"), []byte("false")

// fillValues reads values through the generic reader: nullable columns,
// dictionary pages, categorical columns.
func (c *cursor) fillValues(b *Batch, j, at, want int) (int, error) {
	if len(c.buf) < want {
		c.buf = make([]parquet.Value, max(want, 1024))
	}
	m, err := c.vals.ReadValues(c.buf[:want])
	pc := c.col
	if pc.kind == Numeric {
		dst := b.Num[j][at : at+m]
		if ints := b.i64[j]; ints != nil {
			ints = ints[at : at+m]
			for i, v := range c.buf[:m] {
				if !v.IsNull() {
					ints[i] = v.Int64()
				}
			}
		}
		for i, v := range c.buf[:m] {
			var x float64
			switch {
			case v.IsNull():
				x = math.NaN()
			case pc.phys == parquet.Double:
				x = v.Double()
			case pc.phys == parquet.Float:
				x = c.widen(v.Float())
			case pc.phys == parquet.Int32 && pc.unsigned:
				x = float64(uint32(v.Int32()))
			case pc.phys == parquet.Int32:
				x = pc.intValue(int64(v.Int32()))
			case pc.phys == parquet.Int64:
				if pc.unsigned {
					x = float64(uint64(v.Int64()))
				} else {
					x = pc.intValue(v.Int64())
				}
			default: // a DECIMAL as a byte array
				var ok bool
				if x, ok = pc.bytesDecimal(v.ByteArray()); !ok {
					return i, &valueError{b.first + int64(at+i) + 1, "an empty DECIMAL (no bytes)"}
				}
			}
			if math.IsInf(x, 0) {
				return i, &valueError{b.first + int64(at+i) + 1, infinite(pc, x)}
			}
			dst[i] = x
		}
		return m, err
	}
	t := &b.text[j]
	for i, v := range c.buf[:m] {
		switch {
		case v.IsNull():
		case pc.phys == parquet.Boolean:
			if v.Boolean() {
				t.data = append(t.data, trueBytes...)
			} else {
				t.data = append(t.data, falseBytes...)
			}
		default:
			s := v.ByteArray()
			if !utf8.Valid(s) {
				return i, &valueError{b.first + int64(at+i) + 1, "the bytes are not UTF-8 text"}
			}
			t.data = append(t.data, s...)
		}
		t.end = append(t.end, int32(len(t.data)))
		t.null = append(t.null, v.IsNull())
	}
	return m, err
}
