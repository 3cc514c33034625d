package dataset

import (
	"bytes"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/tabular"
)

// randomCell is a cell of one of the forms a CSV column of numbers may
// hold, and of the near misses around commonNumbers' two forms: lengths
// just inside and outside them, signs, leading zeros, points in every
// place, exponents, white space, text, missing and formatted numbers.
// kind picks the form (0–15; see the switch).
func randomCell(r *rand.Rand, sep byte, kind int) string {
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	sign := []string{"", "", "-", "+"}[r.IntN(4)]
	var s string
	switch kind {
	case 0, 1, 2: // a decimal of 1 to 18 bytes, the point anywhere
		n := 1 + r.IntN(17)
		d := digits(n)
		p := r.IntN(n + 1)
		s = sign + d[:p] + "." + d[p:]
	case 3, 4: // an integer of 1 to 17 digits
		s = sign + digits(1+r.IntN(17))
	case 5: // no leading zero but the first digit's
		d := digits(1 + r.IntN(15))
		if d[0] == '0' && len(d) > 1 {
			d = "1" + d[1:]
		}
		s = sign + d
		if r.IntN(2) == 0 {
			s += "." + digits(r.IntN(10))
		}
	case 6: // zeros
		s = sign + []string{"0", "00", "0.0", "00.5", "0.1234567", "01234567.5", "0.12345678", "-0", "0000000", "00000000"}[r.IntN(10)]
	case 7: // exponents
		s = fmt.Sprintf("%s%d.%se%s%d", sign, r.IntN(100), digits(1+r.IntN(8)), []string{"", "-", "+"}[r.IntN(3)], r.IntN(30))
	case 8: // white space around a number
		s = []string{" ", "\t", "\u00a0", ""}[r.IntN(4)] + sign + digits(1+r.IntN(6)) + "." + digits(1+r.IntN(8)) + []string{" ", "", "\t"}[r.IntN(3)]
	case 9: // missing, text
		s = []string{"", "NA", "nan", "N/A", "abc", "1.2.3", "12345678.9.1", "1-2", ".", "-", "+", "-.", "1e", "0x1F", "1_000", "Inf", "12345678a", "a2345678.5"}[r.IntN(18)]
	case 10: // formatted for people
		s = []string{"12.5%", "1,234.5", "1,234,567", "8,648", "-1,000", "50 %", "0,5", "1.234,5", "007", "+0.5", "1,234.5%"}[r.IntN(11)]
	case 11: // a decimal of fastDecimal's first path, around its bounds
		p := 1 + r.IntN(8)
		s = sign + digits(p) + "." + digits(r.IntN(10))
	case 12: // a point first or last
		if r.IntN(2) == 0 {
			s = sign + "." + digits(1+r.IntN(16))
		} else {
			s = sign + digits(1+r.IntN(16)) + "."
		}
	case 13: // commonNumbers' own decimals: 8 to 16 bytes, up to 8 decimals
		p := 1 + r.IntN(7)
		s = sign + string(byte('1'+r.IntN(9))) + digits(p-1) + "." + digits(max(7-p, 0)+r.IntN(9-max(7-p, 0)))
	case 14: // its integers, and its decimals among them
		switch x := r.IntN(600); {
		case x < 200:
			s = "-" + string(byte('1'+r.IntN(9))) + digits(r.IntN(8))
		case x == 200:
			s = "12.3456789"
		case x == 201:
			s = "+7" // a number, but not an IntCell
		default:
			s = fmt.Sprint(r.IntN(100))
		}
	default: // what the benchmark's files hold
		s = fmt.Sprint(math.Round(r.NormFloat64()*1e6) / []float64{1, 10, 100, 1e4, 1e6, 1e8}[r.IntN(6)])
	}
	if strings.ContainsAny(s, string(sep)+"\"\n") || r.IntN(20) == 0 {
		s = `"` + s + `"` // quoted: read through another scanner
	}
	return s
}

