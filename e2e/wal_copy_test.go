package e2e

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestCopyWithLogButNoIndexSaysWhy: a data directory copied while the
// server ran holds lodestar.db and lodestar.db-wal but no lodestar.db-shm;
// read by a user who may not write to it (here nobody, against a
// root-owned copy), SQLite cannot create the index it needs and says only
// "unable to open database file (14)". The command says which file is
// missing, why it is needed and what to do, in English and in Chinese,
// and leaves the copy as it was.
func TestCopyWithLogButNoIndexSaysWhy(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root, to run the binary as another user against a root-owned copy")
	}
	dir := t.TempDir()
	mustRun(t, "migrate", "up", "--data", dir)
	// A writer that keeps its log: committed pages stay in -wal.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "lodestar.db")+"?_pragma=journal_mode(WAL)&_pragma=wal_autocheckpoint(0)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	mustExec(t, db, `CREATE TABLE copy_marker (x INTEGER)`)
	mustExec(t, db, `INSERT INTO copy_marker VALUES (1)`)

	root, err := os.MkdirTemp("", "lodestar-e2e-walcopy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	cp := filepath.Join(root, "copy")
	if err := os.Mkdir(cp, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"lodestar.db", "lodestar.db-wal"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatalf("%s: %v (the writer should have left its log)", name, err)
		}
		if err := os.WriteFile(filepath.Join(cp, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{root, cp} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	before := dirFiles(t, cp)
	o := cmdOpts{cred: &syscall.Credential{Uid: 65534, Gid: 65534}}
	for _, c := range []struct{ lang, want []string }{
		{[]string{}, []string{"lodestar.db-wal", "no lodestar.db-shm", "run this as a user who may write to " + cp, "'lodestar backup'"}},
		{[]string{"--lang", "zh-CN"}, []string{"打开 SQLite 数据库", "没有 lodestar.db-shm", "请以可写入 " + cp + " 的用户运行此命令", "'lodestar backup'"}},
	} {
		r := lodestarWith(t, o, append([]string{"audit", "verify", "--data", cp}, c.lang...)...)
		if r.code == 0 {
			t.Fatalf("audit verify of the copy as nobody: want a non-zero exit\n%s", r)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%v: stderr lacks %q\n%s", c.lang, w, r)
			}
		}
	}
	// A database file nobody may read is that file's own error, not the
	// missing index's.
	if err := os.Chmod(filepath.Join(cp, "lodestar.db"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := lodestarWith(t, o, "audit", "verify", "--data", cp)
	if r.code == 0 || !strings.Contains(r.stderr, "lodestar.db: permission denied") || strings.Contains(r.stderr, "-shm") {
		t.Errorf("audit verify of an unreadable copy as nobody: want its 'permission denied', not the -shm message\n%s", r)
	}
	if err := os.Chmod(filepath.Join(cp, "lodestar.db"), 0o644); err != nil {
		t.Fatal(err)
	}
	if after := dirFiles(t, cp); after != before {
		t.Errorf("the refused reads changed the copy: %s, was %s", after, before)
	}
	// Once its owner has read it (and so made the index), nobody can too.
	mustRun(t, "audit", "verify", "--data", cp)
	if r := lodestarWith(t, o, "audit", "verify", "--data", cp); r.code != 0 {
		t.Errorf("audit verify as nobody once the index exists: want exit 0\n%s", r)
	}
}

// dirFiles names a directory's files with their sizes, in order.
func dirFiles(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range es {
		fi, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s %d %s; ", e.Name(), fi.Size(), fi.ModTime().Format(time.RFC3339Nano))
	}
	return b.String()
}
