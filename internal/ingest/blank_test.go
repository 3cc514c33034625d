package ingest

import (
	"fmt"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
)

// Blank lines — empty, white space only, a lone CR — are skipped: not
// reported, and not counted toward a batch's 10,000 lines, though line
// numbers count them. A full batch with blank lines between its lines is
// taken; one line more that is not blank is refused, in events and labels
// alike.
func TestBlankLinesDoNotCountTowardTheBatch(t *testing.T) {
	blanks := []string{"", "   ", "\t", "\r", " \t \r"}
	batch := func(n int, line func(i int) string) (string, map[int]int) {
		var b strings.Builder
		at := map[int]int{} // line i's physical number
		phys := 0
		for i := range n {
			if i%4 == 0 { // a blank line before every fourth
				phys++
				b.WriteString(blanks[i%len(blanks)] + "\n")
			}
			phys++
			at[i] = phys
			b.WriteString(line(i) + "\n")
		}
		return b.String(), at
	}
	event := func(i int) string {
		if i == 7 { // one bad line, to check its number
			return fmt.Sprintf(`{"id":"e-%d","version":"1"}`, i)
		}
		return fmt.Sprintf(`{"id":"e-%d","version":"1","prediction":0.5}`, i)
	}
	body, at := batch(lodestar.MaxIngestLines, event)
	events, rejected, err := Events(strings.NewReader(body), now)
	if err != nil {
		t.Fatalf("a full batch with %d blank lines: %v", lodestar.MaxIngestLines/4, err)
	}
	if len(events) != lodestar.MaxIngestLines-1 || len(rejected) != 1 || rejected[0].Line != at[7] || rejected[0].ID != "e-7" {
		t.Fatalf("got %d events, rejected %+v; want %d and line %d (e-7) refused", len(events), rejected, lodestar.MaxIngestLines-1, at[7])
	}
	for _, e := range events {
		var i int
		fmt.Sscanf(e.ID, "e-%d", &i)
		if e.Line != at[i] {
			t.Fatalf("%s: line %d, want %d", e.ID, e.Line, at[i])
		}
	}
	over, _ := batch(lodestar.MaxIngestLines+1, event)
	if _, _, err := Events(strings.NewReader(over), now); lodestar.ErrorCode(err) != lodestar.ETooLarge {
		t.Errorf("%d lines and blanks: %v, want it refused as too large", lodestar.MaxIngestLines+1, err)
	}

	label := func(i int) string { return fmt.Sprintf(`{"id":"e-%d","label":1}`, i) }
	body, at = batch(lodestar.MaxIngestLines, label)
	labels, lineOf, rejected, err := Labels(strings.NewReader(body))
	if err != nil || len(labels) != lodestar.MaxIngestLines || len(rejected) != 0 || lineOf["e-9999"] != at[9999] {
		t.Fatalf("labels: %d, rejected %v, e-9999 at %d, %v; want %d, none, line %d", len(labels), rejected, lineOf["e-9999"], err,
			lodestar.MaxIngestLines, at[9999])
	}
	over, _ = batch(lodestar.MaxIngestLines+1, label)
	if _, _, _, err := Labels(strings.NewReader(over)); lodestar.ErrorCode(err) != lodestar.ETooLarge {
		t.Errorf("labels: %d lines and blanks: %v, want it refused as too large", lodestar.MaxIngestLines+1, err)
	}
}
