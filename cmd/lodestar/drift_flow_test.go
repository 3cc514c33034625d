package main

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

// driftCSV writes a CSV file of rows rows: a normal column, a shifted
// uniform one, an integer one with few values, one with ≤ 1000 distinct
// decimals, a column of long decimals (strconv's path), one with blank and
// NA cells, one that turns to text at row textAt (never when < 0), and
// one of a dozen integers that, when shift is not 0, turns to decimals
// after a third of the rows.
// Lines end in CRLF when crlf; some cells are quoted.
func driftCSV(t *testing.T, dir, name string, rows int, shift float64, textAt int, crlf bool, seed uint64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	b.WriteString("norm,unif,small,dec,long,holes,late,grow" + eol)
	f := func(x float64) string { return strconv.FormatFloat(x, 'f', 4, 64) }
	for r := range rows {
		holes := f(rng.Float64()*3 + shift)
		switch rng.IntN(10) {
		case 0:
			holes = ""
		case 1:
			holes = "NA"
		case 2:
			holes = " " + holes + " "
		}
		late := strconv.Itoa(rng.IntN(50))
		if r == textAt {
			late = "n/a?"
		}
		norm := f(rng.NormFloat64() + shift)
		if r%7 == 3 {
			norm = `"` + norm + `"`
		}
		grow := strconv.Itoa(rng.IntN(12)) // few values in the reference, many in the current
		if shift != 0 && r > rows/3 {
			grow = f(rng.Float64() * 12)
		}
		fmt.Fprintf(&b, "%s,%s,%d,%s,%s,%s,%s,%s%s", norm, f(rng.Float64()*10+shift),
			rng.IntN(4), strconv.FormatFloat(float64(rng.IntN(900))/8+shift, 'f', -1, 64),
			strconv.FormatFloat(rng.Float64()*1e-3+shift, 'g', 19, 64), holes, late, grow, eol)
	}
	return writeFileIn(t, dir, name, b.String())
}

func writeFileIn(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestDriftInTurnSameAsSideBySide checks that reading two CSV files one
// after the other, the current counted straight into the reference's bins,
// gives the JSON output of reading them side by side with both spilled,
// byte for byte: both files beyond the exact limit, within it, one of
// each, text turning up before or after the limit in either file, a
// column with no numbers.
func TestDriftInTurnSameAsSideBySide(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name             string
		refRows, curRows int
		refText, curText int
		limit            int
		crlf             bool
	}{
		{"both beyond", 3000, 4000, -1, -1, 500, false},
		{"both within", 300, 400, -1, -1, 500, true},
		{"reference within", 300, 4000, -1, -1, 500, false},
		{"current within", 4000, 300, -1, -1, 500, true},
		{"text late in current", 3000, 4000, -1, 3500, 500, false},
		{"text early in current", 3000, 4000, -1, 10, 500, false},
		{"text in reference", 3000, 4000, 2500, -1, 500, true},
		{"default limit", 5000, 6000, -1, -1, monitor.DefaultExactLimit, false},
		{"limit one", 200, 300, -1, -1, 1, false},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ref := driftCSV(t, dir, fmt.Sprintf("ref%d.csv", i), c.refRows, 0, c.refText, c.crlf, uint64(i))
			cur := driftCSV(t, dir, fmt.Sprintf("cur%d.csv", i), c.curRows, 0.05, c.curText, !c.crlf, uint64(i+100))
			a := driftArgs{reference: ref, current: cur, exactLimit: c.limit, bins: 64, seed: 3}
			if got, want := driftOutput(t, a, false), driftOutput(t, a, true); got != want {
				t.Errorf("in turn:\n%s\nside by side:\n%s", got, want)
			}
		})
	}
	t.Run("no current rows", func(t *testing.T) {
		ref := driftCSV(t, dir, "ref-e.csv", 100, 0, -1, false, 1)
		cur := writeFileIn(t, dir, "cur-e.csv", "norm,unif,small,dec,long,holes,late,grow\n")
		for _, side := range []bool{false, true} {
			driftSideBySideOnly = side
			_, err := runDrift(driftArgs{reference: ref, current: cur, exactLimit: 10, bins: 16, seed: 1}, tabular.Options{}, nil)
			driftSideBySideOnly = false
			if err == nil || !strings.Contains(err.Error(), cur) {
				t.Errorf("side by side %v: %v, want the current named", side, err)
			}
		}
	})
	t.Run("a column with no numbers in the current", func(t *testing.T) {
		ref := writeFileIn(t, dir, "ref-n.csv", "x,y\n1,2\n3,4\n5,6\n7,8\n")
		cur := writeFileIn(t, dir, "cur-n.csv", "x,y\n1,\n2,NA\n3,\n")
		a := driftArgs{reference: ref, current: cur, exactLimit: 2, bins: 16, seed: 1}
		if got, want := driftOutput(t, a, false), driftOutput(t, a, true); got != want {
			t.Errorf("in turn:\n%s\nside by side:\n%s", got, want)
		}
	})
}

