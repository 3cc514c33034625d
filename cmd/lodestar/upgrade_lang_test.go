package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// upgradeAllowed are the words the database's refusals keep in Chinese:
// the product's, the commands' and the file's names.
var upgradeAllowed = []string{"Lodestar", "migrate", "up", "serve", "LODESTAR_DATA", "db", "schema_migrations", "schema", "CREATE"}

// TestDatabaseRefusalsInChinese: under --lang zh-CN the refusals of a
// database — a schema newer than the binary, one older than it, a data
// directory with no database, one that cannot be written — read in
// Chinese, frame and reason alike; in English they are as they were.
func TestDatabaseRefusalsInChinese(t *testing.T) {
	t.Parallel()
	ms, _ := sqldb.Migrations(sqldb.SQLite)

	tooNew := oldDatabase(t, len(ms))
	db, err := sqldb.Open(context.Background(), tooNew, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ExecContext(context.Background(), `INSERT INTO schema_migrations VALUES (9999, 'future', '')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	old := oldDatabase(t, 14)
	missing := filepath.Join(t.TempDir(), "nowhere")

	for _, c := range []struct {
		name string
		args []string
		zh   string
	}{
		{"too new", []string{"user", "list", "--data", tooNew},
			fmt.Sprintf("lodestar: 数据库结构版本为 9999，而此 lodestar 程序只认识到版本 %d：数据库由更新版本的 Lodestar 写入——请升级程序（为免损坏数据，拒绝运行）\n", len(ms))},
		{"too new, serve", []string{"serve", "--addr", "127.0.0.1:0", "--data", tooNew},
			fmt.Sprintf("lodestar: 数据库结构版本为 9999，而此 lodestar 程序只认识到版本 %d：数据库由更新版本的 Lodestar 写入——请升级程序（为免损坏数据，拒绝运行）\n", len(ms))},
		{"too old", []string{"token", "list", "--data", old},
			fmt.Sprintf("lodestar: 数据库结构版本为 14，此版本程序需要版本 %d：请先备份，再运行 `lodestar migrate up`（或启动 `lodestar serve`）\n", len(ms))},
		{"no database, migrate status", []string{"migrate", "status", "--data", missing},
			"lodestar: 此处没有 Lodestar 数据库（" + missing + " 中没有 lodestar.db）：没有可显示的内容（'lodestar migrate up' 会创建数据库）；请检查 --data（或 LODESTAR_DATA）\n"},
		{"no database, user list", []string{"user", "list", "--data", missing},
			"lodestar: 此处没有 Lodestar 数据库（" + missing + " 中没有 lodestar.db）：没有可列出的用户；请检查 --data（或 LODESTAR_DATA）\n"},
		{"no database, switch flip", []string{"switch", "flip", "k", "--state", "off", "--reason", "r", "--as", "a@example.com", "--data", missing},
			"lodestar: 此处没有 Lodestar 数据库（" + missing + " 中没有 lodestar.db）：没有可切换的开关；请检查 --data（或 LODESTAR_DATA）\n"},
	} {
		code, out, errOut := runWith(noEnv, append(c.args, "--lang", "zh-CN")...)
		if code != 1 || out != "" || errOut != c.zh {
			t.Errorf("%s: exit %d, stdout %q, stderr\n%q\nwant 1 and\n%q", c.name, code, out, errOut, c.zh)
		}
		if left := englishLeft(errOut, []string{missing, tooNew, old}, upgradeAllowed); len(left) > 0 {
			t.Errorf("%s: English left %q in %q", c.name, left, errOut)
		}
		if code, _, errOut := runWith(noEnv, c.args...); code != 1 || !strings.HasPrefix(errOut, "lodestar: ") || englishLeft(errOut, nil, nil) == nil {
			t.Errorf("%s in English: exit %d, %q", c.name, code, errOut)
		}
	}
}

// TestDataDirNotWritableInChinese: the refusal of a data directory that
// cannot be written is Chinese, its frame and the system's reason in it.
// Made here as the probe makes it; run for real where the directory's
// mode binds (not as root).
func TestDataDirNotWritableInChinese(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	msg := fmt.Sprintf("data directory %s is not writable: open %s: permission denied", dir, filepath.Join(dir, ".write-probe-123"))
	want := fmt.Sprintf("数据目录 %s 不可写：", dir)
	got := errorText("zh-CN", msg)
	if !strings.HasPrefix(got, want) || len(englishLeft(got, []string{filepath.Join(dir, ".write-probe-123"), dir}, nil)) > 0 {
		t.Errorf("%q in Chinese: %q, want it to begin %q and hold no English", msg, got, want)
	}
	if os.Geteuid() == 0 {
		return
	}
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o700) })
	code, _, errOut := runWith(noEnv, "user", "add", "--email", "a@example.com", "--role", "viewer", "--password", "a-long-password-1", "--data", dir, "--lang", "zh-CN")
	if code != 1 || !strings.HasPrefix(errOut, "lodestar: "+want) {
		t.Errorf("user add on a read-only directory: exit %d, %q; want it to begin %q", code, errOut, want)
	}
}
