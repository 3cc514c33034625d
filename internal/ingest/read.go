package ingest

import (
	"errors"
	"strconv"
)

// Value is one scalar of a stored event: a number, a string or null.
type Value struct {
	Kind byte    // 'n' number, 's' string, '0' null ('b', true or false with Num 1 or 0, for a label a reader keeps apart)
	Num  float64 // when a number
	Str  []byte  // when a string: its text, valid only during the call
}

// Visitor receives the parts of a stored event line. Any func may be nil.
type Visitor struct {
	Feature    func(name []byte, v Value)
	Group      func(name []byte, v Value)
	Prediction func(v Value)
	Label      func(v Value)
	Latency    func(ms float64)
}

// Read walks an event line as stored by Events (so already checked) and
// hands its features, groups, prediction, label and latency to v, without
// building maps or allocating for plain strings: the monitors read every
// stored event this way.
func Read(line []byte, v *Visitor) (err error) {
	var msg string
	defer func() {
		if msg != "" {
			err = errors.New(msg)
		}
	}()
	defer caught(&msg)
	s := newScanner(line)
	value := func() Value {
		switch s.kind() {
		case 's':
			raw, esc := s.strRaw()
			if esc {
				return Value{Kind: 's', Str: []byte(unquote(raw, esc))}
			}
			return Value{Kind: 's', Str: raw[1 : len(raw)-1]}
		case 'n':
			f, ok := number(s.num())
			if !ok {
				s.fail("number out of range")
			}
			return Value{Kind: 'n', Num: f}
		case '0':
			s.word("null")
			return Value{Kind: '0'}
		}
		s.skip()
		return Value{Kind: '0'}
	}
	name := func(raw []byte, esc bool) []byte {
		if esc {
			return []byte(unquote(raw, esc))
		}
		return raw[1 : len(raw)-1]
	}
	// members hands fn the members of an object after the first done.
	members := func(fn func([]byte, Value), done int) {
		if s.kind() != 'o' {
			s.skip()
			return
		}
		s.object(func(raw []byte, esc bool) {
			n, x := name(raw, esc), value()
			if done > 0 {
				done--
			} else if fn != nil {
				fn(n, x)
			}
		})
	}
	s.ws()
	s.object(func(raw []byte, esc bool) {
		switch string(name(raw, esc)) {
		case "features":
			done := 0
			if s.utf8 && s.kind() == 'o' {
				ok := false
				if done, ok = s.plainMembers(v.Feature); ok {
					break
				}
			}
			members(v.Feature, done)
		case "groups":
			members(v.Group, 0)
		case "prediction":
			if x := value(); v.Prediction != nil {
				v.Prediction(x)
			}
		case "label":
			if x := value(); v.Label != nil {
				v.Label(x)
			}
		case "latency_ms":
			if x := value(); v.Latency != nil && x.Kind == 'n' {
				v.Latency(x.Num)
			}
		default:
			s.skip()
		}
	})
	return nil
}

