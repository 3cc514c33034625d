package dataset

import (
	"math"
	"slices"

	"github.com/lodestar-hq/lodestar/internal/tabular"
)

// csvNumbers is a block's cells read as numbers, kept with the block.
type csvNumbers struct {
	num  [][]float64
	ints []bool // Batch.IntCells
}

// scanCSV reads the file's blocks; the numbers are parsed on the parsing
// goroutines.
func (f *File) scanCSV(cols []int, fn func(*Batch) error) error {
	k := len(cols)
	nan := math.NaN()
	prepare := func(b *tabular.Block) {
		a, _ := b.Aux.(*csvNumbers)
		if a == nil {
			a = &csvNumbers{num: make([][]float64, k), ints: make([]bool, k)}
			b.Aux = a
		}
		for j := range k {
			col := slices.Grow(a.num[j][:0], b.Rows)[:b.Rows]
			ints := true
			for r := range col {
				cell := b.Field(r, j)
				v, ok := fastDecimal(cell) // ParseNumber, one call less
				if !ok {
					v, ok = parseOther(cell)
				}
				if ok {
					col[r] = v
					if ints {
						_, ints = IntCell(cell)
					}
				} else {
					col[r] = nan
				}
			}
			a.num[j], a.ints[j] = col, ints
		}
	}
	batch := &Batch{kinds: make([]Kind, k), hi: k}
	for j := range batch.kinds {
		batch.kinds[j] = Text
	}
	return f.csv.ReadBlocks(cols, tabular.BlockOptions{Workers: f.opt.Workers, Prepare: prepare}, func(b *tabular.Block) error {
		a := b.Aux.(*csvNumbers)
		batch.Rows, batch.block, batch.Num, batch.ints = b.Rows, b, a.num, a.ints
		err := fn(batch)
		batch.first += int64(b.Rows)
		return err
	})
}
