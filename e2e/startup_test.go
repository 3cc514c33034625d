package e2e

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStartupFailures checks that serve refuses to start, quickly and with
// a message an operator can act on, when it cannot run safely.
func TestStartupFailures(t *testing.T) {
	t.Parallel()

	t.Run("unreachable postgres", func(t *testing.T) {
		t.Parallel()
		r := lodestar(t, "serve", "--addr", "127.0.0.1:0", "--database", "postgres://u:secretpw@127.0.0.1:1/x")
		if r.code == 0 {
			t.Fatalf("want a non-zero exit\n%s", r)
		}
		if r.elapsed > 10*time.Second {
			t.Errorf("took %s to give up on a refused connection; want fast", r.elapsed)
		}
		if !strings.Contains(r.stderr, "cannot reach PostgreSQL") {
			t.Errorf("stderr lacks \"cannot reach PostgreSQL\"\n%s", r)
		}
		if strings.Contains(r.stderr+r.stdout, "secretpw") {
			t.Errorf("the database password leaked into the output\n%s", r)
		}
	})

	t.Run("data under a regular file", func(t *testing.T) {
		t.Parallel()
		file := filepath.Join(t.TempDir(), "not-a-dir")
		if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := lodestar(t, "serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(file, "data"))
		if r.code == 0 {
			t.Fatalf("want a non-zero exit\n%s", r)
		}
		if !strings.Contains(r.stderr, "cannot create data directory") || !strings.Contains(r.stderr, "not a directory") {
			t.Errorf("stderr should say the data directory cannot be created because of a non-directory\n%s", r)
		}
	})

	t.Run("data directory not writable", func(t *testing.T) {
		t.Parallel()
		var o cmdOpts
		var dir string
		if os.Geteuid() == 0 {
			// Root ignores permissions, so run the binary as nobody against
			// a root-owned directory that nobody may enter but not write.
			// Every directory above it must be reachable by nobody.
			root, err := os.MkdirTemp("", "lodestar-e2e-ro-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(root) })
			dir = filepath.Join(root, "data")
			if err := os.Mkdir(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, d := range []string{root, dir} {
				if err := os.Chmod(d, 0o755); err != nil {
					t.Fatal(err)
				}
			}
			o.cred = &syscall.Credential{Uid: 65534, Gid: 65534}
		} else {
			dir = filepath.Join(t.TempDir(), "data")
			if err := os.Mkdir(dir, 0o500); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.Chmod(dir, 0o700) })
		}
		r := lodestarWith(t, o, "serve", "--addr", "127.0.0.1:0", "--data", dir)
		if r.code == 0 {
			t.Fatalf("want a non-zero exit\n%s", r)
		}
		if !strings.Contains(r.stderr, "not writable") {
			t.Errorf("stderr lacks \"not writable\"\n%s", r)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("the refused start left files in %s: %v", dir, entries)
		}
	})

	t.Run("schema newer than the binary", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		mustRun(t, "migrate", "up", "--data", dir)
		db, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "lodestar.db"))
		if err != nil {
			t.Fatal(err)
		}
		mustExec(t, db, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, 'from_the_future', '2099-01-01T00:00:00.000000Z')`)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"serve", "--addr", "127.0.0.1:0", "--data", dir},
			{"migrate", "status", "--data", dir},
			{"migrate", "up", "--data", dir},
		} {
			r := lodestar(t, args...)
			if r.code != 1 {
				t.Errorf("lodestar %s: want exit 1\n%s", strings.Join(args, " "), r)
			}
			if !strings.Contains(r.stderr, "9999") || !strings.Contains(r.stderr, "newer Lodestar") {
				t.Errorf("lodestar %s: stderr should say the schema (9999) is newer than the binary\n%s", strings.Join(args, " "), r)
			}
			if strings.Contains(r.stdout, "serving on") {
				t.Errorf("lodestar %s: served on a schema it does not know\n%s", strings.Join(args, " "), r)
			}
		}
	})

	t.Run("bad log format", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "data")
		r := lodestar(t, "serve", "--addr", "127.0.0.1:0", "--data", dir, "--log-format", "yaml")
		if r.code != 2 {
			t.Errorf("--log-format yaml: want exit 2\n%s", r)
		}
		if !strings.Contains(r.stderr, `--log-format "yaml"`) {
			t.Errorf("--log-format yaml: stderr should name the flag and value\n%s", r)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("a usage error created the data directory (stat: %v)", err)
		}
	})
}
