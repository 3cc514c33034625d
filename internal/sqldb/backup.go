package sqldb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrBackupPostgres refuses a backup of a PostgreSQL database: its own
// tools do that, and restore it.
var ErrBackupPostgres = errors.New("lodestar backup copies a SQLite database; back up PostgreSQL with pg_dump (pg_dump --format=custom --file=lodestar.dump URL) and restore it with pg_restore")

// Backup writes a copy of a SQLite database into dir, which becomes a
// data directory of its own (dir/lodestar.db): one a server can be
// started on, or `lodestar audit verify --data dir` can check. dir must
// not exist or be empty; it is created owner-only, as the copy is.
//
// The copy is one consistent moment of the database, taken while the
// server goes on reading and writing (SQLite's VACUUM INTO reads it in
// one read transaction, which writers in WAL mode do not wait for), and
// compacted. It is written under a temporary name, synced to disk, then
// renamed: a backup cut short (the disk full, the process killed) leaves
// no lodestar.db that looks whole. It returns the copy's path and size.
func (db *DB) Backup(ctx context.Context, dir string) (string, int64, error) {
	if db.Dialect != SQLite {
		return "", 0, ErrBackupPostgres
	}
	if err := CheckBackupDir(dir); err != nil {
		return "", 0, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", 0, fmt.Errorf("backup: %w", err)
	}
	partial := filepath.Join(dir, SQLiteFile+".partial")
	final := filepath.Join(dir, SQLiteFile)
	// VACUUM INTO writes into an empty file: made here, owner-only
	// (SQLite would make it with the umask's mode).
	f, err := os.OpenFile(partial, os.O_RDWR|os.O_CREATE|os.O_EXCL, fileMode)
	if err != nil {
		return "", 0, fmt.Errorf("backup: %w", err)
	}
	f.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(partial)
		}
	}()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, partial); err != nil {
		return "", 0, fmt.Errorf("backup: copy %s: %w", db.Where, err)
	}
	size, err := syncFile(partial)
	if err != nil {
		return "", 0, fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(partial, final); err != nil {
		return "", 0, fmt.Errorf("backup: %w", err)
	}
	done = true
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // the rename on disk too, where the system allows it
		d.Close()
	}
	return final, size, nil
}

// CheckBackupDir refuses a directory a backup cannot go into: one that
// holds anything, or a file. A directory not there yet is fine: Backup
// makes it, owner-only.
func CheckBackupDir(dir string) error {
	if dir == "" {
		return errors.New("backup: give the directory to write the backup into")
	}
	d, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer d.Close()
	fi, err := d.Stat()
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("backup: %s is a file, not a directory", dir)
	}
	if names, err := d.Readdirnames(1); err != io.EOF {
		if err != nil {
			return fmt.Errorf("backup: %w", err)
		}
		return fmt.Errorf("backup: %s is not empty (it holds %s): a backup goes into a new or empty directory", dir, names[0])
	}
	return nil
}

// syncFile flushes the file at path to disk and returns its size.
func syncFile(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		return 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
