package ingest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// A label sent as true or false is decided by its event's version
// (Options.BoolLabel): taken, it is stored as sent, true or false, for
// each monitor to read as its task does; refused, the line says why.
// Without the option it is refused as any label but a number or a
// string — in event lines (where the last label of a line counts, and
// the version may come after it) and label lines alike.
func TestBooleanLabels(t *testing.T) {
	events := strings.Join([]string{
		`{"id":"a","version":"1","prediction":0.9,"label":true}`,
		`{"id":"b","version":"1","prediction":0.9,"label":false}`,
		`{"id":"c","version":"1","prediction":0.9,"label":true,"label":0.5}`,
		`{"id":"d","version":"1","prediction":0.9,"label":2,"label":false}`,
		`{"id":"e","version":"1","prediction":0.9,"label":truth}`,
		`{"id":"f","version":"1","prediction":true}`,
		`{"id":"g","version":"2","prediction":0.9,"label":true}`,
		`{"id":"h","label":false,"prediction":0.9,"version":"2"}`,
		`{"id":"i","version":"2","prediction":0.9,"label":true,"label":1}`,
	}, "\n")
	var asked []string
	// Version 2 has a monitor that reads no true or false; version 1 none.
	decide := func(version string, value bool) string {
		asked = append(asked, fmt.Sprintf("%s/%v", version, value))
		if version == "2" {
			return "not for version 2"
		}
		return ""
	}
	for _, tc := range []struct {
		name   string
		opt    Options
		labels map[string]string // taken: id → stored label
		refuse map[string]string // the boolean lines' reasons
	}{
		{"per version", Options{BoolLabel: decide}, map[string]string{"a": "true", "b": "false", "c": "0.5", "d": "false", "i": "1"},
			map[string]string{"g": "label: not for version 2", "h": "label: not for version 2"}},
		{"no option", Options{}, map[string]string{"c": "0.5", "i": "1"}, map[string]string{"a": "label: must be a number or a string",
			"b": "label: must be a number or a string", "d": "label: must be a number or a string", "g": "label: must be a number or a string",
			"h": "label: must be a number or a string"}},
	} {
		asked = nil
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
				if le.Message != tc.refuse[le.ID] {
					t.Errorf("%s: %s: %q, want %q", tc.name, le.ID, le.Message, tc.refuse[le.ID])
				}
			}
		}
		if want := 9 - len(tc.labels); len(rejected) != want { // of 9 lines
			t.Errorf("%s: %d lines refused (%+v), want %d", tc.name, len(rejected), rejected, want)
		}
		// Asked once a line whose last label is true or false, by the
		// line's version (h gives it after the label); c and i not.
		if tc.opt.BoolLabel != nil && !slices.Equal(asked, []string{"1/true", "1/false", "1/false", "2/true", "2/false"}) {
			t.Errorf("%s: asked %v", tc.name, asked)
		}
	}
}

// Label lines' true and false are decided by their events' versions,
// asked for once for the batch: a line refused so replaces no earlier
// label of its ID and is reported among the other refused lines by its
// number; an ID with no event is taken (its caller finds it unknown).
func TestBooleanLabelLines(t *testing.T) {
	labels := strings.Join([]string{
		`{"id":"a","label":true}`,  // version 1: taken
		`{"id":"b","label":false}`, // version 2: refused
		`{"id":"c","label":1}`,
		`{"id":"c","label":true}`,   // refused: c keeps 1
		`{"id":"x","label":false}`,  // no event
		`{"id":"d","label":"true"}`, // a string is a string
		`{"id":"e","label":[true]}`,
		`{"id":"a","label":true}`, // a repeat, asked for once
	}, "\n")
	var lookups [][]string
	opt := Options{
		BoolLabel: func(version string, value bool) string {
			if version == "2" {
				return fmt.Sprintf("%v is not for version 2", value)
			}
			return ""
		},
		EventVersions: func(ids []string) map[string]string {
			lookups = append(lookups, ids)
			return map[string]string{"a": "1", "b": "2", "c": "2", "d": "2"}
		},
	}
	ls, lineOf, rejected, err := LabelsWith(strings.NewReader(labels), opt)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, l := range ls {
		got[l.ID] = string(l.Label)
	}
	want := map[string]string{"a": "true", "c": "1", "x": "false", "d": `"true"`}
	if len(got) != len(want) || got["a"] != want["a"] || got["c"] != want["c"] || got["x"] != want["x"] || got["d"] != want["d"] {
		t.Errorf("labels %v, want %v", got, want)
	}
	if lineOf["a"] != 8 || lineOf["c"] != 3 {
		t.Errorf("lines %v, want a on 8 and c on 3", lineOf)
	}
	if len(lookups) != 1 || !slices.Equal(lookups[0], []string{"a", "b", "c", "x"}) {
		t.Errorf("versions looked up %v, want once for a, b, c and x", lookups)
	}
	var lines []string
	for _, le := range rejected {
		lines = append(lines, fmt.Sprintf("%d %s: %s", le.Line, le.ID, le.Message))
	}
	if !slices.Equal(lines, []string{"2 b: label: false is not for version 2", "4 c: label: true is not for version 2",
		"7 e: label: must be a number or a string"}) {
		t.Errorf("refused %q", lines)
	}

	// Without the option, true and false are refused as any label but a
	// number or a string; no version is looked up.
	lookups = nil
	ls, _, rejected, err = LabelsWith(strings.NewReader(labels), Options{EventVersions: opt.EventVersions})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 2 || len(rejected) != 6 || rejected[0].Message != "label: must be a number or a string" || lookups != nil {
		t.Errorf("no option: labels %+v, refused %+v, lookups %v", ls, rejected, lookups)
	}
}

// TestLabelsAdmitFirst: Options.Admit is asked with the batch's lines
// read (blank ones not counted, a refused one and a repeat counted) before
// any event's version is looked up; its refusal is the read's error, no
// version looked up and no label returned.
func TestLabelsAdmitFirst(t *testing.T) {
	labels := "{\"id\":\"a\",\"label\":true}\n\n{\"id\":\"a\",\"label\":false}\nnot json\n"
	refuse := errors.New("over the limit")
	var asked []int
	lookups := 0
	opt := Options{
		BoolLabel: func(string, bool) string { return "" },
		EventVersions: func(ids []string) map[string]string {
			lookups++
			return nil
		},
		Admit: func(n int) error { asked = append(asked, n); return refuse },
	}
	ls, _, rejected, err := LabelsWith(strings.NewReader(labels), opt)
	if !errors.Is(err, refuse) || ls != nil || rejected != nil || lookups != 0 || !slices.Equal(asked, []int{3}) {
		t.Errorf("refused: labels %v, rejected %v, err %v, %d lookups, admit asked %v; want the refusal, 0 lookups, asked [3]",
			ls, rejected, err, lookups, asked)
	}
	opt.Admit = func(n int) error { asked = append(asked, n); return nil }
	asked = nil
	ls, _, rejected, err = LabelsWith(strings.NewReader(labels), opt)
	if err != nil || len(ls) != 1 || len(rejected) != 1 || lookups != 1 || !slices.Equal(asked, []int{3}) {
		t.Errorf("admitted: labels %v, rejected %v, err %v, %d lookups, admit asked %v", ls, rejected, err, lookups, asked)
	}
	// A body of blank lines asks nothing: the caller refuses it as empty.
	asked = nil
	if _, _, _, err := LabelsWith(strings.NewReader("\n \n"), opt); err != nil || asked != nil {
		t.Errorf("blank body: err %v, admit asked %v; want not asked", err, asked)
	}
}
