package store_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// Batches sent at once that carry the same new event ID with different
// content store exactly one of them; each other is refused as a conflict
// (or, the same line, counted a duplicate), never stored beside it and
// never an error. The IDs around it are new in each batch.
func TestEventIDConflictConcurrent(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		const senders, rounds = 6, 10
		for round := range rounds {
			id := fmt.Sprintf("shared-%d", round)
			type result struct {
				accepted  int
				conflicts []int
				err       error
			}
			results := make([]result, senders)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for k := range senders {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var batch []lodestar.StoredEvent
					for j := range 50 {
						own := fmt.Sprintf("own-%d-%d-%d", round, k, j)
						batch = append(batch, lodestar.StoredEvent{ID: own, Time: t0, Version: "1", Body: fmt.Appendf(nil, `{"id":%q,"version":"1","prediction":1}`, own)})
					}
					// Senders 0 and 1 send the same line; the others each their own.
					p := max(k, 1)
					batch = append(batch, lodestar.StoredEvent{ID: id, Time: t0.Add(time.Duration(round) * time.Second), Version: "1",
						Body: fmt.Appendf(nil, `{"id":%q,"version":"1","prediction":%d}`, id, p)})
					<-start
					n, c, err := f.s.StoreEvents(f.ctx, m.ID, batch)
					results[k] = result{n, c, err}
				}()
			}
			close(start)
			wg.Wait()
			won, conflicts, duplicates := 0, 0, 0
			for k, r := range results {
				switch {
				case r.err != nil:
					t.Fatalf("round %d, sender %d: %v", round, k, r.err)
				case r.accepted == 51 && r.conflicts == nil:
					won++
				case r.accepted == 50 && len(r.conflicts) == 1 && r.conflicts[0] == 50:
					conflicts++
				case r.accepted == 50 && r.conflicts == nil:
					duplicates++
				default:
					t.Fatalf("round %d, sender %d: accepted %d, conflicts %v", round, k, r.accepted, r.conflicts)
				}
			}
			// Sender 0's and 1's line is one: when one of them stored it,
			// the other is a duplicate; when another sender stored its
			// own, both are conflicts.
			if won != 1 || won+conflicts+duplicates != senders || duplicates > 1 {
				t.Fatalf("round %d: %d stored the shared id, %d conflicts, %d duplicates", round, won, conflicts, duplicates)
			}
			var stored int
			if err := f.s.ScanEvents(f.ctx, m.ID, "", t0.Add(time.Duration(round)*time.Second), t0.Add(time.Duration(round)*time.Second+time.Millisecond), func(e lodestar.StoredEvent) error {
				if e.ID == id {
					stored++
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if stored != 1 {
				t.Fatalf("round %d: the shared id is stored %d times", round, stored)
			}
		}
		if n, err := f.s.CountEvents(f.ctx, m.ID); err != nil || n != rounds*(senders*50+1) {
			t.Fatalf("stored %d events (%v), want %d", n, err, rounds*(senders*50+1))
		}
	})
}
