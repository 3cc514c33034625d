//go:build linux

package dataset

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"testing"
)

// fuzzCells makes a block's cells from a fuzz input: with no bounds, the
// data split at ',' and '\n' (cells as a CSV file has them); else two
// bytes a cell, each a bound from -2 to 253 (reversed, empty, past the
// data and negative bounds among them). k is 1 to 5; the cells are cut
// to a whole number of rows.
func fuzzCells(data, bounds []byte, kb byte) (start, end []int32, k int) {
	k = 1 + int(kb)%5
	if len(bounds) == 0 {
		s := 0
		for i := 0; i <= len(data); i++ {
			if i == len(data) || data[i] == ',' || data[i] == '\n' {
				start, end = append(start, int32(s)), append(end, int32(i))
				s = i + 1
			}
		}
	} else {
		for i := 0; i+1 < len(bounds); i += 2 {
			start, end = append(start, int32(bounds[i])-2), append(end, int32(bounds[i+1])-2)
		}
	}
	n := len(start) / k * k
	return start[:n], end[:n], k
}

// checkCommonCells runs commonNumbers every way this machine can (Go
// loop, plain assembly, SSSE3) on data placed against an unreadable page
// after it and before it, and checks each against commonNumbers' doc
// comment: the cells it takes are exactly those of its two forms (by
// commonForm, a slow reading of the definition) that start 8 bytes or
// more before the data's end (past the '-'), each read as
// strconv.ParseFloat reads it, to the bit; ints[j] is cleared exactly
// when a decimal of column j is taken; the others are left, in order, and
// their numbers untouched.
func checkCommonCells(t *testing.T, after, before, data []byte, start, end []int32, k int) {
	if len(data) > len(after) || len(data) > len(before) {
		t.Skip("data longer than a page")
	}
	rows := len(start) / k
	var want string
	for _, m := range commonModes() {
		for side, page := range [][]byte{after, before} {
			d := page[len(page)-len(data):] // ends where the guard starts
			if side == 1 {
				d = page[:len(data):len(data)] // starts where the guard ends
			}
			copy(d, data)
			num := make([][]float64, k)
			for j := range num {
				num[j] = make([]float64, rows)
				for r := range num[j] {
					num[j][r] = -math.MaxFloat64
				}
			}
			ints := make([]bool, k)
			for j := range ints {
				ints[j] = true
			}
			left := m.numbers(d, start, end, k, num, ints, []int32{-7})
			got := fmt.Sprintf("left %v ints %v num %v", left, ints, num)
			if want == "" {
				want = got
			} else if got != want {
				t.Fatalf("%s (guard %s): %s\nGo loop: %s\ndata %q start %v end %v", m.name, []string{"after", "before"}[side], got, want, data, start, end)
			}
			if len(left) == 0 || left[0] != -7 {
				t.Fatalf("%s: left %v: the slice given lost its first element", m.name, left)
			}
			left = left[1:]
			decimal := make([]bool, k)
			for i := range start {
				r, j := i/k, i%k
				s, e := int(start[i]), int(end[i])
				var cell []byte
				valid := s >= 0 && s < e && e <= len(data)
				if valid {
					cell = data[s:e]
				}
				ds := s + b2i(valid && cell[0] == '-')
				taken := valid && commonForm(cell) && ds+8 <= len(data)
				if len(left) > 0 && int(left[0]) == i {
					left = left[1:]
					if taken {
						t.Errorf("%s: cell %d %q (data %d bytes) left, but of commonNumbers' forms", m.name, i, cell, len(data))
					}
					if num[j][r] != -math.MaxFloat64 {
						t.Errorf("%s: cell %d %q left, but its number written (%v)", m.name, i, cell, num[j][r])
					}
					continue
				}
				if !taken {
					t.Errorf("%s: cell %d %q (bounds %d:%d, data %d bytes) taken, not of commonNumbers' forms", m.name, i, cell, s, e, len(data))
					continue
				}
				v, err := strconv.ParseFloat(string(cell), 64)
				if err != nil || math.Float64bits(v) != math.Float64bits(num[j][r]) {
					t.Errorf("%s: cell %d %q read as %v (%x), strconv %v (%x) %v", m.name, i, cell, num[j][r], math.Float64bits(num[j][r]), v, math.Float64bits(v), err)
				}
				if bytes.IndexByte(cell, '.') >= 0 {
					decimal[j] = true
				} else if _, ok := IntCell(cell); !ok {
					t.Errorf("%s: cell %d %q taken as an integer, not an IntCell", m.name, i, cell)
				}
			}
			if len(left) != 0 {
				t.Errorf("%s: left %v: indexes not of cells, or out of order", m.name, left)
			}
			for j := range ints {
				if ints[j] == decimal[j] {
					t.Errorf("%s: ints[%d] = %v, but a decimal taken in the column: %v", m.name, j, ints[j], decimal[j])
				}
			}
			if t.Failed() {
				t.FailNow()
			}
		}
	}
}

// FuzzCommonNumbers checks commonNumbers (checkCommonCells) on arbitrary
// bytes and bounds; in a plain test run only the seeds below.
func FuzzCommonNumbers(f *testing.F) {
	for _, s := range []string{
		"1.5", "1.5,2", "-1.5,x", "1,2,3,4,5,6,7,8,9", "0.5,1.25,-7.125,12345678,-1234567.1234567,x",
		"12.345678,7,x,-1234.5678,+3,0", "9999999.99999999,1", "1.2345678\n-0\n007\n00.5\n.5\n5.\n",
		"-9999999.99999999", "1234567.12345678", "1.23,4.56,78.9,0.12345678,1.0", "1.5;2.5",
	} {
		f.Add([]byte(s), []byte(nil), byte(0))
		f.Add([]byte(s), []byte(nil), byte(1))
	}
	f.Add([]byte("1.5,12345678.25,99"), []byte{2, 5, 6, 16, 17, 19, 0, 30, 1, 1, 255, 3}, byte(0))
	f.Add([]byte("1.5,2.25"), []byte{2, 5, 6, 10, 4, 10, 2, 3}, byte(1))
	after, before := guardedPage(f), guardedStart(f)
	f.Fuzz(func(t *testing.T, data, bounds []byte, kb byte) {
		start, end, k := fuzzCells(data, bounds, kb)
		if len(start) == 0 {
			return
		}
		checkCommonCells(t, after, before, data, start, end, k)
	})
}
