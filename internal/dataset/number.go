package dataset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/bits"
	"strconv"
	"unicode/utf8"
)

// naValues are pandas' default NA spellings: cells with them are missing.
var naValues = map[string]bool{
	"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true,
	"-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true,
	"NA": true, "NULL": true, "NaN": true, "None": true, "n/a": true, "nan": true, "null": true,
}

// IsMissing reports whether a CSV cell is missing: blank (after Trim), or
// one of pandas' NA spellings (NA, N/A, n/a, NaN, nan, -NaN, -nan, NULL,
// null, None, <NA>, #N/A, #N/A N/A, #NA, 1.#IND, -1.#IND, 1.#QNAN,
// -1.#QNAN).
func IsMissing(cell []byte) bool { return naValues[string(Trim(cell))] }

// Trim returns cell without surrounding white space (Unicode's, as
// strings.TrimSpace).
func Trim(cell []byte) []byte {
	if n := len(cell); n > 0 && (cell[0] <= ' ' || cell[n-1] <= ' ' || cell[0] >= utf8.RuneSelf || cell[n-1] >= utf8.RuneSelf) {
		return bytes.TrimSpace(cell)
	}
	return cell
}

// ParseNumber reads a CSV cell as a finite decimal number, surrounding
// white space ignored: [+-]digits[.digits][e[+-]digits], '.' for decimals
// (12, -0.5, .5, 3e-4). ok is false for anything else: text, blanks,
// infinities, NaN, hexadecimal, digit separators, a decimal comma. The
// value is the nearest float64 (as strconv.ParseFloat's, bit for bit).
//
// Cells of up to 15 significant digits with a decimal scale within
// 10^±22 — what data exports write — take a fast path that is exact by
// Clinger's argument (an integer below 2^53 multiplied or divided by an
// exact power of ten: one rounding); others go to strconv.ParseFloat.
func ParseNumber(cell []byte) (float64, bool) {
	if v, ok := fastDecimal(cell); ok {
		return v, true
	}
	return parseOther(cell)
}

// ParseDecimalComma reads a CSV cell written with a decimal comma, as
// ParseNumber reads one with a decimal point: "1,5" is 1.5, "-0,25e3" is
// -250, "3" is 3. A cell with a '.' or with more than one comma is not a
// number (ok false): where the comma marks decimals, a point groups
// thousands, which ParseNumber does not read either.
func ParseDecimalComma(cell []byte) (float64, bool) {
	i := bytes.IndexByte(cell, ',')
	if i < 0 {
		if bytes.IndexByte(cell, '.') >= 0 {
			return 0, false
		}
		return ParseNumber(cell)
	}
	if bytes.IndexByte(cell[i+1:], ',') >= 0 || bytes.IndexByte(cell, '.') >= 0 {
		return 0, false
	}
	var buf [64]byte
	c := append(buf[:0], cell...)
	c[i] = '.'
	return ParseNumber(c)
}

// ParseFormatted reads a CSV cell ParseNumber (with decimalComma,
// ParseDecimalComma) does not read, written as numbers are for people:
// its integer digits grouped in threes — "1,234,567.5", or with
// decimalComma "1.234.567,5": an optional sign, 1 to 3 digits (not a
// leading 0), then at least one separator followed by exactly 3 digits,
// then optionally the decimal mark and digits; no exponent — or a
// percentage, a number (plain or grouped) followed by '%' (white space
// between allowed), whose value is the number as written: "12.5%" is
// 12.5, not 0.125. percent and grouped say which; ok is false for any
// other cell ("1,23,456", "12,34", "%", "1,234e5").
func ParseFormatted(cell []byte, decimalComma bool) (v float64, percent, grouped, ok bool) {
	cell = Trim(cell)
	if n := len(cell); n > 1 && cell[n-1] == '%' {
		body := Trim(cell[:n-1])
		if decimalComma {
			v, ok = ParseDecimalComma(body)
		} else {
			v, ok = ParseNumber(body)
		}
		if ok {
			return v, true, false, true
		}
		v, ok = parseGrouped(body, decimalComma)
		return v, ok, ok, ok
	}
	v, ok = parseGrouped(cell, decimalComma)
	return v, false, ok, ok
}

