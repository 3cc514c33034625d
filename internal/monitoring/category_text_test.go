package monitoring

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
)

// decodeCategory decodes an event whose categorical feature c is raw (a
// JSON value) and returns c's text.
func decodeCategory(t *testing.T, raw string) string {
	t.Helper()
	schema := monitor.Schema{Task: monitor.TaskBinary, Categorical: []string{"c"}}
	ev, ok := NewDecoder(&schema).Decode(lodestar.StoredEvent{ID: "e", Time: time.Unix(1, 0), Version: "1",
		Body: []byte(`{"id":"e","version":"1","features":{"c":` + raw + `},"prediction":0.5}`)})
	if !ok {
		t.Fatalf("%s: not decoded", raw)
	}
	return ev.Cat[0]
}

// referenceCategories reads a reference's categorical column c as the
// monitor's reference is built from it.
func referenceCategories(t *testing.T, data []byte) []string {
	t.Helper()
	schema := monitor.Schema{Categorical: []string{"c"}}
	var got []string
	if _, err := eachRow(data, &schema, func(ev *monitor.Event) error { got = append(got, ev.Cat[0]); return nil }); err != nil {
		t.Fatal(err)
	}
	return got
}

// A categorical value is spelt one way wherever it comes from: an event's
// JSON number as a CSV file writes the number (1234567, never 1.234567e+06,
// which made every store ID of a million or more a new value), a whole
// number's zero fraction dropped from text ("1234567.0", as pandas writes
// integers beside missing values), other text as written.
func TestCategorySpelling(t *testing.T) {
	for _, tc := range []struct{ raw, want string }{
		{`1234567`, "1234567"}, {`1e6`, "1000000"}, {`1000000.0`, "1000000"}, {`7`, "7"}, {`-42`, "-42"},
		{`0.1`, "0.1"}, {`0.25`, "0.25"}, {`1e-4`, "0.0001"}, {`1e-5`, "1e-05"}, {`9999999999999998`, "9999999999999998"},
		{`1e16`, "1e+16"}, {`0`, "0"}, {`123456789012345`, "123456789012345"},
		{`"1234567"`, "1234567"}, {`"1234567.0"`, "1234567"}, {`"7.000"`, "7"}, {`"-12.0"`, "-12"},
		{`"007"`, "007"}, {`"0.50"`, "0.50"}, {`"1.10"`, "1.10"}, {`"2.0.0"`, "2.0.0"}, {`"v1.0"`, "v1.0"},
		{`".0"`, ".0"}, {`"-.00"`, "-.00"}, {`"7."`, "7."}, {`"1e3"`, "1e3"}, {`" 7.0"`, " 7.0"}, {`"red"`, "red"},
		// Booleans in any letter case as a Parquet boolean reads.
		{`"True"`, "true"}, {`"FALSE"`, "false"}, {`"true"`, "true"}, {`"tRuE"`, "true"}, {`"Truth"`, "Truth"}, {`"falsey"`, "falsey"},
	} {
		if got := decodeCategory(t, tc.raw); got != tc.want {
			t.Errorf("event value %s: category %q, want %q", tc.raw, got, tc.want)
		}
	}

	// A CSV reference: its cells, trimmed, by the same rule.
	csv := "c\n1234567\n1234567.0\n 7.0 \n007\n0.50\n1.10\n1e-05\nred\n"
	if got, want := referenceCategories(t, []byte(csv)), "[1234567 1234567 7 007 0.50 1.10 1e-05 red]"; fmt.Sprint(got) != want {
		t.Errorf("CSV reference: categories %v, want %s", got, want)
	}

	// A Parquet reference: numbers spelt as events' are, whatever the
	// column's type; strings as CSV cells are.
	type row struct {
		I64 int64   `parquet:"i64"`
		I32 int32   `parquet:"i32"`
		F64 float64 `parquet:"f64"`
		F32 float32 `parquet:"f32"`
		S   string  `parquet:"s"`
		B   bool    `parquet:"b"`
		U64 uint64  `parquet:"u64"`
	}
	// INT64 values past 2^53 exactly (a float64 rounds 12345678901234567
	// to …568), unsigned ones past int64's range too.
	rows := []row{{1234567, 1000000, 1234567, 0.1, "1234567.0", true, 18446744073709551615}, {7, -42, 1e-5, 2.5, "007", false, 7},
		{12345678901234567, 3, 1e16, 1e6, "red", true, 12345678901234567}}
	var buf bytes.Buffer
	if err := parquet.Write(&buf, rows); err != nil {
		t.Fatal(err)
	}
	for col, want := range map[string]string{
		"i64": "[1234567 7 12345678901234567]", "i32": "[1000000 -42 3]", "f64": "[1234567 1e-05 1e+16]", "f32": "[0.1 2.5 1000000]", "s": "[1234567 007 red]",
		"b": "[true false true]", "u64": "[18446744073709551615 7 12345678901234567]",
	} {
		schema := monitor.Schema{Categorical: []string{col}}
		var cats []string
		if _, err := eachRow(buf.Bytes(), &schema, func(ev *monitor.Event) error { cats = append(cats, ev.Cat[0]); return nil }); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(cats) != want {
			t.Errorf("Parquet %s as categorical: %v, want %s", col, cats, want)
		}
	}

	// The same values sent by events match.
	for _, v := range []string{"1234567", "1000000", "1e-05", "1e+16", "0.1", "2.5", "-42"} {
		if got := decodeCategory(t, strings.TrimSuffix(v, ".0")); got != v {
			t.Errorf("event value %s: category %q, want the reference's %q", v, got, v)
		}
	}
	// An ID past 2^53 sent as a string (as README asks) matches too, and
	// a boolean as pandas writes it.
	for raw, want := range map[string]string{`"12345678901234567"`: "12345678901234567", `"True"`: "true", `"False"`: "false"} {
		if got := decodeCategory(t, raw); got != want {
			t.Errorf("event value %s: category %q, want the reference's %q", raw, got, want)
		}
	}
}

