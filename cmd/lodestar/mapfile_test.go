package main

import (
	"strings"
	"testing"
)

// TestImportMapFileLines: --map-file holds one "Source column=field" per
// line, so a line is one mapping whatever it contains; and a map file
// saved by Windows Notepad starts with a UTF-8 BOM.
func TestImportMapFileLines(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		csv, map_ string
	}{
		{"column name with a comma", "\"Project, name\",Phase\nZeta,pilot\n", "Project, name=title\nPhase=stage\n"},
		{"map file with a BOM", "Name,Phase\nZeta,pilot\n", "\ufeffName=title\nPhase=stage\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := transferFile(t, "m.csv", []byte(tc.csv))
			mapFile := transferFile(t, "map.txt", []byte(tc.map_))
			// A dry run checks against a database that is there.
			dir := t.TempDir()
			if code, _, stderr := transferRun(t, "migrate", "up", "--data", dir); code != 0 {
				t.Fatal(stderr)
			}
			code, stdout, stderr := transferRun(t, "import", "use-cases", file, "--map-file", mapFile, "--dry-run", "--data", dir)
			if code != 0 || !strings.Contains(stdout, "would create 1 use case(s)") {
				t.Errorf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
		})
	}
}

// A field mapped in the map file and again in --map is refused.
func TestImportMapFileAndFlagTwice(t *testing.T) {
	t.Parallel()
	file := transferFile(t, "m.csv", []byte("Name,Phase\nZeta,pilot\n"))
	mapFile := transferFile(t, "map.txt", []byte("Name=title\r\n"))
	code, _, stderr := transferRun(t, "import", "use-cases", file, "--map-file", mapFile, "--map", "Phase=title", "--dry-run", "--data", t.TempDir())
	if code != 2 || !strings.Contains(stderr, `"title" is mapped twice`) {
		t.Errorf("exit %d, stderr %s", code, stderr)
	}
}
