package ingest

import (
	"strings"
	"testing"
)

// TestLabelsFieldNamesExact: a label line's field names are id and label
// exactly, as an event line's are its own: one in another letter case is
// an unknown field, refused naming it. encoding/json matches names
// ignoring case, so {"ID":…,"Label":…} was taken, and a "Label" after
// "label" silently replaced it.
func TestLabelsFieldNamesExact(t *testing.T) {
	body := strings.Join([]string{
		`{"ID":"a","label":1}`,
		`{"id":"b","Label":1}`,
		`{"id":"c","label":1,"LABEL":0}`,
		`{"id":"d","label":1,"i\u0064":"d"}`, // an escaped name that reads "id" is that field
		`{"id":"e","label":0}`,
	}, "\n")
	labels, _, rejected, err := Labels(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 2 || labels[0].ID != "d" || labels[1].ID != "e" || string(labels[1].Label) != "0" {
		t.Errorf("labels %q; want d and e only", labels)
	}
	want := []struct {
		line      int
		id, field string
	}{{1, "a", `unknown field "ID"`}, {2, "b", `unknown field "Label"`}, {3, "c", `unknown field "LABEL"`}}
	if len(rejected) != len(want) {
		t.Fatalf("rejected %+v; want lines 1-3", rejected)
	}
	for i, w := range want {
		if r := rejected[i]; r.Line != w.line || r.ID != w.id || r.Message != w.field {
			t.Errorf("rejected %+v; want line %d (%s) refused with %q", r, w.line, w.id, w.field)
		}
	}
}
