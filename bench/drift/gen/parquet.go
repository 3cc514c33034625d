package main

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/snappy"
)

// rowGroupRows is the rows of a row group in the Parquet files.
const rowGroupRows = 256 * 1024

// parquetKind is column j's type: a mix of what real extracts hold.
//
//	j%10 0–5  DOUBLE, value's distributions
//	j%10 6    FLOAT, the same rounded to float32
//	j%10 7    INT32, counts (value's case 4)
//	j%10 8    INT64, a large offset with noise (value's case 5, rounded)
//	j%10 9    STRING, 8 categories (dictionary-encoded), shifted in current
func parquetKind(j int) string {
	switch j % 10 {
	case 6:
		return "float"
	case 7:
		return "int32"
	case 8:
		return "int64"
	case 9:
		return "string"
	}
	return "double"
}

var categories = []string{"north", "south", "east", "west", "online", "partner", "wholesale", "other"}

// writeParquet writes rows × cols typed values, snappy-compressed, in row
// groups of rowGroupRows generated on every core (each row group's column
// seeded on its own, so the bytes do not depend on the core count).
func writeParquet(path string, rows, cols int, seed uint64, shifted bool) error {
	group := parquet.Group{}
	for j := range cols {
		var node parquet.Node
		switch parquetKind(j) {
		case "float":
			node = parquet.Leaf(parquet.FloatType)
		case "int32":
			node = parquet.Int(32)
		case "int64":
			node = parquet.Int(64)
		case "string":
			node = parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
		default:
			node = parquet.Leaf(parquet.DoubleType)
		}
		group[fmt.Sprintf("f%03d", j)] = parquet.Compressed(node, &snappy.Codec{})
	}
	schema := parquet.NewSchema("drift", group)
	// Group orders its fields by name, so column j of the schema is f<j>.
	f, err := os.Create(path + ".partial") // renamed when complete, so a stopped run is not taken for data
	if err != nil {
		return err
	}
	w := parquet.NewGenericWriter[any](f, schema, parquet.PageBufferSize(1<<20))
	workers := runtime.GOMAXPROCS(0)
	for start := 0; start < rows; start += workers * rowGroupRows {
		var rgs []*parquet.ConcurrentRowGroupWriter
		var errs []error
		var wg sync.WaitGroup
		for g := start; g < rows && g < start+workers*rowGroupRows; g += rowGroupRows {
			rg := w.BeginRowGroup()
			rgs = append(rgs, rg)
			errs = append(errs, nil)
			n := min(rowGroupRows, rows-g)
			at := len(errs) - 1
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[at] = fillRowGroup(rg, g/rowGroupRows, n, cols, seed, shifted)
			}()
		}
		wg.Wait()
		for i, rg := range rgs {
			if errs[i] != nil {
				return errs[i]
			}
			if _, err := rg.Commit(); err != nil {
				return err
			}
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".partial", path)
}

func fillRowGroup(rg *parquet.ConcurrentRowGroupWriter, index, n, cols int, seed uint64, shifted bool) error {
	vals := make([]parquet.Value, n)
	for j, cw := range rg.ColumnWriters() {
		rng := rand.New(rand.NewPCG(seed, uint64(index)<<20|uint64(j)))
		kind := parquetKind(j)
		for i := range vals {
			var v parquet.Value
			switch kind {
			case "float":
				v = parquet.FloatValue(float32(value(rng, j, shifted)))
			case "int32":
				v = parquet.Int32Value(int32(value(rng, 4, shifted && j%2 == 1)))
			case "int64":
				v = parquet.Int64Value(int64(math.Round(value(rng, 5, shifted && j%2 == 1))))
			case "string":
				k := rng.IntN(len(categories))
				if shifted && j%2 == 1 && rng.IntN(4) == 0 {
					k = 0
				}
				v = parquet.ByteArrayValue([]byte(categories[k]))
			default:
				v = parquet.DoubleValue(value(rng, j, shifted))
			}
			vals[i] = v.Level(0, 0, j)
		}
		if _, err := cw.WriteRowValues(vals); err != nil {
			return err
		}
	}
	return nil
}