// plainMembers reads, in one tight loop, a features object (s.i on its
// '{') of the shape nearly every producer writes — keys without escapes;
// values null, strings without escapes, numbers without an exponent —
// handing fn each member as it goes, as the general path does: the same
// names, values and order. At anything else it stops, s.i unchanged, and
// returns false and how many members it has handed on: the general path
// then reads the object again and hands on only those after them, so
// every member is handed on once, up to the same error, if any. It needs
// the line to be valid UTF-8 (its strings are not checked one by one).
func (s *scanner) plainMembers(fn func([]byte, Value)) (int, bool) {
	b, i := s.b, skipWS(s.b, s.i+1)
	if i < len(b) && b[i] == '}' {
		s.i = i + 1
		return 0, true
	}
	n := 0
	for {
		j := plainString(b, i)
		if j < 0 {
			return n, false
		}
		name := b[i+1 : j-1]
		if i = j; i >= len(b) || b[i] != ':' {
			if i = skipWS(b, i); i >= len(b) || b[i] != ':' {
				return n, false
			}
		}
		if i++; i >= len(b) || b[i] <= ' ' {
			if i = skipWS(b, i); i >= len(b) {
				return n, false
			}
		}
		var v Value
		switch c := b[i]; {
		case c == '"':
			j := plainString(b, i)
			if j < 0 {
				return n, false
			}
			v = Value{Kind: 's', Str: b[i+1 : j-1]}
			i = j
		case c == 'n':
			if len(b)-i < 4 || string(b[i:i+4]) != "null" {
				return n, false
			}
			v = Value{Kind: '0'}
			i += 4
		case c == '-' || c-'0' <= 9:
			start, neg := i, c == '-'
			if neg {
				i++
			}
			var m uint64
			digits, frac := 0, 0
			if i < len(b) && b[i] == '0' {
				i, digits = i+1, 1
			} else {
				d := i
				for i < len(b) && b[i]-'0' <= 9 {
					m = m*10 + uint64(b[i]-'0')
					i++
				}
				if i == d {
					return n, false
				}
				digits = i - d
			}
			if i < len(b) && b[i] == '.' {
				i++
				d := i
				for i < len(b) && b[i]-'0' <= 9 {
					m = m*10 + uint64(b[i]-'0')
					i++
				}
				if i == d {
					return n, false
				}
				frac = i - d
				digits += frac
			}
			if i < len(b) && b[i]|0x20 == 'e' || i-start > 300 {
				return n, false // an exponent or 300 digits: the range check is the general path's
			}
			f, ok := exact(m, digits, frac, neg)
			if !ok {
				f, _ = parseFloat(b[start:i]) // no exponent, at most 300 digits: in range
			}
			v = Value{Kind: 'n', Num: f}
		default:
			return n, false
		}
		if fn != nil {
			fn(name, v)
		}
		n++
		if i >= len(b) || b[i] <= ' ' {
			if i = skipWS(b, i); i >= len(b) {
				return n, false
			}
		}
		if b[i] == '}' {
			s.i = i + 1
			return n, true
		}
		if b[i] != ',' {
			return n, false
		}
		if i++; i < len(b) && b[i] <= ' ' {
			i = skipWS(b, i)
		}
	}
}

// pow10 holds the powers of ten a float64 holds exactly.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// number returns the value of a JSON number's text, exactly as
// strconv.ParseFloat does, and false when it is out of float64's range.
// A number of at most 19 digits, no exponent and a value below 2^53
// before its point is placed — nearly every number producers write — is
// that integer divided by a power of ten both exactly held, one correctly
// rounded division: the correctly rounded value, which ParseFloat returns
// too (its own exact path does the same). Other numbers go to ParseFloat.
func number(b []byte) (float64, bool) {
	i, neg := 0, false
	if len(b) > 0 && b[0] == '-' {
		i, neg = 1, true
	}
	var m uint64
	digits, frac, point := 0, 0, false
	for ; i < len(b); i++ {
		c := b[i]
		switch {
		case c-'0' <= 9:
			m = m*10 + uint64(c-'0')
			digits++
			if point {
				frac++
			}
		case c == '.' && !point:
			point = true
		default:
			return parseFloat(b) // an exponent
		}
	}
	if f, ok := exact(m, digits, frac, neg); ok {
		return f, true
	}
	return parseFloat(b)
}

// exact is the value of the number of the given digits, m their value as
// an integer (wrapped past 19 digits), frac of them after the point, when
// it is one exactly rounded division (see number).
func exact(m uint64, digits, frac int, neg bool) (float64, bool) {
	if digits == 0 || digits > 19 || m >= 1<<53 || frac >= len(pow10) {
		return 0, false
	}
	f := float64(m)
	if frac > 0 {
		f /= pow10[frac]
	}
	if neg {
		f = -f
	}
	return f, true
}

func parseFloat(b []byte) (float64, bool) {
	f, err := strconv.ParseFloat(string(b), 64)
	return f, err == nil
}
