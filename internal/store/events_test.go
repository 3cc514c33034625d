package store_test

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
)

// keep copies what a scanned event holds of the scan's memory, valid only
// until its callback returns (lodestar.EventService.ScanEvents).
func keep(e lodestar.StoredEvent) lodestar.StoredEvent {
	e.ID, e.Body, e.Label = strings.Clone(e.ID), bytes.Clone(e.Body), bytes.Clone(e.Label)
	return e
}

// Batches that overlap in time — several producers, a late backfill
// across days, repeats within and across batches — scan back as one
// stream in (time, ID) order with each event once, per version, with later
// labels; retention cuts through a batch and leaves the rest intact.
func TestEventBatchesMerge(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		t0 := time.Date(2026, 3, 1, 23, 0, 0, 0, time.UTC)
		rng := rand.New(rand.NewPCG(3, 4))
		want := map[string]lodestar.StoredEvent{}
		var batches [][]lodestar.StoredEvent
		for p := range 4 { // producers over the same two hours (across midnight)
			var b []lodestar.StoredEvent
			for i := range 700 {
				e := lodestar.StoredEvent{ID: fmt.Sprintf("p%d-%04d", p, i), Time: t0.Add(time.Duration(rng.IntN(7200000)) * time.Millisecond),
					Version: []string{"1.0", "2.0"}[i%2], Body: []byte(fmt.Sprintf(`{"n":%d}`, i))}
				b = append(b, e)
				if _, ok := want[e.ID]; !ok {
					want[e.ID] = e
				}
			}
			// A repeat within the batch, with another body: the first
			// wins. Producer 0's comes right after it (the batch stays in
			// ID order), the others' at the end.
			r := b[3]
			r.Body = []byte(`{"repeat":true}`)
			if p == 0 {
				b = slices.Insert(b, 4, r)
			} else {
				b = append(b, r)
			}
			batches = append(batches, b)
		}
		batches = append(batches, batches[1][:50]) // a retry: all repeats
		for i, b := range batches {
			n, err := f.s.AppendEvents(f.ctx, m.ID, b)
			if wantN := map[bool]int{true: 700, false: 0}[i < 4]; err != nil || n != wantN {
				t.Fatalf("batch %d: accepted %d, %v; want %d", i, n, err, wantN)
			}
		}
		labels := []lodestar.EventLabel{{ID: "p2-0007", Label: []byte("1")}, {ID: "p0-0100", Label: []byte(`"x"`)}}
		if unknown, err := f.s.AttachLabels(f.ctx, m.ID, labels); err != nil || len(unknown) != 0 {
			t.Fatalf("labels: %v %v", unknown, err)
		}
		scan := func(version string, from, to time.Time) []lodestar.StoredEvent {
			var got []lodestar.StoredEvent
			if err := f.s.ScanEvents(f.ctx, m.ID, version, from, to, func(e lodestar.StoredEvent) error {
				got = append(got, keep(e))
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		expect := func(version string, from, to time.Time) []lodestar.StoredEvent {
			var out []lodestar.StoredEvent
			for _, e := range want {
				if !e.Time.Before(from) && e.Time.Before(to) && (version == "" || e.Version == version) {
					out = append(out, e)
				}
			}
			slices.SortFunc(out, func(a, b lodestar.StoredEvent) int {
				if c := a.Time.Compare(b.Time); c != 0 {
					return c
				}
				return strings.Compare(a.ID, b.ID)
			})
			return out
		}
		for _, tc := range []struct {
			version  string
			from, to time.Time
		}{
			{"", t0, t0.Add(2 * time.Hour)},
			{"2.0", t0, t0.Add(2 * time.Hour)},
			{"", t0.Add(59 * time.Minute), t0.Add(61 * time.Minute)}, // across midnight
			{"1.0", t0.Add(90 * time.Minute), t0.Add(91 * time.Minute)},
		} {
			got, exp := scan(tc.version, tc.from, tc.to), expect(tc.version, tc.from, tc.to)
			if len(got) != len(exp) {
				t.Fatalf("%q [%v, %v): %d events, want %d", tc.version, tc.from, tc.to, len(got), len(exp))
			}
			for i := range exp {
				g, w := got[i], exp[i]
				if g.ID != w.ID || !g.Time.Equal(w.Time) || g.Version != w.Version || string(g.Body) != string(w.Body) {
					t.Fatalf("%q event %d: got %s %v %s %s, want %s %v %s %s", tc.version, i, g.ID, g.Time, g.Version, g.Body, w.ID, w.Time, w.Version, w.Body)
				}
				wl := ""
				for _, l := range labels {
					if l.ID == g.ID {
						wl = string(l.Label)
					}
				}
				if string(g.Label) != wl {
					t.Errorf("%s: label %q, want %q", g.ID, g.Label, wl)
				}
			}
		}
		if n, err := f.s.CountEvents(f.ctx, m.ID); err != nil || n != 2800 {
			t.Errorf("count: %d %v", n, err)
		}
		// Retention through the middle: exactly the older events go, with
		// their IDs (a resend is new again) and labels.
		cut := t0.Add(47 * time.Minute)
		old := len(expect("", t0, cut))
		if n, err := f.s.DeleteEventsBefore(f.ctx, m.ID, cut); err != nil || int(n) != old {
			t.Errorf("delete: %d %v; want %d", n, err, old)
		}
		if got := scan("", t0, t0.Add(2*time.Hour)); len(got) != 2800-old || got[0].Time.Before(cut) {
			t.Errorf("after retention: %d events from %v; want %d from %v on", len(got), got[0].Time, 2800-old, cut)
		}
		var gone lodestar.StoredEvent
		for _, e := range want {
			if e.Time.Before(cut) {
				gone = e
				break
			}
		}
		if n, err := f.s.AppendEvents(f.ctx, m.ID, []lodestar.StoredEvent{gone}); err != nil || n != 1 {
			t.Errorf("resend of a deleted event: %d %v; want it stored again", n, err)
		}
	})
}

// TestAppendEventsManyAtOnce sends more concurrent batches of a full
// ID chunk than either database's pool has connections, right after
// start (no statement prepared yet): every batch is stored, none waits
// forever on a connection another holds.
func TestAppendEventsManyAtOnce(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		ctx, cancel := context.WithTimeout(f.ctx, 60*time.Second)
		defer cancel()
		const producers, each = 40, 1000
		errs := make([]error, producers)
		var wg sync.WaitGroup
		for g := range producers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				b := make([]lodestar.StoredEvent, each)
				for i := range b {
					b[i] = lodestar.StoredEvent{ID: fmt.Sprintf("g%02d-%06d", g, i), Time: t0.Add(time.Duration(i) * time.Second), Version: "1", Body: []byte(`{}`)}
				}
				n, err := f.s.AppendEvents(ctx, m.ID, b)
				if err == nil && n != each {
					err = fmt.Errorf("accepted %d of %d", n, each)
				}
				errs[g] = err
			}()
		}
		wg.Wait()
		for g, err := range errs {
			if err != nil {
				t.Errorf("producer %d: %v", g, err)
			}
		}
		if n, err := f.s.CountEvents(f.ctx, m.ID); err != nil || n != producers*each {
			t.Errorf("count: %d %v, want %d", n, err, producers*each)
		}
	})
}

