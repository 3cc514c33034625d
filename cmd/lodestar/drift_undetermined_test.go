package main

import (
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
)

// undeterminedPair: one column of 2,000 N(0, 1) values with a "?" in one
// cell of 20 in the reference — mostly numbers that hardly repeat, too
// many cells not numbers (5%) to leave them out: not tested — against
// N(1, 1), a shift of one deviation that no test sees. (With one "?" the
// column is tested as numbers: TestDriftFewUnreadableCells.)
func undeterminedPair(t *testing.T) (ref, cur string) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	var r, c strings.Builder
	r.WriteString("amount\n")
	c.WriteString("amount\n")
	for i := 0; i < 2000; i++ {
		if i%20 == 0 {
			r.WriteString("?\n")
		} else {
			r.WriteString(fmtNum(rng.NormFloat64()) + "\n")
		}
		c.WriteString(fmtNum(1+rng.NormFloat64()) + "\n")
	}
	return writeFile(t, "ref.csv", r.String()), writeFile(t, "cur.csv", c.String())
}

// TestDriftUndetermined: with no column tested the verdict is
// undetermined in every format — not "Dataset drift: NO — 0 of 0" — and
// --fail-on-drift exits 4 (not 0, nor drift's 3) after the whole report,
// saying why on stderr; without the flag the run exits 0.
func TestDriftUndetermined(t *testing.T) {
	ref, cur := undeterminedPair(t)
	for _, format := range []string{"text", "json", "html"} {
		code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--format", format, "--fail-on-drift")
		if code != driftUndeterminedExitCode || driftUndeterminedExitCode == driftExitCode {
			t.Errorf("%s: exit %d, want %d (stderr %q)", format, code, driftUndeterminedExitCode, errOut)
		}
		if !strings.Contains(errOut, "the drift is undetermined: no column could be tested (1 compared)") {
			t.Errorf("%s: stderr %q does not say the drift is undetermined", format, errOut)
		}
		switch format {
		case "text":
			if !strings.Contains(out, "Dataset drift: UNDETERMINED — no column could be tested (1 compared") ||
				strings.Contains(out, "Dataset drift: NO") || !strings.Contains(out, "not tested") {
				t.Errorf("text verdict:\n%s", out)
			}
		case "json":
			var doc map[string]any
			if err := json.Unmarshal([]byte(out), &doc); err != nil {
				t.Fatal(err)
			}
			if doc["verdict"] != "undetermined" || doc["dataset_drift"] != nil || doc["share_drifted"] != nil || doc["tested_columns"] != 0.0 {
				t.Errorf("json: verdict %v, dataset_drift %v, share_drifted %v, tested %v; want undetermined, null, null, 0",
					doc["verdict"], doc["dataset_drift"], doc["share_drifted"], doc["tested_columns"])
			}
			for _, k := range []string{"dataset_drift", "share_drifted"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("json: %s left out, want null", k)
				}
			}
		case "html":
			if !strings.Contains(out, `class="verdict undetermined"`) || !strings.Contains(out, "Data set drift undetermined") ||
				strings.Contains(out, "No data set drift") || !strings.HasSuffix(strings.TrimSpace(out), "</html>") {
				t.Errorf("html verdict not undetermined, or the report not whole")
			}
		}
		if code, _, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--format", format); code != 0 || errOut != "" {
			t.Errorf("%s without --fail-on-drift: exit %d, stderr %q; want 0 and nothing", format, code, errOut)
		}
	}
	// In Chinese: the report and the stderr line.
	code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", cur, "--fail-on-drift", "--lang", "zh-CN")
	if code != driftUndeterminedExitCode || !strings.Contains(out, "数据集漂移：无法判定") || !strings.Contains(errOut, "无法判定是否漂移") {
		t.Errorf("zh-CN: exit %d\n%s\nstderr %q", code, out, errOut)
	}
	_, out, _ = runCLI(t, "drift", "--reference", ref, "--current", cur, "--format", "html", "--lang", "zh-CN")
	if !strings.Contains(out, "无法判定数据集是否漂移") {
		t.Errorf("zh-CN html: no undetermined verdict")
	}
}

// TestDriftVerdictField: the JSON verdict when columns were tested,
// beside dataset_drift and share_drifted as before.
func TestDriftVerdictField(t *testing.T) {
	for _, c := range []struct {
		shift float64
		want  string
		drift bool
	}{{5, "drift", true}, {0, "no_drift", false}} {
		ref, cur := driftPair(t, 2000, c.shift, c.shift)
		_, out, _ := runCLI(t, "drift", "--reference", ref, "--current", cur, "--format", "json")
		var doc map[string]any
		if err := json.Unmarshal([]byte(out), &doc); err != nil {
			t.Fatal(err)
		}
		if doc["verdict"] != c.want || doc["dataset_drift"] != c.drift || doc["share_drifted"] == nil {
			t.Errorf("shift %g: verdict %v, dataset_drift %v, share_drifted %v", c.shift, doc["verdict"], doc["dataset_drift"], doc["share_drifted"])
		}
	}
}
