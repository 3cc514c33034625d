//go:build unix

package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestDriftSpillLeavesNoFile: the reference's numbers are spilled to a
// temporary file that has no name on disk while drift runs, so a run
// stopped by Ctrl-C or a kill leaves nothing behind (8 bytes a cell: a
// large file left 48 MB in /tmp per interrupted run).
func TestDriftSpillLeavesNoFile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("TMPDIR", dir)
	sp, err := newSpill()
	if err != nil {
		t.Fatal(err)
	}
	defer sp.remove()
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 0 {
		t.Errorf("the spill is on disk by name while in use: %q", left)
	}
	// It still holds what is written, to be read back.
	if _, err := sp.f.Write([]byte("12345678")); err != nil {
		t.Fatal(err)
	}
	var b [8]byte
	if _, err := sp.f.ReadAt(b[:], 0); err != nil || string(b[:]) != "12345678" {
		t.Errorf("read back %q, %v", b, err)
	}
	ref := writeFile(t, "ref.csv", "x\n1\n2\n3\n4\n5\n6\n7\n")
	if code, _, errOut := runCLI(t, "drift", "--reference", ref, "--current", ref, "--exact-limit", "2"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if left, _ := os.ReadDir(dir); len(left) != 0 {
		t.Errorf("left in TMPDIR after drift: %v", left)
	}
}
