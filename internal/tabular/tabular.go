// Package tabular reads the delimited text files people actually have —
// exported from Excel, WPS, databases and scripts — for every Lodestar
// command that takes a data file. It streams: memory is bounded by the
// longest record, whatever the file's size.
//
// Each quirk of real files is handled by a stated rule, and anything the
// rules cannot read correctly is an error naming the line, never a guess
// that silently changes the data:
//
//   - Encoding. UTF-8, with or without a byte-order mark; GB18030 (and its
//     subset GBK); Windows-1252 and ISO-8859-1 (Latin-1). With no encoding
//     given, it is detected from the first 64 KiB: valid UTF-8 is UTF-8
//     (and so is UTF-8 with a stray invalid byte among ten times as many
//     multi-byte characters, to be refused at its line);
//     otherwise GB18030 when the bytes are well-formed GB18030 and at least
//     90% of the multi-byte characters fall in the GB2312 block of common
//     hanzi (as Chinese text does, and Latin-1 text read as GB18030 does
//     not); otherwise Windows-1252. A GB18030 byte-order mark selects
//     GB18030. An explicit encoding overrides detection. Bytes that are not
//     valid in the chosen encoding — anywhere in the file, not only in the
//     sample — are an error naming the line. UTF-16 files are refused with a
//     request to save as UTF-8: with a byte-order mark, or without one when
//     their first characters read as UTF-16 text with some ASCII in it
//     (see looksUTF16).
//   - Separator. Comma, semicolon or tab, detected from the header line
//     (the first that is not empty) by counting each outside quotes: the
//     most frequent wins; a tie between two present separators is an error
//     asking for the separator; none at all means a one-column comma file.
//     An explicit separator overrides.
//   - Lines and quotes. LF or CRLF line ends; RFC 4180 quoting, so fields
//     may hold separators, line breaks and doubled quotes. A quote inside an
//     unquoted field, or text after a closing quote, is an error (the
//     reading is strict, not lazy); so is a quoted field the file ends
//     inside, named by the line its opening quote is on. Lines that are
//     empty or hold nothing but white space (spaces, tabs other than the
//     separator, Unicode's spaces; a quoted field of them alone too) are
//     skipped, as pandas skips them (pandas keeps the quoted one as a
//     row); a line of separators only is a
//     record of blank cells. A file whose lines end in CR alone is
//     refused.
//   - Shape. The first non-empty line is the header — unless it is
//     Excel's separator line, "sep=;" (or "sep=," or "sep=" and a tab),
//     which gives the separator (an explicit one overrides it) and is
//     skipped, the header coming next. Every record must have
//     as many fields as the header: a short or long row is an error naming
//     its line.
//   - Header names are trimmed of surrounding white space (including the
//     ideographic space and a stray byte-order mark); a blank name becomes
//     column_N, N its 1-based position. Duplicate names are kept: selecting
//     a column by a name that occurs more than once is an error that asks
//     for the column by position, written #N (#3 is the third column).
//     Values are returned exactly as written, not trimmed.
//
// Line numbers count physical lines from 1, as an editor shows them; a
// record with a quoted line break spans several and is reported by the line
// it starts on.
package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// Errors a Reader returns, to be matched with errors.Is; the message around
// them names the file, line and column.
var (
	// ErrEmpty means the file has no header line.
	ErrEmpty = errors.New("empty file: no header line")
	// ErrEncoding means bytes that are not valid in the file's encoding.
	ErrEncoding = errors.New("invalid text encoding")
	// ErrFormat means a line that is not well-formed delimited text: a
	// stray quote, a wrong number of fields, an overlong line.
	ErrFormat = errors.New("malformed record")
	// ErrColumn means a column that does not exist or cannot be told apart.
	ErrColumn = errors.New("no such column")
	// ErrAmbiguous means a column name that several columns share; select
	// the column as #N instead.
	ErrAmbiguous = errors.New("ambiguous column name")
	// ErrOption means an encoding or separator that is not supported.
	ErrOption = errors.New("unsupported option")
	// ErrDirectory means a directory given where a file is wanted.
	ErrDirectory = errors.New("is a directory, not a file; name the data file in it")
)

// Encodings a Reader can read, by the names Options.Encoding accepts.
// Aliases: utf8; gb2312 and cp936 (read as GBK); cp1252; latin1, latin-1
// and iso8859-1. Names are case-insensitive.
const (
	UTF8        = "utf-8"
	GB18030     = "gb18030"
	GBK         = "gbk"
	Windows1252 = "windows-1252"
	Latin1      = "iso-8859-1"
)

