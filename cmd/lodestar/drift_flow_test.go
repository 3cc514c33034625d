package main

import (
	"bytes"
	"fmt"
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
// NA cells, and one that turns to text at row textAt (never when < 0).
// Lines end in CRLF when crlf; some cells are quoted.
func driftCSV(t *testing.T, dir, name string, rows int, shift float64, textAt int, crlf bool, seed uint64) string {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	eol := "\n"
	if crlf {
		eol = "\r\n"
	}
	b.WriteString("norm,unif,small,dec,long,holes,late" + eol)
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
		fmt.Fprintf(&b, "%s,%s,%d,%s,%s,%s,%s%s", norm, f(rng.Float64()*10+shift),
			rng.IntN(4), strconv.FormatFloat(float64(rng.IntN(900))/8+shift, 'f', -1, 64),
			strconv.FormatFloat(rng.Float64()*1e-3+shift, 'g', 19, 64), holes, late, eol)
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
		cur := writeFileIn(t, dir, "cur-e.csv", "norm,unif,small,dec,long,holes,late\n")
		for _, side := range []bool{false, true} {
			driftSideBySideOnly = side
			_, err := runDrift(driftArgs{reference: ref, current: cur, exactLimit: 10, bins: 16, seed: 1}, tabular.Options{})
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
	rep, err := runDrift(a, tabular.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeDriftJSON(&out, rep); err != nil {
		t.Fatal(err)
	}
	return out.String()
}
