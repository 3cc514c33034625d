package dataset

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
)

// benchCSV is rows of cols numbers written by cell.
func benchCSV(rows, cols int, cell func(r *rand.Rand) string) []byte {
	rng := rand.New(rand.NewPCG(7, 9))
	var b bytes.Buffer
	for j := range cols {
		if j > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "c%d", j)
	}
	b.WriteByte('\n')
	for range rows {
		for j := range cols {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteString(cell(rng))
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// BenchmarkScanCSV reads CSV numbers as drift does (every column, one
// batch after another, Options.Formatted), and as monitors do (without):
// the common path that other cell forms must not slow.
func BenchmarkScanCSV(b *testing.B) {
	for _, c := range []struct {
		name string
		cols int
		cell func(r *rand.Rand) string
	}{
		{"decimals", 8, func(r *rand.Rand) string { return fmt.Sprintf("%.2f", r.NormFloat64()*100) }},
		{"integers", 8, func(r *rand.Rand) string { return fmt.Sprint(r.IntN(100000)) }},
		{"one-column", 1, func(r *rand.Rand) string { return fmt.Sprintf("%.3f", r.Float64()) }},
		// As bench/drift/gen writes its columns: 8 significant digits of
		// normal, log-normal, uniform, exponential, integer and offset
		// values — cells of 2 to 11 bytes, signs mixed.
		{"drift-like", 20, driftLikeCell()},
	} {
		data := benchCSV(200_000/c.cols*4, c.cols, c.cell)
		cols := make([]int, c.cols)
		for j := range cols {
			cols[j] = j
		}
		for _, formatted := range []bool{true, false} {
			name := c.name
			if !formatted {
				name += "-unformatted" // as monitors read a reference
			}
			b.Run(name, func(b *testing.B) { benchScan(b, data, cols, formatted) })
		}
	}
}

func benchScan(b *testing.B, data []byte, cols []int, formatted bool) {
	b.SetBytes(int64(len(data)))
	for range b.N {
		f, err := Open(bytes.NewReader(data), int64(len(data)), Options{Workers: 1, Formatted: formatted})
		if err != nil {
			b.Fatal(err)
		}
		var sum float64
		if err := f.Scan(cols, func(bt *Batch) error {
			for k := range cols {
				for _, x := range bt.Num[k][:bt.Rows] {
					if x == x {
						sum += x
					}
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		if sum == 0 {
			b.Fatal("no numbers")
		}
	}
}

// driftLikeCell returns the cells of bench/drift/gen's columns in turn,
// row by row.
func driftLikeCell() func(r *rand.Rand) string {
	j := 0
	return func(r *rand.Rand) string {
		var v float64
		switch j % 7 {
		case 0:
			v = r.NormFloat64()*(1+float64(j)/4) + float64(j)
		case 1:
			v = math.Exp(r.NormFloat64()*0.8 + 3)
		case 2:
			v = r.Float64() * 100
		case 3:
			v = r.ExpFloat64() * 10
		case 4:
			v = math.Round(math.Max(0, r.NormFloat64()*8+40))
		case 5:
			v = 1e6 + r.NormFloat64()*100
		default:
			v = r.NormFloat64()
		}
		j = (j + 1) % 20
		return strconv.FormatFloat(v, 'g', 8, 64)
	}
}
