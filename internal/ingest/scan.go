package ingest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
	"unsafe"

	lodestar "github.com/lodestar-hq/lodestar"
)

// scanner reads one event line in a single pass without reflection or
// allocation beyond the event's own strings: the ingestion hot path. It
// accepts exactly the JSON grammar (RFC 8259) and the line's shape
// described in the package comment; the test checks it agrees with
// encoding/json on what is accepted and what is read.
type scanner struct {
	b []byte
	i int
	// utf8 is set when the whole line is valid UTF-8 (nearly always): one
	// check of the line then stands for a check of each string in it.
	utf8 bool
	// kept is set when the line outlives what is read from it and is
	// never changed: str then returns strings that share its memory.
	kept bool
	// nul is set once any string of the line, wherever it stands, holds
	// the escape \u0000; nulMsg, when set, names where the first such
	// string is (see nulIn).
	nul    bool
	nulMsg string
	// depth is how many objects and arrays the scanner stands in.
	depth int
}

// maxDepth is how deep objects and arrays may nest in a line: as deep as
// encoding/json reads. An event needs three levels; the bound keeps a
// line of nothing but '[' (8 MiB of it) from taking the scanner, which
// recurses once a level, to a gigabyte of stack.
const maxDepth = 10000

// enter counts one more level of nesting, refusing the line beyond
// maxDepth; the caller leaves it (depth--) once the value is read.
func (s *scanner) enter() {
	if s.depth++; s.depth > maxDepth {
		s.fail("nested more than %d levels deep", maxDepth)
	}
}

func newScanner(line []byte) *scanner {
	return &scanner{b: line, utf8: utf8.Valid(line)}
}

type scanError string

// caught, deferred, turns the scanner's failure (a scanError panic) into
// *msg, its reason; any other panic goes on.
func caught(msg *string) {
	if r := recover(); r != nil {
		e, ok := r.(scanError)
		if !ok {
			panic(r)
		}
		*msg = string(e)
	}
}

func (s *scanner) fail(format string, args ...any) {
	panic(scanError(fmt.Sprintf(format, args...)))
}

func (s *scanner) syntax() {
	s.fail("not valid JSON at byte %d%s", s.i+1, nonFinite(s.b, s.i))
}

// nonFinite is the hint added to a syntax error at b[i] when NaN or
// Infinity stands there: what Python's json.dumps and JavaScript's
// String(x) write for a number JSON cannot hold. Only a refused line
// pays for the look.
func nonFinite(b []byte, i int) string {
	if i < 0 || i > len(b) {
		return ""
	}
	rest := b[i:]
	if bytes.HasPrefix(rest, []byte("NaN")) || bytes.HasPrefix(rest, []byte("Infinity")) || bytes.HasPrefix(rest, []byte("-Infinity")) {
		return ": NaN and Infinity are not JSON numbers; send null for a missing value"
	}
	return ""
}

func (s *scanner) ws() {
	b, i := s.b, s.i
	for i < len(b) && b[i] <= ' ' && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	s.i = i
}

func (s *scanner) peek() byte {
	if s.i >= len(s.b) {
		s.fail("the JSON object is not complete")
	}
	return s.b[s.i]
}

func (s *scanner) expect(c byte) {
	if s.peek() != c {
		s.syntax()
	}
	s.i++
}

// strRaw reads a string and returns it as written, quotes included, and
// whether it holds escapes; it checks escapes and UTF-8.
func (s *scanner) strRaw() ([]byte, bool) {
	start := s.i
	s.expect('"')
	escaped := false
	b := s.b
	for {
		// The plain run up to the next quote, backslash or control byte,
		// read with a local index (no per-byte bounds call).
		i := s.i
		for i < len(b) {
			if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
				break
			}
			i++
		}
		s.i = i
		c := s.peek()
		switch {
		case c == '"':
			s.i++
			raw := s.b[start:s.i]
			if !s.utf8 && !utf8.Valid(raw) {
				s.fail("text is not valid UTF-8")
			}
			return raw, escaped
		case c < 0x20:
			s.syntax()
		default: // a backslash
			escaped = true
			s.i++
			switch s.peek() {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i++
			case 'u':
				s.i++
				zero := true
				for range 4 {
					h := s.peek()
					if !(h >= '0' && h <= '9' || h >= 'a' && h <= 'f' || h >= 'A' && h <= 'F') {
						s.syntax()
					}
					zero = zero && h == '0'
					s.i++
				}
				if zero {
					s.nul = true
				}
			default:
				s.syntax()
			}
		}
	}
}