// SampleSize is how much of the start of a file the encoding is detected
// from.
const SampleSize = 64 << 10

// MaxLineBytes bounds a physical line; a longer one is refused rather than
// held in memory.
const MaxLineBytes = 64 << 20

// maxLineBytes is MaxLineBytes, lowered by tests.
var maxLineBytes = MaxLineBytes

// Options say how to read a file. The zero value detects everything.
type Options struct {
	// Encoding is one of the names above; "" detects it.
	Encoding string
	// Separator is ',', ';' or '\t'; 0 detects it.
	Separator rune
	// Name, when set, prefixes every error message (a file name).
	Name string
}

// Reader reads records from a delimited text file. It is not safe for
// concurrent use.
type Reader struct {
	name     string
	encoding string
	detected bool
	sep      rune
	header   []string
	csv      *csv.Reader
	dec      *encoding.Decoder // nil for UTF-8
	enc      *encoding.Encoder
	closer   io.Closer
	out      []string
	br       *bufio.Reader // what t.csv reads, exactly after the last record read
	lineBase int           // added to the lines t.csv counts (a chunk's reader)
	nextLine int           // the line after the last record read
	consumed bool          // ReadBlocks has read the rest of the file
	guard    *lineGuard    // under br; nil for a block's reader
	// atEnd, asked once encoding/csv has failed with ErrQuote, says
	// whether the input is exhausted and where its last double quote is
	// (line and 1-based byte column, as encoding/csv counts them).
	atEnd func() (exhausted bool, quoteLine, quoteCol int)
}

// OpenFile opens the file at path with Open; the error messages name the
// file unless opt.Name says otherwise. Close the Reader to close the file.
func OpenFile(path string, opt Options) (*Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if opt.Name == "" {
		opt.Name = path
	}
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, &nameError{name: opt.Name, err: ErrDirectory}
	}
	r, err := Open(f, opt)
	if err != nil {
		f.Close()
		return nil, err
	}
	r.closer = f
	return r, nil
}

// Open reads the header from r and returns a Reader positioned at the first
// record.
func Open(r io.Reader, opt Options) (*Reader, error) {
	t := &Reader{name: opt.Name}
	if err := t.setSeparator(opt.Separator); err != nil {
		return nil, err
	}
	guard := &lineGuard{r: r, name: opt.Name, line: 1, quotes: true}
	t.guard = guard
	br := bufio.NewReaderSize(guard, SampleSize)
	sample, err := br.Peek(SampleSize)
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, t.errorf(0, "%w", err)
	}
	whole := err == io.EOF
	if what := BinaryFormat(sample); what != "" {
		return nil, t.errorf(0, "%w: %s", ErrFormat, what)
	}
	skip, err := t.chooseEncoding(opt.Encoding, sample, whole)
	if err != nil {
		return nil, err
	}
	// The sample is all that was read so far; the guard checks the rest.
	if j := bytes.IndexByte(sample, 0); j >= 0 {
		return nil, t.errorf(1+bytes.Count(sample[:j], []byte{'\n'}), "%w", errNUL)
	}
	guard.nul = true
	br.Discard(skip)
	sample = sample[skip:]
	// Excel's "sep=;" line names the separator; encoding/csv does not
	// see it (nor the empty lines before it): its lines count from the
	// header, lineBase lines on.
	if n, sep := sepLine(sample); n > 0 {
		if t.sep == 0 {
			t.sep = sep
		}
		br.Discard(n)
		t.lineBase = bytes.Count(sample[:n], []byte{'\n'})
		sample = sample[n:]
	}
	base := t.lineBase
	t.atEnd = func() (bool, int, int) {
		if _, err := br.Peek(1); err != io.EOF {
			return false, 0, 0
		}
		line, col := guard.quoteLine-base, guard.quoteCol
		if line == 1 && base == 0 {
			col -= skip // encoding/csv does not see the byte-order mark
		}
		return true, line, col
	}
	if t.sep == 0 {
		if t.sep, err = detectSeparator(sample); err != nil {
			return nil, t.errorf(1, "%w", err)
		}
	}
	if !bytes.Contains(sample, []byte{'\n'}) {
		if j := bytes.IndexByte(sample, '\r'); j >= 0 && j < len(sample)-1 {
			return nil, t.errorf(1, "%w: lines end in CR alone (classic Mac OS); save the file with LF or CRLF line ends", ErrFormat)
		}
	}
	// csv.NewReader reads br directly (a *bufio.Reader at least as large
	// as its own), so br stays positioned right after the last record
	// read: ReadBlocks carries on from there.
	t.br = br
	t.csv = csv.NewReader(br)
	t.csv.Comma = t.sep
	t.csv.ReuseRecord = true
	t.csv.FieldsPerRecord = -1 // read counts them, past white-space lines
	rec, _, err := t.read()
	if err == io.EOF {
		return nil, t.errorf(0, "%w", ErrEmpty)
	}
	if err != nil {
		return nil, err
	}
	t.header = make([]string, len(rec))
	for i, h := range rec {
		h = strings.TrimSpace(strings.ReplaceAll(h, "\ufeff", ""))
		if h == "" {
			h = "column_" + strconv.Itoa(i+1)
		}
		t.header[i] = h
	}
	return t, nil
}

