package api

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// A null metric value is not a number: it must be refused, not recorded
// as 0 (a non-conversion, a zero revenue).
func TestNullMetricValueRefused(t *testing.T) {
	o, err := parseObservation([]byte(`{"unit":"u1","variant":"control","metrics":{"conversion":null}}`), 1)
	if err == nil {
		t.Errorf("metrics.conversion = null: accepted as %v, want a line error", o.Metrics)
	}
}

// The assignments endpoint takes unit IDs of the length the data takes:
// up to lodestar.MaxUnitLen characters, however many bytes.
func TestAssignmentUnitLength(t *testing.T) {
	ok := strings.Repeat("客", lodestar.MaxUnitLen)
	for unit, want := range map[string]bool{ok: true, ok + "客": false, "": false} {
		r := httptest.NewRequest("GET", "/x?unit="+url.QueryEscape(unit), nil)
		if _, err := assignmentUnits(r); (err == nil) != want {
			t.Errorf("unit of %d characters: err %v, want accepted %v", len([]rune(unit)), err, want)
		}
	}
}

// An NDJSON upload that starts with a byte-order mark reads its first line.
func TestObservationsWithBOM(t *testing.T) {
	next := ndjsonSource(strings.NewReader("\uFEFF{\"unit\":\"u1\",\"variant\":\"control\",\"metrics\":{\"m\":1}}\n"))
	if o, err := next(); err != nil || o.Unit != "u1" {
		t.Errorf("first line after a BOM: %+v, %v", o, err)
	}
}
