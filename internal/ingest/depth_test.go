package ingest

import (
	"strings"
	"testing"
)

// TestScannerNestingDepth: a value nested deeper than encoding/json reads
// (10,000 levels) is refused as such, wherever it stands, before the
// scanner recurses into it. The scanner used to follow any depth an 8 MiB
// line holds: four million '[' took one request to a gigabyte of stack,
// and a few such requests at once could exhaust the server's memory.
func TestScannerNestingDepth(t *testing.T) {
	nest := func(open, close string, n int) string {
		return strings.Repeat(open, n) + "0" + strings.Repeat(close, n)
	}
	for name, tc := range map[string]struct {
		line, want string
	}{
		"array in a feature": {`{"id":"d","version":"1","prediction":1,"features":{"x":` + nest("[", "]", maxDepth+1) + `}}`, "nested more than 10000 levels deep"},
		"object in a group":  {`{"id":"d","version":"1","prediction":1,"groups":{"g":` + nest(`{"a":`, "}", maxDepth+1) + `}}`, "nested more than 10000 levels deep"},
		"unknown field":      {`{"id":"d","version":"1","prediction":1,"extra":` + nest("[", "]", 4_000_000) + `}`, "nested more than 10000 levels deep"},
		"not an object":      {nest("[", "]", maxDepth+1), "nested more than 10000 levels deep"},
		// As deep as encoding/json reads: the value's own error.
		"at the limit": {`{"id":"d","version":"1","prediction":1,"features":{"x":` + nest("[", "]", maxDepth-2) + `}}`, `features: "x" must be a number, a string or null`},
	} {
		_, id, msg := scanEvent([]byte(tc.line), now)
		if msg != tc.want {
			t.Errorf("%s: got %q, want %q", name, msg, tc.want)
		}
		if name != "not an object" && id != "d" {
			t.Errorf("%s: id %q, want d (it stands before the value)", name, id)
		}
		agree(t, tc.line)
	}
}
