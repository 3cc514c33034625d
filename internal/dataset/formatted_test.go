package dataset

import (
	"bytes"
	"math"
	"testing"
)

// TestParseFormatted: grouped digits in threes and percentages, and
// nothing else; a percentage's value is the number as written.
func TestParseFormatted(t *testing.T) {
	for _, c := range []struct {
		cell           string
		comma          bool
		v              float64
		percent, group bool
		ok             bool
	}{
		{"1,234", false, 1234, false, true, true},
		{"1,234.5", false, 1234.5, false, true, true},
		{" -12,345,678.25 ", false, -12345678.25, false, true, true},
		{"+1,000", false, 1000, false, true, true},
		{"1.234,5", true, 1234.5, false, true, true},
		{"1.234.567", true, 1234567, false, true, true},
		{"12.5%", false, 12.5, true, false, true},
		{"-0.25 %", false, -0.25, true, false, true},
		{"12,5%", true, 12.5, true, false, true},
		{"1,234.5%", false, 1234.5, true, true, true},
		{"3e2%", false, 300, true, false, true},
		// Not numbers.
		{"1,23,456", false, 0, false, false, false},
		{"12,34", false, 0, false, false, false},
		{"1,2345", false, 0, false, false, false},
		{"1234,567", false, 0, false, false, false},
		{"0,123", false, 0, false, false, false},
		{",123", false, 0, false, false, false},
		{"1,234.", false, 0, false, false, false},
		{"1,234e5", false, 0, false, false, false},
		{"1.234,5", false, 0, false, false, false},
		{"1,234.5", true, 0, false, false, false},
		{"%", false, 0, false, false, false},
		{"12%%", false, 0, false, false, false},
		{"abc%", false, 0, false, false, false},
		{"1234", false, 0, false, false, false}, // plain: ParseNumber's
		{"", false, 0, false, false, false},
	} {
		v, pct, grp, ok := ParseFormatted([]byte(c.cell), c.comma)
		if ok != c.ok || ok && (v != c.v || pct != c.percent || grp != c.group) {
			t.Errorf("ParseFormatted(%q, %v) = %v %v %v %v; want %v %v %v %v", c.cell, c.comma, v, pct, grp, ok, c.v, c.percent, c.group, c.ok)
		}
	}
}

func TestLeadingZero(t *testing.T) {
	for cell, want := range map[string]bool{
		"007": true, "02134": true, "-01.5": true, " 00 ": true, "+05": true, "00.5": true,
		"0": false, "0.7": false, "-0.5": false, "0e3": false, "10": false, "-0": false, "": false, "7": false,
	} {
		if got := LeadingZero([]byte(cell)); got != want {
			t.Errorf("LeadingZero(%q) = %v, want %v", cell, got, want)
		}
	}
}

// TestScanFormatted: with Options.Formatted a CSV batch reads grouped
// numbers and percentages and says so; without it they stay text, as
// monitors read their reference files.
func TestScanFormatted(t *testing.T) {
	data := []byte("g,p,z,x\n\"1,234.5\",12.5%,007,1.5\n2,13%,8,2.5\n")
	for _, formatted := range []bool{false, true} {
		f, err := Open(bytes.NewReader(data), int64(len(data)), Options{Formatted: formatted})
		if err != nil {
			t.Fatal(err)
		}
		err = f.Scan([]int{0, 1, 2, 3}, func(b *Batch) error {
			g, p := b.Num[0][0], b.Num[1][0]
			if formatted {
				if g != 1234.5 || p != 12.5 || b.Percents(1) != 2 || !b.Grouped(0) || b.Grouped(1) || !b.LeadingZeros(2) || b.LeadingZeros(3) || b.Percents(0) != 0 {
					t.Errorf("formatted: %v %v, percents %d, grouped %v, leading zeros %v %v", g, p, b.Percents(1), b.Grouped(0), b.LeadingZeros(2), b.LeadingZeros(3))
				}
				if b.IntCells(1) {
					t.Error("a percentage counted as an integer cell")
				}
			} else if !math.IsNaN(g) || !math.IsNaN(p) || b.Percents(1) != 0 || b.Grouped(0) || b.LeadingZeros(2) {
				t.Errorf("not formatted: %v %v read, want text", g, p)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestScanLeadingZeros: the scan's inlined test agrees with LeadingZero
// for every shape of cell, after an integer cell and after a decimal one.
func TestScanLeadingZeros(t *testing.T) {
	for _, cell := range []string{"007", " 007", "007 ", "-007", "+05", "-00.5", "\t01", "00",
		"-12.5", "0.5", "-0.5", "10", "0", "-0", "+0.25", " 12", "0e5", ".5", "-.5",
		// Unicode white space first (a no-break space, an ideographic
		// space: Trim takes them off, so the cell is a number).
		"\u00a0007", "\u3000" + "02134", "\u00a012", "\u00a00.5"} {
		for _, first := range []string{"3", "3.5"} {
			data := []byte("x\n" + first + "\n\"" + cell + "\"\n")
			f, err := Open(bytes.NewReader(data), int64(len(data)), Options{Formatted: true})
			if err != nil {
				t.Fatal(err)
			}
			err = f.Scan([]int{0}, func(b *Batch) error {
				if got, want := b.LeadingZeros(0), LeadingZero([]byte(cell)); got != want {
					t.Errorf("%q after %s: LeadingZeros %v, LeadingZero %v", cell, first, got, want)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		}
	}
}
