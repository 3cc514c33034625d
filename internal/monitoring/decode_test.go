package monitoring

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
)

// TestDecoderReadsWhatWasSent decodes stored lines and checks each field
// against the same line read with encoding/json.
func TestDecoderReadsWhatWasSent(t *testing.T) {
	schema := monitor.Schema{Task: monitor.TaskBinary, Numeric: []string{"x", "y"}, Categorical: []string{"colour", "n_as_cat"}, Groups: []string{"region"}}
	lines := []struct {
		body, label string
		ok          bool
	}{
		{`{"id":"a","version":"1","features":{"x":1.5,"y":null,"colour":"red","n_as_cat":3,"extra":"ignored"},"prediction":0.7,"label":1,"latency_ms":12.5,"groups":{"region":"north"}}`, "", true},
		{`{"id":"b","version":"1","features":{"x":"not a number","colour":"r\u00e9d \"q\""},"prediction":0.2,"label":0}`, "1", true},
		{`{"id":"c","version":"1","prediction":"yes"}`, "", false},
		{`{"id":"d","version":"1","prediction":1.5}`, "", false},
		{`{"id":"e","version":"1","features":{},"prediction":0,"groups":{"region":null,"other":"x"}}`, `"oops"`, true},
	}
	d := NewDecoder(&schema)
	for _, l := range lines {
		ev, ok := d.Decode(lodestar.StoredEvent{ID: "id", Time: time.Unix(1, 0), Version: "1", Body: []byte(l.body), Label: []byte(l.label)})
		if ok != l.ok {
			t.Errorf("%s: decoded %v, want %v", l.body, ok, l.ok)
			continue
		}
		if !ok {
			continue
		}
		var ref struct {
			Features   map[string]any
			Prediction float64
			Label      *float64
			LatencyMS  *float64 `json:"latency_ms"`
			Groups     map[string]any
		}
		if err := json.Unmarshal([]byte(l.body), &ref); err != nil {
			t.Fatal(err)
		}
		for i, n := range schema.Numeric {
			want := math.NaN()
			if x, ok := ref.Features[n].(float64); ok {
				want = x
			}
			if got := ev.Num[i]; !(got == want || math.IsNaN(got) && math.IsNaN(want)) {
				t.Errorf("%s: %s = %v, want %v", l.body, n, got, want)
			}
		}
		if s, _ := ref.Features["colour"].(string); ev.Cat[0] != s {
			t.Errorf("%s: colour = %q, want %q", l.body, ev.Cat[0], s)
		}
		if x, ok := ref.Features["n_as_cat"].(float64); ok && ev.Cat[1] != "3" || !ok && ev.Cat[1] != "" {
			t.Errorf("%s: n_as_cat = %q (%v)", l.body, ev.Cat[1], x)
		}
		if r, _ := ref.Groups["region"].(string); ev.Groups[0] != r {
			t.Errorf("%s: region = %q, want %q", l.body, ev.Groups[0], r)
		}
		if ev.Score != ref.Prediction {
			t.Errorf("%s: score = %v, want %v", l.body, ev.Score, ref.Prediction)
		}
		wantLabel := math.NaN()
		switch {
		case l.label == "1":
			wantLabel = 1 // the stored label wins
		case l.label != "":
			// a label of the wrong kind is no label
		case ref.Label != nil:
			wantLabel = *ref.Label
		}
		if !(ev.Label == wantLabel || math.IsNaN(ev.Label) && math.IsNaN(wantLabel)) {
			t.Errorf("%s: label = %v, want %v", l.body, ev.Label, wantLabel)
		}
		wantLat := math.NaN()
		if ref.LatencyMS != nil {
			wantLat = *ref.LatencyMS
		}
		if !(ev.LatencyMS == wantLat || math.IsNaN(ev.LatencyMS) && math.IsNaN(wantLat)) {
			t.Errorf("%s: latency = %v, want %v", l.body, ev.LatencyMS, wantLat)
		}
	}
}

func BenchmarkDecode(b *testing.B) {
	schema := monitor.Schema{Numeric: []string{"a", "b", "c"}, Categorical: []string{"colour"}}
	d := NewDecoder(&schema)
	e := lodestar.StoredEvent{Body: []byte(`{"id":"a","version":"1","features":{"a":1.5,"b":2,"c":-3e-2,"colour":"red"},"prediction":0.7,"latency_ms":12.5}`), Label: []byte("1")}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := d.Decode(e); !ok {
			b.Fatal("not decoded")
		}
	}
}

