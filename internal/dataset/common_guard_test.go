//go:build linux

package dataset

import (
	"math"
	"strings"
	"syscall"
	"testing"
)

// guardedPage maps two pages, the second unreadable: the bytes of the
// first that end at the second's start end a buffer whose next byte
// faults, so a loop that reads past its data crashes the test.
func guardedPage(t testing.TB) []byte { return guarded(t, false) }

// guardedStart maps two pages, the first unreadable: the second's bytes
// start a buffer whose previous byte faults, so a loop that reads before
// its data crashes the test.
func guardedStart(t testing.TB) []byte { return guarded(t, true) }

// guarded maps two pages, one of them unreadable (the first when before),
// and returns the other.
func guarded(t testing.TB, before bool) []byte {
	t.Helper()
	ps := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	fault, page := mem[ps:], mem[:ps:ps]
	if before {
		fault, page = mem[:ps], mem[ps:]
	}
	if err := syscall.Mprotect(fault, syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	return page
}

// TestCommonNumbersStopAtGuardPage runs commonNumbers (the Go loop, and
// on amd64 the assembly loop, plain and SSSE3) on cells that end the data
// exactly where an unreadable page starts, with 0 to 20 bytes between
// them, and on the same cells starting data that starts right after an
// unreadable page (a decimal ending within the data's first 8 bytes takes
// its decimals from the word at 0, not from one at e-8): it never loads a
// word past the data or before it, and what it takes is read right.
func TestCommonNumbersStopAtGuardPage(t *testing.T) {
	after, before := guardedPage(t), guardedStart(t)
	for _, m := range commonModes() {
		m.use(t)
		for _, cell := range []string{"1", "7", "12", "-3", "1234567", "12345678", "-12345678", "1.2345678",
			"-1.2345678", "0.12345678", "1234567.12345678", "-1234567.1234567", "1.5", "-2.25", "0.125", "0", "-0", ".5", "5."} {
			for pad := 0; pad <= 20; pad++ {
				for side, data := range [][]byte{after[len(after)-len(cell)-pad:], before[:len(cell)+pad]} {
					copy(data, cell)
					for i := len(cell); i < len(data); i++ {
						data[i] = '9'
					}
					num, ints := [][]float64{{math.Inf(1)}}, []bool{true}
					left := commonNumbers(data, []int32{0}, []int32{int32(len(cell))}, 1, num, ints, nil)
					want, ok := ParseNumber([]byte(cell))
					if len(left) == 0 && (!ok || math.Float64bits(num[0][0]) != math.Float64bits(want)) {
						t.Errorf("%s side %d: %q then %d bytes: %v, want %v", m.name, side, cell, pad, num[0][0], want)
					}
					if pad == 0 && len(cell) < 8 && len(left) == 0 {
						t.Errorf("%s side %d: %q at the very end of data taken: its word runs past the data", m.name, side, cell)
					}
					// A cell of commonNumbers' forms with a word after its
					// digits is taken: the loads above were made.
					if digits := strings.TrimPrefix(cell, "-"); commonForm([]byte(cell)) && len(digits)+pad >= 8 && len(left) != 0 {
						t.Errorf("%s side %d: %q then %d bytes left", m.name, side, cell, pad)
					}
				}
			}
		}
	}
}
