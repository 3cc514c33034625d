//go:build linux

package dataset

import (
	"math"
	"syscall"
	"testing"
)

// guardedPage maps two pages, the second unreadable: the bytes of the
// first that end at the second's start end a buffer whose next byte
// faults, so a loop that reads past its data crashes the test.
func guardedPage(t *testing.T) (page []byte) {
	t.Helper()
	ps := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	t.Cleanup(func() { syscall.Munmap(mem) })
	if err := syscall.Mprotect(mem[ps:], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	return mem[:ps:ps]
}

// TestCommonNumbersStopAtGuardPage runs commonNumbers (the assembly loop
// on amd64, and the Go loop) on cells that end the data exactly where an
// unreadable page starts, with 0 to 20 bytes between them: it never loads
// a word past the data, and what it takes is read right.
func TestCommonNumbersStopAtGuardPage(t *testing.T) {
	page := guardedPage(t)
	for _, m := range commonModes() {
		m.use(t)
		for _, cell := range []string{"1", "7", "12", "-3", "1234567", "12345678", "-12345678", "1.2345678",
			"-1.2345678", "0.12345678", "1234567.12345678", "-1234567.1234567", "1.5", "0", "-0", ".5", "5."} {
			for pad := 0; pad <= 20; pad++ {
				data := page[len(page)-len(cell)-pad:]
				copy(data, cell)
				for i := len(cell); i < len(data); i++ {
					data[i] = '9'
				}
				num, ints := [][]float64{{math.Inf(1)}}, []bool{true}
				left := commonNumbers(data, []int32{0}, []int32{int32(len(cell))}, 1, num, ints, nil)
				want, ok := ParseNumber([]byte(cell))
				if len(left) == 0 && (!ok || math.Float64bits(num[0][0]) != math.Float64bits(want)) {
					t.Errorf("%s: %q then %d bytes: %v, want %v", m.name, cell, pad, num[0][0], want)
				}
				if pad == 0 && len(cell) < 8 && len(left) == 0 {
					t.Errorf("%s: %q at the very end of data taken: its word runs past the data", m.name, cell)
				}
			}
		}
	}
}