// BinaryFormat names the format of a file that is not text by its first
// bytes — compressed, an archive or workbook, Parquet — with what to do,
// or returns "". No text file starts with these bytes. Open refuses such
// a file with this message.
func BinaryFormat(b []byte) string {
	compressed := func(name string) string {
		return fmt.Sprintf("the file is %s-compressed, not text; decompress it first", name)
	}
	switch {
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return compressed("gzip")
	case len(b) >= 10 && bytes.HasPrefix(b, []byte("BZh")) && b[3] >= '1' && b[3] <= '9' && string(b[4:10]) == "1AY&SY":
		return compressed("bzip2")
	case bytes.HasPrefix(b, []byte("\xfd7zXZ\x00")):
		return compressed("xz")
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return compressed("zstd")
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return "the file is a ZIP archive (an Excel .xlsx workbook?), not text; save the sheet as CSV UTF-8, or unzip it"
	case bytes.HasPrefix(b, []byte("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")):
		return "the file is an Excel 97–2003 workbook (.xls), not text; save the sheet as CSV UTF-8"
	case bytes.HasPrefix(b, []byte("PAR1")):
		return "the file is Parquet, not delimited text; give a CSV file"
	}
	return ""
}

func (t *Reader) setSeparator(sep rune) error {
	switch sep {
	case 0, ',', ';', '\t':
		t.sep = sep
		return nil
	}
	return t.errorf(0, "%w: separator %q: want comma, semicolon or tab", ErrOption, sep)
}

// Close closes the file opened by OpenFile; for a Reader from Open it does
// nothing.
func (t *Reader) Close() error {
	if t.closer == nil {
		return nil
	}
	return t.closer.Close()
}

// Header returns the column names after the header rules (trimmed, blanks
// named column_N). The slice must not be modified.
func (t *Reader) Header() []string { return t.header }

// Encoding returns the encoding the file is read in, by its canonical name.
func (t *Reader) Encoding() string { return t.encoding }

// EncodingDetected reports whether Encoding was detected rather than given.
func (t *Reader) EncodingDetected() bool { return t.detected }

// Separator returns the field separator in use.
func (t *Reader) Separator() rune { return t.sep }

// Column returns the 0-based index of a column given by its header name or
// by position as #N (1-based). A name matches a header exactly; failing
// that, it matches case-insensitively if only one header does. A name that
// several headers share is an error (ErrAmbiguous) listing their
// positions, so the caller can ask for one of them as #N.
func (t *Reader) Column(spec string) (int, error) {
	if n, ok := strings.CutPrefix(spec, "#"); ok && n != "" && strings.Trim(n, "0123456789") == "" {
		i, err := strconv.Atoi(n)
		if err != nil || i < 1 || i > len(t.header) {
			return 0, t.errorf(0, "%w: column %s: the file has columns #1 to #%d", ErrColumn, spec, len(t.header))
		}
		return i - 1, nil
	}
	name := strings.TrimSpace(spec)
	for _, fold := range []bool{false, true} {
		var at []int
		for i, h := range t.header {
			if h == name || fold && strings.EqualFold(h, name) {
				at = append(at, i)
			}
		}
		switch len(at) {
		case 0:
			continue
		case 1:
			return at[0], nil
		}
		pos := make([]string, len(at))
		for k, i := range at {
			pos[k] = "#" + strconv.Itoa(i+1)
		}
		return 0, t.errorf(0, "%w: %q is the name of columns %s; select one by position, e.g. %s",
			ErrAmbiguous, spec, strings.Join(pos, ", "), pos[0])
	}
	return 0, t.errorf(0, "%w: %q (the columns are %s)", ErrColumn, spec, t.describeHeader())
}

