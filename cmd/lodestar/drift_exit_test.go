package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// driftPair writes a reference and a current file with columns a and b:
// a shifted by shiftA, b by shiftB (in units of the values' spread).
func driftPair(t *testing.T, rows int, shiftA, shiftB float64) (ref, cur string) {
	t.Helper()
	var r, c strings.Builder
	r.WriteString("a,b\n")
	c.WriteString("a,b\n")
	for i := 0; i < rows; i++ {
		v := float64(i%100) / 10
		r.WriteString(fmtNum(v) + "," + fmtNum(v) + "\n")
		c.WriteString(fmtNum(v+shiftA) + "," + fmtNum(v+shiftB) + "\n")
	}
	return writeFile(t, "ref.csv", r.String()), writeFile(t, "cur.csv", c.String())
}

// --fail-on-drift: exit 3 when the data set drifted, after the whole
// report; 0 when it did not; without the flag a drift still exits 0; bad
// input is still 1.
func TestDriftFailOnDrift(t *testing.T) {
	dref, dcur := driftPair(t, 2000, 5, 5) // both columns drift
	sref, scur := driftPair(t, 2000, 0, 0) // nothing drifts
	for _, format := range []string{"text", "json", "html"} {
		code, out, errOut := runCLI(t, "drift", "--reference", dref, "--current", dcur, "--format", format, "--fail-on-drift")
		if code != driftExitCode {
			t.Errorf("%s, drifted: exit %d, want %d (stderr %q)", format, code, driftExitCode, errOut)
		}
		if !strings.Contains(errOut, "the data set drifted: 2 of 2 tested columns") {
			t.Errorf("%s: stderr does not say the data set drifted: %q", format, errOut)
		}
		switch format {
		case "json":
			var d driftJSON
			if err := json.Unmarshal([]byte(out), &d); err != nil || !d.DatasetDrift {
				t.Errorf("json report not written in full with exit 3: %v\n%s", err, out)
			}
		case "html":
			if !strings.HasSuffix(strings.TrimSpace(out), "</html>") {
				t.Errorf("html report not written in full with exit 3")
			}
		default:
			if !strings.Contains(out, "Dataset drift: YES") {
				t.Errorf("text report not written in full with exit 3:\n%s", out)
			}
		}
		code, _, errOut = runCLI(t, "drift", "--reference", sref, "--current", scur, "--format", format, "--fail-on-drift")
		if code != 0 || errOut != "" {
			t.Errorf("%s, not drifted: exit %d, stderr %q; want 0 and nothing", format, code, errOut)
		}
	}
	if code, _, errOut := runCLI(t, "drift", "--reference", dref, "--current", dcur); code != 0 {
		t.Errorf("drifted without --fail-on-drift: exit %d (%s), want 0", code, errOut)
	}
	bad := writeFile(t, "bad.csv", "a,b\n1\n")
	if code, _, _ := runCLI(t, "drift", "--reference", dref, "--current", bad, "--fail-on-drift"); code != 1 {
		t.Errorf("bad input with --fail-on-drift: exit %d, want 1", code)
	}
}

// The exit status follows the data set's verdict, so --share moves it.
func TestDriftFailOnDriftFollowsShare(t *testing.T) {
	ref, cur := driftPair(t, 2000, 5, 0) // a drifts, b does not: share 0.5
	if code, _, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--fail-on-drift", "--share", "0.6"); code != 0 {
		t.Errorf("share 0.5 under --share 0.6: exit %d (%s), want 0", code, errOut)
	}
	if code, _, _ := runCLI(t, "drift", "--reference", ref, "--current", cur, "--fail-on-drift", "--share", "0.5"); code != driftExitCode {
		t.Errorf("share 0.5 at --share 0.5: exit %d, want %d", code, driftExitCode)
	}
}

// A share threshold is written as the percentage given, in the text and
// HTML reports and in --fail-on-drift's line: --share 0.07 is 7%, not
// 7.000000000000001% (100 × 0.07 in floating point).
func TestDriftShareThresholdAsGiven(t *testing.T) {
	ref, cur := driftPair(t, 2000, 5, 0) // a drifts: share 0.5
	for _, c := range []struct{ share, want string }{{"0.07", "7%"}, {"0.29", "29%"}, {"0.125", "12.5%"}} {
		for _, format := range []string{"text", "html"} {
			code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--format", format, "--share", c.share, "--fail-on-drift")
			if code != driftExitCode {
				t.Fatalf("--share %s, %s: exit %d (%s), want %d", c.share, format, code, errOut, driftExitCode)
			}
			if strings.Contains(out, "0000000") || strings.Contains(out, "9999999") {
				t.Errorf("--share %s, %s: a percentage written with float noise:\n%s", c.share, format, out)
			}
			if !strings.Contains(out, c.want) {
				t.Errorf("--share %s, %s: report does not say %s", c.share, format, c.want)
			}
			if !strings.Contains(errOut, "threshold "+c.want) {
				t.Errorf("--share %s: stderr %q, want threshold %s", c.share, errOut, c.want)
			}
		}
	}
}
