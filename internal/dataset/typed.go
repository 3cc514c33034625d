package dataset

import "strings"

// ParseTyped reads a number a person typed in a form's field as
// ParseNumber reads a cell: a finite decimal, surrounding white space
// ignored, and not hexadecimal, digits grouped by underscores, NaN or an
// infinity (which strconv.ParseFloat takes). A number with a non-zero
// digit that reads as 0 (1e-999) is refused too, with underflow set: a
// form would take it as 0, which turns a threshold off or leaves a
// parameter at its default, without a word.
func ParseTyped(s string) (v float64, ok, underflow bool) {
	s = strings.TrimSpace(s)
	v, ok = ParseNumber([]byte(s))
	if !ok || v != 0 {
		return v, ok, false
	}
	mantissa, _, _ := strings.Cut(strings.ToLower(s), "e")
	if strings.ContainsAny(mantissa, "123456789") {
		return 0, false, true
	}
	return v, true, false
}
