package transfer_test

import (
	"context"
	"fmt"
	"slices"
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
			!strings.Contains(res.Errors[0].Reason, `a use case titled "Chatbot" / "好的用例：Chatbot" already exists`) || res.Errors[0].Field != "title" || res.Errors[0].Line != 2 {
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

// TestImportChineseTitleDuplicates: a name in either language is the use
// case's. A row whose title is a live use case's Chinese title, or whose
// Chinese title is its title or Chinese title, in the same unit, is that
// use case again: refused in the preview and the import, naming it in
// both languages on the field that collides; a row sharing a name in
// either language with an earlier row is refused by that line; and the
// write's own check (an import racing a create) refuses it too. A CSV
// row "零售用户画像系统,零售,idea" previewed "1 to create" beside the
// use case of that Chinese title.
func TestImportChineseTitleDuplicates(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		uc, err := e.s.CreateUseCase(e.ctx, lodestar.NewUseCase{Title: "Retail user-profile system", TitleZH: "零售用户画像系统", BusinessUnitID: e.retail.ID})
		if err != nil {
			t.Fatal(err)
		}
		exists := fmt.Sprintf(`a use case titled "Retail user-profile system" / "零售用户画像系统" already exists in this business unit (ID %d)`, uc.ID)
		data := csvFile(
			map[string]string{"title": "零售用户画像系统", "business_unit": "零售", "stage": "idea"},                               // line 2: its Chinese title as a title
			map[string]string{"title": "Profiles", "title_zh": " RETAIL user-profile system", "business_unit": "Retail"}, // line 3: its title as a Chinese title
			map[string]string{"title": "Churn", "title_zh": "流失模型", "business_unit": "Retail"},                           // line 4: new
			map[string]string{"title": "流失模型", "business_unit": "Retail"},                                                // line 5: line 4's Chinese title
			map[string]string{"title": "零售用户画像系统", "business_unit": "Manufacturing"},                                     // line 6: another unit
		)
		wantRefusals := func(what string, res *transfer.Result) {
			t.Helper()
			var got []string
			for _, er := range res.Errors {
				got = append(got, fmt.Sprintf("%d:%s", er.Line, er.Field))
			}
			if want := []string{"2:title", "3:title_zh", "5:title"}; !slices.Equal(got, want) {
				t.Fatalf("%s: refusals %q, want %q (%+v)", what, got, want, res.Errors)
			}
			for _, er := range res.Errors[:2] {
				if !strings.Contains(er.Reason, exists) {
					t.Errorf("%s: line %d: reason %q, want it to say %q", what, er.Line, er.Reason, exists)
				}
			}
			if !strings.Contains(res.Errors[2].Reason, "line 4") {
				t.Errorf("%s: line 5: reason %q, want it to name line 4", what, res.Errors[2].Reason)
			}
		}
		before := e.tally()
		res := e.mustRun("zh.csv", data, transfer.Options{DryRun: true})
		wantRefusals("preview", res)
		var preview []string
		for _, in := range res.Preview {
			preview = append(preview, in.Title)
		}
		if res.Valid != 2 || res.Refused != 3 || !slices.Equal(preview, []string{"Churn", "零售用户画像系统"}) {
			t.Errorf("preview: got valid %d refused %d %q, want 2 (Churn, 零售用户画像系统 in Manufacturing) and 3", res.Valid, res.Refused, preview)
		}
		e.wantTally(before, nil, "preview")
		res = e.mustRun("zh.csv", data, transfer.Options{})
		wantRefusals("import", res)
		if res.Created != 0 {
			t.Errorf("import: created %d, want 0 (a row refused: nothing written)", res.Created)
		}
		e.wantTally(before, nil, "import with refused rows")
		res = e.mustRun("zh.csv", data, transfer.Options{SkipInvalid: true})
		wantRefusals("import with skip-invalid", res)
		if res.Created != 2 || len(e.all()) != 3 {
			t.Errorf("import with skip-invalid: created %d (%d use cases), want 2 (3)", res.Created, len(e.all()))
		}

		// Checked before the write, a row can be overtaken by a use case
		// created meanwhile: the write refuses it by either name.
		before = e.tally()
		for _, in := range []lodestar.NewUseCase{
			{Title: "New one", TitleZH: "零售用户画像系统", BusinessUnitID: e.retail.ID},
			{Title: "Retail USER-profile system ", BusinessUnitID: e.retail.ID},
			{Title: "零售用户画像系统", BusinessUnitID: e.retail.ID},
			{Title: "New one", TitleZH: "Retail user-profile system", BusinessUnitID: e.retail.ID},
		} {
			_, err := e.s.ImportUseCases(e.ctx, nil, []store.ImportRow{{Line: 7, In: in}})
			if lodestar.ErrorCode(err) != lodestar.EConflict || !strings.Contains(lodestar.ErrorMessage(err), "Line 7") {
				t.Errorf("write of %q / %q: got %v, want a conflict naming line 7", in.Title, in.TitleZH, err)
			}
		}
		e.wantTally(before, nil, "writes refused")
	})
}

// TestImportDuplicateWithoutUnit: a row with no business unit that names
// a live use case with none is refused saying where that one is — among
// the use cases with no business unit — not "in this business unit",
// which the row does not name; a row in a unit still names the unit.
func TestImportDuplicateWithoutUnit(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		loose, err := e.s.CreateUseCase(e.ctx, lodestar.NewUseCase{Title: "Churn model", TitleZH: "流失模型"})
		if err != nil {
			t.Fatal(err)
		}
		inUnit, err := e.s.CreateUseCase(e.ctx, lodestar.NewUseCase{Title: "Churn model", TitleZH: "流失模型", BusinessUnitID: e.retail.ID})
		if err != nil {
			t.Fatal(err)
		}
		res := e.mustRun("loose.csv", csvFile(
			map[string]string{"title": "CHURN model", "stage": "idea"},                     // line 2: no unit
			map[string]string{"title": "流失模型", "business_unit": "Retail", "stage": "idea"}, // line 3: in Retail
		), transfer.Options{DryRun: true})
		want := []string{
			fmt.Sprintf(`a use case titled "Churn model" / "流失模型" already exists among the use cases with no business unit (ID %d); it is not imported twice`, loose.ID),
			fmt.Sprintf(`a use case titled "Churn model" / "流失模型" already exists in this business unit (ID %d); it is not imported twice`, inUnit.ID),
		}
		if len(res.Errors) != 2 {
			t.Fatalf("refusals: got %+v, want lines 2 and 3", res.Errors)
		}
		for i, er := range res.Errors {
			if er.Line != i+2 || er.Field != "title" || er.Reason != want[i] {
				t.Errorf("refusal %d: got line %d %s %q, want line %d title %q", i, er.Line, er.Field, er.Reason, i+2, want[i])
			}
		}
	})
}
