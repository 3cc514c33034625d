package testdb

import (
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// DirState lists dir's mode, then each of its files with its mode, time,
// size and SHA-256: equal lists, before and after, show nothing in dir
// was written, made or changed.
func DirState(t testing.TB, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := []string{"dir " + fi.Mode().String()}
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %s %d %x", e.Name(), fi.Mode(), fi.ModTime(), len(b), sha256.Sum256(b)))
	}
	return out
}
