package main

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// TestDriftColumnsSplitSameAsOneGoroutine checks that taking a batch's
// columns on two goroutines (scanFile, GOMAXPROCS > 1) gives the JSON of
// taking them all on one (GOMAXPROCS 1), byte for byte: files read in turn
// and side by side, beyond and within the exact limit, with text coming
// late, leading zeros, many distinct numbers (their runs passed over) and
// a column that is text throughout, over several blocks.
func TestDriftColumnsSplitSameAsOneGoroutine(t *testing.T) {
	dir := t.TempDir()
	extra := func(name string, rows int, seed int) string {
		var b strings.Builder
		b.WriteString("id,code,word,many\n")
		for r := range rows {
			code := strconv.Itoa((r*7 + seed) % 90)
			if r%97 == 5 {
				code = "0" + code // a leading zero now and then
			}
			many := strconv.FormatFloat(float64(r*31+seed)/7, 'f', 6, 64)
			if r == rows-3 {
				many = "late text"
			}
			fmt.Fprintf(&b, "%d,%s,w%d,%s\n", r+seed, code, (r+seed)%13, many)
		}
		return writeFileIn(t, dir, name, b.String())
	}
	cases := []struct {
		ref, cur string
		limit    int
	}{
		{driftCSV(t, dir, "r1.csv", 30000, 0, 25000, false, 1), driftCSV(t, dir, "c1.csv", 40000, 0.05, -1, true, 2), 500},
		{driftCSV(t, dir, "r2.csv", 300, 0, -1, true, 3), driftCSV(t, dir, "c2.csv", 400, 0.1, 50, false, 4), 1000},
		{extra("r3.csv", 40000, 1), extra("c3.csv", 30000, 2), 500},
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for i, c := range cases {
		for _, sideBySide := range []bool{false, true} {
			a := driftArgs{reference: c.ref, current: c.cur, exactLimit: c.limit, bins: 32, seed: 5}
			runtime.GOMAXPROCS(1)
			one := driftOutput(t, a, sideBySide)
			runtime.GOMAXPROCS(2)
			two := driftOutput(t, a, sideBySide)
			if one != two {
				t.Errorf("case %d (side by side %v): one goroutine\n%s\ntwo\n%s", i, sideBySide, one, two)
			}
		}
	}
}
