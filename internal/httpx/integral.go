package httpx

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// JSON has one number type: 1000.0 and 5e6 are whole numbers, JSON
// Schema's integer takes them, and Python (pandas above all) writes them
// so. encoding/json refuses them for an integer field, so a body it
// refuses for that reason is read again with each whole number written
// as a fraction or with an exponent, in a field of an integer type,
// written as an integer (wholeNumbers). Only such a body is rewritten, and
// only those numbers: every other byte, a json.RawMessage's above all (a
// model file whose digest is taken), is read as sent.

// wholeRefused reports whether err is encoding/json's refusal of a
// number for an integer field.
func wholeRefused(err error) bool {
	var typ *json.UnmarshalTypeError
	return errors.As(err, &typ) && integerKind(typ.Type.Kind()) && strings.HasPrefix(typ.Value, "number ") &&
		strings.ContainsAny(typ.Value, ".eE")
}

func integerKind(k reflect.Kind) bool {
	return k >= reflect.Int && k <= reflect.Uintptr
}

// wholeNumbers is raw, a JSON body read as t, with each number in an
// integer field that is a whole number written otherwise (1000.0, 5e6,
// 1.5e3) written as an integer, and whether any was. A number too large
// for the field, or not whole, is left for the decoder to refuse.
func wholeNumbers(raw []byte, t reflect.Type) ([]byte, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || ownDecoder(t) && t.Kind() != reflect.Map {
		return raw, false
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if n, ok := wholeLiteral(trimmed, t); ok {
			return []byte(n), true
		}
	case reflect.Struct:
		members, ok := membersOf(raw)
		if !ok {
			return raw, false
		}
		fields := fieldsOf(t)
		if out, ok := rebuild(members, func(m member) reflect.Type { return fields[m.key] }); ok {
			return out, true
		}
	case reflect.Map:
		members, ok := membersOf(raw)
		if !ok {
			return raw, false
		}
		if out, ok := rebuild(members, func(member) reflect.Type { return t.Elem() }); ok {
			return out, true
		}
	case reflect.Slice, reflect.Array:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return raw, false // []byte: base64 text
		}
		var items []json.RawMessage
		if json.Unmarshal(raw, &items) != nil {
			return raw, false
		}
		changed := false
		var out bytes.Buffer
		out.WriteByte('[')
		for i, item := range items {
			if i > 0 {
				out.WriteByte(',')
			}
			v, ok := wholeNumbers(item, t.Elem())
			changed = changed || ok
			out.Write(v)
		}
		out.WriteByte(']')
		if changed {
			return out.Bytes(), true
		}
	}
	return raw, false
}

// rebuild writes an object's members again, each value through
// wholeNumbers as the type typeOf gives it (nil: left as it is); false,
// and nothing rewritten, when no value changed.
func rebuild(members []member, typeOf func(member) reflect.Type) ([]byte, bool) {
	changed := false
	var out bytes.Buffer
	out.WriteByte('{')
	for i, m := range members {
		if i > 0 {
			out.WriteByte(',')
		}
		k, _ := json.Marshal(m.key)
		out.Write(k)
		out.WriteByte(':')
		v := []byte(m.value)
		if ft := typeOf(m); ft != nil {
			var ok bool
			v, ok = wholeNumbers(v, ft)
			changed = changed || ok
		}
		out.Write(v)
	}
	out.WriteByte('}')
	if !changed {
		return nil, false
	}
	return out.Bytes(), true
}

// wholeLiteral is lit, a JSON number with a fraction or an exponent, as
// an integer literal, when it is a whole number that an integer of type t
// can hold; false otherwise (an integer literal already, a fraction, out
// of range, not a number).
func wholeLiteral(lit []byte, t reflect.Type) (string, bool) {
	if !bytes.ContainsAny(lit, ".eE") {
		return "", false
	}
	neg, digits, zeros, whole := splitNumber(string(lit))
	if !whole || zeros+len(digits) > 20 {
		return "", false
	}
	text := digits + strings.Repeat("0", zeros)
	if text == "" {
		return "0", true // -0.0, 0e5
	}
	if t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uintptr {
		n, err := strconv.ParseUint(text, 10, t.Bits())
		if err != nil || neg && n != 0 {
			return "", false
		}
		return strconv.FormatUint(n, 10), true
	}
	if neg {
		text = "-" + text
	}
	n, err := strconv.ParseInt(text, 10, t.Bits())
	if err != nil {
		return "", false
	}
	return strconv.FormatInt(n, 10), true
}

// maxExponent bounds the exponents splitNumber works with: past it a
// number's digits (a body holds fewer than this many) cannot bring it
// back into an integer's range or make it whole.
const maxExponent = 1 << 30

// splitNumber reads lit, a JSON number, as its sign, its significant
// digits (no leading zeros; "" for zero) and the zeros that follow them,
// when it is a whole number (whole); for one that is not, whole is false.
// The exponent is never applied by multiplying out: 1e999999999 costs
// what 1e9 does.
func splitNumber(lit string) (neg bool, digits string, zeros int, whole bool) {
	neg = strings.HasPrefix(lit, "-")
	lit = strings.TrimPrefix(lit, "-")
	mant, exp := lit, 0
	if i := strings.IndexAny(lit, "eE"); i >= 0 {
		mant = lit[:i]
		e, err := strconv.Atoi(strings.TrimPrefix(lit[i+1:], "+"))
		if err != nil || e > maxExponent || e < -maxExponent {
			// An exponent beyond any digits a body can hold (or beyond
			// int): the number is zero, huge (whole, and out of any
			// integer's range) or tiny (not whole). Bounded here, so
			// that exp − len(frac) below cannot wrap around (an exponent
			// of −2⁶³ made it a negative slice bound, and a panic).
			if strings.Trim(strings.ReplaceAll(mant, ".", ""), "0") == "" {
				return neg, "", 0, true
			}
			return neg, "", math.MaxInt32, !strings.HasPrefix(lit[i+1:], "-")
		}
		exp = e
	}
	intPart, frac, _ := strings.Cut(mant, ".")
	frac = strings.TrimRight(frac, "0")
	digits = strings.TrimLeft(intPart+frac, "0")
	if digits == "" {
		return neg, "", 0, true
	}
	// digits × 10^(exp − len(frac)), but for the leading zeros trimmed.
	shift := exp - len(frac)
	if shift < 0 {
		// Whole only if the digits end in as many zeros.
		trimmed := strings.TrimRight(digits, "0")
		if len(digits)-len(trimmed) < -shift {
			return neg, "", 0, false
		}
		return neg, digits[:len(digits)+shift], 0, true
	}
	return neg, digits, min(shift, math.MaxInt32), true
}

// isWholeNumber reports whether lit, a JSON number, is a whole number
// (written 1000, 1000.0 or 1e3): a whole number an integer field refuses
// is out of range; one that is not whole is a fraction.
func isWholeNumber(lit string) bool {
	_, _, _, whole := splitNumber(lit)
	return whole
}
