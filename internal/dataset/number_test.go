package dataset

import (
	"math"
	"math/rand/v2"
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

// slowDecimal is fastDecimal's reading one byte at a time, as it was
// before its word path: the reference the word-at-a-time path is held to.
func slowDecimal(s []byte) (float64, bool) {
	i, n, neg := 0, len(s), false
	if i < n && (s[i] == '-' || s[i] == '+') {
		neg = s[i] == '-'
		i++
	}
	var m uint64
	d0 := i
	for i < n && s[i]-'0' <= 9 {
		m = m*10 + uint64(s[i]-'0')
		i++
	}
	digits, frac := i-d0, 0
	if i < n && s[i] == '.' {
		i++
		f0 := i
		for i < n && s[i]-'0' <= 9 {
			m = m*10 + uint64(s[i]-'0')
			i++
		}
		frac = i - f0
		digits += frac
	}
	if digits == 0 || digits > 15 || i < n {
		return 0, false // (an exponent: left to fastDecimal)
	}
	var v float64
	switch {
	case m == 0:
	case frac <= 22:
		v = float64(m) / pow10[frac]
	default:
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

// checkParse compares the ways of reading a cell: ParseNumber and
// fastDecimal with the cell alone and amid other bytes (which must not
// be read), slowDecimal, and strconv.ParseFloat for what the fast path
// takes, bit for bit.
func checkParse(t testing.TB, cell string) {
	t.Helper()
	want, wok := ParseNumber([]byte(cell)[:len(cell):len(cell)])
	wantF, wfok := fastDecimal([]byte(cell)[:len(cell):len(cell)])
	for _, tail := range []string{"", "0123456789", ",", "\n9", "e5", ".5"} {
		for pad := range 3 {
			buf := []byte(strings.Repeat("7", pad) + cell + tail)
			c := buf[pad : pad+len(cell)]
			got, ok := ParseNumber(c)
			gotF, fok := fastDecimal(c)
			if ok != wok || math.Float64bits(got) != math.Float64bits(want) ||
				fok != wfok || math.Float64bits(gotF) != math.Float64bits(wantF) {
				t.Fatalf("cell %q before %q: ParseNumber %v, %v fastDecimal %v, %v; alone %v, %v and %v, %v",
					cell, tail, got, ok, gotF, fok, want, wok, wantF, wfok)
			}
		}
	}
	if v, ok := slowDecimal([]byte(cell)); ok && (!wfok || math.Float64bits(v) != math.Float64bits(wantF)) {
		t.Fatalf("fastDecimal(%q) = %v, %v; byte by byte %v", cell, wantF, wfok, v)
	}
	if !wfok {
		return
	}
	p, err := strconv.ParseFloat(cell, 64)
	if err != nil || math.Float64bits(p) != math.Float64bits(wantF) {
		t.Fatalf("fastDecimal(%q) = %v; strconv.ParseFloat: %v, %v", cell, wantF, p, err)
	}
}

// TestParseNumberWords checks fastDecimal, whose cells of 8 to 16 bytes
// are read two words at a time, against reading them a byte
// at a time and strconv.ParseFloat: every length of the parts before and
// after the point (within the word path's limits and past them), signs,
// exponents, and bytes that are not digits in every place.
func TestParseNumberWords(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	for ip := 0; ip <= 17; ip++ {
		for fp := -1; fp <= 17; fp++ {
			for range 6 {
				s := digits(ip)
				if fp >= 0 {
					s += "." + digits(fp)
				}
				for _, pre := range []string{"", "-", "+"} {
					for _, suf := range []string{"", "e-5", "E+12", "x", " ", "1.2"} {
						checkParse(t, pre+s+suf)
					}
				}
			}
		}
	}
	// A byte that is not a digit (those next to '0' and '9', '.', a high
	// byte, NUL) put in every place of plain cells of 8 to 17 bytes.
	for _, base := range []string{"1234567.", "12.45678", "0.0000001", "9999999.99999999", "1234567.12345678", "-12.3456789", "0.12345678"} {
		checkParse(t, base)
		for i := range len(base) {
			for _, c := range []byte{'/', ':', '.', 0x80, 0xb9, 0, 'e', ' '} {
				b := []byte(base)
				b[i] = c
				checkParse(t, string(b))
			}
		}
	}
}

// FuzzParseNumber compares the ways of reading a cell (checkParse).
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"1", "-0.5", "1234567.1234567", "3.9441872e-05", "999943.46", " 7 ", "1e", "0x1", "12.345678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { checkParse(t, s) })
}

// TestParseTyped: a form's number is a finite decimal (hexadecimal, digit
// separators, NaN, infinities and overflow refused); one that underflows
// to 0 is refused as such, zero itself written any way is 0.
func TestParseTyped(t *testing.T) {
	for _, tc := range []struct {
		in            string
		v             float64
		ok, underflow bool
	}{
		{"0.95", 0.95, true, false}, {" .5 ", 0.5, true, false}, {"+2", 2, true, false}, {"-3e2", -300, true, false},
		{"0", 0, true, false}, {"-0", 0, true, false}, {"0.000", 0, true, false}, {"0e5", 0, true, false}, {"0E-999", 0, true, false},
		{"5e-324", 5e-324, true, false},
		{"1e-999", 0, false, true}, {"-0.0001e-400", 0, false, true},
		{"0x1p-1", 0, false, false}, {"1_000", 0, false, false}, {"NaN", 0, false, false}, {"Inf", 0, false, false}, {"-Infinity", 0, false, false},
		{"1e999", 0, false, false}, {"", 0, false, false}, {"0,5", 0, false, false}, {"half", 0, false, false},
	} {
		v, ok, under := ParseTyped(tc.in)
		if ok != tc.ok || under != tc.underflow || ok && v != tc.v {
			t.Errorf("ParseTyped(%q) = %v, %v, %v; want %v, %v, %v", tc.in, v, ok, under, tc.v, tc.ok, tc.underflow)
		}
	}
}
