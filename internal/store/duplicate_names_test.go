package store_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestDuplicateNamesEitherLanguage: two live use cases (or goals) of a
// business unit may not share a name in either language. A new, renamed,
// moved or restored one whose title or Chinese title is (ignoring case)
// the title or Chinese title of a live one is a 409 naming that one in
// both languages, on the field that collides, and nothing changes. A
// Chinese team writing Chinese names in the title field doubled its
// inventory: only title was compared with title.
func TestDuplicateNamesEitherLanguage(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bu := f.unit("Retail", 0)
		other := f.unit("Wholesale", 0)
		first := f.useCase(lodestar.NewUseCase{Title: "Retail user-profile system", TitleZH: "零售用户画像系统", BusinessUnitID: bu.ID})
		const names = `"Retail user-profile system" / "零售用户画像系统"`
		wantDup := func(err error, what, field string, id int64, names string) {
			t.Helper()
			wantError(t, err, lodestar.EConflict, field)
			want := fmt.Sprintf("titled %s already exists in this business unit (ID %d).", names, id)
			if err == nil || !strings.Contains(lodestar.ErrorMessage(err), want) {
				t.Errorf("%s: got %v, want a message containing %q", what, err, want)
			}
		}

		before := f.snapshot()
		for _, tc := range []struct{ what, title, titleZH, field string }{
			{"Chinese title in the title field", "零售用户画像系统", "", "title"},
			{"title as the Chinese title", "Something else", " RETAIL USER-PROFILE SYSTEM ", "title_zh"},
			{"the same Chinese title", "Something else", "零售用户画像系统", "title_zh"},
			{"English title, Chinese title of its own", "retail user-profile system", "别的", "title"},
		} {
			_, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: tc.title, TitleZH: tc.titleZH, BusinessUnitID: bu.ID})
			wantDup(err, "create: "+tc.what, tc.field, first.ID, names)
		}
		f.wantSame(before)

		// In another unit, the names are free.
		moved := f.useCase(lodestar.NewUseCase{Title: "零售用户画像系统", BusinessUnitID: other.ID})
		// A rename in either language onto the first's names is refused.
		second := f.useCase(lodestar.NewUseCase{Title: "Churn model", TitleZH: "流失模型", BusinessUnitID: bu.ID})
		before = f.snapshot()
		_, err := f.s.UpdateUseCase(f.ctx, second.ID, lodestar.NewUseCase{Title: "零售用户画像系统", TitleZH: "流失模型", BusinessUnitID: bu.ID})
		wantDup(err, "rename the title", "title", first.ID, names)
		_, err = f.s.UpdateUseCase(f.ctx, second.ID, lodestar.NewUseCase{Title: "Churn model", TitleZH: "Retail User-Profile System", BusinessUnitID: bu.ID})
		wantDup(err, "rename the Chinese title", "title_zh", first.ID, names)
		// ... and a move of one whose title is the first's Chinese title.
		_, err = f.s.UpdateUseCase(f.ctx, moved.ID, lodestar.NewUseCase{Title: "零售用户画像系统", BusinessUnitID: bu.ID})
		wantDup(err, "move", "title", first.ID, names)
		f.wantSame(before)
		// Renaming the first in its other language onto itself is no
		// duplicate: its title as its own Chinese title.
		if _, err := f.s.UpdateUseCase(f.ctx, first.ID, lodestar.NewUseCase{Title: "Retail user-profile system", TitleZH: "retail USER-profile system", BusinessUnitID: bu.ID}); err != nil {
			t.Errorf("the Chinese title set to its own title: %v", err)
		}
		if _, err := f.s.UpdateUseCase(f.ctx, first.ID, lodestar.NewUseCase{Title: "Retail user-profile system", TitleZH: "零售用户画像系统", BusinessUnitID: bu.ID}); err != nil {
			t.Fatal(err)
		}

		// Archived, its names are free; restored beside one holding its
		// Chinese title, it is refused, naming the live one.
		if _, err := f.s.ArchiveUseCase(f.ctx, first.ID, true); err != nil {
			t.Fatal(err)
		}
		third := f.useCase(lodestar.NewUseCase{Title: "Profile system", TitleZH: "零售用户画像系统", BusinessUnitID: bu.ID})
		before = f.snapshot()
		_, err = f.s.ArchiveUseCase(f.ctx, first.ID, false)
		wantDup(err, "restore", "title_zh", third.ID, `"Profile system" / "零售用户画像系统"`)
		f.wantSame(before)

		// A duplicate from before the rule can still be edited, and its
		// title changed, as long as the new title is free: only the names
		// an edit changes are checked.
		if _, err := db.ExecContext(f.ctx, db.Rebind(`UPDATE use_cases SET title_zh = ? WHERE id = ?`), "零售用户画像系统", second.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.s.UpdateUseCase(f.ctx, second.ID, lodestar.NewUseCase{Title: "Churn model v2", TitleZH: "零售用户画像系统", BusinessUnitID: bu.ID, Description: "kept"}); err != nil {
			t.Errorf("editing a duplicate made before the rule: %v", err)
		}

		// Goals: the same rule.
		g := f.goal("Grow revenue", bu.ID)
		if _, err := f.s.UpdateGoal(f.ctx, g.ID, lodestar.Goal{Title: "Grow revenue", TitleZH: "增加收入", BusinessUnitID: bu.ID, Horizon: "year"}); err != nil {
			t.Fatal(err)
		}
		const goalNames = `"Grow revenue" / "增加收入"`
		before = f.snapshot()
		for _, tc := range []struct{ what, title, titleZH, field string }{
			{"Chinese title in the title field", "增加收入", "", "title"},
			{"title as the Chinese title", "Revenue", "grow REVENUE", "title_zh"},
			{"the same Chinese title", "Revenue", "增加收入", "title_zh"},
		} {
			_, err := f.s.CreateGoal(f.ctx, lodestar.Goal{Title: tc.title, TitleZH: tc.titleZH, BusinessUnitID: bu.ID, Horizon: "year"})
			wantDup(err, "goal create: "+tc.what, tc.field, g.ID, goalNames)
		}
		f.wantSame(before)
		g2 := f.goal("Cut cost", bu.ID)
		g3 := f.goal("增加收入", other.ID)
		before = f.snapshot()
		_, err = f.s.UpdateGoal(f.ctx, g2.ID, lodestar.Goal{Title: "Cut cost", TitleZH: "增加收入", BusinessUnitID: bu.ID, Horizon: "year"})
		wantDup(err, "goal rename", "title_zh", g.ID, goalNames)
		_, err = f.s.UpdateGoal(f.ctx, g3.ID, lodestar.Goal{Title: "增加收入", BusinessUnitID: bu.ID, Horizon: "year"})
		wantDup(err, "goal move", "title", g.ID, goalNames)
		f.wantSame(before)
		if _, err := f.s.ArchiveGoal(f.ctx, g.ID, true); err != nil {
			t.Fatal(err)
		}
		g4 := f.goal("增加收入", bu.ID)
		before = f.snapshot()
		_, err = f.s.ArchiveGoal(f.ctx, g.ID, false)
		wantDup(err, "goal restore", "title_zh", g4.ID, `"增加收入"`)
		f.wantSame(before)
	})
}