// TestScanDuringRetention: retention deleting a batch row the scan has
// listed but not opened yet does not fail the scan; the scan returns what
// it had read and what is left.
func TestScanDuringRetention(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		day := func(d int) time.Time { return time.Date(2026, 3, d, 12, 0, 0, 0, time.UTC) }
		for d := 1; d <= 3; d++ { // one batch row per day
			b := []lodestar.StoredEvent{{ID: fmt.Sprintf("d%d-a", d), Time: day(d), Version: "1", Body: []byte(`{}`)},
				{ID: fmt.Sprintf("d%d-b", d), Time: day(d).Add(time.Hour), Version: "1", Body: []byte(`{}`)}}
			if _, err := f.s.AppendEvents(f.ctx, m.ID, b); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		err := f.s.ScanEvents(f.ctx, m.ID, "", day(1).Add(-time.Hour), day(4), func(e lodestar.StoredEvent) error {
			if len(got) == 0 { // day 1's row is open; day 2's is not yet
				if n, err := f.s.DeleteEventsBefore(f.ctx, m.ID, day(3).Add(-time.Hour)); err != nil || n != 4 {
					t.Errorf("retention: %d, %v; want 4 deleted", n, err)
				}
			}
			got = append(got, strings.Clone(e.ID)) // e.ID is the scan's until fn returns
			return nil
		})
		if want := []string{"d1-a", "d1-b", "d3-a", "d3-b"}; err != nil || !slices.Equal(got, want) {
			t.Errorf("scan: %v, %v; want %v", got, err, want)
		}
	})
}

