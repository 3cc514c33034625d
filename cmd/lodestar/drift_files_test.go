package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDriftSaysHowFilesWereRead: a CSV file not read as UTF-8 is named
// with the encoding it was read in, detected or given, in the text, HTML
// and JSON reports — text decoded in the wrong encoding makes categories
// that drift, and the reader could not know; a UTF-8 file gets no note.
func TestDriftSaysHowFilesWereRead(t *testing.T) {
	// Five times over, so that each city is expected 5 or more times in
	// a file and the column is tested (monitor.MinExpected).
	utf := writeFile(t, "utf.csv", "city;n\n"+strings.Repeat("café;1\nnaïve;2\ncafé;3\n", 5))
	latin := writeFile(t, "latin.csv", "city,n\n"+strings.Repeat("caf\xe9,1\nna\xefve,2\ncaf\xe9,3\n", 5))
	code, out, errOut := runCLI(t, "drift", "--reference", utf, "--current", latin)
	if code != 0 || !strings.Contains(out, latin+": read as windows-1252, detected (the file is not UTF-8); if its text looks wrong, give its encoding with --encoding") ||
		strings.Contains(out, utf+": read as") {
		t.Errorf("text: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "drift", "--reference", utf, "--current", latin, "--format", "html")
	if code != 0 || !strings.Contains(out, "read as windows-1252, detected") {
		t.Errorf("html: exit %d\n%s", code, out)
	}
	// Detected Windows-1252 reads é as é: the categories are the same.
	d := runDriftJSON(t, "--reference", utf, "--current", latin, "--columns", "city")
	if len(d.Columns) != 1 || d.Columns[0].Drifted || *d.Columns[0].Statistic > 1 {
		t.Errorf("city: %+v", d.Columns)
	}
	code, out, _ = runCLI(t, "drift", "--reference", utf, "--current", latin, "--format", "json")
	var files struct {
		Ref map[string]any `json:"reference_file"`
		Cur map[string]any `json:"current_file"`
	}
	if err := json.Unmarshal([]byte(out), &files); code != 0 || err != nil ||
		files.Ref["encoding"] != "utf-8" || files.Ref["separator"] != ";" || files.Ref["format"] != "csv" ||
		files.Cur["encoding"] != "windows-1252" || files.Cur["encoding_detected"] != true || files.Cur["separator"] != "," {
		t.Errorf("json: exit %d, %v: %+v", code, err, files)
	}
	// An encoding given applies to both files, and says so: the UTF-8
	// file's é read as Latin-1 is two letters.
	code, out, _ = runCLI(t, "drift", "--reference", utf, "--current", latin, "--encoding", "latin1")
	if code != 0 || !strings.Contains(out, utf+": read as iso-8859-1, as --encoding says") || !strings.Contains(out, latin+": read as iso-8859-1, as --encoding says") {
		t.Errorf("--encoding: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "drift", "--reference", utf, "--current", utf)
	if code != 0 || strings.Contains(out, "read as") {
		t.Errorf("UTF-8 files: exit %d\n%s", code, out)
	}
	// Each file's own encoding: the Latin-1 export read as Latin-1, the
	// UTF-8 one as UTF-8 (over --encoding), so é is é in both and the
	// categories are the same; the report says which flag gave each.
	code, out, _ = runCLI(t, "drift", "--reference", utf, "--current", latin, "--encoding", "latin1", "--reference-encoding", "utf-8", "--current-encoding", "latin1", "--columns", "city")
	if code != 0 || strings.Contains(out, utf+": read as") || !strings.Contains(out, latin+": read as iso-8859-1, as --current-encoding says") || strings.Contains(out, "DRIFT") {
		t.Errorf("per-file encodings: exit %d\n%s", code, out)
	}
	d = runDriftJSON(t, "--reference", utf, "--current", latin, "--current-encoding", "latin1", "--columns", "city")
	if len(d.Columns) != 1 || d.Columns[0].Drifted || *d.Columns[0].Statistic > 1 {
		t.Errorf("city with --current-encoding: %+v", d.Columns)
	}
	// The UTF-8 file given as Latin-1 alone: its é is read as two letters
	// (the flag reaches that file and no other).
	d = runDriftJSON(t, "--reference", utf, "--current", latin, "--reference-encoding", "latin1", "--current-encoding", "latin1", "--columns", "city")
	if len(d.Columns) != 1 || !strings.Contains(d.Columns[0].Note, `"cafÃ©"`) {
		t.Errorf("city, the UTF-8 file read as Latin-1: %+v; want its cells read as Latin-1", d.Columns)
	}
	for _, c := range [][]string{{"--reference-encoding", "klingon"}, {"--current-encoding", "utf-7"}} {
		code, _, errOut := runCLI(t, append([]string{"drift", "--reference", utf, "--current", latin}, c...)...)
		if code != 2 || !strings.Contains(errOut, c[0]) {
			t.Errorf("%v: exit %d, %q; want a usage error naming the flag", c, code, errOut)
		}
	}
}

// TestDriftColumnsOfOtherNames: a column compared with a column of
// another name in the current file (picked by #N, or matched ignoring
// case) says so; columns that share a name are told apart by position;
// --columns that names nothing is a usage error.
func TestDriftColumnsOfOtherNames(t *testing.T) {
	ref := writeFile(t, "ref.csv", "a,b,c\n1,x,10\n2,y,20\n3,x,30\n")
	other := writeFile(t, "other.csv", "A,b,d\n1,x,10\n2,y,20\n3,x,30\n")
	d := runDriftJSON(t, "--reference", ref, "--current", other, "--columns", "#3,a,b")
	if len(d.Columns) != 3 || d.Columns[0].Name != "c" || !strings.HasPrefix(d.Columns[0].Note, `compared with `+other+`'s column "d" (#3)`) ||
		!strings.HasPrefix(d.Columns[1].Note, `compared with `+other+`'s column "A" (#1)`) || strings.Contains(d.Columns[2].Note, "compared with") {
		t.Errorf("--columns: %+v", d.Columns)
	}
	upper := writeFile(t, "upper.csv", "A,b,C\n1,x,10\n2,y,20\n3,x,30\n")
	d = runDriftJSON(t, "--reference", ref, "--current", upper)
	if len(d.Columns) != 3 || !strings.HasPrefix(d.Columns[0].Note, `compared with `+upper+`'s column "A" (#1)`) {
		t.Errorf("by name, ignoring case: %+v", d.Columns)
	}

	dup := writeFile(t, "dup.csv", "a,b,a\n1,x,10\n2,y,20\n3,x,30\n")
	d = runDriftJSON(t, "--reference", dup, "--current", dup)
	if len(d.Columns) != 3 || d.Columns[0].Name != "a (#1)" || d.Columns[1].Name != "b" || d.Columns[2].Name != "a (#3)" {
		t.Errorf("a name twice: %+v", d.Columns)
	}

	for _, spec := range []string{",", " , "} {
		code, out, errOut := runCLI(t, "drift", "--reference", ref, "--current", ref, "--columns", spec)
		if code != 2 || out != "" || !strings.Contains(errOut, "names no column") {
			t.Errorf("--columns %q: exit %d, %q", spec, code, errOut)
		}
	}
}
