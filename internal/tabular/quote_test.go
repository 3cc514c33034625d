package tabular

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// nextAll reads every record of s with Next from r (s's reader, however
// it hands out bytes) and returns them with their lines and the error.
func nextAll(r io.Reader, opt Options) ([][]string, []int, error) {
	t, err := Open(r, opt)
	if err != nil {
		return nil, nil, err
	}
	var recs [][]string
	var lines []int
	for {
		rec, line, err := t.Next()
		if err == io.EOF {
			return recs, lines, nil
		}
		if err != nil {
			return recs, lines, err
		}
		recs = append(recs, slices.Clone(rec))
		lines = append(lines, line)
	}
}

// bothWays reads s with Next (from a plain reader and one handing out a
// byte at a time) and with ReadBlocks (blocks of several sizes), checks
// that they agree, and returns Next's result.
func bothWays(t *testing.T, s string, opt Options, chunks ...int) ([][]string, []int, error) {
	t.Helper()
	want, wantLines, wantErr := nextAll(strings.NewReader(s), opt)
	got, gotLines, err := nextAll(iotest.OneByteReader(strings.NewReader(s)), opt)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) || !slices.EqualFunc(got, want, slices.Equal) || !slices.Equal(gotLines, wantLines) {
		t.Fatalf("Next, a byte at a time: %d records, %v\nwant %d records, %v", len(got), err, len(want), wantErr)
	}
	if len(chunks) == 0 {
		chunks = []int{1, 3, 16, 1 << 20}
	}
	for _, chunk := range chunks {
		for _, workers := range []int{1, 3} {
			withChunk(t, chunk)
			got, gotLines, err := readBlocks(s, opt, workers)
			if fmt.Sprint(err) != fmt.Sprint(wantErr) {
				t.Fatalf("ReadBlocks, chunk %d, %d workers: error\n %v\nwant\n %v", chunk, workers, err, wantErr)
			}
			if wantErr == nil && (!slices.EqualFunc(got, want, slices.Equal) || !slices.Equal(gotLines, wantLines)) {
				t.Fatalf("ReadBlocks, chunk %d, %d workers: %d records %v, want %d %v", chunk, workers, len(got), gotLines, len(want), wantLines)
			}
		}
	}
	return want, wantLines, wantErr
}

// wantUnclosed checks err is the error for a quoted field that opens on
// line open and that the file (its last line end) ends inside.
func wantUnclosed(t *testing.T, err error, open, end int) {
	t.Helper()
	msg := fmt.Sprintf("f.csv: line %d: malformed record: a quoted field opened on line %d is never closed: it runs to the end of the file (line %d)", open, open, end)
	if !errors.Is(err, ErrFormat) || Line(err) != open || err == nil || !strings.HasPrefix(err.Error(), msg) {
		t.Fatalf("error\n %v\nwant it to start\n %s", err, msg)
	}
}

// TestUnclosedQuote: a quoted field the file ends inside is named by the
// line its opening quote is on — not "text after a closing quote", which
// is what encoding/csv's error said — by Next and ReadBlocks alike.
func TestUnclosedQuote(t *testing.T) {
	for _, c := range []struct {
		name      string
		in        string
		open, end int
	}{
		{"last line", "a,b\n1,2\n3,\"open\n", 3, 3},
		{"no final line break", "a,b\n1,\"open", 2, 2},
		{"CRLF", "a,b\r\n1,2\r\n3,\"open\r\n", 3, 3},
		{"CR at the very end", "a,b\n1,\"open\r", 2, 2},
		{"a doubled quote is not the close", "a,b\n1,\"ab\"\"\n", 2, 2},
		{"only a doubled quote", "a,b\n1,\"\"\"\n", 2, 2},
		{"first field", "a,b\n\"open,2\n", 2, 2},
		{"opens mid-file and swallows the rest", "a,b\n1,2\n3,\"open\n4,5\n6,7\n\n8,9\n", 3, 7},
		{"blank lines at the end are inside it", "a,b\n1,\"open\n\n\n", 2, 4},
		{"the record starts a line before", "a,b\n\"x\ny\",\"open\n", 3, 3},
		{"after a quoted field with a doubled quote", "a,b,c\n\"x\"\"\ny\",\"open\nz,w\n", 3, 4},
		{"header", "\"a,b\n1,2\n", 1, 2},
		{"header with a byte-order mark", "\ufeffa,\"b\n1,2\n", 1, 2},
		{"header only, no line break", "a,\"b", 1, 1},
		{"semicolons", "a;b\n1;\"x;y\n2;3\n", 2, 3},
		{"tab", "a\tb\n1\t\"x\n", 2, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := bothWays(t, c.in, Options{Name: "f.csv"})
			wantUnclosed(t, err, c.open, c.end)
		})
	}
	t.Run("gb18030", func(t *testing.T) {
		_, _, err := bothWays(t, gb18030(t, "城市,人口\n北京,21\n\"上海\n浦东,24\n"), Options{Name: "f.csv"})
		wantUnclosed(t, err, 3, 4)
	})
}

