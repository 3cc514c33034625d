package tabular

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// readBlocks reads s with ReadBlocks, every column, and returns what Next
// would: the records, their lines, the error.
func readBlocks(s string, opt Options, workers int) ([][]string, []int, error) {
	return readBlocksOf(s, opt, workers, nil)
}

// readBlocksOf reads the columns cols (nil: all, in order) of s with
// ReadBlocks.
func readBlocksOf(s string, opt Options, workers int, cols []int) ([][]string, []int, error) {
	r, err := Open(strings.NewReader(s), opt)
	if err != nil {
		return nil, nil, err
	}
	if cols == nil {
		cols = make([]int, len(r.Header()))
		for i := range cols {
			cols[i] = i
		}
	}
	var recs [][]string
	var lines []int
	err = r.ReadBlocks(cols, BlockOptions{Workers: workers}, func(b *Block) error {
		for i := range b.Rows {
			rec := make([]string, len(cols))
			for k := range cols {
				rec[k] = string(b.Field(i, k))
			}
			recs = append(recs, rec)
			lines = append(lines, b.Lines[i])
		}
		return nil
	})
	return recs, lines, err
}

// readNext is the reference: the same through Next.
func readNext(s string, opt Options) ([][]string, []int, error) {
	r, err := Open(strings.NewReader(s), opt)
	if err != nil {
		return nil, nil, err
	}
	var recs [][]string
	var lines []int
	for {
		rec, line, err := r.Next()
		if err != nil {
			if err.Error() == "EOF" {
				err = nil
			}
			return recs, lines, err
		}
		recs = append(recs, slices.Clone(rec))
		lines = append(lines, line)
	}
}

func withChunk(t *testing.T, n int) {
	old := chunkBytes
	chunkBytes = n
	t.Cleanup(func() { chunkBytes = old })
}

// sameAsNext checks that ReadBlocks gives Next's records and lines, or
// Next's error message.
func sameAsNext(t *testing.T, s string, opt Options) {
	t.Helper()
	want, wantLines, wantErr := readNext(s, opt)
	for _, chunk := range []int{1, 3, 16, 1 << 20} {
		for _, workers := range []int{1, 3} {
			withChunk(t, chunk)
			got, gotLines, err := readBlocks(s, opt, workers)
			if wantErr != nil || err != nil {
				if wantErr == nil || err == nil || err.Error() != wantErr.Error() {
					t.Fatalf("chunk %d: error %v, want %v\ninput %q", chunk, err, wantErr, s)
				}
				continue
			}
			if !slices.EqualFunc(got, want, slices.Equal) || !slices.Equal(gotLines, wantLines) {
				t.Fatalf("chunk %d workers %d:\ngot  %q %v\nwant %q %v\ninput %q", chunk, workers, got, gotLines, want, wantLines, s)
			}
		}
	}
}

func TestBlocksMatchNext(t *testing.T) {
	for _, s := range []string{
		"a,b\n1,2\n3,4\n",
		"a,b\r\n1,2\r\n3,4",
		"a,b\n1,2\n3,4\r",
		"\ufeffa;b\r\n\"x;y\";\"line\r\nbreak\"\r\n\r\n\n5;6\n",
		"a,b\n\"he said \"\"hi\"\"\",\"\"\n,\n",
		"a,b\n\"multi\nline\nfield\",x\n\"\",\"\"\"\"\n",
		"a,b\n x , y \n\"a\rb\",c\rd\n",
		"a\n1\n\n\n2\n\r\n3",
		"a,b\n1,2\n3\n",              // short row
		"a,b\n1,2,3\n",               // long row
		"a,b\n1,x\"y\n",              // bare quote
		"a,b\n\"1\"x,2\n",            // text after a closing quote
		"a,b\n1,\"open\n2,3\n",       // unclosed at EOF
		"a,b\n1,\"open\n2,3\n\"x\"y", // closed badly on a later line
		"a,b\n1,2\n3,\xff\n",         // not UTF-8 (detected Windows-1252 would read it; forced below)
		"名前,値\n北京,1\n上海,2\n",
		"a,b\n1,2\n\"x\ny\"z,3\n",
	} {
		sameAsNext(t, s, Options{})
		sameAsNext(t, s, Options{Encoding: "utf-8", Name: "f.csv"})
	}
	sameAsNext(t, gb18030(t, "城市,人口\n北京,21\n\"上海\n浦东\",24\n"), Options{})
	sameAsNext(t, cp1252(t, "café,n\ncrème,1\nplain,2\n"), Options{})
	sameAsNext(t, "a,b\n1,2\n3,\x80\x81\n", Options{Encoding: "gb18030"})
	sameAsNext(t, "a\tb\n1\t\"2\t3\"\n", Options{})
}