// A multiclass label sent as a number names the class whose name is that
// number as a CSV file writes it (class "1000000" for 1000000, once read
// as "1e+06" and so no label).
func TestMulticlassNumberLabel(t *testing.T) {
	schema := monitor.Schema{Task: monitor.TaskMulticlass, Classes: []string{"7", "1000000"}}
	d := NewDecoder(&schema)
	for _, tc := range []struct {
		label string
		want  float64
	}{{`1000000`, 1}, {`1e6`, 1}, {`7`, 0}} {
		ev, ok := d.Decode(lodestar.StoredEvent{ID: "e", Time: time.Unix(1, 0), Version: "1",
			Body: []byte(`{"id":"e","version":"1","prediction":"7","label":` + tc.label + `}`)})
		if !ok || ev.Label != tc.want {
			t.Errorf("label %s: decoded %v, label %v; want class %v", tc.label, ok, ev.Label, tc.want)
		}
	}
}

// A categorical number is spelt into a buffer and interned: decoding it
// again allocates nothing, as a string category does not.
func TestDecoderNumberCategoryInterned(t *testing.T) {
	schema := monitor.Schema{Task: monitor.TaskBinary, Categorical: []string{"c", "s"}}
	d := NewDecoder(&schema)
	e := lodestar.StoredEvent{ID: "e", Time: time.Unix(1, 0), Version: "1",
		Body: []byte(`{"id":"e","version":"1","features":{"c":1234567,"s":"7.0"},"prediction":0.5}`)}
	if ev, ok := d.Decode(e); !ok || ev.Cat[0] != "1234567" || ev.Cat[1] != "7" {
		t.Fatalf("decoded %v: %q", ok, ev.Cat)
	}
	if n := testing.AllocsPerRun(100, func() { d.Decode(e) }); n != 0 {
		t.Errorf("decoding seen categories: %v allocations, want 0", n)
	}
}