func (t *Reader) describeHeader() string {
	parts := make([]string, len(t.header))
	for i, h := range t.header {
		parts[i] = fmt.Sprintf("#%d %q", i+1, h)
	}
	return strings.Join(parts, ", ")
}

// Next returns the next record and the line it starts on, or io.EOF after
// the last. The record has exactly len(Header()) fields, decoded to UTF-8;
// the slice is reused by the following call (its strings are not).
func (t *Reader) Next() (record []string, line int, err error) {
	return t.read()
}

func (t *Reader) read() ([]string, int, error) {
	if t.consumed {
		return nil, 0, io.EOF
	}
	var rec []string
	for {
		var err error
		rec, err = t.csv.Read()
		if err != nil {
			if err == io.EOF {
				return nil, 0, io.EOF
			}
			return nil, 0, t.parseError(rec, err)
		}
		// A line of white space only is skipped, as an empty line is.
		if len(rec) == 1 {
			if s, _, ok := t.decode(rec[0]); ok && strings.TrimSpace(s) == "" {
				continue
			}
		}
		break
	}
	line, _ := t.csv.FieldPos(0)
	if t.header != nil && len(rec) != len(t.header) {
		return nil, 0, t.errorf(line, "%w: %d fields, but the header has %d", ErrFormat, len(rec), len(t.header))
	}
	line += t.lineBase
	t.nextLine = line + 1
	for _, f := range rec {
		t.nextLine += strings.Count(f, "\n")
	}
	if cap(t.out) < len(rec) {
		t.out = make([]string, len(rec))
	}
	out := t.out[:len(rec)]
	for i, f := range rec {
		s, bad, ok := t.decode(f)
		if !ok {
			fl, _ := t.csv.FieldPos(i)
			fl += strings.Count(f[:bad], "\n") // errorf adds lineBase
			return nil, 0, t.encodingError(fl, i+1, f, bad)
		}
		out[i] = s
	}
	return out, line, nil
}

