package transfer_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
	"github.com/lodestar-hq/lodestar/internal/testdb"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

// TestImportSameFileTwice: a file imported a second time (or an export
// imported back into the same inventory) does not double the inventory:
// each row naming the title and business unit of a live use case is
// refused, saying which one, so nothing is written; with SkipInvalid
// only the new rows are. A row repeating an earlier row of the file is
// refused by its line. It created every use case again.
func TestImportSameFileTwice(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		data := csvFile(goodRow("Chatbot"), map[string]string{"title": "Forecast", "business_unit": "Manufacturing"})
		e.mustRun("a.csv", data, transfer.Options{})
		before := e.tally()
		res := e.mustRun("a.csv", data, transfer.Options{})
		if res.Created != 0 || res.Refused != 2 || len(res.Errors) != 2 ||
			!strings.Contains(res.Errors[0].Reason, `a use case titled "Chatbot" already exists`) || res.Errors[0].Field != "title" || res.Errors[0].Line != 2 {
			t.Errorf("second import: got created %d refused %d errors %+v, want both rows refused as already there", res.Created, res.Refused, res.Errors)
		}
		e.wantTally(before, tally{}, "second import")

		// Case and spaces do not make a new use case; another unit does.
		more := csvFile(with(goodRow(" chatbot "), "business_unit", "retail"),
			map[string]string{"title": "Chatbot", "business_unit": "Manufacturing"},
			map[string]string{"title": "New one"}, map[string]string{"title": "new one"})
		res = e.mustRun("b.csv", more, transfer.Options{SkipInvalid: true})
		if res.Created != 2 || res.Refused != 2 {
			t.Fatalf("mixed file: got created %d refused %d errors %+v, want 2 and 2", res.Created, res.Refused, res.Errors)
		}
		if res.Errors[0].Line != 2 || res.Errors[1].Line != 5 || !strings.Contains(res.Errors[1].Reason, "line 4") {
			t.Errorf("mixed file: errors %+v, want line 2 (exists) and line 5 (repeats line 4)", res.Errors)
		}
	})
}

// TestImportConcurrentSameFile: the same file imported twice at once
// lands once; the other import is refused whole, nothing of it written.
func TestImportConcurrentSameFile(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		tab, err := transfer.ReadTable("c.csv", csvFile(goodRow("Alpha"), goodRow("Beta")), "", 0)
		if err != nil {
			t.Fatal(err)
		}
		// Both imports check against the inventory before either writes:
		// only the write can tell them apart.
		var rows []store.ImportRow
		res, err := transfer.Import(e.ctx, e.s, e.s, tab, transfer.Options{DryRun: true})
		if err != nil || res.Valid != 2 {
			t.Fatalf("dry run: %v %+v", err, res)
		}
		for i, in := range res.Preview {
			rows = append(rows, store.ImportRow{Line: i + 2, In: *in})
		}
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = e.s.ImportUseCases(context.WithoutCancel(e.ctx), nil, rows)
			}()
		}
		wg.Wait()
		if n := len(e.all()); n != 2 {
			t.Errorf("got %d use cases, want 2 (one import landed)", n)
		}
		failed := 0
		for _, err := range errs {
			if err != nil {
				failed++
				if lodestar.ErrorCode(err) != lodestar.EConflict || !strings.Contains(lodestar.ErrorMessage(err), "Line 2") {
					t.Errorf("the second import: got %v, want a conflict naming line 2", err)
				}
			}
		}
		if failed != 1 {
			t.Errorf("got %d failed imports (%v), want 1", failed, errs)
		}

		// The write's own check compares titles as the import's does:
		// "  ALPHA " is Alpha, already there.
		again := []store.ImportRow{{Line: 2, In: rows[0].In}}
		again[0].In.Title = "  ALPHA "
		before := len(e.all())
		if _, err := e.s.ImportUseCases(e.ctx, nil, again); lodestar.ErrorCode(err) != lodestar.EConflict {
			t.Errorf("a title differing in case and spaces: got %v, want a conflict", err)
		}
		if n := len(e.all()); n != before {
			t.Errorf("got %d use cases, want %d", n, before)
		}
	})
}
