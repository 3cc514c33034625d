// Command gen writes the synthetic data files of bench/evidence/run.sh:
//
//	go run ./bench/evidence/gen -kind abtest -rows 100000000 -out obs.csv
//	go run ./bench/evidence/gen -kind fairness -rows 10000000 -out decisions.csv
//
// abtest: variant,value — one observation per row, control or treatment at
// random (50/50, the first row control), value ~ Normal(20, 5) with a +0.05 lift in treatment,
// three decimals. fairness: group,label,score — five groups A–E, a 0/1
// label and a score in [0, 1) with four decimals, the label and the score
// correlated so the audit has something to find. The output is the same
// for the same -seed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
)

func main() {
	kind := flag.String("kind", "abtest", "abtest (variant,value) or fairness (group,label,score)")
	rows := flag.Int64("rows", 1_000_000, "data rows to write")
	out := flag.String("out", "", "file to write (required)")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	if *out == "" || *rows < 1 || (*kind != "abtest" && *kind != "fairness") {
		flag.Usage()
		os.Exit(2)
	}
	if err := write(*out, *kind, *rows, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func write(path, kind string, rows int64, seed uint64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	r := rand.New(rand.NewPCG(seed, 0xe71de))
	var buf []byte
	if kind == "abtest" {
		w.WriteString("variant,value\n")
		for i := range rows {
			buf = buf[:0]
			v := 20 + 5*r.NormFloat64()
			if r.Uint64()&1 == 0 || i == 0 { // the first row names the control
				buf = append(buf, "control,"...)
			} else {
				buf = append(buf, "treatment,"...)
				v += 0.05
			}
			buf = strconv.AppendFloat(buf, v, 'f', 3, 64)
			buf = append(buf, '\n')
			w.Write(buf)
		}
	} else {
		w.WriteString("group,label,score\n")
		for range rows {
			buf = buf[:0]
			x := r.Uint64()
			g := byte('A' + x%5)
			label := r.Float64() < 0.3+0.05*float64(x%5)
			score := 0.6*r.Float64() + 0.4*float64(b2i(label))*r.Float64()
			buf = append(buf, g, ',', '0'+byte(b2i(label)), ',')
			buf = strconv.AppendFloat(buf, score, 'f', 4, 64)
			buf = append(buf, '\n')
			w.Write(buf)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