// TestCommonNumbersAsPerCell reads random CSV files both ways — each cell
// through the general path, and through commonNumbers first — and checks
// that the numbers, to the bit, and everything the batches say of their
// cells agree.
func TestCommonNumbersAsPerCell(t *testing.T) {
	for _, m := range commonModes() {
		t.Run(m.name, func(t *testing.T) {
			m.use(t)
			commonAsPerCell(t)
		})
	}
}

func commonAsPerCell(t *testing.T) {
	defer func() { perCell = false }()
	taken := 0 // cells commonNumbers itself reads (not left to the general path)
	for seed := range uint64(60) {
		r := rand.New(rand.NewPCG(seed, 77))
		sep := []byte{',', ';', '\t'}[seed%3]
		cols := 1 + r.IntN(6)
		var b bytes.Buffer
		for j := range cols {
			if j > 0 {
				b.WriteByte(sep)
			}
			fmt.Fprintf(&b, "c%d", j)
		}
		b.WriteByte('\n')
		// Columns of one form (a block of one form is where a column's
		// notes — IntCells, LeadingZeros — come from one kind of cell)
		// and columns of mixed forms.
		kind := make([]int, cols)
		for j := range kind {
			kind[j] = r.IntN(17) // 16: mixed
		}
		rows := 1 + r.IntN(3000)
		for range rows {
			for j := range cols {
				if j > 0 {
					b.WriteByte(sep)
				}
				k := kind[j]
				if k == 16 || r.IntN(500) == 0 {
					k = r.IntN(16)
				}
				cell := randomCell(r, sep, k)
				b.WriteString(cell)
			}
			if seed%4 == 1 {
				b.WriteByte('\r')
			}
			if r.IntN(200) == 0 {
				b.WriteByte('\n') // a blank line
			}
			b.WriteByte('\n')
		}
		if seed%5 == 2 { // no line break at the end: the last cells end the data
			b.Truncate(b.Len() - 1)
		}
		data := b.Bytes()
		idx := make([]int, cols)
		for j := range idx {
			idx[j] = j
		}
		for _, formatted := range []bool{true, false} {
			read := func(each bool) []string {
				perCell = each
				f, err := Open(bytes.NewReader(data), int64(len(data)), Options{Workers: 2, Formatted: formatted, CSV: tabular.Options{Separator: rune(sep)}})
				if err != nil {
					t.Fatalf("seed %d: %v\n%.300q", seed, err, data)
				}
				var out []string
				if err := f.Scan(idx, func(bt *Batch) error {
					for k := range cols {
						var line strings.Builder
						fmt.Fprintf(&line, "col %d rows %d-%d ints %v lead %v pct %d grouped %v:", k, bt.Start(), bt.Start()+int64(bt.Rows), bt.IntCells(k), bt.LeadingZeros(k), bt.Percents(k), bt.Grouped(k))
						for _, x := range bt.Num[k][:bt.Rows] {
							fmt.Fprintf(&line, " %x", math.Float64bits(x))
						}
						out = append(out, line.String())
					}
					return nil
				}); err != nil {
					lines := strings.Split(string(data), "\n")
					t.Fatalf("seed %d: %v\n%q", seed, err, lines[min(len(lines), 17):min(len(lines), 22)])
				}
				return out
			}
			want, got := read(true), read(false)
			if len(want) != len(got) {
				t.Fatalf("seed %d: %d batch columns read cell by cell, %d with commonNumbers", seed, len(want), len(got))
			}
			for i := range want {
				if want[i] != got[i] {
					t.Fatalf("seed %d (sep %q, formatted %v): cell by cell\n%.600s\nwith commonNumbers\n%.600s\nfile:\n%.400s", seed, sep, formatted, want[i], got[i], data)
				}
			}
		}
		// How many cells the fast loop itself took, so that the test is
		// known to exercise it, not only the general path.
		perCell = false
		f, err := Open(bytes.NewReader(data), int64(len(data)), Options{CSV: tabular.Options{Separator: rune(sep)}})
		if err != nil {
			t.Fatal(err)
		}
		f.Scan(idx, func(bt *Batch) error {
			for r := range bt.Rows {
				for k := range cols {
					if commonForm(bt.Text(k, r)) {
						taken++
					}
				}
			}
			return nil
		})
	}
	if taken < 10000 {
		t.Fatalf("only %d cells of commonNumbers' forms in the files: the test does not exercise its loop", taken)
	}
}

