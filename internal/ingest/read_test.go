package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// visit is one call Read made, written out: which part, the name, and
// the value with a number's exact bits.
func visit(part string, name []byte, v Value) string {
	switch v.Kind {
	case 'n':
		return fmt.Sprintf("%s %q n %x", part, name, math.Float64bits(v.Num))
	case 's':
		return fmt.Sprintf("%s %q s %q", part, name, v.Str)
	}
	return fmt.Sprintf("%s %q %c", part, name, v.Kind)
}

// readCalls is every call Read makes for line, in order, and its error.
func readCalls(line []byte) ([]string, error) {
	var out []string
	err := Read(line, &Visitor{
		Feature:    func(n []byte, v Value) { out = append(out, visit("feature", n, v)) },
		Group:      func(n []byte, v Value) { out = append(out, visit("group", n, v)) },
		Prediction: func(v Value) { out = append(out, visit("prediction", nil, v)) },
		Label:      func(v Value) { out = append(out, visit("label", nil, v)) },
		Latency:    func(ms float64) { out = append(out, visit("latency", nil, Value{Kind: 'n', Num: ms})) },
	})
	return out, err
}

// refCalls is what Read should make for line, read independently with
// encoding/json's tokens (numbers by strconv.ParseFloat): each feature
// and group in order, the prediction, label and latency where they stand;
// false when a number is beyond float64's range, which Read refuses.
func refCalls(t *testing.T, line []byte) ([]string, bool) {
	t.Helper()
	inRange := true
	d := json.NewDecoder(bytes.NewReader(line))
	d.UseNumber()
	tok := func() json.Token {
		x, err := d.Token()
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		return x
	}
	value := func(x json.Token) Value {
		switch x := x.(type) {
		case json.Number:
			f, err := strconv.ParseFloat(string(x), 64)
			if err != nil {
				inRange = false
			}
			return Value{Kind: 'n', Num: f}
		case string:
			return Value{Kind: 's', Str: []byte(x)}
		case json.Delim: // an object or array as a value: skipped, read as null
			for depth := 1; depth > 0; {
				if d, ok := tok().(json.Delim); ok {
					if d == '{' || d == '[' {
						depth++
					} else {
						depth--
					}
				}
			}
		}
		return Value{Kind: '0'}
	}
	var out []string
	tok() // {
	for d.More() {
		key := tok().(string)
		switch key {
		case "features", "groups":
			part := strings.TrimSuffix(key, "s")
			x := tok()
			if x != json.Delim('{') {
				value(x)
				continue
			}
			for d.More() {
				name := tok().(string)
				out = append(out, visit(part, []byte(name), value(tok())))
			}
			tok() // }
		case "prediction", "label":
			out = append(out, visit(key, nil, value(tok())))
		case "latency_ms":
			if v := value(tok()); v.Kind == 'n' {
				out = append(out, visit("latency", nil, v))
			}
		default:
			value(tok())
		}
	}
	return out, inRange
}

// numberText is a random JSON number's text, often one of the shapes at
// the fast path's edges: many digits, leading and trailing zeros, values
// near 2^53, 22 decimals and more, exponents, negative zero.
func numberText(r *rand.Rand) string {
	digits := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteByte(byte('0' + r.IntN(10)))
		}
		return b.String()
	}
	sign := ""
	if r.IntN(2) == 0 {
		sign = "-"
	}
	switch r.IntN(12) {
	case 0:
		return sign + strconv.FormatFloat(math.Abs(r.NormFloat64()), 'f', r.IntN(8), 64)
	case 1:
		return sign + strconv.FormatFloat(r.Float64()*math.Pow(10, float64(r.IntN(40)-20)), 'g', -1, 64)
	case 2: // around 2^53, with and without a point
		n := uint64(1<<53) + uint64(r.IntN(7)) - 3
		s := strconv.FormatUint(n, 10)
		if k := r.IntN(len(s)); k > 0 {
			s = s[:k] + "." + s[k:]
		}
		return sign + s
	case 3: // 18 to 21 digits
		s := strconv.Itoa(1+r.IntN(9)) + digits(17+r.IntN(4))
		if k := r.IntN(len(s)); k > 0 {
			s = s[:k] + "." + s[k:]
		}
		return sign + s
	case 4: // 20 to 25 decimals
		return sign + "0." + digits(20+r.IntN(6))
	case 5:
		return sign + "0." + strings.Repeat("0", r.IntN(25)) + digits(1+r.IntN(6))
	case 6:
		return sign + strconv.Itoa(r.IntN(1000)) + "." + digits(r.IntN(4)+1) + strings.Repeat("0", r.IntN(20))
	case 7:
		return sign + "0"
	case 8:
		return sign + "0." + strings.Repeat("0", 1+r.IntN(30))
	case 9: // an exponent
		return sign + strconv.Itoa(r.IntN(100)) + []string{"e", "E", "e+", "e-", "E-"}[r.IntN(5)] + strconv.Itoa(r.IntN(330))
	case 10: // long
		return sign + strconv.Itoa(1+r.IntN(9)) + digits(r.IntN(320)) + "." + digits(1+r.IntN(30))
	}
	return sign + strconv.FormatUint(r.Uint64()>>r.IntN(64), 10)
}

