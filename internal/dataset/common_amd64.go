package dataset

import (
	"unsafe"

	"golang.org/x/sys/cpu"
)

// commonSSSE3 makes commonCells read each cell's 16 bytes at once with
// SSSE3's byte shuffle and multiply-adds (every amd64 CPU since about
// 2008 has them), where the cell's 16 bytes lie within the data; the
// tests turn it off to check both ways.
var commonSSSE3 = haveSSSE3

var haveSSSE3 = cpu.X86.HasSSSE3

// digitShuffles[p·16+n] moves the n digits of a cell whose point is at
// byte p (p = 8: no point) to the end of 16 bytes, zeros before them.
var digitShuffles = func() (t [9 * 16][16]byte) {
	for p := range 9 {
		for n := range 16 {
			for i := range 16 {
				t[p*16+n][i] = 0x80 // a zero
				if d := i - (16 - n); d >= 0 {
					t[p*16+n][i] = byte(d + b2i(d >= p))
				}
			}
		}
	}
	return t
}()

// useCommonAsm says whether commonNumbers runs commonCells; the tests
// turn it off to compare it with commonNumbersGo.
var useCommonAsm = true

// commonCells is commonNumbersGo's loop in assembly (common_amd64.s), in
// plain amd64 instructions (no CPU feature to detect). It reads the n =
// len(start) cells, writes the numbers of those it takes through cols
// (cols[j] points at column j's first number; row r is r*8 bytes on),
// clears ints[j] for a decimal, and writes the indexes of the cells it
// leaves to left, returning how many. The caller guarantees what it does
// not check: len(end) ≥ n, n a multiple of k > 0, len(cols) = len(ints)
// = k, every column at least n/k numbers long, len(left) ≥ n. Cell bounds
// are checked against data.
//
//go:noescape
func commonCells(data []byte, start, end []int32, k int, cols []unsafe.Pointer, ints []bool, left []int32) int

// commonNumbersAsm is commonNumbers through commonCells: it checks what
// commonCells relies on, and hands anything else to commonNumbersGo.
func commonNumbersAsm(data []byte, start, end []int32, k int, num [][]float64, ints []bool, left []int32) []int32 {
	n := len(start)
	if k <= 0 || n%k != 0 || len(end) < n || len(num) < k || len(ints) < k || n == 0 {
		return commonNumbersGo(data, start, end, k, num, ints, left)
	}
	rows := n / k
	var held [64]unsafe.Pointer
	cols := held[:0]
	for j := range k {
		if len(num[j]) < rows {
			return commonNumbersGo(data, start, end, k, num, ints, left)
		}
		cols = append(cols, unsafe.Pointer(&num[j][0]))
	}
	at := len(left)
	left = append(left, make([]int32, n)...)
	m := commonCells(data, start, end, k, cols, ints[:k], left[at:])
	return left[:at+m]
}
