package dataset

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"slices"
	"unicode/utf8"

	"github.com/lodestar-hq/lodestar/internal/tabular"
)

// csvNumbers is a block's cells read as numbers, kept with the block.
type csvNumbers struct {
	num     [][]float64
	ints    []bool  // Batch.IntCells
	percent []int32 // Batch.Percents (Options.Formatted)
	grouped []bool  // Batch.Grouped
	lead    []bool  // Batch.LeadingZeros
	left    []int32 // the cells commonNumbers leaves to the general path
}

// scanCSV reads the file's blocks; the numbers are parsed on the parsing
// goroutines.
func (f *File) scanCSV(cols []int, fn func(*Batch) error) error {
	k := len(cols)
	nan := math.NaN()
	comma, formatted := f.opt.DecimalComma, f.opt.Formatted
	// In a ';' file read without DecimalComma, a number with one comma
	// and no point is far likelier written with a decimal comma (Excel's
	// exports in much of Europe) than grouped: "8,648" is left unread (and
	// named with the flag that reads it), never taken for 8648; "1,234.5"
	// and "1,234,567" can only be grouped.
	commaAmbiguous := formatted && !comma && f.Separator() == ';'
	prepare := func(b *tabular.Block) {
		a, _ := b.Aux.(*csvNumbers)
		if a == nil {
			a = &csvNumbers{num: make([][]float64, k), ints: make([]bool, k),
				percent: make([]int32, k), grouped: make([]bool, k), lead: make([]bool, k)}
			b.Aux = a
		}
		// Row by row: the block's text is read in order, once (column by
		// column it was read k times, across the whole block each time).
		for j := range k {
			a.num[j] = slices.Grow(a.num[j][:0], b.Rows)[:b.Rows]
			a.ints[j] = true
			a.percent[j], a.grouped[j], a.lead[j] = 0, false, false
		}
		num, ints, lead := a.num, a.ints, a.lead
		cell := func(r, j int, cell []byte) {
			var v float64
			var ok bool
			if comma {
				v, ok = ParseDecimalComma(cell)
			} else if v, ok = fastDecimal(cell); !ok { // ParseNumber, one call less
				v, ok = parseOther(cell)
			}
			switch {
			case ok:
				if ints[j] {
					_, ints[j] = IntCell(cell) // an IntCell has no leading zero
				}
				if formatted && len(cell) > 1 && !ints[j] && !lead[j] {
					// LeadingZero, its call only for a cell that
					// may have one: "0" and a digit, a sign and
					// "0", or white space first (a no-break space
					// too: a byte past ASCII, which Trim takes
					// off); nothing stored for the others.
					if c0, c1 := cell[0], cell[1]; c0 == '0' && c1-'0' <= 9 ||
						(c0 < '0' && c0 != '.' && (c1 == '0' || c0 <= ' ' || c1 <= ' ') || c0 >= utf8.RuneSelf) && LeadingZero(cell) {
						lead[j] = true
					}
				}
			case commaAmbiguous && oneCommaNoPoint(cell):
				v = nan
			case formatted:
				// Off the numbers' path: only cells that are not
				// plain numbers come here.
				var pct, grp bool
				if v, pct, grp, ok = ParseFormatted(cell, comma); ok {
					ints[j] = false
					a.percent[j] += int32(b2i(pct))
					a.grouped[j] = a.grouped[j] || grp
					lead[j] = lead[j] || LeadingZero(bytes.TrimRight(Trim(cell), "% "))
				} else {
					v = nan
				}
			default:
				v = nan
			}
			num[j][r] = v
		}
		if comma || perCell {
			for r := range b.Rows {
				for j := range k {
					cell(r, j, b.Field(r, j))
				}
			}
			return
		}
		data, start, end := b.Cells()
		a.left = commonNumbers(data, start[:b.Rows*k], end, k, num, ints, a.left[:0])
		for _, i := range a.left {
			r, j := int(i)/k, int(i)%k
			cell(r, j, b.Field(r, j))
		}
	}
	batch := &Batch{kinds: make([]Kind, k), hi: k}
	for j := range batch.kinds {
		batch.kinds[j] = Text
	}
	return f.csv.ReadBlocks(cols, tabular.BlockOptions{Workers: f.opt.Workers, Prepare: prepare}, func(b *tabular.Block) error {
		a := b.Aux.(*csvNumbers)
		batch.Rows, batch.block, batch.Num, batch.ints = b.Rows, b, a.num, a.ints
		batch.percent, batch.grouped, batch.lead = a.percent, a.grouped, a.lead
		err := fn(batch)
		batch.first += int64(b.Rows)
		return err
	})
}

