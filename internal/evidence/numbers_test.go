package evidence

import (
	"errors"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// ParseNumber takes decimal numbers only: Go's hexadecimal and
// underscore-grouped forms, which strconv reads, are refused.
func TestParseNumberDecimalOnly(t *testing.T) {
	for s, want := range map[string]float64{"12": 12, " -0.5 ": -0.5, ".5": 0.5, "3e-4": 3e-4, "1e-400": 0} {
		if v, err := ParseNumber(s); err != nil || v != want {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v", s, v, err, want)
		}
	}
	for s, want := range map[string]string{"0x1p-1": "is not a number", "0x10": "is not a number", "1_000": "is not a number",
		"nan": "is not a number", "1,5": "is not a number", "inf": "is infinite", "-1e999": "is infinite"} {
		if v, err := ParseNumber(s); err == nil || err.Error() != want {
			t.Errorf("ParseNumber(%q) = %v, %v; want an error %q", s, v, err, want)
		}
	}
	if _, err := ParseNumber("  "); !errors.Is(err, ErrEmpty) {
		t.Errorf("blank: got %v, want ErrEmpty", err)
	}
}

// Column names are limited to 200 characters, not bytes: 70 Chinese
// characters (210 bytes) are a name, 201 are not.
func TestColumnNameLimitCountsCharacters(t *testing.T) {
	p := lodestar.FairnessParams{GroupColumn: strings.Repeat("客", 70), LabelColumn: "y", PredictionColumn: "p"}
	if f := CheckFairnessParams(&p); f["group_column"] != "" {
		t.Errorf("70-character group column name: got %q, want accepted", f["group_column"])
	}
	p.GroupColumn = strings.Repeat("客", 201)
	if f := CheckFairnessParams(&p); f["group_column"] == "" {
		t.Error("201-character group column name accepted")
	}
}
