package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDriftNamesColumnsOnlyInTheReference: a column the current file
// lost (a schema change) no longer stops the run: it is listed — JSON's
// reference_only_columns, text and HTML among the warnings, in either
// language — and the columns both files have are compared, with the exit
// status they would give alone. Named in --columns it is still bad usage,
// naming it.
func TestDriftNamesColumnsOnlyInTheReference(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ref, cur := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	// Each row ten times: every value of a and b is seen often enough to
	// be tested (sparse categories are not).
	if err := os.WriteFile(ref, []byte("a,gone,b,Old\n"+strings.Repeat("1,0.5,x,q\n2,0.7,y,r\n3,0.1,x,s\n", 10)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cur, []byte("b,a,new\n"+strings.Repeat("y,1,z\nx,2,z\nx,3,z\n", 10)), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runWith(noEnv, "drift", "--reference", ref, "--current", cur, "--format", "json", "--fail-on-drift")
	if code != 0 {
		t.Fatalf("drift: exit %d\n%s", code, errOut)
	}
	var rep struct {
		RefOnly []string `json:"reference_only_columns"`
		CurOnly []string `json:"current_only_columns"`
		Verdict string   `json:"verdict"`
		Tested  int      `json:"tested_columns"`
		Columns []struct {
			Name string `json:"name"`
		} `json:"columns"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.RefOnly, ",") != "gone,Old" || strings.Join(rep.CurOnly, ",") != "new" ||
		len(rep.Columns) != 2 || rep.Columns[0].Name != "a" || rep.Columns[1].Name != "b" || rep.Tested != 2 {
		t.Errorf("JSON: reference_only_columns %q, current_only_columns %q, columns %+v, tested %d; want [gone Old], [new], a and b tested",
			rep.RefOnly, rep.CurOnly, rep.Columns, rep.Tested)
	}
	for _, c := range []struct{ args, want []string }{
		{[]string{"--format", "text"}, []string{"only in the reference file, not compared: gone, Old"}},
		{[]string{"--format", "text", "--lang", "zh-CN"}, []string{"仅参考文件有，未比较：gone, Old"}},
		{[]string{"--format", "html"}, []string{"Only in the reference file, not compared:", `<span class="name">gone</span>, <span class="name">Old</span>`}},
		{[]string{"--format", "html", "--lang", "zh-CN"}, []string{"仅参考文件有、未比较的列：", `<span class="name">Old</span>`}},
	} {
		code, out, errOut := runWith(noEnv, append([]string{"drift", "--reference", ref, "--current", cur}, c.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", c.args, code, errOut)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("%v: output lacks %q\n%s", c.args, w, out)
			}
		}
	}
	// Named, the column is bad usage, naming it; not named, the list is empty.
	code, _, errOut = runWith(noEnv, "drift", "--reference", ref, "--current", cur, "--columns", "a,gone")
	if code != 2 || !strings.Contains(errOut, `"gone"`) {
		t.Errorf("--columns a,gone: exit %d, stderr %q; want 2 naming gone", code, errOut)
	}
	code, out, errOut = runWith(noEnv, "drift", "--reference", ref, "--current", cur, "--format", "json", "--columns", "a")
	if code != 0 || !strings.Contains(out, `"reference_only_columns": []`) {
		t.Errorf("--columns a: exit %d, want reference_only_columns empty\n%s%s", code, out, errOut)
	}
	// A reference whose every column the current lacks: nothing tested.
	other := filepath.Join(dir, "other.csv")
	if err := os.WriteFile(other, []byte("z\n1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ = runWith(noEnv, "drift", "--reference", ref, "--current", other, "--format", "json", "--fail-on-drift")
	if code != driftUndeterminedExitCode || !strings.Contains(out, `"verdict": "undetermined"`) {
		t.Errorf("no column in common: exit %d, want %d and undetermined\n%s", code, driftUndeterminedExitCode, out)
	}
}