// TestScanLabelsInPages joins later labels read a few at a time, with
// more events in one millisecond than a page holds, while scans hold
// every connection of the pool: each label joins its own event, and no
// scan waits on another for a connection.
func TestScanLabelsInPages(t *testing.T) {
	defer store.SetLabelPage(3)()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		var evs []lodestar.StoredEvent
		var labels []lodestar.EventLabel
		want := map[string]string{}
		for i := range 40 {
			ms := i
			if i >= 10 && i < 20 {
				ms = 10 // ten events in one millisecond
			}
			e := lodestar.StoredEvent{ID: fmt.Sprintf("e%02d", i), Time: t0.Add(time.Duration(ms) * time.Millisecond), Version: "1", Body: []byte(`{}`)}
			if i%13 == 0 { // a day apart: another batch row
				e.Time = e.Time.Add(24 * time.Hour)
			}
			evs = append(evs, e)
			if i%4 != 1 {
				l := fmt.Sprintf(`"l%d"`, i)
				labels = append(labels, lodestar.EventLabel{ID: e.ID, Label: []byte(l)})
				want[e.ID] = l
			}
		}
		if _, err := f.s.AppendEvents(f.ctx, m.ID, evs); err != nil {
			t.Fatal(err)
		}
		if unknown, err := f.s.AttachLabels(f.ctx, m.ID, labels); err != nil || len(unknown) != 0 {
			t.Fatalf("labels: %v %v", unknown, err)
		}
		ctx, cancel := context.WithTimeout(f.ctx, 60*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		for range 30 { // more scans than connections
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := 0
				err := f.s.ScanEvents(ctx, m.ID, "", t0, t0.Add(48*time.Hour), func(e lodestar.StoredEvent) error {
					n++
					if string(e.Label) != want[e.ID] {
						t.Errorf("%s: label %q, want %q", e.ID, e.Label, want[e.ID])
					}
					return nil
				})
				if err != nil || n != len(evs) {
					t.Errorf("scan: %d events, %v; want %d", n, err, len(evs))
				}
			}()
		}
		wg.Wait()
	})
}

// TestAppendEventsArchivedModel: an archived model takes no events, and
// the refused batch stores nothing.
func TestAppendEventsArchivedModel(t *testing.T) {
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		m := eventModel(t, f)
		if _, err := db.ExecContext(f.ctx, db.Rebind(`UPDATE models SET archived = ? WHERE id = ?`), true, m.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.s.AppendEvents(f.ctx, m.ID, []lodestar.StoredEvent{{ID: "a", Time: time.Now(), Version: "1", Body: []byte(`{}`)}})
		if lodestar.ErrorCode(err) != lodestar.EConflict {
			t.Errorf("events for an archived model: %v, want a conflict", err)
		}
		if n, err := f.s.CountEvents(f.ctx, m.ID); err != nil || n != 0 {
			t.Errorf("stored %d events (%v)", n, err)
		}
		if got := testdb.Count(t, db, "event_ids"); got != 0 {
			t.Errorf("%d event IDs kept", got)
		}
	})
}

// eventModel creates a use case and its model "m", for events.
func eventModel(t *testing.T, f *fixture) *lodestar.Model {
	t.Helper()
	uc, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "UC"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.s.CreateModel(f.ctx, lodestar.Model{UseCaseID: uc.ID, Key: "m", Name: "M"})
	if err != nil {
		t.Fatal(err)
	}
	return m
}
