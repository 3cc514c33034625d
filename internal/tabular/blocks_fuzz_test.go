package tabular

import (
	"slices"
	"strings"
	"testing"
)

// FuzzBlocksMatchNext reads any text both ways — ReadBlocks, every column
// in order (cutRegular's case) and a selection, in blocks cut from reads
// of a few bytes to the whole file, and Next — and wants the same
// records, lines and error message. The seeds are the shapes the block
// cutter treats apart: plain records, CR LF, a CR at the end, blank and
// white-space lines, ragged rows, quotes across lines, a BOM, bytes past
// ASCII, no final line break.
func FuzzBlocksMatchNext(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n3,4\n",
		"a,b\r\n1,2\r\n3,4",
		"a,b\n1,2\n3,4\r",
		"a,b,c\n,,\n1,2,3\n\n \n4,5,6\r\n",
		"a;b\n1;2\n3\n4;5;6\n",
		"\ufeffa,b\n\"x\ny\",2\n\"\"\"\",3\n",
		"a\tb\n1\t2\n\t\n",
		"a,b\n1\r,2\n3,4\r\r\n",
		"a,b\n" + strings.Repeat("1,2\n", 40) + "3,4,5\n" + strings.Repeat("6,7\n", 40),
		"a,b,c,d,e,f,g,h,i,j\n" + strings.Repeat(",,,,,,,,,\n", 20),
		"名前,値\n北京,1\n上海,2\n",
		"a,b\nM\xfcller,1\n",
	} {
		f.Add(s, uint8(5))
	}
	f.Fuzz(func(t *testing.T, s string, chunk uint8) {
		opt := Options{}
		want, wantLines, wantErr := readNext(s, opt)
		r, err := Open(strings.NewReader(s), opt)
		if err != nil {
			return
		}
		nf := len(r.Header())
		all := make([]int, nf)
		for i := range all {
			all[i] = i
		}
		pick := []int{nf - 1}
		if nf > 2 {
			pick = []int{2, 0}
		}
		old := chunkBytes
		defer func() { chunkBytes = old }()
		for _, c := range []int{1 + int(chunk), 64 + 7*int(chunk), 1 << 20} {
			chunkBytes = c
			for _, cols := range [][]int{all, pick} {
				got, gotLines, err := readBlocksOf(s, opt, 2, cols)
				if wantErr != nil || err != nil {
					if wantErr == nil || err == nil || err.Error() != wantErr.Error() {
						t.Fatalf("chunk %d columns %v: error %v, want %v\ninput %q", c, cols, err, wantErr, s)
					}
					continue
				}
				if len(got) != len(want) || !slices.Equal(gotLines, wantLines) {
					t.Fatalf("chunk %d columns %v: %d records at %v, want %d at %v\ninput %q", c, cols, len(got), gotLines, len(want), wantLines, s)
				}
				for i := range got {
					for k, col := range cols {
						if got[i][k] != want[i][col] {
							t.Fatalf("chunk %d columns %v: record %d is %q, want %q\ninput %q", c, cols, i, got[i], want[i], s)
						}
					}
				}
			}
		}
	})
}
