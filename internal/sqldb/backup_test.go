package sqldb_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestBackupWhileWriting: a backup taken while writers commit is one
// consistent moment of the database — every transaction wholly in or
// wholly out — in a data directory of its own that opens as a database,
// owner-only, with no partial file left. A directory that holds anything
// is refused and left as it was; PostgreSQL is refused, naming pg_dump.
func TestBackupWhileWriting(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		ctx := context.Background()
		if db.Dialect != sqldb.SQLite {
			_, _, err := db.Backup(ctx, filepath.Join(t.TempDir(), "b"))
			if !errors.Is(err, sqldb.ErrBackupPostgres) || !strings.Contains(err.Error(), "pg_dump") {
				t.Fatalf("backup of PostgreSQL: %v, want the refusal naming pg_dump", err)
			}
			return
		}
		if _, err := db.ExecContext(ctx, `CREATE TABLE pairs (n INTEGER NOT NULL, pad TEXT NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		pad := strings.Repeat("x", 500)
		// Each transaction writes two rows: a copy holding an odd count
		// caught one half-way.
		pair := func() error {
			return db.InTx(ctx, func(tx *sqldb.Tx) error {
				for range 2 {
					if _, err := tx.ExecContext(ctx, `INSERT INTO pairs (n, pad) VALUES (1, ?)`, pad); err != nil {
						return err
					}
				}
				return nil
			})
		}
		for range 2000 {
			if err := pair(); err != nil {
				t.Fatal(err)
			}
		}
		var stop atomic.Bool
		written := make(chan int)
		go func() {
			n := 0
			for !stop.Load() {
				if err := pair(); err != nil {
					t.Error(err)
					break
				}
				n++
				runtime.Gosched()
			}
			written <- n
		}()
		dir := filepath.Join(t.TempDir(), "backup")
		path, size, err := db.Backup(ctx, dir)
		stop.Store(true)
		during := <-written
		if err != nil {
			t.Fatal(err)
		}
		if path != filepath.Join(dir, sqldb.SQLiteFile) || size < 2000*500 {
			t.Errorf("backup at %s of %d bytes, want %s of at least %d", path, size, filepath.Join(dir, sqldb.SQLiteFile), 2000*500)
		}
		if fi, err := os.Stat(path); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
			t.Errorf("backup file: %v, mode %v, want 0600", err, fi.Mode().Perm())
		}
		if fi, err := os.Stat(dir); err != nil || runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
			t.Errorf("backup directory: %v, mode %v, want 0700", err, fi.Mode().Perm())
		}
		if _, err := os.Stat(path + ".partial"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("partial file left: %v", err)
		}
		copyDB, err := sqldb.Open(ctx, dir, "")
		if err != nil {
			t.Fatal(err)
		}
		defer copyDB.Close()
		var n int
		var check string
		if err := copyDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM pairs`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := copyDB.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
			t.Errorf("integrity_check of the copy: %q %v", check, err)
		}
		t.Logf("%d rows in the copy, %d pairs written during the backup", n, during)
		if n%2 != 0 || n < 4000 || n > 4000+2*during {
			t.Errorf("copy holds %d rows: want an even count from 4000 to %d (%d pairs written during the backup)", n, 4000+2*during, during)
		}
		if st, err := copyDB.Status(ctx); err != nil || len(st) == 0 || st[len(st)-1].AppliedAt == "" {
			t.Errorf("the copy's migrations: %v %v, want all applied", st, err)
		}

		// A directory holding anything is refused, and left alone.
		full := t.TempDir()
		keep := filepath.Join(full, "notes.txt")
		if err := os.WriteFile(keep, []byte("mine"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.Backup(ctx, full); err == nil || !strings.Contains(err.Error(), "is not empty") {
			t.Errorf("backup into a directory with a file: %v, want 'is not empty'", err)
		}
		if names, _ := os.ReadDir(full); len(names) != 1 {
			t.Errorf("refused directory now holds %d entries, want its 1", len(names))
		}
		// A backup over the first one too.
		if _, _, err := db.Backup(ctx, dir); err == nil || !strings.Contains(err.Error(), "is not empty") {
			t.Errorf("backup over a backup: %v, want 'is not empty'", err)
		}
		if _, _, err := db.Backup(ctx, keep); err == nil || !strings.Contains(err.Error(), "is a file") {
			t.Errorf("backup into a file: %v, want 'is a file'", err)
		}
	})
}

// TestOpenOddDirNames: a data directory whose name holds a character a
// URI gives a meaning to is that directory, read-write and read-only: a
// "#" began a fragment, so the database went to the directory before it,
// with the umask's mode, and an empty file was left where it belonged.
func TestOpenOddDirNames(t *testing.T) {
	ctx := context.Background()
	for _, name := range []string{"d#1", "a?b=c", "x%41", "sp ace", "p&q"} {
		root := t.TempDir()
		dir := filepath.Join(root, name)
		db, err := sqldb.Open(ctx, dir, "")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := db.Migrate(ctx); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		db.Close()
		fi, err := os.Stat(filepath.Join(dir, sqldb.SQLiteFile))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s: the database file %v, size %d: want it written there", name, err, fi.Size())
		}
		if entries, _ := os.ReadDir(root); len(entries) != 1 {
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			t.Errorf("%s: %q beside it, want only the data directory", name, names)
		}
		ro, err := sqldb.OpenReadOnly(ctx, dir, "")
		if err != nil {
			t.Fatalf("%s read-only: %v", name, err)
		}
		if have, known, err := ro.SchemaVersion(ctx); err != nil || have != known {
			t.Errorf("%s read-only: schema %d of %d, %v", name, have, known, err)
		}
		ro.Close()
	}
}
