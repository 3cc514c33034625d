package store_test

import (
	"fmt"
	"sync"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// The same monitor form submitted twice at once (a double click, a client
// retrying a request it thinks timed out) makes one monitor: the other
// submission is refused as a duplicate. On PostgreSQL (read committed)
// both checked for a monitor of that name before either had inserted one,
// and two monitors raised every alert twice.
func TestConcurrentDuplicateMonitors(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := f.recModel("1.0")
		for i := range 20 {
			in := lodestar.Monitor{ModelID: m.ID, Version: "1.0", Name: fmt.Sprintf("Hourly %d", i), Window: "hour",
				Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceDataset}}
			var wg sync.WaitGroup
			start := make(chan struct{})
			errs := make([]error, 2)
			for j := range errs {
				wg.Go(func() {
					<-start
					_, errs[j] = f.s.CreateMonitor(f.ctx, in, []byte("x\n1\n"))
				})
			}
			close(start)
			wg.Wait()
			ms, err := f.s.ListMonitors(f.ctx, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, mon := range ms {
				if mon.Name == in.Name {
					n++
				}
			}
			conflicts := 0
			for _, err := range errs {
				if lodestar.ErrorCode(err) == lodestar.EConflict {
					conflicts++
				} else if err != nil {
					t.Errorf("iteration %d: %v", i, err)
				}
			}
			if n != 1 || conflicts != 1 {
				t.Fatalf("iteration %d: %d monitors named %q, %d refused as duplicates (errors %v); want 1 and 1", i, n, in.Name, conflicts, errs)
			}
		}
	})
}