// decode converts one field to UTF-8. It reports the byte offset of the
// first invalid byte when the field is not valid in the file's encoding.
func (t *Reader) decode(f string) (s string, bad int, ok bool) {
	if t.dec == nil {
		if utf8.ValidString(f) {
			return f, 0, true
		}
		return "", firstInvalidUTF8(f), false
	}
	ascii := true
	for i := 0; i < len(f); i++ {
		if f[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return f, 0, true
	}
	s, err := t.dec.String(f)
	if err == nil && !strings.ContainsRune(s, utf8.RuneError) {
		return s, 0, true
	}
	// The decoders replace invalid bytes with U+FFFD. A U+FFFD the file
	// really contains survives a round trip; a replaced byte does not.
	if back, err2 := t.enc.String(s); err == nil && err2 == nil && back == f {
		return s, 0, true
	}
	return "", t.firstInvalid(f), false
}

// firstInvalid returns the offset of the first character of f that does
// not decode (only called once a field has failed).
func (t *Reader) firstInvalid(f string) int {
	for i := 0; i < len(f); {
		n := t.charLen(f, i)
		if i+n > len(f) {
			return i
		}
		s, err := t.dec.String(f[i : i+n])
		if err != nil || strings.ContainsRune(s, utf8.RuneError) {
			if back, err := t.enc.String(s); err != nil || back != f[i:i+n] {
				return i
			}
		}
		i += n
	}
	return 0
}

// charLen returns the length of the character starting at f[i] in the
// file's encoding by its lead bytes: 1 for single-byte encodings and ASCII,
// 2 or 4 in GB18030 (GBK has no 4-byte form).
func (t *Reader) charLen(f string, i int) int {
	if (t.encoding != GB18030 && t.encoding != GBK) || f[i] < 0x81 || f[i] == 0xFF {
		return 1
	}
	if t.encoding == GB18030 && i+1 < len(f) && f[i+1] >= 0x30 && f[i+1] <= 0x39 {
		return 4
	}
	return 2
}

func firstInvalidUTF8(f string) int {
	for i := 0; i < len(f); {
		r, size := utf8.DecodeRuneInString(f[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return 0
}

func (t *Reader) encodingError(line, field int, f string, bad int) error {
	b := f[bad]
	hint := "pass the file's encoding explicitly (--encoding gb18030, windows-1252, …) or save it as UTF-8"
	how := "given"
	if t.detected {
		how = fmt.Sprintf("detected from the first %d KiB", SampleSize>>10)
	}
	return t.errorf(line, "%w: field %d has byte 0x%02X, which is not valid %s (%s); %s",
		ErrEncoding, field, b, t.encoding, how, hint)
}

func (t *Reader) parseError(rec []string, err error) error {
	var pe *csv.ParseError
	if !errors.As(err, &pe) {
		var le *lineError
		if errors.As(err, &le) && t.name != "" {
			return &nameError{name: t.name, err: err}
		}
		if le != nil {
			return err
		}
		return t.errorf(0, "%w", err)
	}
	switch {
	case errors.Is(pe.Err, csv.ErrFieldCount):
		return t.errorf(pe.StartLine, "%w: %d fields, but the header has %d", ErrFormat, len(rec), len(t.header))
	case errors.Is(pe.Err, csv.ErrBareQuote):
		return t.errorf(pe.Line, "%w: a double quote inside an unquoted field (byte %d); quote the whole field and double the inner quotes", ErrFormat, pe.Column)
	case errors.Is(pe.Err, csv.ErrQuote):
		open := t.failedFieldLine(rec, pe.StartLine)
		if t.endsInQuote(pe) {
			return t.errorf(open, "%w: a quoted field opened on line %d is never closed: it runs to the end of the file (line %d); add the closing quote, or double the quote if it is part of the text",
				ErrFormat, open+t.lineBase, pe.Line+t.lineBase)
		}
		if open != pe.Line {
			return t.errorf(open, "%w: the quoted field opened on line %d runs to a quote on line %d that text follows (byte %d): a closing quote is missing, or a quote inside the field is not doubled",
				ErrFormat, open+t.lineBase, pe.Line+t.lineBase, pe.Column)
		}
		return t.errorf(pe.Line, "%w: text after a closing quote (byte %d); quote the whole field and double the inner quotes", ErrFormat, pe.Column)
	}
	return t.errorf(pe.Line, "%w: %v", ErrFormat, pe.Err)
}

// failedFieldLine returns the line on which the field encoding/csv failed
// in opens: the field after the complete fields rec of the record that
// starts on line start (a quoted field may span lines; an unquoted one
// cannot).
func (t *Reader) failedFieldLine(rec []string, start int) int {
	if len(rec) == 0 {
		return start
	}
	last := len(rec) - 1
	line, _ := t.csv.FieldPos(last)
	return line + strings.Count(rec[last], "\n")
}

// endsInQuote tells apart the two faults encoding/csv reports as ErrQuote:
// the input ending inside a quoted field, and text after a closing quote.
// For the first it reports the end of the last line read, which comes
// after every quote of the input; for the second, the closing quote, which
// is at or before the input's last quote.
func (t *Reader) endsInQuote(pe *csv.ParseError) bool {
	if t.atEnd == nil {
		return false
	}
	exhausted, line, col := t.atEnd()
	return exhausted && (pe.Line > line || pe.Line == line && pe.Column > col)
}

// lastQuote returns where the last double quote of b is on its line: how
// many line breaks come before it, and its offset from the last of them
// (from the start of b when none does); at < 0 when b holds no quote.
func lastQuote(b []byte) (breaks, at int) {
	if bytes.IndexByte(b, '"') < 0 {
		return 0, -1
	}
	j := bytes.LastIndexByte(b, '"')
	i := bytes.LastIndexByte(b[:j], '\n')
	if i < 0 {
		return 0, j
	}
	return bytes.Count(b[:i+1], []byte{'\n'}), j - i - 1
}

// errorf formats an error prefixed by the file name and, when line > 0, the
// line.
func (t *Reader) errorf(line int, format string, args ...any) error {
	err := fmt.Errorf(format, args...)
	if line > 0 {
		err = &lineError{line: line + t.lineBase, err: err}
	}
	if t.name != "" {
		return &nameError{name: t.name, err: err}
	}
	return err
}

type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *lineError) Unwrap() error { return e.err }

type nameError struct {
	name string
	err  error
}

func (e *nameError) Error() string { return e.name + ": " + e.err.Error() }
func (e *nameError) Unwrap() error { return e.err }

// Line returns the line number an error from this package names, or 0.
func Line(err error) int {
	var le *lineError
	if errors.As(err, &le) {
		return le.line
	}
	return 0
}

// lineGuard passes bytes through, refusing a physical line longer than
// MaxLineBytes so that a file without line breaks (or a binary file) fails
// instead of filling memory.
type lineGuard struct {
	r    io.Reader
	name string
	run  int // bytes since the last '\n'
	line int
	// nul: refuse NUL bytes, once the encoding is settled (UTF-16, whose
	// ASCII is every other byte NUL, is refused by name before).
	nul bool
	// quotes: keep where the last double quote read is (quoteLine, and
	// quoteCol, its 1-based byte column), for Reader.endsInQuote.
	quotes              bool
	quoteLine, quoteCol int
}

// errNUL is a NUL byte in a file read as text: no text holds one, so it
// is binary or damaged, and the byte would reach the database (which
// PostgreSQL refuses) or a report.
var errNUL = fmt.Errorf("%w: the file holds a NUL byte, which text never does: it is binary or damaged; save it again as CSV", ErrFormat)

func (g *lineGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if g.nul {
		if j := bytes.IndexByte(p[:n], 0); j >= 0 {
			return 0, &lineError{line: g.line + bytes.Count(p[:j], []byte{'\n'}), err: errNUL}
		}
	}
	if g.quotes {
		if breaks, at := lastQuote(p[:n]); at >= 0 {
			if breaks == 0 {
				g.quoteLine, g.quoteCol = g.line, g.run+at+1
			} else {
				g.quoteLine, g.quoteCol = g.line+breaks, at+1
			}
		}
	}
	g.lines(p[:n])
	if g.run > maxLineBytes {
		return 0, &lineError{line: g.line, err: fmt.Errorf("%w: line longer than %d MiB", ErrFormat, maxLineBytes>>20)}
	}
	return n, err
}

// lines counts the line breaks of b and the bytes after the last, and
// stops at a line longer than maxLineBytes (run then over it, line the
// line's). When b is not longer than that, only the line it starts in and
// the one it ends in can be: the breaks are counted in one pass, not
// looked for one by one (a call a line cost as much as the count).
func (g *lineGuard) lines(b []byte) {
	if len(b) <= maxLineBytes {
		first := bytes.IndexByte(b, '\n')
		switch {
		case first < 0:
			g.run += len(b)
			return
		case g.run+first > maxLineBytes:
			g.run += first
			return
		}
		g.line += bytes.Count(b, []byte{'\n'})
		g.run = len(b) - 1 - bytes.LastIndexByte(b, '\n')
		return
	}
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			g.run += len(b)
			return
		}
		g.run += i
		if g.run > maxLineBytes {
			return
		}
		g.run = 0
		g.line++
		b = b[i+1:]
	}
}

// chooseEncoding settles the encoding and returns how many bytes of
// byte-order mark to skip.
func (t *Reader) chooseEncoding(name string, sample []byte, whole bool) (int, error) {
	if bytes.HasPrefix(sample, []byte{0xFF, 0xFE}) || bytes.HasPrefix(sample, []byte{0xFE, 0xFF}) || looksUTF16(sample) {
		return 0, t.errorf(0, "%w: the file is UTF-16 (Excel's \"Unicode text\"); save it as CSV UTF-8", ErrOption)
	}
	utf8BOM := bytes.HasPrefix(sample, []byte{0xEF, 0xBB, 0xBF})
	gbBOM := bytes.HasPrefix(sample, []byte{0x84, 0x31, 0x95, 0x33})
	if name != "" {
		canon, err := canonical(name)
		if err != nil {
			return 0, t.errorf(0, "%w", err)
		}
		if utf8BOM && canon != UTF8 {
			return 0, t.errorf(0, "%w: the file starts with a UTF-8 byte-order mark, but the encoding given is %s", ErrEncoding, canon)
		}
		t.setEncoding(canon)
		switch {
		case utf8BOM:
			return 3, nil
		case gbBOM && canon == GB18030:
			return 4, nil
		}
		return 0, nil
	}
	t.detected = true
	switch {
	case utf8BOM:
		t.setEncoding(UTF8)
		return 3, nil
	case gbBOM:
		t.setEncoding(GB18030)
		return 4, nil
	}
	t.setEncoding(detect(sample, whole))
	return 0, nil
}

// looksUTF16 reports whether b starts as UTF-16 text without a byte-order
// mark does. Text in the encodings read has no NUL byte at all; UTF-16
// has one in every ASCII character (its high byte), and CSV text is
// never without ASCII (separators, line ends, digits). So b, from its
// first 512 bytes, looks UTF-16 in one byte order when: at least two
// and one in eight of its characters have a NUL high byte (ASCII and
// Latin-1: an ASCII file with a stray NUL has one), one of them a
// separator or a line end, and every
// character read in that order is text — no NUL character (two zero
// bytes, as binary formats have), no control character but tab, CR and
// LF, surrogates paired, no U+FFFE or U+FFFF. A NUL low byte is allowed
// (一 is U+4E00, 00 4E in little-endian): the old rule wanted NULs on one
// side only, and called such a file binary. Random bytes fail the text
// test within a few characters; structured binary files hold NUL
// characters or controls.
func looksUTF16(b []byte) bool {
	n := min(len(b), 512) &^ 1
	if n < 4 {
		return false
	}
	for _, big := range []bool{false, true} {
		ascii, marks, ok := 0, 0, true
		for i := 0; i < n && ok; i += 2 {
			u := rune(b[i]) | rune(b[i+1])<<8
			if big {
				u = rune(b[i])<<8 | rune(b[i+1])
			}
			switch {
			case u < 0x100:
				ascii++
				marks += b2i(u == '\n' || u == ',' || u == ';' || u == '\t')
				ok = u >= 0x20 && (u < 0x7f || u > 0x9f) || u == '\t' || u == '\n' || u == '\r'
			case u >= 0xd800 && u < 0xdc00: // a high surrogate: a low one must follow (or the sample end)
				if i+3 < n {
					lo := rune(b[i+2]) | rune(b[i+3])<<8
					if big {
						lo = rune(b[i+2])<<8 | rune(b[i+3])
					}
					ok = lo >= 0xdc00 && lo < 0xe000
					i += 2
				}
			case u >= 0xdc00 && u < 0xe000, u == 0xfffe, u == 0xffff:
				ok = false
			}
		}
		if ok && ascii >= 2 && ascii*8 >= n/2 && marks > 0 {
			return true
		}
	}
	return false
}

func (t *Reader) setEncoding(name string) {
	t.encoding = name
	var e encoding.Encoding
	switch name {
	case GB18030:
		e = simplifiedchinese.GB18030
	case GBK:
		e = simplifiedchinese.GBK
	case Windows1252:
		e = charmap.Windows1252
	case Latin1:
		e = charmap.ISO8859_1
	default:
		t.dec, t.enc = nil, nil
		return
	}
	t.dec, t.enc = e.NewDecoder(), e.NewEncoder()
}

// CheckEncoding returns nil for a name Options.Encoding accepts, or ""
// (detect), and otherwise the error Open would give, wrapping ErrOption.
func CheckEncoding(name string) error {
	if name == "" {
		return nil
	}
	_, err := canonical(name)
	return err
}

// SeparatorNamed returns the separator a name means, for Options.Separator:
// ',' for "," or "comma"; ';' for ";" or "semicolon"; '\t' for "tab", a
// tab or `\t`; 0 (detect) for "". ok is false for any other name.
func SeparatorNamed(name string) (sep rune, ok bool) {
	switch name {
	case "":
		return 0, true
	case ",", "comma":
		return ',', true
	case ";", "semicolon":
		return ';', true
	case "tab", "\t", `\t`:
		return '\t', true
	}
	return 0, false
}

func canonical(name string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "utf-8", "utf8":
		return UTF8, nil
	case "gb18030":
		return GB18030, nil
	case "gbk", "gb2312", "cp936":
		return GBK, nil
	case "windows-1252", "cp1252":
		return Windows1252, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1":
		return Latin1, nil
	}
	return "", fmt.Errorf("%w: encoding %q: want utf-8, gb18030, gbk, windows-1252 or latin1", ErrOption, name)
}

