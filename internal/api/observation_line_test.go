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

// TestObservationLineUnitText: a unit that is not valid UTF-8 is refused
// (encoding/json would read each bad byte as U+FFFD, merging distinct
// units into one and dropping the second as a duplicate), and so is a
// unit of white space only.
func TestObservationLineUnitText(t *testing.T) {
	for _, line := range []string{
		"{\"unit\":\"u\xff\",\"variant\":\"control\",\"metrics\":{\"m\":1}}",
		"{\"unit\":\"ok\",\"variant\":\"control\xfe\",\"metrics\":{\"m\":1}}",
		`{"unit":"   ","variant":"control","metrics":{"m":1}}`,
	} {
		if _, err := parseObservation([]byte(line), 1); err == nil {
			t.Errorf("%q: accepted, want a line error", line)
		}
	}
	if o, err := parseObservation([]byte(`{"unit":"u-1","variant":"control","metrics":{"m":1}}`), 1); err != nil || o.Unit != "u-1" {
		t.Errorf("a good line: got %+v, %v", o, err)
	}
}
