//go:build linux

package tabular

import (
	"syscall"
	"testing"
)

// TestSepMasksStopAtGuardPage runs sepMasks (SSE2 on amd64) and sepMasksGo
// on text that ends exactly where an unreadable page starts, of every
// length up to 4 groups and a tail: neither reads past the text's
// groups, and the masks are right.
func TestSepMasksStopAtGuardPage(t *testing.T) {
	ps := syscall.Getpagesize()
	mem, err := syscall.Mmap(-1, 0, 2*ps, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_ANON|syscall.MAP_PRIVATE)
	if err != nil {
		t.Skipf("mmap: %v", err)
	}
	defer syscall.Munmap(mem)
	if err := syscall.Mprotect(mem[ps:], syscall.PROT_NONE); err != nil {
		t.Skipf("mprotect: %v", err)
	}
	page := mem[:ps:ps]
	for i := range page {
		page[i] = "1,2.5\n;\tx\r"[i%10]
	}
	for n := 0; n <= 4*64+63; n++ {
		c := page[ps-n:]
		groups := n / 64
		want := make([]uint64, groups)
		for i := range groups * 64 {
			if c[i] == ',' || c[i] == '\n' {
				want[i/64] |= 1 << (i % 64)
			}
		}
		for name, f := range map[string]func([]byte, byte, []uint64) bool{"sepMasks": sepMasks, "sepMasksGo": sepMasksGo} {
			got := make([]uint64, groups+1)
			if f(c, ',', got) {
				t.Fatalf("%s: %d bytes of ASCII said past ASCII", name, n)
			}
			for q := range groups {
				if got[q] != want[q] {
					t.Fatalf("%s: %d bytes, group %d: %064b, want %064b", name, n, q, got[q], want[q])
				}
			}
		}
	}
}