// commonForm reports whether a cell is of one of commonNumbers' forms, by
// a slow reading of their definition.
func commonForm(c []byte) bool {
	s := string(c)
	if s == "-0" {
		return false // not an IntCell
	}
	if strings.HasPrefix(s, "-") {
		s = s[1:]
	}
	if p := strings.IndexByte(s, '.'); p >= 0 {
		return len(s) <= 16 && p >= 1 && p <= 7 && len(s)-p-1 >= 1 && len(s)-p-1 <= 8 && strings.Trim(s[:p]+s[p+1:], "0123456789") == "" && !(p > 1 && s[0] == '0')
	}
	return len(s) >= 1 && len(s) <= 8 && strings.Trim(s, "0123456789") == "" && !(s[0] == '0' && len(s) > 1)
}

// TestCommonNumbersTakesItsForms checks commonNumbers on cells chosen
// one by one: what it reads itself, at what value, and what it leaves to
// the general path.
func TestCommonNumbersTakesItsForms(t *testing.T) {
	for _, m := range commonModes() {
		t.Run(m.name, func(t *testing.T) {
			m.use(t)
			commonForms(t)
		})
	}
}

func commonForms(t *testing.T) {
	for _, c := range []struct {
		cell  string
		taken bool
		want  float64
		ints  bool // ints[j] after the cell, from true
	}{
		{"1.2345678", true, 1.2345678, false},
		{"-1.866767", true, -1.866767, false},
		{"+13.24287", false, 0, true}, // '+'
		{"13.24287", true, 13.24287, false},
		{"0.37067789", true, 0.37067789, false},
		{".12345678", false, 0, true}, // no digit before the point
		{"1234567.", false, 0, true},  // none after it
		{"1.0000000", true, 1, false},
		{"9999999.99999999", true, 9999999.99999999, false},
		{"1.234567891", false, 0, true},   // 9 decimals
		{"12345678.5", false, 0, true},    // the point past the first word
		{"01.234567", false, 0, true},     // a leading zero
		{"1.23456", true, 1.23456, false}, // 7 bytes, within one word
		{"1.5", true, 1.5, false},
		{"-0.5", true, -0.5, false},
		{"00.5", false, 0, true}, // a leading zero
		{"5.", false, 0, true},
		{"1.2345678e5", false, 0, true},      // an exponent
		{"1.2345678 ", false, 0, true},       // white space
		{"49", true, 49, true},               // an integer
		{"-12345678", true, -12345678, true}, // 8 digits
		{"0", true, 0, true},                 // zero
		{"-0", false, 0, true},               // not an IntCell
		{"+5", false, 0, true},               // nor this
		{"007", false, 0, true},              // a leading zero
		{"123456789", false, 0, true},        // 9 digits: the general path's
		{"12a", false, 0, true},              // text
		{"", false, 0, true},                 // missing
		{"-", false, 0, true},                // a sign alone
	} {
		// The cell first, then 8 bytes of another (the loop may read a
		// word past a short cell, within data), or 16 (the SSSE3 path
		// reads 16 bytes from the cell's start).
		for _, after := range []string{",1234567", ",123456789012345"} {
			data := []byte(c.cell + after)
			num := [][]float64{{math.Inf(1)}}
			ints := []bool{true}
			left := commonNumbers(data, []int32{0}, []int32{int32(len(c.cell))}, 1, num, ints, nil)
			if taken := len(left) == 0; taken != c.taken {
				t.Errorf("%q%s: taken %v, want %v", c.cell, after, taken, c.taken)
				continue
			}
			if !c.taken {
				if len(left) != 1 || left[0] != 0 || !math.IsInf(num[0][0], 1) || !ints[0] {
					t.Errorf("%q%s: left %v, num %v ints %v: want the cell left untouched", c.cell, after, left, num[0][0], ints[0])
				}
				continue
			}
			if v, ok := ParseNumber([]byte(c.cell)); !ok || math.Float64bits(v) != math.Float64bits(num[0][0]) || num[0][0] != c.want {
				t.Errorf("%q%s: %v, want %v (ParseNumber %v)", c.cell, after, num[0][0], c.want, v)
			}
			if ints[0] != c.ints {
				t.Errorf("%q%s: ints %v, want %v", c.cell, after, ints[0], c.ints)
			}
		}
	}
	// No columns (a scan of none): nothing to read.
	if left := commonNumbers([]byte("1,2\n"), nil, nil, 0, nil, nil, nil); len(left) != 0 {
		t.Errorf("no columns: left %v", left)
	}
	// A short integer whose word would run past the data is left.
	num, ints := [][]float64{{0}}, []bool{true}
	if left := commonNumbers([]byte("49"), []int32{0}, []int32{2}, 1, num, ints, nil); len(left) != 1 {
		t.Errorf("an integer at the end of data: taken, reading past it")
	}
	// Rows of several cells: each where it belongs, those left in order.
	data := []byte("12.345678,7,x,-1234.5678,+3,0")
	start := []int32{0, 10, 12, 14, 25, 28}
	end := []int32{9, 11, 13, 24, 27, 29}
	num, ints = [][]float64{{0, 0}, {0, 0}, {0, 0}}, []bool{true, true, true}
	left := commonNumbers(data, start, end, 3, num, ints, nil)
	if fmt.Sprint(left) != "[2 4 5]" || num[0][0] != 12.345678 || num[1][0] != 7 || num[0][1] != -1234.5678 || ints[0] || !ints[1] {
		t.Errorf("two rows: left %v, num %v, ints %v", left, num, ints)
	}
}

