package dataset

import (
	"bytes"
	"math"
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
		for r := range b.Rows {
			for j := range k {
				cell := b.Field(r, j)
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