// parseGrouped reads a number whose integer digits are grouped in threes
// (see ParseFormatted).
func parseGrouped(c []byte, decimalComma bool) (float64, bool) {
	sep, dec := byte(','), byte('.')
	if decimalComma {
		sep, dec = '.', ','
	}
	var buf [64]byte
	out := buf[:0]
	i := 0
	if i < len(c) && (c[i] == '-' || c[i] == '+') {
		out = append(out, c[i])
		i++
	}
	lead := i
	for i < len(c) && c[i]-'0' <= 9 {
		i++
	}
	if d := i - lead; d == 0 || d > 3 || c[lead] == '0' {
		return 0, false
	}
	out = append(out, c[lead:i]...)
	groups := 0
	for i < len(c) && c[i] == sep {
		if i+4 > len(c) || c[i+1]-'0' > 9 || c[i+2]-'0' > 9 || c[i+3]-'0' > 9 || i+4 < len(c) && c[i+4]-'0' <= 9 {
			return 0, false
		}
		out = append(out, c[i+1:i+4]...)
		i += 4
		groups++
	}
	if groups == 0 || len(out) > 40 {
		return 0, false
	}
	if i < len(c) && c[i] == dec {
		f := i + 1
		for i = f; i < len(c) && c[i]-'0' <= 9; i++ {
		}
		if i == f || i-f > 20 {
			return 0, false
		}
		out = append(append(out, '.'), c[f:i]...)
	}
	if i != len(c) {
		return 0, false
	}
	return ParseNumber(out)
}

// LeadingZero reports whether a number's cell is written with a leading
// zero before another digit — "007", "-01.5", a ZIP code "02134" — as
// codes and identifiers are, not quantities; not "0", "0.7" or "-0.5".
func LeadingZero(cell []byte) bool {
	if len(cell) > 0 && (cell[0] <= ' ' || cell[0] >= utf8.RuneSelf) {
		cell = Trim(cell)
	}
	if len(cell) > 0 && (cell[0] == '-' || cell[0] == '+') {
		cell = cell[1:]
	}
	return len(cell) > 1 && cell[0] == '0' && cell[1]-'0' <= 9
}

// parseOther is ParseNumber for a cell fastDecimal does not take as it
// is (scanCSV calls the two in turn: one call a cell less).
func parseOther(cell []byte) (float64, bool) {
	cell = Trim(cell)
	if v, ok := fastDecimal(cell); ok {
		return v, true
	}
	if len(cell) == 0 || bytes.ContainsAny(cell, "xX_") {
		return 0, false // hexadecimal or digit separators (Go's ParseFloat would take them)
	}
	v, err := strconv.ParseFloat(string(cell), 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) && !math.IsInf(v, 0) {
			return v, true // underflow: the nearest float is right
		}
		return 0, false
	}
	return v, !math.IsInf(v, 0) && !math.IsNaN(v)
}

// IntCell reads a cell written exactly as strconv.FormatInt writes its
// value — an optional '-', then 1 to 15 digits without a leading zero (but
// "0") — so that the value gives the cell back. ok is false for any other
// cell ("+1", "01", "-0", "1.0", "1e3", " 1", 16 digits).
func IntCell(cell []byte) (int64, bool) {
	neg := len(cell) > 0 && cell[0] == '-'
	d := cell
	if neg {
		d = cell[1:]
	}
	if len(d) == 0 || len(d) > 15 || d[0] == '0' && (len(d) > 1 || neg) {
		return 0, false
	}
	var v int64
	for _, c := range d {
		if c-'0' > 9 {
			return 0, false
		}
		v = v*10 + int64(c-'0')
	}
	if neg {
		v = -v
	}
	return v, true
}