func TestNumberIsParseFloat(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	fixed := []string{"0", "-0", "0.0", "-0.0", "1", "9007199254740991", "9007199254740992", "9007199254740993",
		"-9007199254740993", "900719925474099.3", "0.9007199254740993", "1.0000000000000000000001",
		"0.1", "0.2", "0.3", "1.7976931348623157", "123456789012345678", "1234567890123456789",
		"12345678901234567890", "0.0000000000000000000001", "0.00000000000000000000001",
		"4.9e-324", "1e309", "-1e309", "2.2250738585072014e-308", "1" + strings.Repeat("0", 308), "1" + strings.Repeat("0", 309)}
	check := func(s string) {
		f, ok := number([]byte(s))
		g, err := strconv.ParseFloat(s, 64)
		if ok != (err == nil) || math.Float64bits(f) != math.Float64bits(g) {
			t.Fatalf("number(%q) = %v (%x), %v; ParseFloat %v (%x), %v", s, f, math.Float64bits(f), ok, g, math.Float64bits(g), err)
		}
	}
	for _, s := range fixed {
		check(s)
	}
	for range 300000 {
		s := numberText(r)
		if !json.Valid([]byte(s)) {
			t.Fatalf("the test wrote %q, no JSON number", s)
		}
		check(s)
	}
}

// An event line of random features — numbers, strings, null, sometimes a
// value or a name with escapes, a boolean, an object, white space — read
// by the plain loop or the general path, against encoding/json.
func TestReadAgreesWithEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	ws := func() string {
		if r.IntN(6) == 0 {
			return []string{" ", "\t", "\r\n ", "  "}[r.IntN(4)]
		}
		return ""
	}
	value := func() string {
		switch r.IntN(10) {
		case 0:
			return "null"
		case 1, 2:
			return strconv.Quote([]string{"north", "", "a b", "七", "1234567", "x\u00e9"}[r.IntN(6)])
		case 3:
			if r.IntN(8) == 0 {
				return []string{`"a\"b"`, `"tab\there"`, `"\u00e9"`, `true`, `false`, `{"x":1}`, `[1,2]`}[r.IntN(7)]
			}
		}
		return numberText(r)
	}
	whole, part := 0, 0
	for n := range 20000 {
		var b strings.Builder
		k := r.IntN(30)
		fmt.Fprintf(&b, `{"id":"e-%d",%s"version":"1.0","features":%s{`, n, ws(), ws())
		for f := range k {
			if f > 0 {
				b.WriteString("," + ws())
			}
			name := fmt.Sprintf("%q", fmt.Sprintf("f%d", r.IntN(k+1))) // names may repeat
			if r.IntN(200) == 0 {
				name = `"f\u0031"`
			}
			fmt.Fprintf(&b, "%s%s:%s%s%s", ws(), name, ws(), value(), ws())
		}
		fmt.Fprintf(&b, `}%s,"prediction":%s`, ws(), value())
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, `,"label":%s`, value())
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, `,"groups":{"g":%s}`, value())
		}
		fmt.Fprintf(&b, `,"latency_ms":%s}`, value())
		line := []byte(b.String())
		if !json.Valid(line) {
			t.Fatalf("the test wrote invalid JSON: %s", line)
		}
		got, err := readCalls(line)
		want, inRange := refCalls(t, line)
		if (err == nil) != inRange {
			t.Fatalf("%s: Read's error %v, a number out of range %v", line, err, !inRange)
		}
		if err == nil && strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("%s:\ngot  %q\nwant %q", line, got, want)
		}
		s := newScanner(line)
		s.i = bytes.Index(line, []byte(`"features":`)) + len(`"features":`)
		s.ws()
		switch done, ok := s.plainMembers(nil); {
		case ok:
			whole++
		case done > 0:
			part++
		}
	}
	// Lines read whole by the plain loop, lines it handed over to the
	// general path after some members, and lines read by the general
	// path alone.
	if whole < 1000 || part < 1000 || whole+part > 19000 {
		t.Fatalf("of 20000 lines, the plain loop read %d whole and %d in part: the test does not try every path", whole, part)
	}
}

// FuzzNumber: any JSON number's value, by number, is ParseFloat's to the
// bit (go test -fuzz FuzzNumber ./internal/ingest).
func FuzzNumber(f *testing.F) {
	for _, s := range []string{"0", "-0.5", "9007199254740993", "0.1234567890123456789", "1e22", "123.456e-7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var n json.Number
		if json.Unmarshal([]byte(s), &n) != nil || string(n) != s {
			return // not exactly one JSON number
		}
		got, ok := number([]byte(s))
		want, err := strconv.ParseFloat(s, 64)
		if ok != (err == nil) || math.Float64bits(got) != math.Float64bits(want) {
			t.Fatalf("number(%q) = %v, %v; ParseFloat %v, %v", s, got, ok, want, err)
		}
	})
}