// TestDecoderSaysWhyItCannotRead gives each event the monitor cannot read
// its reason, and an event it reads none.
func TestDecoderSaysWhyItCannotRead(t *testing.T) {
	cases := []struct {
		task, body, reason string
	}{
		{monitor.TaskBinary, `{"id":"a","version":"1","prediction":1.4}`, "score 1.4 is outside [0, 1]"},
		{monitor.TaskBinary, `{"id":"a","version":"1","prediction":-0.5}`, "score -0.5 is outside [0, 1]"},
		{monitor.TaskBinary, `{"id":"a","version":"1","prediction":"yes"}`, `prediction "yes" is not a score`},
		{monitor.TaskBinary, `{"id":"a","version":"1","prediction":null}`, "the event has no prediction"},
		{monitor.TaskMulticlass, `{"id":"a","version":"1","prediction":"dog"}`, `class "dog" is not one of the monitor's classes`},
		{monitor.TaskMulticlass, `{"id":"a","version":"1","prediction":2}`, "prediction 2 is not a class name"},
		{monitor.TaskRegression, `{"id":"a","version":"1","prediction":"high"}`, `prediction "high" is not a number`},
		{monitor.TaskMulticlass, `{"id":"a","version":"1","prediction":"` + strings.Repeat("é", 60) + `"}`,
			`class "` + strings.Repeat("é", 40) + `…" is not one of the monitor's classes`},
		{monitor.TaskBinary, `{"id":"a","version":"1","prediction":0.4}`, ""},
		{monitor.TaskMulticlass, `{"id":"a","version":"1","prediction":"cat"}`, ""},
	}
	for _, c := range cases {
		schema := monitor.Schema{Task: c.task, Classes: []string{"cat", "bird"}}
		d := NewDecoder(&schema)
		_, ok := d.Decode(lodestar.StoredEvent{ID: "a", Time: time.Unix(1, 0), Version: "1", Body: []byte(c.body)})
		if ok != (c.reason == "") || d.Reason() != c.reason {
			t.Errorf("%s %s: read %v, reason %q; want reason %q", c.task, c.body, ok, d.Reason(), c.reason)
		}
	}
}

// TestDecoderReadsLabelsAsTheTaskDoes: a label is read as the monitor's
// task reads it, sent with the event or stored apart: a binary 0 or 1 and
// a regression number as JSON numbers or strings holding them, a class by
// its name or a number naming it; anything else is no label.
func TestDecoderReadsLabelsAsTheTaskDoes(t *testing.T) {
	nan := math.NaN()
	cases := []struct {
		schema monitor.Schema
		pred   string
		labels map[string]float64 // label JSON → label read (NaN: none)
	}{
		{monitor.Schema{Task: monitor.TaskBinary}, `0.7`, map[string]float64{
			`1`: 1, `0`: 0, `"1"`: 1, `" 0 "`: 0, `"0.0"`: 0, `"1e0"`: 1, `2`: nan, `"2"`: nan, `0.5`: nan, `"yes"`: nan,
			`"NaN"`: nan, `"0x1"`: nan, `"Inf"`: nan, `""`: nan, `null`: nan}},
		{monitor.Schema{Task: monitor.TaskRegression}, `12.5`, map[string]float64{
			`4`: 4, `"3.5"`: 3.5, `"-2"`: -2, `"abc"`: nan, `"Infinity"`: nan, `"1_000"`: nan, `null`: nan}},
		{monitor.Schema{Task: monitor.TaskMulticlass, Classes: []string{"1", "2", "cat"}}, `"cat"`, map[string]float64{
			`"cat"`: 2, `"2"`: 1, `2`: 1, `1`: 0, `3`: nan, `"dog"`: nan, `2.5`: nan, `null`: nan}},
	}
	for _, c := range cases {
		d := NewDecoder(&c.schema)
		for label, want := range c.labels {
			for _, apart := range []bool{false, true} {
				body := `{"id":"a","version":"1","prediction":` + c.pred + `,"label":` + label + `}`
				stored := ""
				if apart {
					body, stored = `{"id":"a","version":"1","prediction":`+c.pred+`}`, label
					if label == `null` {
						continue // a stored label is never null
					}
				}
				ev, ok := d.Decode(lodestar.StoredEvent{ID: "a", Time: time.Unix(1, 0), Version: "1", Body: []byte(body), Label: []byte(stored)})
				if !ok {
					t.Fatalf("%s %s: not decoded (%s)", c.schema.Task, body, d.Reason())
				}
				if got := ev.Label; !(got == want || math.IsNaN(got) && math.IsNaN(want)) {
					t.Errorf("%s monitor, label %s (stored apart: %v): read %v, want %v", c.schema.Task, label, apart, got, want)
				}
			}
		}
	}
}