// TestUnclosedQuoteLargeFile: the same past the detection sample and
// across many blocks, the quote opening after thousands of good records
// (with quoted fields of their own) and swallowing thousands more.
func TestUnclosedQuoteLargeFile(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,text,n\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,\"say \"\"%d\"\",\nthen stop\",%d\n", i, i, i)
	}
	open := 1 + 2*20000 + 1
	b.WriteString("x,\"never closed,1\n")
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,plain,%d\r\n", i, i)
	}
	end := open + 20000
	s := b.String()
	if len(s) < 4*SampleSize {
		t.Fatalf("only %d bytes", len(s))
	}
	_, _, err := bothWays(t, s, Options{Name: "f.csv"}, 64, 4096, 1<<20)
	wantUnclosed(t, err, open, end)

	// Closed, the same file reads.
	fixed := strings.Replace(s, "never closed,1\n", "never closed\",1\n", 1)
	recs, lines, err := bothWays(t, fixed, Options{Name: "f.csv"}, 64, 4096, 1<<20)
	if err != nil || len(recs) != 40001 || lines[20000] != open || recs[1][1] != "say \"1\",\nthen stop" {
		t.Fatalf("%d records, %v", len(recs), err)
	}
}

// TestQuoteFaultsStillNamed: the faults encoding/csv also reports as
// ErrQuote — text after a closing quote — are still reported as such,
// even at the end of the file and with an odd number of quotes after the
// closing one; and a quoted field closed badly lines later names the line
// it opens on.
func TestQuoteFaultsStillNamed(t *testing.T) {
	for _, c := range []struct {
		name string
		in   string
		line int
		msg  string
	}{
		{"text after", "a,b\n\"1\"x,2\n3,4\n", 2, "text after a closing quote (byte 3)"},
		{"text after, last line", "a,b\n1,\"1\"x\n", 2, "text after a closing quote (byte 5)"},
		{"text after with a quote, last line", "a,b\n1,\"a\"b\"\n", 2, "text after a closing quote (byte 5)"},
		{"text after with a quote, no line break", "a,b\n1,\"a\"b\"", 2, "text after a closing quote (byte 5)"},
		{"text after on the header, byte-order mark", "\ufeff\"a\"x\"", 1, "text after a closing quote (byte 3)"},
		{"text after, the record starts a line before", "a,b\n\"x\ny\",\"a\"b\"\n", 3, "text after a closing quote (byte 6)"},
		{"closed badly lines later", "a,b\n1,\"open\n2,3\n4,\"x\"y\n", 2, "the quoted field opened on line 2 runs to a quote on line 4 that text follows (byte 3): a closing quote is missing, or a quote inside the field is not doubled"},
		{"closed badly, opened a line after the record", "a,b\n\"x\ny\",\"open\n2,3\"z\n", 3, "the quoted field opened on line 3 runs to a quote on line 4 that text follows (byte 4)"},
		{"bare quote", "a,b\n1,x\"y\n", 2, "a double quote inside an unquoted field"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := bothWays(t, c.in, Options{Name: "f.csv"})
			if !errors.Is(err, ErrFormat) || Line(err) != c.line || !strings.Contains(fmt.Sprint(err), c.msg) {
				t.Fatalf("error %v, want line %d: %s", err, c.line, c.msg)
			}
		})
	}
}

