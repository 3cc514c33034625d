package main

import (
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestDriftProgress: with --progress, drift reports how much of its two
// files it has read on stderr as it goes (elsewhere than a terminal, a
// line each time), the report itself unchanged; without it, and not on a
// terminal, stderr stays quiet.
func TestDriftProgress(t *testing.T) {
	defer func(d time.Duration) { progressEvery = d }(progressEvery)
	progressEvery = time.Millisecond
	var b strings.Builder
	b.WriteString("x,y,z\n")
	for i := range 60000 {
		fmt.Fprintf(&b, "%d.%03d,%d,%d.5\n", i%977, i%1000, i%13, i%7919)
	}
	ref := writeFile(t, "ref.csv", b.String())
	cur := writeFile(t, "cur.csv", b.String())
	code, quiet, errQuiet := runCLI(t, "drift", "--reference", ref, "--current", cur, "--format", "json")
	if code != 0 || errQuiet != "" {
		t.Fatalf("without --progress: exit %d, stderr %q", code, errQuiet)
	}
	code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--format", "json", "--progress")
	if code != 0 || out != quiet {
		t.Fatalf("with --progress: exit %d, and the report changed: %v", code, out != quiet)
	}
	lines := regexp.MustCompile(`(?m)^drift: (\d+)% read \((\d+) MB of (\d+) MB\), \d+s$`).FindAllStringSubmatch(errOut, -1)
	if len(lines) == 0 {
		t.Fatalf("with --progress: no progress line on stderr:\n%q", errOut)
	}
	var total int64
	for _, f := range []string{ref, cur} {
		st, err := os.Stat(f)
		if err != nil {
			t.Fatal(err)
		}
		total += st.Size()
	}
	last := -1
	for _, l := range lines {
		if want := megabytes(total); l[3]+" MB" != want {
			t.Errorf("progress line %q: total %s MB, want the two files' %s", l[0], l[3], want)
		}
		pct, _ := strconv.Atoi(l[1])
		if pct < last || pct > 99 {
			t.Errorf("progress line %q after %d%%: want a share that grows, below 100%%", l[0], last)
		}
		last = pct
	}
}
