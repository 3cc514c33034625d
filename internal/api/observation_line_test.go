package api

import "testing"

// TestObservationLineTrailingData: each line holds exactly one JSON
// object; trailing data after it is refused, whatever it is.
func TestObservationLineTrailingData(t *testing.T) {
	for _, line := range []string{
		`{"unit":"u1","variant":"control","metrics":{"m":1}} x`,
		`{"unit":"u1","variant":"control","metrics":{"m":1}}}`,
		`{"unit":"u1","variant":"control","metrics":{"m":1}}]`,
	} {
		if _, err := parseObservation([]byte(line), 1); err == nil {
			t.Errorf("%s: accepted, want a line error", line)
		}
	}
}