// detect applies the detection rule of the package doc to the sample.
func detect(sample []byte, whole bool) string {
	if !whole {
		// Judge complete lines only, so a character cut by the sample's end
		// does not count against UTF-8.
		if i := bytes.LastIndexByte(sample, '\n'); i >= 0 {
			sample = sample[:i+1]
		} else {
			for len(sample) > 0 && sample[len(sample)-1] >= utf8.RuneSelf {
				sample = sample[:len(sample)-1]
			}
		}
	}
	if utf8.Valid(sample) || mostlyUTF8(sample) {
		return UTF8
	}
	if plausibleGB18030(sample) {
		return GB18030
	}
	return Windows1252
}

// mostlyUTF8 reports whether b is UTF-8 text with a stray byte or two:
// its multi-byte characters are valid UTF-8 at least ten times as often
// as a byte is not. Read as UTF-8, such a file fails at the stray byte's
// line, naming it; read as Windows-1252 it failed later, at a byte of
// the Chinese text, with a misleading remedy, or read as garbled text.
// (GBK text is valid UTF-8 for about one character in ten, by chance;
// Latin-1 text almost never.)
func mostlyUTF8(b []byte) bool {
	var good, bad int
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			bad++
		} else {
			good++
		}
		i += n
	}
	return good > 0 && good >= 10*bad
}