// TestCommonCellsAsGo compares the assembly loop with the Go one on
// blocks of random bytes and bounds — cells of every length, at the ends
// of the data, empty, reversed, out of range — and of random numbers:
// the same numbers to the bit, the same notes, the same cells left. (On
// an architecture without the assembly, both are the Go loop.)
func TestCommonCellsAsGo(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 5))
	alphabet := []byte("0123456789.-+e ,x0000011111999")
	for round := range 3000 {
		k := 1 + r.IntN(5)
		rows := 1 + r.IntN(40)
		var data []byte
		start, end := make([]int32, rows*k), make([]int32, rows*k)
		for i := range start {
			var cell string
			if r.IntN(2) == 0 {
				cell = randomCell(r, ',', r.IntN(16))
			} else {
				b := make([]byte, r.IntN(19))
				for x := range b {
					b[x] = alphabet[r.IntN(len(alphabet))]
				}
				cell = string(b)
			}
			start[i] = int32(len(data))
			data = append(data, cell...)
			end[i] = int32(len(data))
			data = append(data, ',')
			switch r.IntN(40) {
			case 0:
				start[i], end[i] = end[i], start[i]
			case 1:
				end[i] += 100 // past the data
			case 2:
				start[i] = -1
			}
		}
		data = data[:len(data)-r.IntN(2)]
		if r.IntN(4) == 0 && len(data) > 0 {
			// Cells cut at the end of the data.
			data = data[:r.IntN(len(data))]
		}
		run := func(m commonMode) string {
			num := make([][]float64, k)
			for j := range num {
				num[j] = make([]float64, rows)
				for x := range num[j] {
					num[j][x] = -math.MaxFloat64
				}
			}
			ints := make([]bool, k)
			for j := range ints {
				ints[j] = true
			}
			left := m.numbers(data, start, end, k, num, ints, []int32{-7})
			var b strings.Builder
			fmt.Fprintf(&b, "left %v ints %v", left, ints)
			for _, col := range num {
				for _, x := range col {
					fmt.Fprintf(&b, " %x", math.Float64bits(x))
				}
			}
			return b.String()
		}
		g := run(commonModes()[0])
		for _, m := range commonModes()[1:] {
			if a := run(m); g != a {
				t.Fatalf("round %d: Go\n%s\n%s\n%s\ndata %q start %v end %v", round, g, m.name, a, data, start, end)
			}
		}
	}
}
