package dataset

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// readEdgeFile reads a CSV file through scanCSV: mode 0 cell by cell
// (the general path), else through commonNumbers run the way of
// commonModes()[mode-1]; one line per batch column, each number's bits
// and its cell.
func readEdgeFile(t *testing.T, data []byte, cols int, mode int, formatted bool) []string {
	t.Helper()
	defer func() { perCell = false }()
	if mode == 0 {
		perCell = true
	} else {
		commonModes()[mode-1].use(t)
	}
	f, err := Open(bytes.NewReader(data), int64(len(data)), Options{Workers: 2, Formatted: formatted})
	if err != nil {
		return []string{"open: " + err.Error()}
	}
	idx := make([]int, cols)
	for j := range idx {
		idx[j] = j
	}
	var out []string
	err = f.Scan(idx, func(bt *Batch) error {
		for k := range cols {
			var line strings.Builder
			fmt.Fprintf(&line, "col %d rows %d-%d ints %v lead %v pct %d grouped %v:", k, bt.Start(), bt.Start()+int64(bt.Rows), bt.IntCells(k), bt.LeadingZeros(k), bt.Percents(k), bt.Grouped(k))
			for r, x := range bt.Num[k][:bt.Rows] {
				fmt.Fprintf(&line, " %x/%q", math.Float64bits(x), bt.Text(k, r))
			}
			out = append(out, line.String())
		}
		return nil
	})
	if err != nil {
		out = append(out, "err: "+err.Error())
	}
	return out
}

// TestCommonNumbersEdgeCells reads files mixing the cells around
// commonNumbers' forms — "-0", ".5", "5.", '+', 1e308 and past it, 16 and
// more digits, leading zeros, decimal commas, NUL bytes, bytes that are not
// UTF-8, a CR without LF, quoted cells — with the random cells of
// TestCommonNumbersAsPerCell, in files of 2 to 20,000 rows (one block, or
// several), a line break at the end or not: the numbers (to the bit), the
// cells and the batches' notes are the general path's.
func TestCommonNumbersEdgeCells(t *testing.T) {
	cells := []string{"-0", "0", "-0.0000000", "0.00000000", ".5", "5.", "-.5", "+5", "+1.2345678", "1e308", "1.7976931348623157e308", "1e309", "-1e308",
		"1234567890123456", "1234567.123456789", "12345678.12345678", "0.1234567890123456789", "00", "007", "00.5", "-007",
		"1,5", "1.234,5", "12\x00", "\x0012345678", "1234\x005678", "\xff12", "12\xff", "1.2345678\r", "12345678\r", "\r5", "1\r2",
		"99999999", "-99999999", "123456789", "9999999.99999999", "-9999999.99999999", "1.00000000", "4.9406564584124654e-324",
		" 12", "12 ", "\u00a012", "0x10", "1_0", "Inf", "NaN", "-", "", "NA", "１２"}
	r := rand.New(rand.NewPCG(9, 9))
	for round := range 300 {
		cols := 1 + r.IntN(4)
		var b bytes.Buffer
		for j := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "c%d", j)
		}
		b.WriteByte('\n')
		rows := 1 + r.IntN([]int{3, 30, 20000}[round%3])
		for range rows {
			for j := range cols {
				if j > 0 {
					b.WriteByte(',')
				}
				var c string
				if r.IntN(3) == 0 {
					c = cells[r.IntN(len(cells))]
				} else {
					c = randomCell(r, ',', r.IntN(16))
				}
				if r.IntN(30) == 0 {
					c = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
				}
				b.WriteString(c)
			}
			if r.IntN(3) == 0 {
				b.WriteByte('\r')
			}
			b.WriteByte('\n')
		}
		if r.IntN(2) == 0 {
			b.Truncate(b.Len() - 1)
		}
		data := b.Bytes()
		for _, formatted := range []bool{false, true} {
			want := readEdgeFile(t, data, cols, 0, formatted)
			for mode := 1; mode <= len(commonModes()); mode++ {
				got := readEdgeFile(t, data, cols, mode, formatted)
				if fmt.Sprint(got) != fmt.Sprint(want) {
					for i := range min(len(got), len(want)) {
						if got[i] != want[i] {
							t.Fatalf("round %d mode %d formatted %v:\nwant %.2000s\ngot  %.2000s", round, mode, formatted, want[i], got[i])
						}
					}
					t.Fatalf("round %d mode %d: lengths %d %d", round, mode, len(want), len(got))
				}
			}
		}
	}
}
