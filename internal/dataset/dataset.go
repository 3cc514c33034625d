// Package dataset reads the columns of a data file — CSV (any file
// package tabular reads) or Parquet — as a stream of row batches, in
// memory bounded by the batch size, whatever the file's size. It is how
// Lodestar loads a data set it compares or monitors: `lodestar drift`
// reads both of its files through it, and the server will load monitor
// reference data sets the same way.
//
//	f, err := dataset.OpenFile("ref.parquet", dataset.Options{})
//	…
//	defer f.Close()
//	i, err := f.Column("amount")          // a name, or #N for the N-th column
//	err = f.Scan([]int{i}, func(b *dataset.Batch) error {
//		for r := range b.Rows {
//			if b.Missing(0, r) { continue }
//			x := b.Num[0][r]              // NaN when the cell is not a number
//			…
//		}
//		return nil
//	})
//
// The format is told by the content: a file that starts with the Parquet
// magic bytes "PAR1" is Parquet, whatever its name; any other file is CSV,
// except that a file named .parquet or .parq that does not start with
// "PAR1" is refused (it is not what its name says).
//
// CSV follows package tabular's rules (encoding, separator, quotes, line
// ends, header names). Every column is Text: a cell is a number when
// ParseNumber reads it (ParseDecimalComma with Options.DecimalComma;
// with Options.Formatted also ParseFormatted; Batch.Num holds it), missing when IsMissing says so (blank, or one of
// pandas' NA spellings), else text. The file is
// parsed on several cores (see tabular.Reader.ReadBlocks) and read once:
// Scan can be called once.
//
// Parquet columns have the kind of their type, and are read row group by
// row group, page by page: a page of each column read side by side is in
// memory at a time, so Options.ColumnGroup bounds memory for wide files
// (a row group is then read in passes of that many columns; Batch.Has says
// which are in a batch). Scan can be called again. The rule:
//
//   - Numeric: INT32 and INT64 (plain, or with an INT logical type, signed
//     or unsigned), FLOAT and DOUBLE, and DECIMAL stored as INT32, INT64,
//     FIXED_LEN_BYTE_ARRAY or BYTE_ARRAY (the unscaled big-endian
//     two's-complement integer × 10^-scale, rounded once to the nearest
//     float64: digits past its 15–17 significant ones are lost). NaN is
//     missing; an infinite value, or a decimal beyond float64's range, is
//     an error naming the column and row.
//   - Categorical: BOOLEAN ("true", "false"), BYTE_ARRAY plain or as a
//     STRING, ENUM or JSON logical type, and FIXED_LEN_BYTE_ARRAY without
//     a logical type; the bytes must be UTF-8 (an error names the row).
//   - Everything else is refused, naming the column and its type, when the
//     column is read: dates, times and timestamps, INT96, UUID, FLOAT16,
//     intervals, and nested or repeated
//     columns (groups, lists, maps).
//   - A null is missing, in every kind, and so is an empty string (as a
//     blank CSV cell is). Other strings are taken as written: a typed file
//     has real nulls, so the CSV NA spellings are not missing there.
package dataset

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/lodestar-hq/lodestar/internal/tabular"
	"github.com/parquet-go/parquet-go"
)

// Format is a data file's format.
type Format int

// The formats a File reads.
const (
	CSV Format = iota + 1
	Parquet
)

func (f Format) String() string {
	if f == Parquet {
		return "parquet"
	}
	return "csv"
}

// Kind is what a column holds.
type Kind int

// Column kinds. Text is a CSV column: each cell is a number or not, known
// only when read.
const (
	Text Kind = iota + 1
	Numeric
	Categorical
	Unsupported
)

func (k Kind) String() string {
	switch k {
	case Text:
		return "text"
	case Numeric:
		return "numeric"
	case Categorical:
		return "categorical"
	}
	return "unsupported"
}