// TestQuotedFieldsStillRead: files whose quoted fields hold line breaks,
// separators and doubled quotes — up to the last byte — read, both ways.
func TestQuotedFieldsStillRead(t *testing.T) {
	for _, c := range []struct {
		in   string
		want [][]string
	}{
		{"a,b\n\"x\ny\",\"he said \"\"hi\"\"\"\n", [][]string{{"x\ny", `he said "hi"`}}},
		{"a,b\n1,\"ends in quotes\"\"\"\"\"", [][]string{{"1", `ends in quotes""`}}},
		{"a,b\n1,\"\"", [][]string{{"1", ""}}},
		{"a,b\n\"\"\"\",\"\"\"\"\"\"\r\n", [][]string{{`"`, `""`}}},
		{"a;b\r\n\"x;\r\ny\";\"\"\r\n\r\n", [][]string{{"x;\ny", ""}}},
		{"\ufeff\"a\",\"b\"\n\"1\",\"2\"", [][]string{{"1", "2"}}},
	} {
		got, _, err := bothWays(t, c.in, Options{Name: "f.csv"})
		if err != nil || !slices.EqualFunc(got, c.want, slices.Equal) {
			t.Errorf("%q: %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

// TestUnclosedQuoteRandom writes random good records, some quoted with
// line breaks and doubled quotes, then opens a quote at a random field of
// a random record and leaves it open (the records after it hold no
// quote), and wants the line it opens on from Next and ReadBlocks. Half
// the files instead close a field and put text after the quote, and want
// that said.
func TestUnclosedQuoteRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 5))
	pieces := []string{"a", "7", " ", ";", "é", "北", "x y", ",", "\"", "\n", "\r\n"}
	for n := range 200 {
		cols := 1 + rng.IntN(4)
		rows := 1 + rng.IntN(40)
		fault := rng.IntN(rows)
		faultCol := rng.IntN(cols)
		unclosed := n%2 == 0
		var b strings.Builder
		line := 1
		nl := func() {
			b.WriteString([]string{"\n", "\r\n"}[rng.IntN(2)])
			line++
		}
		for i := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "c%d", i)
		}
		nl()
		open, closed := 0, 0
		for r := range rows {
			if rng.IntN(8) == 0 {
				nl() // a blank line
			}
			for i := range cols {
				if i > 0 {
					b.WriteByte(',')
				}
				after := r > fault || r == fault && i > faultCol
				var f strings.Builder
				for range rng.IntN(5) {
					p := pieces[rng.IntN(len(pieces))]
					if after {
						p = strings.Trim(p, ",\"\r\n") // nothing after the fault needs quotes
					}
					f.WriteString(p)
				}
				v := f.String()
				switch {
				case after:
					b.WriteString(v)
				case r == fault && i == faultCol && unclosed:
					open = line
					b.WriteString(`"` + strings.NewReplacer(`"`, "", ",", "", "\r", "", "\n", "").Replace(v))
				case r == fault && i == faultCol:
					v = strings.ReplaceAll(v, "\"", "\"\"")
					b.WriteString(`"` + v + `"x`)
					open, closed = line, line+strings.Count(v, "\n")
				case strings.ContainsAny(v, ",\"\r\n") || rng.IntN(4) == 0:
					b.WriteString(`"` + strings.ReplaceAll(v, `"`, `""`) + `"`)
					line += strings.Count(v, "\n")
				default:
					b.WriteString(v)
				}
			}
			nl()
		}
		s := b.String()
		if rng.IntN(3) == 0 {
			s = strings.TrimRight(s, "\r\n")
		}
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			_, _, err := bothWays(t, s, Options{Name: "f.csv", Separator: ','}, 1+rng.IntN(32), 1<<20)
			if unclosed {
				if !strings.Contains(fmt.Sprint(err), fmt.Sprintf("line %d: malformed record: a quoted field opened on line %d is never closed", open, open)) {
					t.Fatalf("error %v, want the quote of line %d never closed\ninput %q", err, open, s)
				}
				return
			}
			want := fmt.Sprintf("line %d: malformed record: text after a closing quote", open)
			if closed != open {
				want = fmt.Sprintf("line %d: malformed record: the quoted field opened on line %d runs to a quote on line %d that text follows", open, open, closed)
			}
			if !strings.Contains(fmt.Sprint(err), want) {
				t.Fatalf("error %v, want %q\ninput %q", err, want, s)
			}
		})
	}
}

// TestNotTextRefused: compressed files, archives, workbooks and Parquet
// given as CSV are named for what they are (they were "a NUL byte" or a
// garbled header), and a directory as a directory.
func TestNotTextRefused(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"gzip", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03+I-.\x01\x00", "f.csv: malformed record: the file is gzip-compressed, not text; decompress it first"},
		{"bzip2", "BZh91AY&SY\x8d\x1c", "the file is bzip2-compressed"},
		{"xz", "\xfd7zXZ\x00\x00\x04", "the file is xz-compressed"},
		{"zstd", "\x28\xb5\x2f\xfd\x24\x05", "the file is zstd-compressed"},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00", "the file is a ZIP archive (an Excel .xlsx workbook?)"},
		{"xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "Excel 97–2003 workbook (.xls)"},
		{"parquet", "PAR1\x15\x04\x15", "the file is Parquet"},
	} {
		_, err := Open(strings.NewReader(c.in), Options{Name: "f.csv"})
		if !errors.Is(err, ErrFormat) || err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	// Text that merely starts like one of them is read.
	for _, s := range []string{"BZh,x\n1,2\n", "PK,x\n1,2\n", "PAR,x\n1,2\n"} {
		if _, err := Open(strings.NewReader(s), Options{}); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	dir := t.TempDir()
	if _, err := OpenFile(dir, Options{Name: "data"}); !errors.Is(err, ErrDirectory) || err.Error() != "data: is a directory, not a file; name the data file in it" {
		t.Errorf("directory: %v", err)
	}
}
