package tabular

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// readAll opens s and returns the header, the records and their lines.
func readAll(t *testing.T, s string, opt Options) (*Reader, [][]string, []int) {
	t.Helper()
	r, err := Open(strings.NewReader(s), opt)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	var recs [][]string
	var lines []int
	for {
		rec, line, err := r.Next()
		if err == io.EOF {
			return r, recs, lines
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		recs = append(recs, slices.Clone(rec))
		lines = append(lines, line)
	}
}

// firstError returns the first error from opening and reading s.
func firstError(s string, opt Options) error {
	r, err := Open(strings.NewReader(s), opt)
	if err != nil {
		return err
	}
	for {
		if _, _, err := r.Next(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

func gb18030(t *testing.T, s string) string {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func cp1252(t *testing.T, s string) string {
	t.Helper()
	b, err := charmap.Windows1252.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestReadsRealWorldShapes(t *testing.T) {
	cases := []struct {
		name     string
		in       string
		opt      Options
		header   []string
		records  [][]string
		lines    []int
		encoding string
		sep      rune
	}{
		{
			name:   "plain LF",
			in:     "variant,value\nA,1\nB,2\n",
			header: []string{"variant", "value"}, records: [][]string{{"A", "1"}, {"B", "2"}}, lines: []int{2, 3},
			encoding: UTF8, sep: ',',
		},
		{
			name:   "BOM and CRLF, no final newline",
			in:     "\xef\xbb\xbfvariant,value\r\nA,1\r\nB,2",
			header: []string{"variant", "value"}, records: [][]string{{"A", "1"}, {"B", "2"}}, lines: []int{2, 3},
			encoding: UTF8, sep: ',',
		},
		{
			name:   "quoted separators, line breaks and quotes",
			in:     "name,note\n\"Smith, J\",\"said \"\"hi\"\"\nthen left\"\nLee,\"\"\nKim,x\n",
			header: []string{"name", "note"},
			records: [][]string{
				{"Smith, J", "said \"hi\"\nthen left"},
				{"Lee", ""},
				{"Kim", "x"},
			},
			lines:    []int{2, 4, 5},
			encoding: UTF8, sep: ',',
		},
		{
			name:   "CRLF inside a quoted field becomes LF",
			in:     "a,b\r\n\"x\r\ny\",z\r\n",
			header: []string{"a", "b"}, records: [][]string{{"x\ny", "z"}}, lines: []int{2},
			encoding: UTF8, sep: ',',
		},
		{
			name:   "semicolons, decimal commas stay text",
			in:     "variant;value\nA;1,5\n",
			header: []string{"variant", "value"}, records: [][]string{{"A", "1,5"}}, lines: []int{2},
			encoding: UTF8, sep: ';',
		},
		{
			name:   "tabs",
			in:     "variant\tvalue\tnote\nA\t1\tx, y; z\n",
			header: []string{"variant", "value", "note"}, records: [][]string{{"A", "1", "x, y; z"}}, lines: []int{2},
			encoding: UTF8, sep: '\t',
		},
		{
			name:   "separator inside quoted header is not counted",
			in:     "\"a;b\",c\n1,2\n",
			header: []string{"a;b", "c"}, records: [][]string{{"1", "2"}}, lines: []int{2},
			encoding: UTF8, sep: ',',
		},
		{
			name:   "one column",
			in:     "value\n1\n2\n",
			header: []string{"value"}, records: [][]string{{"1"}, {"2"}}, lines: []int{2, 3},
			encoding: UTF8, sep: ',',
		},
		{
			name:   "explicit separator wins over detection",
			in:     "a,b;c\n1,2;3\n",
			opt:    Options{Separator: ';'},
			header: []string{"a,b", "c"}, records: [][]string{{"1,2", "3"}}, lines: []int{2},
			encoding: UTF8, sep: ';',
		},
		{
			name:    "header trimmed and blanks named, values untouched",
			in:      " variant ,,\u3000value\ufeff, \n  A , 1 ,2,3\n",
			header:  []string{"variant", "column_2", "value", "column_4"},
			records: [][]string{{"  A ", " 1 ", "2", "3"}}, lines: []int{2},
			encoding: UTF8, sep: ',',
		},
		{
			name:   "duplicate names kept",
			in:     "value,value,id\n1,2,3\n",
			header: []string{"value", "value", "id"}, records: [][]string{{"1", "2", "3"}}, lines: []int{2},
			encoding: UTF8, sep: ',',
		},
		{
			name:   "empty lines skipped, numbering kept",
			in:     "\n\na,b\n\n1,2\n\n3,4\n",
			header: []string{"a", "b"}, records: [][]string{{"1", "2"}, {"3", "4"}}, lines: []int{5, 7},
			encoding: UTF8, sep: ',',
		},
		{
			name:   "empty lines before a semicolon header: its separator detected",
			in:     "\n\nvariant;value\nA;1\n",
			header: []string{"variant", "value"}, records: [][]string{{"A", "1"}}, lines: []int{4},
			encoding: UTF8, sep: ';',
		},
		{
			name:   "CRLF empty lines before a tab header, after a BOM",
			in:     "\xef\xbb\xbf\r\n\r\nvariant\tvalue\r\nA\t1\r\n",
			header: []string{"variant", "value"}, records: [][]string{{"A", "1"}}, lines: []int{4},
			encoding: UTF8, sep: '\t',
		},
		{
			name:   "Excel's sep= line gives the separator and is not the header",
			in:     "sep=;\r\nvariant;value\r\nA;1,5\r\n",
			header: []string{"variant", "value"}, records: [][]string{{"A", "1,5"}}, lines: []int{3},
			encoding: UTF8, sep: ';',
		},
		{
			name:   "a sep= line after a BOM, tab",
			in:     "\xef\xbb\xbfSEP=\t\nvariant\tvalue\nA\t1\n\nB\t2",
			header: []string{"variant", "value"}, records: [][]string{{"A", "1"}, {"B", "2"}}, lines: []int{3, 5},
			encoding: UTF8, sep: '\t',
		},
		{
			name:   "header only",
			in:     "a,b\n",
			header: []string{"a", "b"}, encoding: UTF8, sep: ',',
		},
		{
			name:   "UTF-8 Chinese",
			in:     "组别,数值\n对照组,1\n实验组,2\n",
			header: []string{"组别", "数值"}, records: [][]string{{"对照组", "1"}, {"实验组", "2"}}, lines: []int{2, 3},
			encoding: UTF8, sep: ',',
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, recs, lines := readAll(t, c.in, c.opt)
			if !slices.Equal(r.Header(), c.header) {
				t.Errorf("header %q, want %q", r.Header(), c.header)
			}
			if !slices.EqualFunc(recs, c.records, slices.Equal) {
				t.Errorf("records %q, want %q", recs, c.records)
			}
			if !slices.Equal(lines, c.lines) {
				t.Errorf("lines %v, want %v", lines, c.lines)
			}
			if r.Encoding() != c.encoding || r.Separator() != c.sep {
				t.Errorf("encoding %s separator %q, want %s %q", r.Encoding(), r.Separator(), c.encoding, c.sep)
			}
		})
	}
}

func TestDetectsEncodings(t *testing.T) {
	chinese := "组别,转化,备注\n对照组,1,\"第一批，上海\"\n实验组,0,北京\n"
	german := "Name;Stadt;Wert\nMüller;Köln;1\nGarçon;Besançon;2\nJosé;Málaga;3\n"
	cases := []struct {
		name     string
		in       string
		opt      Options
		want     string // the same text in UTF-8
		encoding string
		detected bool
	}{
		{"GB18030 detected", gb18030(t, chinese), Options{}, chinese, GB18030, true},
		{"GB18030 with BOM", "\x84\x31\x95\x33" + gb18030(t, chinese), Options{}, chinese, GB18030, true},
		{"GBK given", gb18030(t, chinese), Options{Encoding: "GBK"}, chinese, GBK, false},
		{"cp936 alias", gb18030(t, chinese), Options{Encoding: "cp936"}, chinese, GBK, false},
		{"Windows-1252 detected", cp1252(t, german), Options{}, german, Windows1252, true},
		{"Windows-1252 smart quotes and euro", cp1252(t, "a,b\n€5,“x”\n"), Options{}, "a,b\n€5,“x”\n", Windows1252, true},
		{"Latin-1 given", cp1252(t, german), Options{Encoding: "latin1"}, german, Latin1, false},
		{"UTF-8 given", german, Options{Encoding: "UTF8"}, german, UTF8, false},
		{"4-byte GB18030 character", gb18030(t, "a,b\n😀,€\n"), Options{Encoding: "gb18030"}, "a,b\n😀,€\n", GB18030, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, recs, _ := readAll(t, c.in, c.opt)
			want, wantRecs, _ := readAll(t, c.want, Options{})
			if !slices.Equal(r.Header(), want.Header()) || !slices.EqualFunc(recs, wantRecs, slices.Equal) {
				t.Errorf("read %q %q, want %q %q", r.Header(), recs, want.Header(), wantRecs)
			}
			if r.Encoding() != c.encoding || r.EncodingDetected() != c.detected {
				t.Errorf("encoding %s (detected %v), want %s (%v)", r.Encoding(), r.EncodingDetected(), c.encoding, c.detected)
			}
		})
	}
}

func TestLatin1ThatLooksLikeGBKIsNotChinese(t *testing.T) {
	// "Müller" in Windows-1252 has the bytes FC 6C, a valid GBK pair
	// outside the common-hanzi block; the 90% rule keeps it Latin.
	in := cp1252(t, "name,city\nMüller,Zürich\nÉcole,Orléans\n")
	r, recs, _ := readAll(t, in, Options{})
	if r.Encoding() != Windows1252 || recs[0][0] != "Müller" || recs[1][1] != "Orléans" {
		t.Errorf("read as %s: %q", r.Encoding(), recs)
	}
}

func TestErrorsNameTheLine(t *testing.T) {
	big := "a,b\n" + strings.Repeat("x,1\n", SampleSize/4+10) // past the detection sample
	bigLine := strings.Count(big, "\n") + 1
	cases := []struct {
		name string
		in   string
		opt  Options
		is   error
		line int
		msg  string
	}{
		{"ragged short row", "a,b,c\n1,2,3\n4,5\n", Options{}, ErrFormat, 3, "2 fields, but the header has 3"},
		{"ragged long row", "a,b\n1,2\n3,4\n5,6,7\n", Options{}, ErrFormat, 4, "3 fields, but the header has 2"},
		{"bare quote", "a,b\n1,2\n3,4\"5\n", Options{}, ErrFormat, 3, "double quote inside an unquoted field"},
		{"text after closing quote", "a,b\n\"1\"x,2\n", Options{}, ErrFormat, 2, "text after a closing quote"},
		{"unterminated quote", "a,b\n1,\"2\n3,4\n", Options{}, ErrFormat, 2, "a quoted field opened on line 2 is never closed: it runs to the end of the file (line 3)"},
		{"invalid UTF-8 when given", "a,b\n1,2\n3,caf\xe9\n", Options{Encoding: "utf-8"}, ErrEncoding, 3, "field 2 has byte 0xE9, which is not valid utf-8 (given)"},
		{"invalid UTF-8 past the sample", big + "caf\xe9,1\n", Options{}, ErrEncoding, bigLine, "not valid utf-8 (detected from the first 64 KiB)"},
		{"UTF-8 with a stray Latin-1 byte in the sample", "city,v\ncaf\xe9,1\n" + strings.Repeat("北京,1\n上海,2\n", 20), Options{}, ErrEncoding, 2, "field 1 has byte 0xE9, which is not valid utf-8 (detected from the first 64 KiB)"},
		{"invalid UTF-8 in a multi-line field", "a,b\n1,\"x\ny\xff\"\n", Options{Encoding: "utf-8"}, ErrEncoding, 3, "0xFF"},
		{"invalid GB18030 when given", "a,b\n1,\xd6\xd0\n2,\xd6\x20\n", Options{Encoding: "gb18030"}, ErrEncoding, 3, "not valid gb18030"},
		{"undefined Windows-1252 byte", "a,b\n1,\x81\n", Options{Encoding: "windows-1252"}, ErrEncoding, 2, "0x81"},
		{"UTF-8 BOM with another encoding", "\xef\xbb\xbfa,b\n", Options{Encoding: "gb18030"}, ErrEncoding, 0, "byte-order mark"},
		{"UTF-16", "\xff\xfea\x00,\x00b\x00", Options{}, ErrOption, 0, "UTF-16"},
		{"UTF-16LE without a byte-order mark", "a\x00,\x00b\x00\n\x001\x00,\x002\x00\n\x00", Options{}, ErrOption, 0, "UTF-16"},
		{"UTF-16BE without a byte-order mark", "\x00a\x00,\x00b\x00\n\x001\x00,\x002\x00\n", Options{}, ErrOption, 0, "UTF-16"},
		{"unknown encoding", "a\n", Options{Encoding: "shift_jis"}, ErrOption, 0, `encoding "shift_jis"`},
		{"unknown separator", "a\n", Options{Separator: '|'}, ErrOption, 0, "separator '|'"},
		{"separator tie", "a,b;c\n1,2;3\n", Options{}, ErrOption, 1, "1 commas and 1 semicolons"},
		{"empty file", "", Options{}, ErrEmpty, 0, "no header"},
		{"only blank lines", "\n\r\n\n", Options{}, ErrEmpty, 0, "no header"},
		{"CR line ends", "a,b\r1,2\r3,4\r", Options{}, ErrFormat, 1, "CR alone"},
		{"ragged row after a sep= line", "sep=;\na;b\n1;2;3\n", Options{}, ErrFormat, 3, "3 fields, but the header has 2"},
		{"unclosed quote after a sep= line", "sep=;\na;b\n1;\"2\n3;4\n", Options{}, ErrFormat, 3, "a quoted field opened on line 3 is never closed: it runs to the end of the file (line 4)"},
		{"text after a quote after a sep= line", "sep=;\na;b\n1;\"2\"x\n", Options{}, ErrFormat, 3, "text after a closing quote"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := firstError(c.in, c.opt)
			if !errors.Is(err, c.is) {
				t.Fatalf("error %v, want %v", err, c.is)
			}
			if got := Line(err); got != c.line {
				t.Errorf("line %d, want %d (%v)", got, c.line, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q does not say %q", err, c.msg)
			}
		})
	}
}

func TestColumn(t *testing.T) {
	r, err := Open(strings.NewReader("id,Value,value,,note,note\n"), Options{Name: "data.csv"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		spec string
		want int
	}{
		{"id", 0}, {"Value", 1}, {"value", 2}, {"column_4", 3}, {"#1", 0}, {"#6", 5}, {" id ", 0}, {"ID", 0},
	} {
		if got, err := r.Column(c.spec); err != nil || got != c.want {
			t.Errorf("Column(%q) = %d, %v; want %d", c.spec, got, err, c.want)
		}
	}
	for _, c := range []struct {
		spec string
		is   error
		msg  string
	}{
		{"note", ErrAmbiguous, `data.csv: ambiguous column name: "note" is the name of columns #5, #6; select one by position, e.g. #5`},
		{"VALUE", ErrAmbiguous, "#2, #3"},
		{"price", ErrColumn, `no such column: "price" (the columns are #1 "id", #2 "Value"`},
		{"#0", ErrColumn, "the file has columns #1 to #6"},
		{"#7", ErrColumn, "the file has columns #1 to #6"},
	} {
		_, err := r.Column(c.spec)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("Column(%q) error %v, want %v saying %q", c.spec, err, c.is, c.msg)
		}
	}
}

func TestOpenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "obs.csv")
	if err := os.WriteFile(path, []byte("a,b\n1,2\n3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := OpenFile(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	_, _, err = r.Next()
	if want := path + ": line 3: malformed record: 1 fields, but the header has 2"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
	if _, err := OpenFile(filepath.Join(t.TempDir(), "missing.csv"), Options{}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// rowsReader generates "A,<i>\n" rows on the fly, so a test can stream far
// more data than it holds.
type rowsReader struct {
	rows, next int
	buf        []byte
}

func (g *rowsReader) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) && g.next < g.rows {
		if g.next == 0 {
			g.buf = append(g.buf, "variant,value\n"...)
		}
		g.buf = append(g.buf, 'A', ',')
		g.buf = append(g.buf, []byte(strings.Repeat("7", 1+g.next%7))...)
		g.buf = append(g.buf, '\n')
		g.next++
	}
	if len(g.buf) == 0 {
		return 0, io.EOF
	}
	n := copy(p, g.buf)
	g.buf = g.buf[:copy(g.buf, g.buf[n:])]
	return n, nil
}

func TestStreamsInBoundedMemory(t *testing.T) {
	const rows = 500_000 // about 3.5 MB of text
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	r, err := Open(&rowsReader{rows: rows}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	var peak uint64
	for {
		_, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if n++; n%100_000 == 0 {
			runtime.GC()
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	if n != rows {
		t.Fatalf("read %d rows, want %d", n, rows)
	}
	if peak > base+1<<20 {
		t.Errorf("heap in use grew by %d KiB while streaming 3.5 MB; the reader is holding data", (peak-base)>>10)
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "\xef\xbb\xbfa;b\r\n\"x;y\";2\r\n", "a\tb\n\"\"\"\"\t\n", "a,b\n\xd6\xd0,\xce\xc4\n",
		"a,b\nM\xfcller,1\n", "a,a,\n1,2,3\n", "\"a\nb\",c\n1,2\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Open(strings.NewReader(s), Options{})
		if err != nil {
			return
		}
		for _, h := range r.Header() {
			if h == "" || !utf8.ValidString(h) {
				t.Fatalf("bad header name %q", h)
			}
		}
		for {
			rec, line, err := r.Next()
			if err != nil {
				return
			}
			if len(rec) != len(r.Header()) || line < 1 {
				t.Fatalf("record %q at line %d for header %q", rec, line, r.Header())
			}
			for _, v := range rec {
				if !utf8.ValidString(v) {
					t.Fatalf("field %q is not UTF-8", v)
				}
			}
		}
	})
}

// endless yields a header line and then one line that never ends.
type endless struct{ header bool }

func (e *endless) Read(p []byte) (int, error) {
	if !e.header {
		e.header = true
		return copy(p, "a,b\n"), nil
	}
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

func TestRefusesOverlongLine(t *testing.T) {
	defer func(n int) { maxLineBytes = n }(maxLineBytes)
	maxLineBytes = 1 << 20
	r, err := Open(&endless{}, Options{Separator: ','})
	if err == nil {
		_, _, err = r.Next()
	}
	if !errors.Is(err, ErrFormat) || Line(err) != 2 || !strings.Contains(err.Error(), "longer than 1 MiB") {
		t.Errorf("error %v, want line 2 longer than 1 MiB", err)
	}
}

// TestOptionNames: the separator names and the encoding check the
// commands' flags and the app's fields share.
func TestOptionNames(t *testing.T) {
	for name, want := range map[string]rune{"": 0, ",": ',', "comma": ',', ";": ';', "semicolon": ';', "tab": '\t', "\t": '\t', `\t`: '\t'} {
		if sep, ok := SeparatorNamed(name); !ok || sep != want {
			t.Errorf("SeparatorNamed(%q) = %q, %v; want %q", name, sep, ok, want)
		}
	}
	for _, name := range []string{"|", " comma", "Tab", "pipe"} {
		if sep, ok := SeparatorNamed(name); ok || sep != 0 {
			t.Errorf("SeparatorNamed(%q) = %q, %v; want refused", name, sep, ok)
		}
	}
	for _, name := range []string{"", "utf-8", " Latin1 ", "GBK", "cp1252"} {
		if err := CheckEncoding(name); err != nil {
			t.Errorf("CheckEncoding(%q): %v", name, err)
		}
	}
	err := CheckEncoding("ebcdic")
	_, openErr := Open(strings.NewReader("x\n"), Options{Encoding: "ebcdic"})
	if !errors.Is(err, ErrOption) || openErr == nil || err.Error() != openErr.Error() ||
		err.Error() != `unsupported option: encoding "ebcdic": want utf-8, gb18030, gbk, windows-1252 or latin1` {
		t.Errorf("CheckEncoding(ebcdic) = %v; Open says %v", err, openErr)
	}
}

// TestRefusesNULBytes: no text holds a NUL byte, so a file with one is
// refused by line — within the first 64 KiB the encoding is detected
// from, or far after it, read record by record or in blocks — while a
// UTF-16 file (its ASCII every other byte NUL) is still refused by name.
func TestRefusesNULBytes(t *testing.T) {
	long := "a,b\n" + strings.Repeat("1,2\n", 40000) // 160 KB: past the sample
	for _, c := range []struct {
		name, text string
		line       int
	}{
		{"in the sample", "a,b\n1,2\nx\x00y,3\n", 3},
		{"after the sample", long + "4,\x005\n", 40002},
		{"in the header", "a\x00,b\n1,2\n", 1},
	} {
		for _, blocks := range []bool{false, true} {
			r, err := Open(strings.NewReader(c.text), Options{Name: "f.csv"})
			if err == nil && blocks {
				err = r.ReadBlocks([]int{0, 1}, BlockOptions{}, func(*Block) error { return nil })
			}
			for err == nil {
				_, _, err = r.Next()
				if err == io.EOF {
					err = nil
					break
				}
			}
			if !errors.Is(err, ErrFormat) || Line(err) != c.line || !strings.Contains(err.Error(), "f.csv: line") || !strings.Contains(err.Error(), "NUL byte") {
				t.Errorf("%s (blocks %v): got %v, want a NUL byte refused at line %d", c.name, blocks, err, c.line)
			}
		}
	}
	_, err := Open(strings.NewReader("\xff\xfea\x00,\x00b\x00\n\x00"), Options{})
	if err == nil || !strings.Contains(err.Error(), "UTF-16") {
		t.Errorf("UTF-16 with a byte-order mark: got %v, want it named", err)
	}
}
