package ingest

import (
	"strings"
	"testing"
)

// TestLoneSurrogates: a \u escape of half a UTF-16 surrogate pair with no
// other half is no character; encoding/json reads it as U+FFFD, so the IDs
// "s\ud800", "s\udbff" and "s\ufffd" were one ID, and the second and third
// events were dropped as duplicates of the first (and a label for any of
// them labelled it). Such a line, event or label, is refused; a full pair
// (an emoji as JavaScript's JSON.stringify escapes it) is taken.
func TestLoneSurrogates(t *testing.T) {
	const want = "text is not valid Unicode: a lone surrogate escape"
	body := strings.Join([]string{
		`{"id":"s\ud800","version":"1","prediction":0.5}`,
		`{"id":"s\udbff","version":"1","prediction":0.5}`,
		`{"id":"s\ufffd","version":"1","prediction":0.5}`,
		`{"id":"p\ud83d\ude00","version":"1","prediction":0.5}`,
		`{"id":"q","version":"1","prediction":0.5,"features":{"x":"a\udc00b"}}`,
		`{"id":"r","version":"1","prediction":0.5,"groups":{"g":"\ud800\u0041"}}`,
		`{"id":"t","version":"1","prediction":0.5,"features":{"x":"\\ud800"}}`, // an escaped backslash, then text
	}, "\n")
	evs, rej, err := Events(strings.NewReader(body), now)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, e := range evs {
		ids = append(ids, e.ID)
	}
	if strings.Join(ids, " ") != "s\ufffd p\U0001F600 t" {
		t.Errorf("events %q; want s\\ufffd, p😀 and t", ids)
	}
	if len(rej) != 4 {
		t.Fatalf("rejected %+v; want lines 1, 2, 5 and 6", rej)
	}
	for i, line := range []int{1, 2, 5, 6} {
		if rej[i].Line != line || !strings.HasPrefix(rej[i].Message, want) {
			t.Errorf("rejected %+v; want line %d refused: %q", rej[i], line, want)
		}
	}
	labels, _, lrej, err := Labels(strings.NewReader(`{"id":"s\ud800","label":1}` + "\n" + `{"id":"s\ufffd","label":1}` + "\n" + `{"id":"x","label":"\udfff"}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(labels) != 1 || labels[0].ID != "s\ufffd" || len(lrej) != 2 || lrej[0].Line != 1 || lrej[1].Line != 3 ||
		!strings.HasPrefix(lrej[0].Message, want) || !strings.HasPrefix(lrej[1].Message, want) {
		t.Errorf("labels %q, rejected %+v; want line 2 taken, lines 1 and 3 refused: %q", labels, lrej, want)
	}
}