// Errors a File returns, to be matched with errors.Is; the message around
// them names the file (and column, row or line).
var (
	// ErrNotParquet means a file named as Parquet that is not Parquet.
	ErrNotParquet = errors.New("not a Parquet file")
	// ErrParquet means a Parquet file that cannot be read (truncated,
	// corrupt).
	ErrParquet = errors.New("unreadable Parquet file")
	// ErrType means a column of a type this package does not read.
	ErrType = errors.New("unsupported column type")
	// ErrValue means a value that cannot be used (infinite, not UTF-8).
	ErrValue = errors.New("unusable value")
	// ErrRescan means a second Scan of a CSV file.
	ErrRescan = errors.New("a CSV file is read once")
)

// Options say how to read a file.
type Options struct {
	// CSV are the CSV reading rules (encoding, separator); CSV.Name, when
	// set, prefixes every error message, in both formats.
	CSV tabular.Options
	// DecimalComma reads CSV numbers written with a decimal comma, as
	// Excel writes them in much of Europe ("1,5", "-0,25"): such a cell is
	// the number ParseNumber reads with the comma as a point, and a cell
	// holding a '.' is not a number (there it would group thousands).
	// Parquet is typed: this does not touch it.
	DecimalComma bool
	// Formatted also reads CSV cells written as numbers are for people:
	// digits grouped in threes and percentages (ParseFormatted: "1,234.5",
	// with DecimalComma "1.234,5"; "12.5%" is 12.5), which Batch.Percents
	// and Batch.Grouped count; and marks numbers written with a leading
	// zero ("007", Batch.LeadingZeros). Without it such cells are text.
	Formatted bool
	// Workers is how many goroutines parse CSV; 0 means GOMAXPROCS.
	Workers int
	// BatchRows is the most rows of a Parquet batch; 0 means 4096. (A CSV
	// batch is what a block of about 256 KiB of text holds.)
	BatchRows int
	// ColumnGroup, when above 0, bounds how many Parquet columns are read
	// side by side: a row group is then read in passes of that many
	// columns, and each batch holds only its pass's columns (Batch.Has).
	// A Parquet column holds a page in memory as it is read (about 1 MiB
	// as most writers cut them), so this bounds memory for wide files;
	// rows still come in order within each column. 0 reads all together.
	ColumnGroup int
	// Read, when set, is added the bytes read from a file OpenFile
	// opened, as they are read (for a progress display).
	Read *atomic.Int64
}

// countingReaderAt adds the bytes it reads to n.
type countingReaderAt struct {
	r io.ReaderAt
	n *atomic.Int64
}

func (c countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	k, err := c.r.ReadAt(p, off)
	c.n.Add(int64(k))
	return k, err
}

// File is an open data file. It is not safe for concurrent use.
type File struct {
	name    string
	format  Format
	opt     Options
	header  []string
	csv     *tabular.Reader
	pq      *parquetFile
	closer  io.Closer
	scanned bool
}

// OpenFile opens the file at path; error messages name it unless
// opt.CSV.Name says otherwise. A pipe is read whole into a temporary
// file first. Close the File to close the file.
func OpenFile(path string, opt Options) (*File, error) {
	if opt.CSV.Name == "" {
		opt.CSV.Name = path
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	if st.IsDir() {
		fh.Close()
		return nil, fmt.Errorf("%s: %w", opt.CSV.Name, tabular.ErrDirectory)
	}
	var closer io.Closer = fh
	if st.Mode()&os.ModeNamedPipe != 0 {
		// A pipe (`<(zcat ref.csv.gz)`, /dev/stdin piped) cannot be read
		// at offsets: its bytes are spooled to a temporary file, removed
		// on Close, and read from there. (Not a device: /dev/zero would
		// never end.)
		sp, err := spool(fh)
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", opt.CSV.Name, err)
		}
		if st, err = sp.Stat(); err != nil {
			sp.Close()
			return nil, err
		}
		fh, closer = sp.File, sp
	}
	ext := strings.ToLower(filepath.Ext(path))
	var r io.ReaderAt = fh
	if opt.Read != nil {
		r = countingReaderAt{fh, opt.Read}
	}
	f, err := open(r, st.Size(), ext == ".parquet" || ext == ".parq", opt)
	if err != nil {
		closer.Close()
		return nil, err
	}
	f.closer = closer
	return f, nil
}

