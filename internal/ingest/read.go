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
			f, err := strconv.ParseFloat(string(s.num()), 64)
			if err != nil {
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
	members := func(fn func([]byte, Value)) {
		if s.kind() != 'o' {
			s.skip()
			return
		}
		s.object(func(raw []byte, esc bool) {
			n, x := name(raw, esc), value()
			if fn != nil {
				fn(n, x)
			}
		})
	}
	s.ws()
	s.object(func(raw []byte, esc bool) {
		switch string(name(raw, esc)) {
		case "features":
			members(v.Feature)
		case "groups":
			members(v.Group)
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
