package store_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// TestIngestionFlushesTheLog: on SQLite, whose commits do not wait for
// the disk (synchronous NORMAL), a batch of events or labels is
// acknowledged only once SyncLog has flushed the write-ahead log — a
// batch of repeats too, which may be the retry of one whose flush failed
// — and a flush that fails fails the batch: the caller hears an error,
// never an acknowledgement. (PostgreSQL's commit waits for its own log.)
func TestIngestionFlushesTheLog(t *testing.T) {
	db := testdb.Open(t)
	f := newFixture(t, db)
	m := eventModel(t, f)
	var flushed []string
	var failWith error
	db.FlushLog = func(file *os.File) error {
		flushed = append(flushed, filepath.Base(file.Name()))
		if failWith != nil {
			return failWith
		}
		return file.Sync()
	}
	wal := sqldb.SQLiteFile + "-wal"
	t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	ev := func(id string) []lodestar.StoredEvent {
		return []lodestar.StoredEvent{{ID: id, Time: t0, Version: "1", Body: []byte(`{"id":"` + id + `","version":"1","prediction":1}`)}}
	}
	for _, step := range []struct {
		name string
		call func() error
	}{
		{"AppendEvents", func() error { _, err := f.s.AppendEvents(f.ctx, m.ID, ev("a")); return err }},
		{"AppendEvents of a repeat", func() error { _, err := f.s.AppendEvents(f.ctx, m.ID, ev("a")); return err }},
		{"StoreEvents", func() error { _, _, err := f.s.StoreEvents(f.ctx, m.ID, ev("b")); return err }},
		{"AttachLabels", func() error {
			_, err := f.s.AttachLabels(f.ctx, m.ID, []lodestar.EventLabel{{ID: "a", Label: []byte("1")}})
			return err
		}},
	} {
		flushed, failWith = nil, nil
		if err := step.call(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		if !slices.Contains(flushed, wal) {
			t.Errorf("%s flushed %q, want the write-ahead log (%s) flushed before it returns", step.name, flushed, wal)
		}
		flushed, failWith = nil, errors.New("input/output error")
		if err := step.call(); err == nil || !strings.Contains(err.Error(), "input/output error") {
			t.Errorf("%s with a failing flush: %v, want the flush's error", step.name, err)
		}
	}
}