var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// fastDecimal parses [+-]digits[.digits][(e|E)[+-]digits] with at most 15
// digits and a scale within 10^±22; ok is false when the cell is anything
// else (the caller then tries strconv).
func fastDecimal(s []byte) (float64, bool) {
	i, n, neg := 0, len(s), false
	var sign uint64 // the sign bit of a '-' cell
	if n > 0 {
		// Without a branch: the sign of a column's cells is often random.
		c := s[0]
		i = b2i(c == '-') + b2i(c == '+')
		sign = uint64(b2i(c == '-')) << 63
		neg = sign != 0
	}
	var m uint64
	if l := n - i; l >= 8 && l <= 16 {
		// A plain decimal of 8 to 16 bytes — up to 7 digits, a point, up
		// to 8 decimals — read as two words, the first 8 bytes and the
		// last 8 (they may overlap), its digits summed without a loop: no
		// branch depends on where the point is or how long the cell is.
		// Anything else is left to the loops below.
		w := s[i:]
		f0, x0 := nonDigits(binary.LittleEndian.Uint64(w[:8]))
		f1, x1 := nonDigits(binary.LittleEndian.Uint64(w[l-8:]))
		if p := bits.TrailingZeros64(f0) >> 3; p < 8 && w[p] == '.' && l-p-1 <= 8 {
			frac := l - p - 1
			drop := 8 * uint(8-frac)
			if f1>>drop == 0 {
				m := digits8(x0<<(8*uint(8-p)))*pow10u[frac] + digits8(x1>>drop<<drop)
				// frac ≤ 8: an exact divisor, one rounding; then the sign
				// bit set for '-' (v ≥ 0: that is −v). m < 10^15: converted
				// as signed, one instruction.
				v := float64(int64(m)) / pow10[frac]
				return math.Float64frombits(math.Float64bits(v) | sign), true
			}
		}
	}
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
	if digits == 0 || digits > 15 {
		return 0, false // nothing, or maybe more than 15 significant digits (m may have wrapped)
	}
	exp := 0
	if i < len(s) {
		if s[i] != 'e' && s[i] != 'E' {
			return 0, false
		}
		i++
		eneg := false
		if i < len(s) && (s[i] == '-' || s[i] == '+') {
			eneg = s[i] == '-'
			i++
		}
		if i == len(s) || len(s)-i > 3 {
			return 0, false
		}
		for ; i < len(s); i++ {
			c := s[i]
			if c-'0' > 9 {
				return 0, false
			}
			exp = exp*10 + int(c-'0')
		}
		if eneg {
			exp = -exp
		}
	}
	scale := exp - frac
	// m < 10^15 fits int64: converted as signed, one instruction (an
	// unsigned conversion tests and branches on the top bit).
	fm := float64(int64(m))
	var v float64
	switch {
	case m == 0:
		v = 0
	case scale >= 0 && scale <= 22:
		v = fm * pow10[scale]
	case scale < 0 && scale >= -22:
		v = fm / pow10[-scale]
	default:
		return 0, false
	}
	if neg {
		v = -v
	}
	return v, true
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// nonDigits flags each byte of w (its high bit) that is not an ASCII
// digit, byte by byte without carries between them; x is w's bytes less
// '0' (0–9 for the digits).
func nonDigits(w uint64) (flags, x uint64) {
	x = w ^ 0x30*ones // a digit's byte is 0x30–0x39
	return ((x&(0x7f*ones) + 0x76*ones) | x) & highs, x
}

// digits8 is the number written by the digits in the bytes of x (0–9
// each, the first in the lowest byte; zero bytes below them are leading
// zeros): summed in pairs, fours, then eights.
func digits8(x uint64) uint64 {
	// x·(10·2⁸+1)>>8 is x·10 + x>>8 in the bytes kept: one multiplication
	// for each step (what wraps off the top is masked off anyway).
	x = (x * (10<<8 + 1) >> 8) & 0x00ff00ff00ff00ff
	x = (x * (100<<16 + 1) >> 16) & 0x0000ffff0000ffff
	return (x * (10000<<32 + 1) >> 32) & 0xffffffff
}

var pow10u = [...]uint64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000}

// lowBytes[n] keeps the n low bytes of a word (n = 0 to 8).
var lowBytes = [...]uint64{0, 0xff, 0xffff, 0xffffff, 0xffffffff, 0xffffffffff, 0xffffffffffff, 0xffffffffffffff, 0xffffffffffffffff}

// b2i is 1 for true, 0 for false (compiled to a flag, not a branch).
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
