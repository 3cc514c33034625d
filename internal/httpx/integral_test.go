package httpx_test

import (
	"encoding/json"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/httpx"
)

// TestDecodeJSONWholeNumbers: a whole number written as JSON floats do
// (1000.0, 5e6; Python and pandas write them so, and JSON Schema's
// integer takes them) is read into an integer field; one that is not
// whole is refused as such, not as "out of range"; one too large for its
// field is out of range. Numbers elsewhere — a float field, a raw JSON
// value — are read as sent.
func TestDecodeJSONWholeNumbers(t *testing.T) {
	type item struct {
		N int64 `json:"n"`
	}
	type in struct {
		Cost  int64           `json:"cost"`
		Small int8            `json:"small"`
		Seed  uint64          `json:"seed"`
		Rate  float64         `json:"rate"`
		Items []item          `json:"items"`
		ByKey map[string]int  `json:"by_key"`
		Raw   json.RawMessage `json:"raw"`
		Ptr   *int64          `json:"ptr"`
	}
	decode := func(body string) (in, error) {
		r := httptest.NewRequest("POST", "/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var v in
		err := httpx.DecodeJSON(httptest.NewRecorder(), r, &v, 1<<20)
		return v, err
	}
	v, err := decode(`{"cost":1000.0,"small":-1.28e2,"seed":3.0,"rate":1.0,"items":[{"n":5e6},{"n":7}],"by_key":{"a":2.50e1},"raw":{"x":1.0},"ptr":-0.0}`)
	if err != nil {
		t.Fatal(err)
	}
	if v.Cost != 1000 || v.Small != -128 || v.Seed != 3 || v.Rate != 1 || len(v.Items) != 2 || v.Items[0].N != 5000000 || v.Items[1].N != 7 ||
		v.ByKey["a"] != 25 || string(v.Raw) != `{"x":1.0}` || v.Ptr == nil || *v.Ptr != 0 {
		t.Errorf("got %+v (raw %s)", v, v.Raw)
	}
	for _, c := range []struct{ body, field, want string }{
		{`{"cost":1.5}`, "cost", "cost must be a whole number (1.5)."},
		{`{"items":[{"n":1},{"n":2.25e1}]}`, "items[1].n", "items[1].n must be a whole number (2.25e1)."},
		{`{"cost":1e-999999999999}`, "cost", "cost must be a whole number (1e-999999999999)."},
		{`{"cost":1e30}`, "cost", "cost is out of range for this field (1e30)."},
		{`{"cost":1e999999999999}`, "cost", "cost is out of range for this field (1e999999999999)."},
		{`{"small":128.0}`, "small", "small is out of range for this field (128.0)."},
		{`{"seed":-1.0}`, "seed", "seed is out of range for this field (-1.0)."},
		{`{"cost":1000.0,"small":"x"}`, "small", "small must be a number, not string."},
		// Exponents at int64's ends: exp − len(frac) wrapped around (a
		// negative slice bound, a panic and a 500; or a fraction read as
		// whole).
		{`{"cost":1e-9223372036854775808}`, "cost", "cost must be a whole number (1e-9223372036854775808)."},
		{`{"cost":10e-9223372036854775808}`, "cost", "cost must be a whole number (10e-9223372036854775808)."},
		{`{"cost":1.5e-9223372036854775807}`, "cost", "cost must be a whole number (1.5e-9223372036854775807)."},
		{`{"cost":1.5e9223372036854775807}`, "cost", "cost is out of range for this field (1.5e9223372036854775807)."},
		{`{"cost":0.0e-9223372036854775808}`, "", ""},
	} {
		_, err := decode(c.body)
		if c.field == "" {
			if err != nil {
				t.Errorf("%s: %v, want it taken (zero)", c.body, err)
			}
			continue
		}
		var le *lodestar.Error
		if !errors.As(err, &le) || le.Fields[c.field] != c.want {
			t.Errorf("%s: got %v, want fields.%s %q", c.body, err, c.field, c.want)
		}
	}
}