// spooled is a temporary file holding what a pipe gave; Close removes it.
type spooled struct{ *os.File }

func (s spooled) Close() error {
	err := s.File.Close()
	os.Remove(s.Name())
	return err
}

// spool copies what r streams to a temporary file.
func spool(r io.Reader) (spooled, error) {
	f, err := os.CreateTemp("", "lodestar-pipe-*")
	if err != nil {
		return spooled{}, fmt.Errorf("temporary file: %w", err)
	}
	os.Remove(f.Name()) // unnamed where it can be: nothing left if the run is killed; else Close removes it
	sp := spooled{f}
	if _, err := io.Copy(f, r); err != nil {
		sp.Close()
		return spooled{}, err
	}
	return sp, nil
}

// Open reads a file of size bytes from r: Parquet when it starts with
// "PAR1", else CSV. Close does not close r.
func Open(r io.ReaderAt, size int64, opt Options) (*File, error) {
	return open(r, size, false, opt)
}

func open(r io.ReaderAt, size int64, namedParquet bool, opt Options) (*File, error) {
	f := &File{name: opt.CSV.Name, opt: opt}
	var magic [4]byte
	n, err := r.ReadAt(magic[:], 0)
	if err != nil && err != io.EOF {
		return nil, f.errorf("%w", err)
	}
	if string(magic[:n]) == "PAR1" {
		f.format = Parquet
		if f.pq, err = openParquet(r, size); err != nil {
			return nil, f.errorf("%w", err)
		}
		f.header = f.pq.names
		return f, nil
	}
	if namedParquet {
		return nil, f.errorf("%w: it is named as one but does not start with the Parquet magic bytes \"PAR1\"", ErrNotParquet)
	}
	f.format = CSV
	if f.csv, err = tabular.Open(io.NewSectionReader(r, 0, size), opt.CSV); err != nil {
		return nil, err
	}
	f.header = f.csv.Header()
	return f, nil
}

func (f *File) errorf(format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	if f.name != "" {
		return fmt.Errorf("%s: %w", f.name, err)
	}
	return err
}

// Close closes the file opened by OpenFile.
func (f *File) Close() error {
	if f.closer == nil {
		return nil
	}
	return f.closer.Close()
}

// Name returns the name errors are prefixed with.
func (f *File) Name() string { return f.name }

// Format returns the file's format.
func (f *File) Format() Format { return f.format }

// Header returns the column names (for CSV after tabular's header rules).
// The slice must not be modified.
func (f *File) Header() []string { return f.header }

// Kind returns the kind of column i: Text for CSV; for Parquet the kind of
// its type, Unsupported when the package does not read it.
func (f *File) Kind(i int) Kind {
	if f.format == CSV {
		return Text
	}
	return f.pq.cols[i].kind
}

// TypeName describes column i's type: "text" for CSV, the Parquet type
// otherwise (e.g. "DOUBLE", "BYTE_ARRAY (STRING)").
func (f *File) TypeName(i int) string {
	if f.format == CSV {
		return "text"
	}
	return f.pq.cols[i].typeName
}

// NumberText spells a value of Numeric column i as data exports write it
// in CSV, for comparing it with a CSV column's cells as text: an integer
// type's values as integers ("1000000", never "1e+06"), a FLOAT's at its
// own precision ("0.1", not "0.10000000149011612"), a DOUBLE's and a
// DECIMAL's in plain notation from 1e-4 up to 1e16 and with an exponent
// beyond ("1e-05", "1e+16"), as pandas and Python write them.
func (f *File) NumberText(i int, v float64) string {
	bits := 64
	if f.format == Parquet {
		pc := f.pq.cols[i]
		switch {
		case (pc.phys == parquet.Int32 || pc.phys == parquet.Int64) && pc.scale == 1:
			if v < 0 || v < 1<<63 {
				return strconv.FormatInt(int64(v), 10)
			}
			return strconv.FormatUint(uint64(v), 10) // an unsigned INT64 past int64's range
		case pc.phys == parquet.Float:
			bits = 32
		}
	}
	if a := math.Abs(v); a == 0 || a >= 1e-4 && a < 1e16 {
		return strconv.FormatFloat(v, 'f', -1, bits)
	}
	return strconv.FormatFloat(v, 'g', -1, bits)
}