// TestDuplicateNamesWithoutUnit: use cases (and goals) with no business
// unit share the rule among themselves, and the 409 says so: "in this
// business unit" described a unit the record does not have. In a unit,
// the message still names the unit.
func TestDuplicateNamesWithoutUnit(t *testing.T) {
	t.Parallel()
	forEachDB(t, func(t *testing.T, db *sqldb.DB) {
		f := newFixture(t, db)
		bu := f.unit("Retail", 0)
		wantMsg := func(err error, what, field, want string) {
			t.Helper()
			wantError(t, err, lodestar.EConflict, field)
			if err == nil || lodestar.ErrorMessage(err) != want {
				t.Errorf("%s: got %v, want the message %q", what, err, want)
			}
			var le *lodestar.Error
			if errors.As(err, &le) && le.Fields[field] != want {
				t.Errorf("%s: field %s says %q, want %q", what, field, le.Fields[field], want)
			}
		}

		loose := f.useCase(lodestar.NewUseCase{Title: "Churn model", TitleZH: "流失模型"})
		inUnit := f.useCase(lodestar.NewUseCase{Title: "Churn model", TitleZH: "流失模型", BusinessUnitID: bu.ID})
		before := f.snapshot()
		_, err := f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "churn MODEL"})
		wantMsg(err, "use case, no unit", "title",
			fmt.Sprintf(`A use case titled "Churn model" / "流失模型" already exists among the use cases with no business unit (ID %d).`, loose.ID))
		_, err = f.s.CreateUseCase(f.ctx, lodestar.NewUseCase{Title: "Other", TitleZH: "流失模型", BusinessUnitID: bu.ID})
		wantMsg(err, "use case in a unit", "title_zh",
			fmt.Sprintf(`A use case titled "Churn model" / "流失模型" already exists in this business unit (ID %d).`, inUnit.ID))
		// Moved out of its unit beside the one with none: the same.
		_, err = f.s.UpdateUseCase(f.ctx, inUnit.ID, lodestar.NewUseCase{Title: "Churn model", TitleZH: "流失模型"})
		wantMsg(err, "use case moved out of its unit", "title",
			fmt.Sprintf(`A use case titled "Churn model" / "流失模型" already exists among the use cases with no business unit (ID %d).`, loose.ID))
		f.wantSame(before)

		g := f.goal("Grow revenue", 0)
		gu := f.goal("Grow revenue", bu.ID)
		before = f.snapshot()
		_, err = f.s.CreateGoal(f.ctx, lodestar.Goal{Title: "GROW revenue", Horizon: "year"})
		wantMsg(err, "goal, no unit", "title",
			fmt.Sprintf(`A goal titled "Grow revenue" already exists among the goals with no business unit (ID %d).`, g.ID))
		_, err = f.s.CreateGoal(f.ctx, lodestar.Goal{Title: "grow revenue", BusinessUnitID: bu.ID, Horizon: "year"})
		wantMsg(err, "goal in a unit", "title",
			fmt.Sprintf(`A goal titled "Grow revenue" already exists in this business unit (ID %d).`, gu.ID))
		f.wantSame(before)
	})
}
