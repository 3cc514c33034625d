package store_test

import (
	"fmt"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// A scan reuses its memory from batch to batch: reading 20,000 stored
// events of two versions in four batches (two of them overlapping in
// time), some labelled later, it allocates a few buffers per scan, not
// one ID, version or batch buffer per event or batch — and gives every
// event, in order, with its own ID, body and label; the IDs, kept, stay
// right after the scan.
func TestScanEventsAllocatesPerScan(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		const batches, size = 4, 5000
		var labels []lodestar.EventLabel
		for b := range batches {
			var evs []lodestar.StoredEvent
			for i := range size {
				n := b*size + i
				at := t0.Add(time.Duration(n) * time.Millisecond)
				if b >= 2 { // the last two batches interleave
					at = t0.Add(time.Duration(2*size+2*i+b-2) * time.Millisecond)
				}
				id := fmt.Sprintf("018f2b6c-0000-7000-8000-%012d", n)
				evs = append(evs, lodestar.StoredEvent{ID: id, Time: at, Version: []string{"1.0", "2.0"}[n%2],
					Body: []byte(fmt.Sprintf(`{"id":%q,"features":{"x":%d,"c":"v%d"},"prediction":0.%d}`, id, n, n%7, n%10))})
				if n%1000 == 0 {
					labels = append(labels, lodestar.EventLabel{ID: id, Label: []byte(fmt.Sprint(n % 2))})
				}
			}
			if _, err := f.s.AppendEvents(f.ctx, m.ID, evs); err != nil {
				t.Fatal(err)
			}
		}
		if unknown, err := f.s.AttachLabels(f.ctx, m.ID, labels); err != nil || len(unknown) != 0 {
			t.Fatalf("labels: %v %v", unknown, err)
		}
		for _, version := range []string{"", "1.0"} {
			// Every event as stored, in (time, ID) order.
			n, labelled := 0, 0
			var last time.Time
			var kept []string // IDs may be kept past the callback (the interface's rule)
			err := f.s.ScanEvents(f.ctx, m.ID, version, t0, t0.Add(time.Hour), func(e lodestar.StoredEvent) error {
				kept = append(kept, e.ID)
				k := 0
				if _, err := fmt.Sscanf(e.ID[24:], "%d", &k); err != nil {
					t.Fatalf("ID %q", e.ID)
				}
				if e.Time.Before(last) || (version != "" && e.Version != version) || e.Version != []string{"1.0", "2.0"}[k%2] ||
					string(e.Body) != fmt.Sprintf(`{"id":%q,"features":{"x":%d,"c":"v%d"},"prediction":0.%d}`, e.ID, k, k%7, k%10) {
					t.Fatalf("event %d: %s %v %s %s after %v", n, e.ID, e.Time, e.Version, e.Body, last)
				}
				want := ""
				if k%1000 == 0 {
					want = fmt.Sprint(k % 2)
					labelled++
				}
				if string(e.Label) != want {
					t.Fatalf("%s: label %q, want %q", e.ID, e.Label, want)
				}
				n++
				last = e.Time
				return nil
			})
			want, wantLabelled := batches*size, len(labels) // every label on a 1.0 event
			if version != "" {
				want /= 2
			}
			if err != nil || n != want || labelled != wantLabelled {
				t.Fatalf("version %q: %d events, %d labelled, %v; want %d, %d", version, n, labelled, err, want, wantLabelled)
			}
			// The IDs kept are still each event's own once the scan is over,
			// every batch's buffers long reused.
			seen := map[string]bool{}
			for _, id := range kept {
				k := -1
				if _, err := fmt.Sscanf(id, "018f2b6c-0000-7000-8000-%d", &k); err != nil || k < 0 || k >= batches*size ||
					(version != "" && k%2 != 0) || seen[id] {
					t.Fatalf("version %q: a kept ID reads %q after the scan", version, id)
				}
				seen[id] = true
			}
			// The same scan, counting only: what it allocates itself.
			var bytes int
			allocs := testing.AllocsPerRun(2, func() {
				err = f.s.ScanEvents(f.ctx, m.ID, version, t0, t0.Add(time.Hour), func(e lodestar.StoredEvent) error {
					bytes += len(e.ID) + len(e.Version) + len(e.Body) + len(e.Label)
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			if perEvent := allocs / float64(want); perEvent > 0.05 {
				t.Errorf("version %q: %.0f allocations a scan of %d events, %.3f an event; want at most 0.05", version, allocs, want, perEvent)
			} else {
				t.Logf("version %q: %.0f allocations a scan of %d events", version, allocs, want)
			}
		}
	})
}