// Encoding returns the encoding a CSV file is read in (tabular's
// canonical name) and whether it was detected rather than given; "" for
// Parquet.
func (f *File) Encoding() (name string, detected bool) {
	if f.format != CSV {
		return "", false
	}
	return f.csv.Encoding(), f.csv.EncodingDetected()
}

// DecimalComma reports whether CSV numbers are read with a decimal comma
// (Options.DecimalComma).
func (f *File) DecimalComma() bool { return f.format == CSV && f.opt.DecimalComma }

// Separator returns a CSV file's field separator; 0 for Parquet.
func (f *File) Separator() rune {
	if f.format != CSV {
		return 0
	}
	return f.csv.Separator()
}

// Rows returns the number of rows when the format records it (Parquet),
// else -1.
func (f *File) Rows() int64 {
	if f.format == Parquet {
		return f.pq.file.NumRows()
	}
	return -1
}

// Column returns the 0-based index of a column given by its name or as #N
// (1-based), by tabular's rules: an exact name first, then a name that
// matches one header ignoring case; a name several columns share is an
// error asking for #N.
func (f *File) Column(spec string) (int, error) {
	if f.format == CSV {
		return f.csv.Column(spec)
	}
	if n, ok := strings.CutPrefix(spec, "#"); ok && n != "" && strings.Trim(n, "0123456789") == "" {
		i, err := strconv.Atoi(n)
		if err != nil || i < 1 || i > len(f.header) {
			return 0, f.errorf("%w: column %s: the file has columns #1 to #%d", tabular.ErrColumn, spec, len(f.header))
		}
		return i - 1, nil
	}
	name := strings.TrimSpace(spec)
	for _, fold := range []bool{false, true} {
		var at []int
		for i, h := range f.header {
			if h == name || fold && strings.EqualFold(h, name) {
				at = append(at, i)
			}
		}
		switch {
		case len(at) == 1:
			return at[0], nil
		case len(at) > 1:
			return 0, f.errorf("%w: %q is the name of columns #%d and #%d; select one by position", tabular.ErrAmbiguous, spec, at[0]+1, at[1]+1)
		}
	}
	parts := make([]string, len(f.header))
	for i, h := range f.header {
		parts[i] = fmt.Sprintf("#%d %q", i+1, h)
	}
	return 0, f.errorf("%w: %q (the columns are %s)", tabular.ErrColumn, spec, strings.Join(parts, ", "))
}

// Scan reads every row of the columns cols (indexes from Column, in that
// order) and calls fn with each batch of rows, in file order, on the
// calling goroutine. The batch and its bytes are valid until fn returns.
// An error from fn stops the scan and is returned. A Parquet column of an
// unsupported type is an error naming it, before any row is read.
func (f *File) Scan(cols []int, fn func(*Batch) error) error {
	for _, c := range cols {
		if c < 0 || c >= len(f.header) {
			return f.errorf("%w: column index %d: the file has %d columns", tabular.ErrColumn, c, len(f.header))
		}
	}
	if f.format == Parquet {
		return f.scanParquet(cols, fn)
	}
	if f.scanned {
		return f.errorf("%w", ErrRescan)
	}
	f.scanned = true
	return f.scanCSV(cols, fn)
}

