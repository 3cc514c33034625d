package tabular

import (
	"math/rand/v2"
	"testing"
)

// TestSepMasks compares sepMasks (assembly on amd64) and sepMasksGo with
// the masks' definition, byte by byte, on random text: every separator,
// line breaks, bytes past ASCII, the bytes next to them (sep±1, 0x80,
// 0x7f, 0), at every place of the 64-byte groups.
func TestSepMasks(t *testing.T) {
	r := rand.New(rand.NewPCG(4, 4))
	alphabet := []byte{',', ';', '\t', '\n', '\r', '"', 'a', '0', '+', '-', ':', 0x0b, 0x09, 0x2b, 0x2d, 0x3a, 0x3c, 0x7f, 0x80, 0xff, 0xe5, 0}
	for round := range 4000 {
		c := make([]byte, r.IntN(64*6+1))
		ascii := r.IntN(3) == 0
		for i := range c {
			c[i] = alphabet[r.IntN(len(alphabet))]
			if ascii && c[i] >= 0x80 {
				c[i] = 'b'
			}
		}
		if ascii && len(c) > 0 && r.IntN(2) == 0 {
			c[r.IntN(len(c))] = 0x80 + byte(r.IntN(128)) // one byte past ASCII, anywhere
		}
		sep := []byte{',', ';', '\t'}[round%3]
		groups := len(c) / 64
		want := make([]uint64, groups)
		wantHigh := false
		for i := range groups * 64 {
			if c[i] == sep || c[i] == '\n' {
				want[i/64] |= 1 << (i % 64)
			}
			wantHigh = wantHigh || c[i] >= 0x80
		}
		for name, f := range map[string]func([]byte, byte, []uint64) bool{"sepMasks": sepMasks, "sepMasksGo": sepMasksGo} {
			got := make([]uint64, groups+1)
			got[groups] = 0x5a5a // past the groups: not written
			high := f(c, sep, got)
			if high != wantHigh {
				t.Fatalf("round %d: %s: high %v, want %v", round, name, high, wantHigh)
			}
			for q := range groups {
				if got[q] != want[q] {
					t.Fatalf("round %d: %s: group %d: %064b, want %064b (sep %q)", round, name, q, got[q], want[q], sep)
				}
			}
			if got[groups] != 0x5a5a {
				t.Fatalf("round %d: %s wrote past its groups", round, name)
			}
		}
	}
}
