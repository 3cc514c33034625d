package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDriftNamesColumnsOnlyInTheCurrent: a column the current file gained
// (a schema change) is compared with nothing, and every format says so —
// text and HTML among the warnings, in either language, JSON in
// current_only_columns — instead of passing over it; the columns both
// files have are compared as before. With --columns the list is empty.
func TestDriftNamesColumnsOnlyInTheCurrent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ref, cur := filepath.Join(dir, "ref.csv"), filepath.Join(dir, "cur.csv")
	if err := os.WriteFile(ref, []byte("a,b\n1,x\n2,y\n3,x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cur, []byte("b,new_score,a,Extra\ny,0.5,1,q\nx,0.7,2,r\nx,0.1,3,s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runWith(noEnv, "drift", "--reference", ref, "--current", cur, "--format", "json")
	if code != 0 {
		t.Fatalf("drift: exit %d\n%s", code, errOut)
	}
	var rep struct {
		CurOnly []string `json:"current_only_columns"`
		Columns []struct {
			Name string `json:"name"`
		} `json:"columns"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatal(err)
	}
	if strings.Join(rep.CurOnly, ",") != "new_score,Extra" || len(rep.Columns) != 2 || rep.Columns[0].Name != "a" || rep.Columns[1].Name != "b" {
		t.Errorf("JSON: current_only_columns %q, columns %+v; want [new_score Extra] and a, b compared", rep.CurOnly, rep.Columns)
	}
	for _, c := range []struct{ args, want []string }{
		{[]string{"--format", "text"}, []string{"only in the current file, not compared: new_score, Extra"}},
		{[]string{"--format", "text", "--lang", "zh-CN"}, []string{"仅当前文件有，未比较：new_score, Extra"}},
		{[]string{"--format", "html"}, []string{"Only in the current file, not compared:", `<span class="name">new_score</span>, <span class="name">Extra</span>`}},
		{[]string{"--format", "html", "--lang", "zh-CN"}, []string{"仅当前文件有、未比较的列：", `<span class="name">Extra</span>`}},
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
	code, out, errOut = runWith(noEnv, "drift", "--reference", ref, "--current", cur, "--format", "json", "--columns", "a")
	if code != 0 {
		t.Fatalf("--columns a: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(out, `"current_only_columns": []`) {
		t.Errorf("--columns a: want current_only_columns empty\n%s", out)
	}
}