// oneCommaNoPoint reports whether cell holds one comma and no point.
func oneCommaNoPoint(cell []byte) bool {
	i := bytes.IndexByte(cell, ',')
	return i >= 0 && bytes.IndexByte(cell[i+1:], ',') < 0 && bytes.IndexByte(cell, '.') < 0
}

// perCell makes scanCSV read every cell by the general path, as it did
// before commonNumbers: for the tests that check that both agree.
var perCell = false

// commonNumbers reads the cells of a block — rows of k, field i being
// data[start[i]:end[i]] — written in the two forms data exports write
// most, into num[j][r], in one loop without a call per cell:
//
//   - a decimal of up to 16 bytes after an optional '-', with a point in
//     its first 8 bytes after at least one digit, and 1 to 8 digits after
//     it: fastDecimal's first path, to the bit;
//   - an integer of 1 to 8 digits after an optional '-', as
//     strconv.FormatInt writes it (an IntCell).
//
// It appends the index of every other cell to left and returns it, for
// the general path: other forms ('+', ".5", "7.", exponents, white
// space…), cells with a leading zero ("01.5", "-0"; rare, and the general
// path notes them), and any cell whose digits (after its '-') start less
// than 8 bytes before the end of data (a word is loaded from there). Of
// the cells it takes, a decimal is not an IntCell (ints[j] set false) and
// neither form has a leading zero. What the general path notes of a
// column's cells does not depend on their order, so taking the cells it
// leaves after the others gives the same notes as reading them all in
// turn.
//
// On amd64 the loop is in assembly (commonCells; the Go loop ran about
// 150 instructions a cell); commonNumbersGo is the same loop in Go, for
// other architectures and for the tests that check that both agree.
func commonNumbers(data []byte, start, end []int32, k int, num [][]float64, ints []bool, left []int32) []int32 {
	if useCommonAsm {
		return commonNumbersAsm(data, start, end, k, num, ints, left)
	}
	return commonNumbersGo(data, start, end, k, num, ints, left)
}

func commonNumbersGo(data []byte, start, end []int32, k int, num [][]float64, ints []bool, left []int32) []int32 {
	const dot = '.' ^ '0' // a point's byte in nonDigits' x
	if k == 0 {
		return left // a scan of no columns
	}
	rows := len(start) / k
	end = end[:len(start)]
	i := 0
	for r := 0; r < rows; r++ {
		for j := 0; j < k; j, i = j+1, i+1 {
			s, e := int(start[i]), int(end[i])
			if s < 0 || s >= e || e > len(data) {
				left = append(left, int32(i))
				continue
			}
			neg := data[s] == '-'
			ds := s + b2i(neg)
			l := e - ds
			if l < 1 || l > 16 || ds+8 > len(data) {
				left = append(left, int32(i))
				continue
			}
			f0, x0 := nonDigits(binary.LittleEndian.Uint64(data[ds:]))
			// Only the cell's own bytes of the word: a short cell's word
			// runs on into the next.
			if f0 &= lowBytes[min(l, 8)]; f0 == 0 {
				// An integer: digits only, and no leading zero but "0"
				// itself ('0' is 0 in x).
				if l <= 8 && (x0&0xff != 0 || l == 1 && !neg) {
					v := float64(int64(digits8(x0 << (64 - 8*uint(l)))))
					if neg {
						v = -v
					}
					num[j][r] = v
					continue
				}
			} else {
				// A decimal: the first non-digit is the point, at p ≥ 1;
				// 1 to 8 digits follow; no leading zero ("01.5"). The
				// word ending the cell holds the decimals in its top
				// bytes: for a cell ending within the data's first 8
				// bytes, the word at 0 moved up to end there.
				e8 := max(e-8, 0)
				f1, x1 := nonDigits(binary.LittleEndian.Uint64(data[e8:]) << (8 * uint(e8-e+8)))
				p := bits.TrailingZeros64(f0) >> 3
				frac := l - p - 1
				if p >= 1 && x0>>(8*uint(p))&0xff == dot && frac >= 1 && frac <= 8 && (p < 2 || x0&0xff != 0) {
					drop := 64 - 8*uint(frac)
					if f1>>drop == 0 {
						m := digits8(x0<<(64-8*uint(p)))*pow10u[frac] + digits8(x1>>drop<<drop)
						v := float64(int64(m)) / pow10[frac]
						num[j][r] = math.Float64frombits(math.Float64bits(v) | uint64(b2i(neg))<<63)
						ints[j] = false
						continue
					}
				}
			}
			left = append(left, int32(i))
		}
	}
	return left
}