// plausibleGB18030 reports whether b is well-formed GB18030 in which at
// least 90% of the two-byte characters are in the GB2312 block (both bytes
// 0xA1–0xFE), where the common hanzi and CJK punctuation live.
func plausibleGB18030(b []byte) bool {
	var multi, common int
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c < 0x80:
			i++
			continue
		case c == 0x80 || c == 0xFF:
			return false
		case i+1 >= len(b):
			return multi > 0 && common*10 >= multi*9
		}
		c2 := b[i+1]
		switch {
		case c2 >= 0x30 && c2 <= 0x39:
			if i+3 >= len(b) {
				i = len(b)
				continue
			}
			if b[i+2] < 0x81 || b[i+2] > 0xFE || b[i+3] < 0x30 || b[i+3] > 0x39 {
				return false
			}
			multi++
			i += 4
		case c2 >= 0x40 && c2 <= 0xFE && c2 != 0x7F:
			multi++
			if c >= 0xA1 && c2 >= 0xA1 {
				common++
			}
			i += 2
		default:
			return false
		}
	}
	return multi > 0 && common*10 >= multi*9
}

// sepLine finds the line Excel reads a file's separator from, "sep=;"
// (any letter case; a comma, semicolon or tab), as the first line that
// is not empty: it returns how many bytes it and the empty lines before
// it take, and the separator; n is 0 when the file has none.
func sepLine(sample []byte) (n int, sep rune) {
	for {
		i := bytes.IndexByte(sample[n:], '\n')
		if i < 0 {
			return 0, 0
		}
		line := bytes.TrimSuffix(sample[n:n+i], []byte{'\r'})
		n += i + 1
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		if len(line) == 5 && bytes.EqualFold(line[:4], []byte("sep=")) && bytes.IndexByte([]byte(",;\t"), line[4]) >= 0 {
			return n, rune(line[4])
		}
		return 0, 0
	}
}