// NUL is the message for a string holding the NUL character: PostgreSQL
// cannot store it in text, and no identifier, version, name or value
// means it, so the line is refused on every database alike.
const NUL = "must not contain the NUL character (\\u0000)"

// hasNUL reports whether a JSON string as written (quotes included) holds
// the escape \u0000. Only strings with escapes need the look.
func hasNUL(raw []byte) bool {
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		if i+5 < len(raw) && raw[i+1] == 'u' && string(raw[i+2:i+6]) == "0000" {
			return true
		}
		i++ // the escaped byte: \\ is no start of another escape
	}
	return false
}

// loneSurrogate is the refusal of JSON text (a line, valid JSON: a
// backslash stands only in a string) holding a \u escape of half a UTF-16
// surrogate pair without its other half, else "". encoding/json reads one
// as U+FFFD: "s\ud800" and "s\udbff" would be one event ID, the second
// event dropped as a duplicate of the first.
func loneSurrogate(raw []byte) string {
	hex := func(i int) int { // the \uXXXX escape at raw[i:], or -1
		if i+5 >= len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
			return -1
		}
		v, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
		if err != nil {
			return -1
		}
		return int(v)
	}
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		v := hex(i)
		switch {
		case v >= 0xD800 && v <= 0xDBFF:
			if w := hex(i + 6); w >= 0xDC00 && w <= 0xDFFF {
				i += 11 // the pair
				continue
			}
		case v >= 0xDC00 && v <= 0xDFFF:
		default:
			i++ // the escaped byte: \\ is no start of another escape
			continue
		}
		return fmt.Sprintf("text is not valid Unicode: a lone surrogate escape (%s)", raw[i:i+6])
	}
	return ""
}

// nulIn records, for the first string with a NUL, where it stands: what
// names it in the line's refusal.
func (s *scanner) nulIn(raw []byte, esc bool, where func() string) {
	if esc && s.nulMsg == "" && hasNUL(raw) {
		s.nulMsg = where() + " " + NUL
	}
}

// unquote returns the value of a string read by strRaw.
func unquote(raw []byte, escaped bool) string {
	if !escaped {
		return string(raw[1 : len(raw)-1])
	}
	var out string
	_ = json.Unmarshal(raw, &out) // strRaw has checked it
	return out
}

// str reads a string and returns its value: of a kept line without
// escapes, a view of the line's bytes rather than a copy.
func (s *scanner) str() string {
	raw, esc := s.strRaw()
	return s.strOf(raw, esc)
}

// strOf is the value of a string strRaw has read.
func (s *scanner) strOf(raw []byte, esc bool) string {
	if s.kept && !esc && len(raw) > 2 {
		return unsafe.String(&raw[1], len(raw)-2)
	}
	return unquote(raw, esc)
}