// TestBlocksMatchNextRandom writes random files — quoted and unquoted
// fields with separators, quotes, CR, LF and CRLF inside, empty lines,
// multi-byte text, now and then a fault — and reads them both ways.
func TestBlocksMatchNextRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	pieces := []string{"a", "7", "-1.5", " ", ",", "\"", "\n", "\r\n", "\r", "é", "北", "x y"}
	for n := range 300 {
		var b strings.Builder
		cols := 1 + rng.IntN(4)
		for i := range cols {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "c%d", i)
		}
		b.WriteString([]string{"\n", "\r\n"}[rng.IntN(2)])
		rows := rng.IntN(30)
		for range rows {
			if rng.IntN(10) == 0 {
				b.WriteString("\n")
			}
			nf := cols
			if rng.IntN(40) == 0 {
				nf += rng.IntN(3) - 1
			}
			for i := range nf {
				if i > 0 {
					b.WriteByte(',')
				}
				var f strings.Builder
				for range rng.IntN(4) {
					f.WriteString(pieces[rng.IntN(len(pieces))])
				}
				v := f.String()
				switch {
				case strings.ContainsAny(v, ",\"\r\n") && rng.IntN(30) > 0:
					b.WriteString(`"` + strings.ReplaceAll(v, `"`, `""`) + `"`)
				case rng.IntN(5) == 0:
					b.WriteString(`"` + strings.ReplaceAll(v, `"`, `""`) + `"`)
				default:
					b.WriteString(v) // may be a fault: Next says which
				}
			}
			b.WriteString([]string{"\n", "\r\n"}[rng.IntN(2)])
		}
		s := b.String()
		if rng.IntN(4) == 0 {
			s = strings.TrimRight(s, "\r\n")
		}
		t.Run(fmt.Sprint(n), func(t *testing.T) { sameAsNext(t, s, Options{Separator: ','}) })
	}
}

