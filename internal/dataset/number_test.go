package dataset

import (
	"math"
	"strconv"
	"strings"
	"testing"
)

// TestParseNumber checks the fast decimal path against strconv.ParseFloat
// bit for bit, and the cells that are not numbers.
func TestParseNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "+1", "1.", ".5", "-.5", "007", "0.000001", "123456789012345",
		"1234567890.12345", "0.1", "0.3", "2.675", "-1000012.3", "9007199254740993", "1234567890123456",
		"1e5", "1E-7", "-2.5e+3", "0.12345678901234567890", "4.9e-324", "1e-400", "00000000000000000001.5",
		"1.2345678e-05", "9.87654321e+21", "123456789012345e22", "1e22", "1e23", "5e-23", "12.5e-30",
		" 42 ", "\t-3.25\u3000", "1e007", "0e0", "-0.0e-5"} {
		want, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		got, ok := ParseNumber([]byte(s))
		if err != nil && !strings.Contains(err.Error(), "range") || !ok || math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", s, got, ok, want)
		}
	}
	for _, s := range []string{"", " ", "-", ".", "1.2.3", "1,5", "abc", "inf", "-Infinity", "NaN", "0x1p3", "1_000",
		"1e999", "--1", "1-", "1e", "e5", "1e+", "1.5x", "１２"} {
		if v, ok := ParseNumber([]byte(s)); ok {
			t.Errorf("ParseNumber(%q) = %v, want not a number", s, v)
		}
	}
}

func TestIsMissing(t *testing.T) {
	for _, s := range []string{"", "  ", "NA", " NaN ", "null", "#N/A", "<NA>", "None"} {
		if !IsMissing([]byte(s)) {
			t.Errorf("IsMissing(%q) = false", s)
		}
	}
	for _, s := range []string{"0", "na", "none", "x"} {
		if IsMissing([]byte(s)) {
			t.Errorf("IsMissing(%q) = true", s)
		}
	}
}

// TestIntCell checks IntCell against strconv: it takes a cell exactly
// when FormatInt of the value gives the cell back.
func TestIntCell(t *testing.T) {
	cells := []string{"0", "-0", "+0", "00", "1", "01", "+1", "-1", "1.0", "1e0", " 1", "1 ", "-", "",
		"999999999999999", "-999999999999999", "1000000000000000", "123abc", "٣"}
	for i := -1000; i <= 1000; i += 7 {
		cells = append(cells, strconv.Itoa(i))
	}
	for _, c := range cells {
		v, ok := IntCell([]byte(c))
		n, err := strconv.ParseInt(c, 10, 64)
		want := err == nil && strconv.FormatInt(n, 10) == c && len(strings.TrimPrefix(c, "-")) <= 15
		if ok != want || ok && v != n {
			t.Errorf("IntCell(%q) = %d, %v; want %d, %v", c, v, ok, n, want)
		}
	}
}