// TestDecoderReadsBooleanLabelsAsTheTaskDoes: a label sent as true or
// false is kept as sent, and each monitor reads it as its task does, at
// any time — also a monitor made after the label came: a binary monitor
// as 1 and 0, a multiclass one as its class named true or false (in any
// letter case, as pandas writes True), else 1 or 0, else not at all, and
// a regression monitor not at all (its labels are numbers).
func TestDecoderReadsBooleanLabelsAsTheTaskDoes(t *testing.T) {
	nan := math.NaN()
	for _, c := range []struct {
		schema      monitor.Schema
		pred        string
		true, false float64 // the label read (NaN: none)
	}{
		{monitor.Schema{Task: monitor.TaskBinary}, `0.7`, 1, 0},
		{monitor.Schema{Task: monitor.TaskRegression}, `12.5`, nan, nan},
		{monitor.Schema{Task: monitor.TaskMulticlass, Classes: []string{"2", "1", "0"}}, `"2"`, 1, 2},
		{monitor.Schema{Task: monitor.TaskMulticlass, Classes: []string{"cat", "dog"}}, `"cat"`, nan, nan},
		{monitor.Schema{Task: monitor.TaskMulticlass, Classes: []string{"False", "True"}}, `"True"`, 1, 0},
		{monitor.Schema{Task: monitor.TaskMulticlass, Classes: []string{"1", "TRUE", "true"}}, `"1"`, 2, nan},
		{monitor.Schema{Task: monitor.TaskMulticlass, Classes: []string{"1", "TRUE"}}, `"1"`, 1, nan},
	} {
		d := NewDecoder(&c.schema)
		for label, want := range map[string]float64{"true": c.true, "false": c.false} {
			body := `{"id":"a","version":"1","prediction":` + c.pred + `,"label":` + label + `}`
			ev, ok := d.Decode(lodestar.StoredEvent{ID: "a", Time: time.Unix(1, 0), Version: "1", Body: []byte(body), Label: []byte(label)})
			if !ok {
				t.Fatalf("%s %s: not decoded (%s)", c.schema.Task, body, d.Reason())
			}
			if got := ev.Label; !(got == want || math.IsNaN(got) && math.IsNaN(want)) {
				t.Errorf("%s monitor %q, label %s: read %v, want %v", c.schema.Task, c.schema.Classes, label, got, want)
			}
			// Ingestion refuses what the monitor would not read, and
			// takes what it would.
			m := &lodestar.Monitor{Version: "1", Name: "M", Task: c.schema.Task, Classes: c.schema.Classes}
			if refusal := BoolLabelRefusal(m, label == "true"); (refusal == "") == math.IsNaN(want) {
				t.Errorf("%s monitor %q, label %s: refusal %q, but it reads %v", c.schema.Task, c.schema.Classes, label, refusal, want)
			}
		}
	}
	m := &lodestar.Monitor{Version: "2.0", Name: "Species", Task: monitor.TaskMulticlass, Classes: strings.Split("a,b,c,d,e,f,g,h,i,j,k,l", ",")}
	want := `version "2.0"'s multiclass monitor "Species" has no class for true (its classes: "a", "b", "c", "d", "e", "f", "g", "h", "i", "j" … (+2)); true is read as a class named true or 1, false as one named false or 0`
	if got := BoolLabelRefusal(m, true); got != want {
		t.Errorf("multiclass refusal:\n got %s\nwant %s", got, want)
	}
	m = &lodestar.Monitor{Version: "2.0", Name: "Price", Task: monitor.TaskRegression}
	if got := BoolLabelRefusal(m, false); got != `true or false is a classification label, and version "2.0" has a regression monitor, whose labels are numbers` {
		t.Errorf("regression refusal: %s", got)
	}
}

// BenchmarkDecodeBenchEvent decodes events of bench/ingest's shape: 20
// numeric and 5 categorical features, a score, a label and a latency.
func BenchmarkDecodeBenchEvent(b *testing.B) {
	schema := monitor.Schema{Task: monitor.TaskBinary}
	var body strings.Builder
	body.WriteString(`{"id":"0193a0b2-7c1d-7abc-8def-0123456789ab","time":"2026-12-01T06:00:00.123Z","version":"1.0","features":{`)
	for f := range 20 {
		name := "n" + strconv.Itoa(f)
		schema.Numeric = append(schema.Numeric, name)
		fmt.Fprintf(&body, `"%s":%.4f,`, name, float64(f)*0.7311-6.25)
	}
	for f := range 5 {
		name := "c" + strconv.Itoa(f)
		schema.Categorical = append(schema.Categorical, name)
		if f > 0 {
			body.WriteByte(',')
		}
		fmt.Fprintf(&body, `"%s":%q`, name, []string{"north", "south", "east", "west", "centre"}[f])
	}
	body.WriteString(`},"prediction":0.731,"label":1,"latency_ms":7.4}`)
	d := NewDecoder(&schema)
	e := lodestar.StoredEvent{Body: []byte(body.String())}
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := d.Decode(e); !ok {
			b.Fatal("not decoded")
		}
	}
}
