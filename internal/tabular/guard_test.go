package tabular

import (
	"errors"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
)

// chunkReader returns its text in reads of the given sizes, in turn.
type chunkReader struct {
	s     string
	sizes []int
	i     int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.s == "" {
		return 0, io.EOF
	}
	n := min(len(p), r.sizes[r.i%len(r.sizes)], len(r.s))
	r.i++
	copy(p, r.s[:n])
	r.s = r.s[n:]
	return n, nil
}

// TestLineGuardRandom passes random text of short and long lines through
// the line guard in reads of random sizes, shorter and longer than the
// longest line allowed, and checks the line it refuses (or that it
// refuses none) and the lines it counts against a byte-by-byte count.
func TestLineGuardRandom(t *testing.T) {
	defer func(n int) { maxLineBytes = n }(maxLineBytes)
	maxLineBytes = 40
	rng := rand.New(rand.NewPCG(3, 5))
	for n := range 2000 {
		var b strings.Builder
		for range rng.IntN(30) {
			length := rng.IntN(12)
			if rng.IntN(8) == 0 {
				length = 30 + rng.IntN(20) // around the limit
			}
			b.WriteString(strings.Repeat("x", length))
			if rng.IntN(10) > 0 {
				b.WriteByte('\n')
			}
		}
		s := b.String()
		// The reference: the first line longer than the limit, counted
		// byte by byte, or none and the lines and the bytes after the last
		// line break.
		wantLine, line, run := 0, 1, 0
		for i := 0; i < len(s) && wantLine == 0; i++ {
			if s[i] == '\n' {
				line, run = line+1, 0
				continue
			}
			if run++; run > maxLineBytes {
				wantLine = line
			}
		}
		sizes := make([]int, 1+rng.IntN(4))
		for i := range sizes {
			sizes[i] = 1 + rng.IntN(2*maxLineBytes+20)
		}
		g := &lineGuard{r: &chunkReader{s: s, sizes: sizes}, line: 1}
		_, err := io.ReadAll(g)
		var le *lineError
		switch {
		case wantLine == 0 && err != nil:
			t.Fatalf("%d: %q in reads of %v: %v, want no error", n, s, sizes, err)
		case wantLine == 0 && (g.line != line || g.run != run):
			t.Fatalf("%d: %q in reads of %v: line %d, run %d; want %d, %d", n, s, sizes, g.line, g.run, line, run)
		case wantLine != 0 && (!errors.As(err, &le) || le.line != wantLine || !errors.Is(err, ErrFormat)):
			t.Fatalf("%d: %q in reads of %v: %v, want line %d refused", n, s, sizes, err, wantLine)
		}
	}
}
