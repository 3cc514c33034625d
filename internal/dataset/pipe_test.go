//go:build unix

package dataset

import (
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// TestOpenPipe: a file that is not a regular one — a named pipe, what
// `<(zcat ref.csv.gz)` gives — is read as the file it streams (it failed
// with "read …: illegal seek"), and what was spooled to read it is gone
// once the File is closed.
func TestOpenPipe(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "ref.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no named pipes here: %v", err)
	}
	t.Setenv("TMPDIR", dir)
	const text = "x,c\n1,a\n2.5,b\n"
	go func() {
		w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		w.WriteString(text)
		w.Close()
	}()
	f, err := OpenFile(fifo, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := scanAll(t, f, "x", "c")
	if err != nil || !slices.Equal(got[0], []string{"1", "2.5"}) || !slices.Equal(got[1], []string{"a", "b"}) {
		t.Errorf("read %q, %v", got, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*")); len(left) != 1 {
		t.Errorf("files left after Close: %q, want only the pipe", left)
	}
}