// Batch is a run of consecutive rows of the scanned columns; column k is
// the k-th of the columns asked for.
type Batch struct {
	// Rows is the number of rows.
	Rows int
	// Num[k][r] is column k's number in row r: a Numeric column's value
	// (NaN when missing); a Text column's cell read by ParseNumber (NaN
	// when it is not a number); NaN for a Categorical column.
	Num [][]float64

	kinds []Kind
	block *tabular.Block // CSV
	ints  []bool         // CSV: IntCells
	// CSV with Options.Formatted: Percents, Grouped, LeadingZeros
	percent []int32
	grouped []bool
	lead    []bool
	first   int64        // the 0-based number of the first row
	text    []textColumn // Parquet categorical values
	lo, hi  int          // the columns present: lo ≤ k < hi

	i64      [][]int64 // Parquet INT64 integer columns' values (Int64s)
	unsigned []bool
}

// Int64s returns the values of column k as stored when it is a Parquet
// INT64 column of integers (not a decimal), whose values Num holds only
// to float64's 53 bits: ints[r] is row r's value (its bits, as uint64
// when unsigned), meaningless where Num[k][r] is NaN (a null). nil for
// any other column.
func (b *Batch) Int64s(k int) (ints []int64, unsigned bool) {
	if b.i64 == nil || b.i64[k] == nil {
		return nil, false
	}
	return b.i64[k][:b.Rows], b.unsigned[k]
}

// Has reports whether column k is in the batch: always, unless
// Options.ColumnGroup splits the columns into passes.
func (b *Batch) Has(k int) bool { return k >= b.lo && k < b.hi }

// IntCells reports whether every cell of CSV column k in the batch that
// is a number is written exactly as strconv.FormatInt writes its value
// (see IntCell), so that the value gives the cell's text back. False for
// Parquet columns, and may be false for a batch without numbers.
func (b *Batch) IntCells(k int) bool { return b.ints != nil && b.ints[k] }

// Percents returns how many cells of CSV column k in the batch are
// percentages read as numbers (Options.Formatted; "12.5%" is 12.5).
func (b *Batch) Percents(k int) int {
	if b.percent == nil {
		return 0
	}
	return int(b.percent[k])
}

// Grouped reports whether a cell of CSV column k in the batch is a
// number read with its digits grouped (Options.Formatted: "1,234.5").
func (b *Batch) Grouped(k int) bool { return b.grouped != nil && b.grouped[k] }

// LeadingZeros reports whether a number cell of CSV column k in the
// batch is written with a leading zero before another digit ("007";
// Options.Formatted; see LeadingZero).
func (b *Batch) LeadingZeros(k int) bool { return b.lead != nil && b.lead[k] }

// Start returns the 0-based number of the batch's first row in the file:
// with Options.ColumnGroup, the same rows come once per pass.
func (b *Batch) Start() int64 { return b.first }

// textColumn is a Parquet column's values as bytes.
type textColumn struct {
	data []byte
	end  []int32
	null []bool
}

// Kind returns column k's kind.
func (b *Batch) Kind(k int) Kind { return b.kinds[k] }

// Line returns where row r is in the file, for messages: for CSV the line
// it starts on, for Parquet its 1-based row number.
func (b *Batch) Line(r int) int {
	if b.block != nil {
		return b.block.Lines[r]
	}
	return int(b.first) + r + 1 // Parquet
}

// Text returns column k's cell in row r as written: a CSV cell, a
// Categorical value; nil for a Numeric column.
func (b *Batch) Text(k, r int) []byte {
	if b.block != nil {
		return b.block.Field(r, k)
	}
	t := &b.text[k]
	if t.end == nil {
		return nil
	}
	s := int32(0)
	if r > 0 {
		s = t.end[r-1]
	}
	return t.data[s:t.end[r]]
}

// Missing reports whether column k is missing in row r: for CSV a cell
// IsMissing calls missing, for Parquet a null, a NaN or an empty string.
func (b *Batch) Missing(k, r int) bool {
	switch b.kinds[k] {
	case Text:
		return b.Num[k][r] != b.Num[k][r] && IsMissing(b.block.Field(r, k))
	case Numeric:
		return b.Num[k][r] != b.Num[k][r]
	}
	return b.text[k].null[r] || len(b.Text(k, r)) == 0
}