// TestBlocksPlainMatchNext writes random files without quotes — the
// blocks cut at separators and line breaks directly — with blank lines,
// CR LF, bare CRs, spaces, multi-byte text, now and then a record of the
// wrong length or a byte that is not UTF-8, and reads all columns and a
// selection of them both ways.
func TestBlocksPlainMatchNext(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 12))
	pieces := []string{"a", "7", "-1.5", " ", "\r", "é", "北", "x y", "", "1e-3", "NA"}
	seps := []string{",", ";", "\t"}
	for n := range 300 {
		sep := seps[rng.IntN(len(seps))]
		var b strings.Builder
		cols := 1 + rng.IntN(5)
		for i := range cols {
			if i > 0 {
				b.WriteString(sep)
			}
			fmt.Fprintf(&b, "c%d", i)
		}
		b.WriteString([]string{"\n", "\r\n"}[rng.IntN(2)])
		// Every third file is long, read in chunks of up to 4 KiB: blocks
		// of many 64-byte groups (sepMasks), not only their tails.
		records, chunk := rng.IntN(40), 1+rng.IntN(64)
		if n%3 == 0 {
			records, chunk = rng.IntN(600), 64+rng.IntN(4096)
		}
		for range records {
			switch rng.IntN(12) {
			case 0:
				b.WriteString("\n")
			case 1:
				b.WriteString("\r\n")
			}
			nf := cols
			if rng.IntN(60) == 0 {
				nf += rng.IntN(3) - 1
			}
			for i := range nf {
				if i > 0 {
					b.WriteString(sep)
				}
				for range rng.IntN(4) {
					b.WriteString(pieces[rng.IntN(len(pieces))])
				}
				if rng.IntN(400) == 0 {
					b.WriteString("\xff")
				}
			}
			b.WriteString([]string{"\n", "\r\n"}[rng.IntN(2)])
		}
		s := b.String()
		switch rng.IntN(4) {
		case 0:
			s = strings.TrimRight(s, "\r\n")
		case 1:
			s = strings.TrimSuffix(s, "\n")
		}
		opt := Options{Encoding: "utf-8"}
		if n%5 == 0 {
			opt = Options{Encoding: "windows-1252"}
		}
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			sameAsNext(t, s, opt)
			want, wantLines, wantErr := readNext(s, opt)
			if wantErr != nil {
				return
			}
			pick := []int{cols - 1}
			if cols > 2 {
				pick = []int{2, 0}
			}
			withChunk(t, chunk)
			got, gotLines, err := readBlocksOf(s, opt, 2, pick)
			if err != nil || !slices.Equal(gotLines, wantLines) || len(got) != len(want) {
				t.Fatalf("columns %v: %d records, lines %v, %v; want %d, %v\ninput %q", pick, len(got), gotLines, err, len(want), wantLines, s)
			}
			for r := range got {
				for k, c := range pick {
					if got[r][k] != want[r][c] {
						t.Fatalf("columns %v: record %d: %q, want %q\ninput %q", pick, r, got[r], want[r], s)
					}
				}
			}
		})
	}
}

func TestBlocksSelectAndStop(t *testing.T) {
	r, err := Open(strings.NewReader("a,b,c\n1,2,3\n4,5,6\n7,8,9\n"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	err = r.ReadBlocks([]int{2, 0, 2}, BlockOptions{}, func(b *Block) error {
		for i := range b.Rows {
			got = append(got, string(b.Field(i, 0))+string(b.Field(i, 1))+string(b.Field(i, 2)))
		}
		return nil
	})
	if err != nil || !slices.Equal(got, []string{"313", "646", "979"}) {
		t.Errorf("got %q, %v", got, err)
	}
	if _, _, err := r.Next(); err.Error() != "EOF" {
		t.Errorf("Next after ReadBlocks: %v, want EOF", err)
	}

	withChunk(t, 8)
	r, _ = Open(strings.NewReader("a\n"+strings.Repeat("1\n", 1000)), Options{})
	stop := errors.New("stop")
	calls := 0
	err = r.ReadBlocks([]int{0}, BlockOptions{Workers: 2}, func(b *Block) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("stop: %v after %d calls", err, calls)
	}
	r, _ = Open(strings.NewReader("a\n1\n"), Options{})
	if err := r.ReadBlocks([]int{1}, BlockOptions{}, func(*Block) error { return nil }); !errors.Is(err, ErrColumn) {
		t.Errorf("bad column: %v", err)
	}
}

func TestBlocksRefuseOverlongLine(t *testing.T) {
	defer func(n int) { maxLineBytes = n }(maxLineBytes)
	maxLineBytes = 1 << 20
	r, err := Open(&endless{}, Options{Separator: ',', Name: "x.csv"})
	if err == nil {
		err = r.ReadBlocks([]int{0}, BlockOptions{}, func(*Block) error { return nil })
	}
	if !errors.Is(err, ErrFormat) || Line(err) != 2 || !strings.Contains(err.Error(), "x.csv: line 2") {
		t.Errorf("error %v, want x.csv line 2 longer than 1 MiB", err)
	}
}