// detectSeparator counts comma, semicolon and tab outside quotes on the
// header line: the first line that is not empty or white space (such
// lines, LF or CRLF, are skipped before it as after it).
func detectSeparator(sample []byte) (rune, error) {
	for {
		i := bytes.IndexByte(sample, '\n')
		if i < 0 || len(bytes.TrimSpace(sample[:i])) > 0 {
			break
		}
		sample = sample[i+1:]
	}
	var counts [3]int
	seps := [3]byte{',', ';', '\t'}
	quoted := false
scan:
	for _, c := range sample {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == '\n':
			break scan
		default:
			for k, s := range seps {
				if c == s {
					counts[k]++
				}
			}
		}
	}
	best := 0
	for k := 1; k < 3; k++ {
		if counts[k] > counts[best] {
			best = k
		}
	}
	for k := range 3 {
		if k != best && counts[k] == counts[best] && counts[k] > 0 {
			return 0, fmt.Errorf("%w: cannot tell the separator: the header has %d %s and %d %s; give it explicitly (--separator)",
				ErrOption, counts[best], sepName(seps[best]), counts[k], sepName(seps[k]))
		}
	}
	return rune(seps[best]), nil
}

func sepName(b byte) string {
	switch b {
	case ',':
		return "commas"
	case ';':
		return "semicolons"
	}
	return "tabs"
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
