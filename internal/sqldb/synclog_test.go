package sqldb_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestSyncLogFlushesTheWriteAheadLog: on SQLite, SyncLog flushes the
// database's write-ahead log — the file a commit wrote — to the disk (and,
// the first time it sees the file, the directory naming it), and
// a flush that fails is an error (ingestion then does not acknowledge);
// a read-only database has nothing to flush.
func TestSyncLogFlushesTheWriteAheadLog(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := sqldb.Open(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE t (x INTEGER)`)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var flushed []string
	restore := sqldb.SetFlushLog(func(f *os.File) error {
		flushed = append(flushed, f.Name())
		return f.Sync()
	})
	defer restore()
	if err := db.SyncLog(); err != nil {
		t.Fatalf("SyncLog: %v", err)
	}
	// The first time, the log's name too: its directory.
	wal := filepath.Join(dir, sqldb.SQLiteFile) + "-wal"
	if want := []string{wal, dir}; !slices.Equal(flushed, want) {
		t.Errorf("SyncLog flushed %q, want %q", flushed, want)
	}
	flushed = nil
	if err := db.SyncLog(); err != nil || !slices.Equal(flushed, []string{wal}) {
		t.Errorf("SyncLog again: %v, flushed %q; want the log alone (its name is on the disk)", err, flushed)
	}

	sqldb.SetFlushLog(func(*os.File) error { return errors.New("input/output error") })
	if err := db.SyncLog(); err == nil || !strings.Contains(err.Error(), "sync the write-ahead log: input/output error") {
		t.Errorf("SyncLog with a failing flush: %v, want the failure", err)
	}

	flushed = nil
	sqldb.SetFlushLog(func(f *os.File) error { flushed = append(flushed, f.Name()); return nil })
	ro, err := sqldb.OpenReadOnly(ctx, dir, "")
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.SyncLog(); err != nil || len(flushed) != 0 {
		t.Errorf("SyncLog on a read-only database: %v, flushed %q; want nothing", err, flushed)
	}
}
