package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestDriftSmallIntsSameAsEachCell checks that counting a batch of small
// integers by value (smallInts) gives the JSON of counting each cell in
// turn, byte for byte: ratings, negative integers, integers whose
// distinct values pass the limit of counted values part-way (dropped),
// missing cells and text now and then (a batch taken cell by cell),
// columns with so much text, from the start or late, that they are
// compared as categories, integers far apart, and codes of two digits
// (side.codes: their least and greatest); files read in turn and side by
// side, beyond and within the exact limit, over several blocks.
func TestDriftSmallIntsSameAsEachCell(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, rows int, seed uint64, text float64) string {
		rng := rand.New(rand.NewPCG(seed, 7))
		var b strings.Builder
		b.WriteString("rating,neg,slide,gappy,texty,late,far,code\n")
		for r := range rows {
			gappy := fmt.Sprint(rng.IntN(20))
			if rng.IntN(500) == 0 {
				gappy = ""
			}
			texty := fmt.Sprint(10 + rng.IntN(6))
			if rng.Float64() < text {
				texty = "n/a"
			}
			// Text late in the file: the cells counted before it are
			// among the categories the column is compared by.
			late := fmt.Sprint(rng.IntN(12) - 2)
			if r > rows*2/3 && rng.Float64() < 10*text {
				late = "none"
			}
			slide := fmt.Sprint(r/20 + rng.IntN(200))
			if r > rows*2/3 && rng.Float64() < 10*text {
				slide = "none"
			}
			// Codes of two digits, a leading zero now and then.
			code := fmt.Sprint(10 + rng.IntN(90))
			if r < 1000 && rng.IntN(300) == 0 {
				code = fmt.Sprintf("0%d", rng.IntN(10))
			}
			fmt.Fprintf(&b, "%d,%d,%s,%s,%s,%s,%d,%s\n", 1+rng.IntN(7), rng.IntN(9)-4, slide, gappy, texty, late, rng.IntN(1000)*1000, code)
		}
		return writeFileIn(t, dir, name, b.String())
	}
	ref, cur := file("r.csv", 30000, 1, 0.01), file("c.csv", 25000, 2, 0.05)
	defer func() { driftSmallInts = true }()
	for _, limit := range []int{500, 100000} {
		for _, sideBySide := range []bool{false, true} {
			a := driftArgs{reference: ref, current: cur, exactLimit: limit, bins: 32, seed: 5}
			driftSmallInts = false
			each := driftOutput(t, a, sideBySide)
			driftSmallInts = true
			byValue := driftOutput(t, a, sideBySide)
			if each != byValue {
				t.Errorf("limit %d (side by side %v): each cell\n%s\nby value\n%s", limit, sideBySide, each, byValue)
			}
			if !strings.Contains(each, `"kind": "categorical"`) {
				t.Fatalf("no column compared as categories in\n%s", each)
			}
		}
	}
}

// TestSmallIntsRefuseNearIntegers checks that a batch is counted by value
// only when every number is an integer: a number a hair off one (a
// subnormal next to 0, 1 + 2⁻⁵², 1e-20) reads as that integer once the
// batch's base is taken from it (x − base rounds to a whole number), and
// counted so it would be another value — the JSON must be that of
// counting each cell, whose value counts tell 0 from 5e-324.
func TestSmallIntsRefuseNearIntegers(t *testing.T) {
	var s smallInts
	for _, tiny := range []float64{5e-324, 2.2250738585072014e-308, 1e-20, 1.0000000000000002, 127.99999999999999, -1e-15} {
		if s.count([]float64{0, 1, tiny, 3}) {
			t.Errorf("%v among 0, 1, 3: counted by value as %v", tiny, s.value(int(tiny-s.base)))
		}
	}
	// Integers within 127 below and 128 above the first are.
	for _, ints := range [][]float64{{0, 1, 3}, {5, -0.0}, {0, -127, 128}, {1 << 51, 1<<51 + 128, 1<<51 - 127}, {-(1 << 51), -(1 << 51) + 128}} {
		if !s.count(ints) {
			t.Errorf("%v: not counted by value", ints)
		}
	}

	dir := t.TempDir()
	file := func(name string, rows int, seed uint64) string {
		rng := rand.New(rand.NewPCG(seed, 3))
		var b strings.Builder
		b.WriteString("x\n")
		for range rows {
			cell := fmt.Sprint(rng.IntN(4))
			if rng.IntN(3) == 0 {
				cell = []string{"5e-324", "1e-20", "1.0000000000000002", "2.2250738585072014e-308"}[rng.IntN(4)]
			}
			b.WriteString(cell + "\n")
		}
		return writeFileIn(t, dir, name, b.String())
	}
	ref, cur := file("r.csv", 300, 1), file("c.csv", 500, 2)
	defer func() { driftSmallInts = true }()
	for _, limit := range []int{100, 400, 100000} {
		a := driftArgs{reference: ref, current: cur, exactLimit: limit, bins: 32, seed: 5}
		driftSmallInts = false
		each := driftOutput(t, a, false)
		driftSmallInts = true
		if byValue := driftOutput(t, a, false); each != byValue {
			t.Errorf("limit %d: each cell\n%s\nby value\n%s", limit, each, byValue)
		}
	}
}