// num reads a number and returns its text.
func (s *scanner) num() []byte {
	b, start := s.b, s.i
	i := start
	digits := func() int {
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		return i - j
	}
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i < len(b) && b[i] == '0' {
		i++
	} else if digits() == 0 {
		s.i = i
		s.peek() // the end of the line reads as an incomplete object
		s.syntax()
	}
	if i < len(b) && b[i] == '.' {
		i++
		if digits() == 0 {
			s.i = i
			s.syntax()
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if digits() == 0 {
			s.i = i
			s.syntax()
		}
	}
	s.i = i
	return b[start:i]
}

func (s *scanner) word(w string) {
	if len(s.b)-s.i < len(w) || string(s.b[s.i:s.i+len(w)]) != w {
		s.syntax()
	}
	s.i += len(w)
}

// skip reads any JSON value (for a kind error, the rest must still parse
// so that a syntax error is reported as such).
func (s *scanner) skip() {
	switch c := s.peek(); {
	case c == '"':
		s.strRaw()
	case c == '{':
		s.object(func([]byte, bool) { s.skip() })
	case c == '[':
		s.enter()
		s.i++
		s.ws()
		if s.peek() == ']' {
			s.i++
			s.depth--
			return
		}
		for {
			s.ws()
			s.skip()
			s.ws()
			if s.peek() == ',' {
				s.i++
				continue
			}
			s.expect(']')
			s.depth--
			return
		}
	case c == 't':
		s.word("true")
	case c == 'f':
		s.word("false")
	case c == 'n':
		s.word("null")
	case c == '-' || (c >= '0' && c <= '9'):
		s.num()
	default:
		s.syntax()
	}
}

// object reads an object, calling member with each key (as written,
// quotes included, valid only during the call) once the scanner stands on
// its value; member must read the value.
func (s *scanner) object(member func(key []byte, escaped bool)) {
	s.expect('{')
	s.enter()
	s.ws()
	if s.peek() == '}' {
		s.i++
		s.depth--
		return
	}
	for {
		s.ws()
		key, esc := s.strRaw()
		s.ws()
		s.expect(':')
		s.ws()
		member(key, esc)
		s.ws()
		if s.peek() == ',' {
			s.i++
			continue
		}
		s.expect('}')
		s.depth--
		return
	}
}

// plainFeatures reads, in one tight loop, a features object of the shape
// nearly every producer writes: keys without escapes, and values that are
// null, strings without escapes, or numbers without an exponent. At
// anything else it returns false having read nothing, and the general
// path reads the object and says what is wrong: it accepts only what the
// general path accepts (an object of at most MaxFeatures members, each a
// number in range, a string or null), so it needs no messages of its own.
// (A number without an exponent is in float64's range below 309 digits.)
func (s *scanner) plainFeatures() bool {
	if !s.utf8 {
		return false // each string's UTF-8 is then checked on the general path
	}
	b, i := s.b, s.i+1 // s.i stands on '{'
	i = skipWS(b, i)
	if i < len(b) && b[i] == '}' {
		s.i = i + 1
		return true
	}
	n := 0
	for {
		if i = plainString(b, i); i < 0 {
			return false
		}
		// Compact JSON (no white space) is checked before white space is
		// skipped: the common case a comparison each.
		if i >= len(b) || b[i] != ':' {
			if i = skipWS(b, i); i >= len(b) || b[i] != ':' {
				return false
			}
		}
		if i++; i >= len(b) || b[i] <= ' ' {
			if i = skipWS(b, i); i >= len(b) {
				return false
			}
		}
		switch c := b[i]; {
		case c == '"':
			if i = plainString(b, i); i < 0 {
				return false
			}
		case c == '-' || c-'0' <= 9:
			start := i
			if c == '-' {
				i++
			}
			if i < len(b) && b[i] == '0' {
				i++
			} else {
				d := i
				for i < len(b) && b[i]-'0' <= 9 {
					i++
				}
				if i == d {
					return false
				}
			}
			if i < len(b) && b[i] == '.' {
				i++
				d := i
				for i < len(b) && b[i]-'0' <= 9 {
					i++
				}
				if i == d {
					return false
				}
			}
			if i < len(b) && b[i]|0x20 == 'e' || i-start > 300 {
				return false // an exponent or 300 digits: the range check is the general path's
			}
		case c == 'n':
			if len(b)-i < 4 || string(b[i:i+4]) != "null" {
				return false
			}
			i += 4
		default:
			return false
		}
		n++
		if i >= len(b) || b[i] <= ' ' {
			if i = skipWS(b, i); i >= len(b) {
				return false
			}
		}
		if b[i] == '}' {
			break
		}
		if b[i] != ',' {
			return false
		}
		if i++; i < len(b) && b[i] <= ' ' {
			i = skipWS(b, i)
		}
	}
	if n > MaxFeatures {
		return false
	}
	s.i = i + 1
	return true
}

// plainString returns the index past the string at b[i] when it is one
// without escapes or control bytes, else -1.
func plainString(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	for i++; i < len(b); i++ {
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\' || c < 0x20:
			return -1
		}
	}
	return -1
}

