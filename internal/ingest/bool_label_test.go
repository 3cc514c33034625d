package ingest

import (
	"strings"
	"testing"
)

// A label sent as true or false is taken as 1 or 0 when Options.BoolLabel
// says so, refused with its reason when it does not, and refused as any
// label but a number or a string without it — in event lines (where the
// last label of a line counts) and label lines alike.
func TestBooleanLabels(t *testing.T) {
	events := strings.Join([]string{
		`{"id":"a","version":"1","prediction":0.9,"label":true}`,
		`{"id":"b","version":"1","prediction":0.9,"label":false}`,
		`{"id":"c","version":"1","prediction":0.9,"label":true,"label":0.5}`,
		`{"id":"d","version":"1","prediction":0.9,"label":2,"label":false}`,
		`{"id":"e","version":"1","prediction":0.9,"label":truth}`,
		`{"id":"f","version":"1","prediction":true}`,
	}, "\n")
	labels := `{"id":"a","label":true}` + "\n" + `{"id":"b","label":false}` + "\n" + `{"id":"c","label":"true"}`
	calls := 0
	for _, tc := range []struct {
		name   string
		opt    Options
		labels map[string]string // taken: id → stored label
		refuse string            // the boolean lines' reason
	}{
		{"taken", Options{BoolLabel: func() string { calls++; return "" }}, map[string]string{"a": "1", "b": "0", "c": "0.5", "d": "0"}, ""},
		{"refused", Options{BoolLabel: func() string { return "no booleans here" }}, map[string]string{"c": "0.5"}, "label: no booleans here"},
		{"no option", Options{}, map[string]string{"c": "0.5"}, "label: must be a number or a string"},
	} {
		evs, rejected, err := EventsWith(strings.NewReader(events), now, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, e := range evs {
			got[e.ID] = string(e.Label)
		}
		if len(got) != len(tc.labels) {
			t.Errorf("%s: events %v, want %v", tc.name, got, tc.labels)
		}
		for id, want := range tc.labels {
			if got[id] != want {
				t.Errorf("%s: %s's label %q, want %q", tc.name, id, got[id], want)
			}
		}
		for _, le := range rejected {
			switch le.ID {
			case "e":
				if !strings.Contains(le.Message, "not valid JSON") {
					t.Errorf("%s: e: %q, want a syntax error", tc.name, le.Message)
				}
			case "f":
				if le.Message != "prediction: must be a number or a string" {
					t.Errorf("%s: f: %q, want a boolean prediction refused", tc.name, le.Message)
				}
			default:
				if le.Message != tc.refuse {
					t.Errorf("%s: %s: %q, want %q", tc.name, le.ID, le.Message, tc.refuse)
				}
			}
		}
		if want := 6 - len(tc.labels); len(rejected) != want { // of 6 lines
			t.Errorf("%s: %d lines refused (%+v), want %d", tc.name, len(rejected), rejected, want)
		}

		ls, _, rejected, err := LabelsWith(strings.NewReader(labels), tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		got = map[string]string{}
		for _, l := range ls {
			got[l.ID] = string(l.Label)
		}
		want := map[string]string{"c": `"true"`} // a string is a string
		if tc.refuse == "" {
			want["a"], want["b"] = "1", "0"
		}
		if len(got) != len(want) || got["a"] != want["a"] || got["b"] != want["b"] || got["c"] != want["c"] {
			t.Errorf("%s: labels %v, want %v", tc.name, got, want)
		}
		if tc.refuse != "" && (len(rejected) != 2 || rejected[0].Message != tc.refuse || rejected[1].Line != 2) {
			t.Errorf("%s: labels refused %+v, want lines 1 and 2: %q", tc.name, rejected, tc.refuse)
		}
	}
	if calls == 0 {
		t.Error("BoolLabel was never asked")
	}
}
