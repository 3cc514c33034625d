package store

import (
	"context"
	"sync/atomic"

	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// SetLabelPage sets how many labels ScanEvents reads a page at a time,
// until the returned function puts it back.
func SetLabelPage(n int) (restore func()) {
	old := labelPage
	labelPage = n
	return func() { labelPage = old }
}

// UpdateOpenTask runs updateOpenTask in a transaction of its own.
func UpdateOpenTask(ctx context.Context, db *sqldb.DB, id int64, set string, args ...any) (bool, error) {
	var open bool
	err := db.InTx(ctx, func(tx *sqldb.Tx) error {
		var err error
		open, err = updateOpenTask(ctx, tx, id, set, args...)
		return err
	})
	return open, err
}

// CountContentHashes counts the lines StoreEvents reads for their content
// (contentHash), until the returned function puts it back.
func CountContentHashes() (count func() int64, restore func()) {
	var n atomic.Int64
	old := contentHash
	contentHash = func(line []byte) uint64 {
		n.Add(1)
		return old(line)
	}
	return n.Load, func() { contentHash = old }
}