// skipWS returns the index of the first byte from i that is not JSON
// white space.
func skipWS(b []byte, i int) int {
	for i < len(b) && b[i] <= ' ' && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// kind is the JSON kind of the value the scanner stands on.
func (s *scanner) kind() byte {
	switch c := s.peek(); {
	case c == '"':
		return 's'
	case c == '-' || (c >= '0' && c <= '9'):
		return 'n'
	case c == 'n':
		return '0'
	case c == '{':
		return 'o'
	default:
		return 'x'
	}
}

// scanEvent reads one event line: the fast equivalent of decoding it
// with encoding/json into eventLine and checking it. The event's Body is
// line itself and its Label a part of line.
func scanEvent(line []byte, now time.Time) (ev lodestar.StoredEvent, id string, msg string) {
	return scanLine(line, false, now, nil)
}

// scanLine is scanEvent; kept says that line is never changed and lives as
// long as the event (its ID and version then share its memory); boolLabel
// decides a label sent as true or false (Options.BoolLabel), once the
// line is read: by its version, whichever comes first in the line, and
// only when such a label is the line's last and the line has no other
// fault.
//
// A line with several faults is refused for one, the first of: the line
// not one JSON object (syntax, NaN, more after it, incomplete, too deep);
// a field unknown, or of the wrong kind for a string, number or group
// field (the first such in the line); too many groups; a NUL character
// (the first string holding one); a lone surrogate; the last prediction's
// kind or range; the last label's; the features' (the first feature at
// fault); id, then version, missing or too long; time; the prediction
// missing; latency_ms negative; and last a true or false label refused.
func scanLine(line []byte, kept bool, now time.Time, boolLabel func(version string, value bool) string) (ev lodestar.StoredEvent, id string, msg string) {
	defer caught(&msg)
	s := newScanner(line)
	s.kept = kept
	var hasID, hasVersion, hasTime, hasPred bool
	var version, at string
	var label []byte
	var latency float64
	var hasLatency bool
	// A field may come more than once; the line must then read as
	// encoding/json reads it. A value of the wrong type for a string or
	// number field, or for a group, is an error whatever comes after it
	// (kindErr, the first such); prediction, label and features are held
	// raw there and checked once read, so the last of each is what counts
	// (predErr, labelErr, featErr); groups add up into one map, a name
	// given twice counting once, and null empties it.
	var kindErr, predErr, labelErr, featErr string
	setKindErr := func(m string) {
		if kindErr == "" {
			kindErr = m
		}
	}
	var groupNames [][]byte // the raw names of the groups, quotes included
	text := func(name string, dst *string, has *bool) {
		switch s.kind() {
		case 's':
			raw, esc := s.strRaw()
			s.nulIn(raw, esc, func() string { return name + ":" })
			*dst, *has = s.strOf(raw, esc), true
		case '0':
			s.word("null")
			*has = false
		default:
			setKindErr(name + ": must be a string")
			s.skip()
		}
	}
	s.ws()
	if s.i < len(s.b) && s.b[s.i] != '{' {
		s.skip()
		s.ws()
		if s.i < len(s.b) {
			s.fail("one JSON object per line; found more after it")
		}
		return ev, "", "each line must be a JSON object"
	}
	s.object(func(rawKey []byte, esc bool) {
		k := rawKey[1 : len(rawKey)-1]
		if esc {
			k = []byte(unquote(rawKey, esc))
		}
		switch string(k) {
		case "id":
			text("id", &id, &hasID)
		case "version":
			text("version", &version, &hasVersion)
		case "time":
			text("time", &at, &hasTime)
		case "prediction", "label":
			key, fieldErr := "label", &labelErr
			if k[0] == 'p' {
				key, fieldErr = "prediction", &predErr
			}
			*fieldErr = ""
			if c := s.peek(); key == "label" && boolLabel != nil && (c == 't' || c == 'f') {
				s.skip() // checks the word
				label = boolWords[c]
				return
			}
			start := s.i
			switch s.kind() {
			case 's':
				raw, esc := s.strRaw()
				s.nulIn(raw, esc, func() string { return key + ":" })
			case 'n':
				if _, err := strconv.ParseFloat(string(s.num()), 64); err != nil {
					*fieldErr = key + ": the number is out of range"
				}
			case '0':
				s.word("null")
				if key == "prediction" {
					hasPred = false
				} else {
					label = nil
				}
				return
			default:
				*fieldErr = key + ": must be a number or a string"
				s.skip()
				return
			}
			if key == "prediction" {
				hasPred = true
			} else {
				label = line[start:s.i:s.i]
			}
		case "latency_ms":
			switch s.kind() {
			case 'n':
				f, err := strconv.ParseFloat(string(s.num()), 64)
				if err != nil {
					setKindErr("latency_ms: the number is out of range")
				}
				latency, hasLatency = f, true
			case '0':
				s.word("null")
				hasLatency = false
			default:
				setKindErr("latency_ms: must be a number")
				s.skip()
			}
		case "features":
			featErr = ""
			setFeatErr := func(m string) {
				if featErr == "" {
					featErr = m
				}
			}
			switch s.kind() {
			case 'o':
				if s.plainFeatures() {
					return
				}
				n := 0
				s.object(func(rawName []byte, esc bool) {
					n++
					name := func() string { return unquote(rawName, esc) }
					s.nulIn(rawName, esc, func() string { return fmt.Sprintf("features: the name %q", name()) })
					switch s.kind() {
					case 's':
						raw, vesc := s.strRaw()
						s.nulIn(raw, vesc, func() string { return fmt.Sprintf("features: %q", name()) })
					case 'n':
						if raw := s.num(); mayOverflow(raw) {
							if _, err := strconv.ParseFloat(string(raw), 64); err != nil {
								setFeatErr(fmt.Sprintf("features: %q is out of range", name()))
							}
						}
					case '0':
						s.word("null")
					default:
						setFeatErr(fmt.Sprintf("features: %q must be a number, a string or null", name()))
						s.skip()
					}
				})
				if n > MaxFeatures {
					setFeatErr(fmt.Sprintf("features: at most %d", MaxFeatures))
				}
			case '0':
				s.word("null")
			default:
				featErr = "features: must be an object of numbers, strings or null"
				s.skip()
			}
		case "groups":
			switch s.kind() {
			case 'o':
				s.object(func(rawName []byte, esc bool) {
					groupNames = append(groupNames, rawName)
					name := func() string { return unquote(rawName, esc) }
					s.nulIn(rawName, esc, func() string { return fmt.Sprintf("groups: the name %q", name()) })
					switch s.kind() {
					case 's':
						raw, vesc := s.strRaw()
						s.nulIn(raw, vesc, func() string { return fmt.Sprintf("groups: %q", name()) })
					case '0':
						s.word("null")
					default:
						setKindErr("groups: must be an object of strings")
						s.skip()
					}
				})
			case '0':
				s.word("null")
				groupNames = groupNames[:0]
			default:
				setKindErr("groups: must be an object of strings")
				s.skip()
			}
		default:
			setKindErr(fmt.Sprintf("unknown field %q", k))
			s.skip()
		}
	})
	s.ws()
	if s.i < len(s.b) {
		s.fail("one JSON object per line; found more after it")
	}
	if !hasID {
		id = ""
	}
	if len(groupNames) > MaxGroups && distinctNames(groupNames) > MaxGroups {
		setKindErr(fmt.Sprintf("groups: at most %d", MaxGroups))
	}
	if kindErr == "" && s.nul {
		// Any string with a NUL refuses the line, even one a later
		// repeat of its field replaces: what is stored is the line.
		kindErr = s.nulMsg
		if kindErr == "" {
			kindErr = "text " + NUL
		}
	}
	if kindErr == "" && bytes.IndexByte(line, '\\') >= 0 {
		kindErr = loneSurrogate(line)
	}
	for _, m := range []string{kindErr, predErr, labelErr, featErr} {
		if m != "" {
			return ev, id, m
		}
	}
	if m := checkText("id", ptr(id, hasID), MaxIDLen); m != "" {
		return ev, id, m
	}
	if m := checkText("version", ptr(version, hasVersion), MaxVersionLen); m != "" {
		return ev, id, m
	}
	ev = lodestar.StoredEvent{ID: id, Version: version, Time: now}
	if hasTime {
		t, msg := eventTime(at)
		if msg != "" {
			return ev, id, msg
		}
		// A prediction is made, then reported: one stamped more than a
		// day ahead of the server's clock comes from a wrong clock, and
		// would open a window no monitor closes until that day.
		if t.After(now.Add(MaxAhead)) {
			return ev, id, "time: more than a day ahead of the server's clock; check the sender's clock"
		}
		ev.Time = t.UTC()
	}
	if !hasPred {
		return ev, id, "prediction: required (a score, a value or a class name)"
	}
	if hasLatency && !(latency >= 0) {
		return ev, id, "latency_ms: must be a number ≥ 0"
	}
	// Last: a true or false label its version's monitors refuse is the
	// reason only of a line with nothing else wrong, as on a label line
	// (LabelsWith decides it once the batch is read).
	if b, ok := boolLabel1(label); ok && boolLabel != nil {
		if m := boolLabel(version, b); m != "" {
			return ev, id, "label: " + m
		}
	}
	if label != nil {
		ev.Label = label
	}
	ev.Body = line // Events copies it, and the label within it, out of the reader's buffer
	return ev, id, ""
}

// eventTime reads an event's time: RFC 3339, from 1970 to 9999 in UTC.
// Go's parser takes more than RFC 3339 allows — an offset of +24:00 or
// +23:60, a comma before the fraction — which no writer of it sends and
// which would move the event a day or take a typo as a time: those are
// refused. The years are the UTC time's, the one stored.
func eventTime(at string) (time.Time, string) {
	const notRFC3339 = "time: must be RFC 3339, e.g. 2026-11-28T10:00:00Z"
	t, err := time.Parse(time.RFC3339Nano, at)
	if err != nil || strings.IndexByte(at, ',') >= 0 {
		return t, notRFC3339
	}
	if n := len(at); at[n-1] != 'Z' { // ±hh:mm, as the parse has checked
		if at[n-5] > '2' || at[n-5] == '2' && at[n-4] > '3' || at[n-2] > '5' {
			return t, notRFC3339
		}
	}
	if t = t.UTC(); t.Year() < 1970 || t.Year() > 9999 {
		return t, "time: must be between 1970 and 9999"
	}
	return t, ""
}

// distinctNames counts the different names among raw JSON strings.
func distinctNames(raw [][]byte) int {
	seen := make(map[string]struct{}, len(raw))
	for _, r := range raw {
		seen[unquote(r, bytes.IndexByte(r, '\\') >= 0)] = struct{}{}
	}
	return len(seen)
}

func ptr(s string, ok bool) *string {
	if !ok {
		return nil
	}
	return &s
}

// mayOverflow reports whether a JSON number could be out of float64's
// range: only one with an exponent or with more than 300 digits can be,
// so the common case skips the conversion.
func mayOverflow(raw []byte) bool {
	if len(raw) > 300 {
		return true
	}
	for _, c := range raw { // bytes.IndexAny builds a set per call: slower on short numbers
		if c == 'e' || c == 'E' {
			return true
		}
	}
	return false
}
