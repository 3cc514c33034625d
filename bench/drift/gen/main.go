// Command gen writes the drift benchmark's data: a reference and a current
// file of the same shape — CSV (default 1,000,000 rows × 20 numeric
// columns) or Parquet (-format parquet: typed columns, see parquet.go) —
// seeded so every run writes the same data. Columns follow assorted
// distributions (normal, log-normal, uniform, exponential, integer counts,
// a large offset, a mixture); in the current file every other column is
// shifted or rescaled, the rest are drawn afresh from the reference's
// distribution.
//
//	go run ./bench/drift/gen -rows 1000000 -dir /tmp/drift
//	go run ./bench/drift/gen -format parquet -rows 10000000 -cols 100 -dir /tmp/drift-pq
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

func main() {
	rows := flag.Int("rows", 1_000_000, "rows per file")
	cols := flag.Int("cols", 20, "numeric columns")
	dir := flag.String("dir", ".", "output directory (reference.csv, current.csv or .parquet)")
	format := flag.String("format", "csv", "csv or parquet")
	flag.Parse()
	if *format == "parquet" {
		for _, f := range []struct {
			name    string
			seed    uint64
			shifted bool
		}{{"reference.parquet", 1, false}, {"current.parquet", 2, true}} {
			if err := writeParquet(filepath.Join(*dir, f.name), *rows, *cols, f.seed, f.shifted); err != nil {
				log.Fatal(err)
			}
		}
		return
	}
	for _, f := range []struct {
		name    string
		seed    uint64
		shifted bool
	}{{"reference.csv", 1, false}, {"current.csv", 2, true}} {
		if err := write(filepath.Join(*dir, f.name), *rows, *cols, f.seed, f.shifted); err != nil {
			log.Fatal(err)
		}
	}
}

// value draws column j's value; shifted columns (odd j in the current
// file) move by a fraction of their spread.
func value(rng *rand.Rand, j int, shifted bool) float64 {
	s := 0.0
	if shifted && j%2 == 1 {
		s = 1
	}
	switch j % 7 {
	case 0:
		return rng.NormFloat64()*(1+float64(j)/4) + float64(j) + 0.1*s
	case 1:
		return math.Exp(rng.NormFloat64()*(0.8+0.2*s) + 3)
	case 2:
		return rng.Float64()*100 + 5*s
	case 3:
		return rng.ExpFloat64() * (10 + 2*s)
	case 4:
		return math.Round(math.Max(0, rng.NormFloat64()*8+40+2*s))
	case 5:
		return 1e6 + rng.NormFloat64()*100 + 20*s
	}
	if rng.IntN(10) < 3+int(s) {
		return rng.NormFloat64() + 10
	}
	return rng.NormFloat64()
}

func write(path string, rows, cols int, seed uint64, shifted bool) error {
	f, err := os.Create(path + ".partial") // renamed when complete, so a stopped run is not taken for data
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(seed, 42))
	for j := range cols {
		if j > 0 {
			w.WriteByte(',')
		}
		fmt.Fprintf(w, "f%02d", j)
	}
	w.WriteByte('\n')
	var buf []byte
	for range rows {
		buf = buf[:0]
		for j := range cols {
			if j > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendFloat(buf, value(rng, j, shifted), 'g', 8, 64)
		}
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".partial", path)
}