func driftOutput(t *testing.T, a driftArgs, sideBySide bool) string {
	t.Helper()
	a.th = monitor.Thresholds{}
	driftSideBySideOnly = sideBySide
	defer func() { driftSideBySideOnly = false }()
	rep, err := runDrift(a, tabular.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeDriftJSON(&out, rep); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// TestNumberCellsCountedAsStrings checks that counting number cells with
// integers apart (addNumberCell, settleInts) counts what Counts.Add of
// every cell counts: the same distinct number at every step (the limit of
// maxNumericStrings relies on it) and the same counts once settled, for
// cells that are and are not as strconv.FormatInt writes them.
func TestNumberCellsCountedAsStrings(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	fixed := []string{"0", "-0", "+0", "00", "1", "01", "+1", "-1", "1.0", "1e0", "10", "-10",
		"999999999999999", "1000000000000000", "-999999999999999", "123456789012345678", "7", "-", "5.5"}
	for round := range 50 {
		var sd side
		var want monitor.Counts
		texted := false
		for i := range 2000 {
			var cell string
			switch rng.IntN(3) {
			case 0:
				cell = fixed[rng.IntN(len(fixed))]
			case 1:
				cell = strconv.Itoa(rng.IntN(200) - 100)
			default:
				cell = strconv.FormatFloat(float64(rng.IntN(400))/4, 'f', -1, 64)
			}
			if texted {
				sd.counts.Add(cell) // as scan counts every cell after text
			} else {
				sd.addNumberCell([]byte(cell))
			}
			want.Add(cell)
			if got := sd.counts.Distinct() + sd.ints.size; got != want.Distinct() {
				t.Fatalf("round %d, cell %d (%q): %d distinct, want %d", round, i, cell, got, want.Distinct())
			}
			if !texted && rng.IntN(500) == 0 { // text comes: later cells all go to counts
				sd.settleInts()
				texted = true
			}
		}
		sd.settleInts()
		if sd.ints.size != 0 || sd.counts.Distinct() != want.Distinct() || sd.counts.Total() != want.Total() {
			t.Fatalf("round %d: settled %d distinct, %d in all; want %d, %d", round, sd.counts.Distinct(), sd.counts.Total(), want.Distinct(), want.Total())
		}
		for i, v := range want.Names {
			if sd.counts.Get(v) != want.N[i] {
				t.Fatalf("round %d: %q counted %d times, want %d", round, v, sd.counts.Get(v), want.N[i])
			}
		}
	}
}

// TestDriftIntegerCellsCategorical: a column of integers, some written
// otherwise, that text makes categorical in the current file counts each
// cell as written in both files.
func TestDriftIntegerCellsCategorical(t *testing.T) {
	dir := t.TempDir()
	ref := writeFileIn(t, dir, "ref.csv", "x\n1\n1.0\n01\n-0\n0\n+1\n 7 \n-3\n-3\n1\n")
	cur := writeFileIn(t, dir, "cur.csv", "x\n1\n2\n-3\nabc\n1\n")
	rep, err := runDrift(driftArgs{reference: ref, current: cur, exactLimit: 100, bins: 16, seed: 1}, tabular.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for i, l := range rep.Charts[0].Labels {
		got[l] = rep.Charts[0].Ref[i] * 10
	}
	want := map[string]float64{"1": 2, "1.0": 1, "01": 1, "-0": 1, "0": 1, "+1": 1, "7": 1, "-3": 2, "2": 0, "abc": 0}
	if len(got) != len(want) {
		t.Fatalf("values %v, want %v", got, want)
	}
	for v, n := range want {
		if g, ok := got[v]; !ok || math.Abs(g-n) > 1e-12 {
			t.Errorf("reference %q: %v of 10, want %v", v, g, n)
		}
	}
}

// TestDriftCellsAfterManyNumbers checks the cells a column of numbers
// holds among them once it has too many distinct values to count (scan
// then passes over runs of numbers): every missing cell and every cell of
// text is still seen, in each file, however the rows fall in the blocks,
// and the first text cell is the one named.
func TestDriftCellsAfterManyNumbers(t *testing.T) {
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(21, 4))
	write := func(name string) (path string, miss, text int64, first int) {
		var b strings.Builder
		b.WriteString("x,y\n")
		for r := range 60000 { // several blocks of 256 KiB
			cell := strconv.FormatFloat(rng.NormFloat64()*1000, 'f', 4, 64)
			// Past the first 1,000 distinct values (then not counted),
			// now and then a missing cell or, rarely, text.
			if r > 1500 {
				switch x := rng.IntN(400); {
				case x < 6:
					cell, miss = []string{"", "NA", " "}[x%3], miss+1
				case r > 30000 && r%5000 == 4321+rng.IntN(2): // text, first in a later block
					cell, text = "?"+strconv.Itoa(r), text+1
					if first == 0 {
						first = r + 2 // its line: the header is line 1
					}
				}
			}
			fmt.Fprintf(&b, "%s,%d\n", cell, r%7)
		}
		return writeFileIn(t, dir, name, b.String()), miss, text, first
	}
	ref, refMiss, refText, refFirst := write("ref.csv")
	cur, curMiss, curText, _ := write("cur.csv")
	if refText == 0 || curText == 0 || refMiss == 0 {
		t.Fatal("the files hold no cells to find")
	}
	rep, err := runDrift(driftArgs{reference: ref, current: cur, exactLimit: 100, bins: 16, seed: 1}, tabular.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, q := rep.Result.Features[0], rep.Quality[0]
	if f.RefMiss != refMiss || f.CurMiss != curMiss {
		t.Errorf("missing %d and %d, want %d and %d", f.RefMiss, f.CurMiss, refMiss, curMiss)
	}
	if q.RefUnreadable != refText || q.CurUnreadable != curText || q.FirstUnreadable.Line != refFirst {
		t.Errorf("unreadable %d and %d, first on line %d; want %d and %d, line %d", q.RefUnreadable, q.CurUnreadable, q.FirstUnreadable.Line, refText, curText, refFirst)
	}
}
