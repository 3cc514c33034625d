package transfer_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/i18n"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

// A tag is refused if it holds a list separator (an exported "R&D, EU"
// came back as two tags); other punctuation round-trips.
func TestTagsRoundTrip(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		for _, tag := range []string{"R&D, EU", "R&D; EU"} {
			_, err := e.s.CreateUseCase(e.ctx, lodestar.NewUseCase{Title: "Tagged", Tags: []string{tag}})
			if lodestar.ErrorFields(err)["tags"] == "" {
				t.Errorf("tag %q: got %v, want the tags field refused", tag, err)
			}
		}
		ok(e.s.CreateUseCase(e.ctx, lodestar.NewUseCase{Title: "Tagged", Tags: []string{"R&D/EU (2026)"}}))(t)
		data, _ := e.export("csv")
		e.archiveAll()
		res := e.mustRun("export.csv", data, transfer.Options{})
		if res.Created != 1 {
			t.Fatalf("created %d, errors %+v", res.Created, res.Errors)
		}
		if got := e.all()[0].Tags; len(got) != 1 || got[0] != "R&D/EU (2026)" {
			t.Errorf("re-imported tags: got %q", got)
		}
		// In an import file, the separators split.
		res = e.mustRun("in.csv", csvFile(map[string]string{"title": "Split", "tags": "a, b; c"}), transfer.Options{DryRun: true})
		if res.Valid != 1 || len(res.Preview[0].Tags) != 3 {
			t.Errorf("tags \"a, b; c\": valid %d, preview %+v", res.Valid, res.Preview)
		}
	})
}

// A KPI name or pain-point title that two live records share is refused,
// not linked to whichever the database listed last. The store refuses a
// second live KPI of a name (409), so two share one only from before
// that rule; pain-point titles are unique per business unit, and a row
// without a unit names them across units.
func TestSharedNamesRefused(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		kpi := lodestar.KPI{Name: "Conversion rate", Unit: "%", Direction: lodestar.DirectionUp, Baseline: 1, Target: 2, TargetDate: "2031-03-04"}
		if _, err := e.s.CreateKPI(e.ctx, kpi); lodestar.ErrorCode(err) != lodestar.EConflict {
			t.Fatalf("a second live KPI named as one: got %v, want a conflict", err)
		}
		dup := ok(e.s.CreateKPI(e.ctx, lodestar.KPI{Name: "Conversion rate (old)", Unit: "%", Direction: lodestar.DirectionUp,
			Baseline: 1, Target: 2, TargetDate: "2031-03-04"}))(t)
		if _, err := db.ExecContext(e.ctx, db.Rebind(`UPDATE kpis SET name = ? WHERE id = ?`), "Conversion rate", dup.ID); err != nil {
			t.Fatal(err)
		}
		other := ok(e.s.CreatePainPoint(e.ctx, lodestar.PainPoint{Title: "Slow checkout", BusinessUnitID: e.mfg.ID, Category: "cost", AnnualCost: 1}))(t)
		for _, tc := range []struct{ field, value, want string }{
			{"impacts", "Conversion rate=2", fmt.Sprintf(`several live KPIs are named "Conversion rate" (IDs %d, %d); rename one`, e.conversion.ID, dup.ID)},
			{"pain_points", "Slow checkout", fmt.Sprintf(`several live pain points are titled "Slow checkout" (IDs %d, %d); rename one`, e.checkout.ID, other.ID)},
		} {
			res, err := e.run("in.csv", csvFile(map[string]string{"title": "Ambiguous", tc.field: tc.value}), transfer.Options{DryRun: true})
			if err != nil {
				t.Fatalf("Import: %v", errMessage(err))
			}
			if res.Refused != 1 || len(res.Errors) != 1 || res.Errors[0].Field != tc.field || !strings.Contains(res.Errors[0].Reason, tc.want) {
				t.Errorf("%s %q shared by two live records: refused %d, errors %+v; want it refused (%s)", tc.field, tc.value, res.Refused, res.Errors, tc.want)
			}
			if len(res.Errors) == 1 {
				if zh := i18n.MustLoad().Message("zh-CN", res.Errors[0].Reason); !strings.Contains(zh, "（ID ") || !strings.Contains(zh, "请重命名其中一个") {
					t.Errorf("%s: in Chinese %q, want the IDs and the advice in Chinese", tc.field, zh)
				}
			}
		}
	})
}

// A row naming an archived unit is refused by the dry run as by the real
// run, and a new unit's name breaking the store's rules refuses its row
// alone (SkipInvalid then writes the others).
func TestUnitNamesDryRunAgrees(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		ok(e.s.ArchiveBusinessUnit(e.ctx, e.mfg.ID, true))(t)
		data := csvFile(map[string]string{"title": "One", "business_unit": "Manufacturing"})
		for _, dry := range []bool{true, false} {
			res, err := e.run("in.csv", data, transfer.Options{CreateMissing: true, DryRun: dry})
			if err != nil {
				t.Fatalf("dry run %v: %v", dry, errMessage(err))
			}
			if res.Refused != 1 || !strings.Contains(res.Errors[0].Reason, "archived") || len(res.NewUnits) != 0 {
				t.Errorf("dry run %v, archived unit: %+v; want the row refused as naming an archived unit", dry, res)
			}
		}
		long := strings.Repeat("u", 121)
		data = csvFile(map[string]string{"title": "Good row"}, map[string]string{"title": "Bad unit", "business_unit": long})
		dry := e.mustRun("in.csv", data, transfer.Options{CreateMissing: true, SkipInvalid: true, DryRun: true})
		if dry.Valid != 1 || dry.Refused != 1 || dry.Errors[0].Field != "business_unit" {
			t.Errorf("dry run: %+v; want the long unit name's row refused", dry)
		}
		res, err := e.run("in.csv", data, transfer.Options{CreateMissing: true, SkipInvalid: true})
		if err != nil || res.Created != 1 {
			t.Errorf("real run with SkipInvalid: %+v, %v; want the good row written", res, errMessage(err))
		}
	})
}

// Large amounts come back exact from an XLSX export: the General
// format's display text rounds beyond 11 digits (1.23457E+11). The
// largest allowed, lodestar.MaxEstimate less one, has 12 (it was 16 digits
// before amounts were bounded).
func TestXLSXLargeAmountRoundTrip(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		const v = int64(987654321987)
		ok(e.s.CreateUseCase(e.ctx, lodestar.NewUseCase{Title: "Big", ValueEstimate: v}))(t)
		data, _ := e.export("xlsx")
		e.archiveAll()
		res := e.mustRun("export.xlsx", data, transfer.Options{})
		if res.Created != 1 {
			t.Fatalf("created %d, errors %+v", res.Created, res.Errors)
		}
		if got := e.all()[0].ValueEstimate; got != v {
			t.Errorf("re-imported value_estimate: got %d, want %d", got, v)
		}
	})
}

// A title a spreadsheet would run as a formula is exported with an
// apostrophe before it, and imported without.
func TestCSVExportFormulaSafe(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		const title = `=HYPERLINK("http://evil.example","click")`
		ok(e.s.CreateUseCase(e.ctx, lodestar.NewUseCase{Title: title, Description: "-not a number", ValueEstimate: 5}))(t)
		data, _ := e.export("csv")
		e.archiveAll()
		if strings.Contains(string(data), `,"=HYPERLINK`) || !strings.Contains(string(data), `"'=HYPERLINK(`) || !strings.Contains(string(data), ",'-not a number,") {
			t.Errorf("export:\n%s\nwant the formula cells behind an apostrophe", data)
		}
		res := e.mustRun("export.csv", data, transfer.Options{})
		if res.Created != 1 {
			t.Fatalf("created %d, errors %+v", res.Created, res.Errors)
		}
		if got := e.all()[0]; got.Title != title || got.Description != "-not a number" {
			t.Errorf("re-imported: title %q, description %q", got.Title, got.Description)
		}
	})
}

// A title that itself starts with an apostrophe before a formula
// character survives the CSV round trip: the export adds one apostrophe,
// the import drops one (the import dropped the user's own, "'=x" came
// back "=x").
func TestCSVApostropheRoundTrip(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		const title, desc = "'=not a formula", "''+quoted twice"
		ok(e.s.CreateUseCase(e.ctx, lodestar.NewUseCase{Title: title, Description: desc}))(t)
		data, _ := e.export("csv")
		e.archiveAll()
		res := e.mustRun("export.csv", data, transfer.Options{})
		if res.Created != 1 {
			t.Fatalf("created %d, errors %+v", res.Created, res.Errors)
		}
		if got := e.all()[0]; got.Title != title || got.Description != desc {
			t.Errorf("re-imported: title %q, description %q; want %q, %q", got.Title, got.Description, title, desc)
		}
	})
}

// Amounts are whole numbers read exactly: one above 2^53 was read through
// a float64 and came back rounded (9007199254740993 as …992) — since
// amounts are bounded by lodestar.MaxEstimate (10^12) such a one is
// refused naming the bound, and the largest allowed reads exactly; the
// full-width yen sign of Chinese spreadsheets is a currency sign like ¥.
func TestImportAmountsExact(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		res := e.mustRun("a.csv", csvFile(
			map[string]string{"title": "Big", "value_estimate": "999,999,999,999", "cost_estimate": "￥1,000"},
			map[string]string{"title": "Exponent", "value_estimate": "1.5e3"},
		), transfer.Options{DryRun: true})
		if res.Valid != 2 {
			t.Fatalf("valid %d, errors %+v", res.Valid, res.Errors)
		}
		if got := res.Preview[0]; got.ValueEstimate != 999_999_999_999 || got.CostEstimate != 1000 {
			t.Errorf("got value %d cost %d, want 999999999999 and 1000", got.ValueEstimate, got.CostEstimate)
		}
		if got := res.Preview[1].ValueEstimate; got != 1500 {
			t.Errorf("1.5e3: got %d", got)
		}
		res = e.mustRun("a.csv", csvFile(map[string]string{"title": "Big", "value_estimate": "9007199254740993"}), transfer.Options{DryRun: true})
		if res.Valid != 0 || len(res.Errors) != 1 || res.Errors[0].Field != "value_estimate" || !strings.Contains(res.Errors[0].Reason, "at most 1,000,000,000,000") {
			t.Errorf("an amount beyond the bound: valid %d errors %+v, want refused naming the bound", res.Valid, res.Errors)
		}
		res = e.mustRun("a.csv", csvFile(map[string]string{"title": "Huge", "value_estimate": "99999999999999999999"}), transfer.Options{DryRun: true})
		if res.Valid != 0 || len(res.Errors) != 1 || res.Errors[0].Field != "value_estimate" {
			t.Errorf("an amount beyond int64: valid %d errors %+v, want refused", res.Valid, res.Errors)
		}
	})
}

// A row's pain points are looked up in the row's business unit first, the
// scope in which the store keeps pain-point titles unique: a title that
// two units share names the row's unit's pain point rather than refuse
// the row as ambiguous (or link another unit's). A title the row's unit
// does not hold is looked up across units as before, and a row without
// a unit sees every unit.
func TestPainPointTitleInRowUnit(t *testing.T) {
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		// Retail holds "Slow checkout" / "结账慢"; Manufacturing gets the
		// same names, which the store allows in another unit.
		other := ok(e.s.CreatePainPoint(e.ctx, lodestar.PainPoint{Title: "Slow checkout", TitleZH: "结账慢", BusinessUnitID: e.mfg.ID, Category: "cost", AnnualCost: 1}))(t)
		rows := []struct {
			title, unit, pains string
			want               []int64
		}{
			{"In retail", "Retail", "Slow checkout", []int64{e.checkout.ID}},
			{"In manufacturing", "Manufacturing", "slow CHECKOUT", []int64{other.ID}},
			{"In manufacturing, unit in Chinese", "制造", "Slow checkout", []int64{other.ID}},
			{"In manufacturing, title in Chinese", "Manufacturing", "结账慢", []int64{other.ID}},
			{"Held by another unit only", "Manufacturing", "Scrap rate", []int64{e.scrap.ID}},
		}
		var file []map[string]string
		for _, r := range rows {
			file = append(file, map[string]string{"title": r.title, "business_unit": r.unit, "pain_points": r.pains})
		}
		before := e.tally()
		res := e.mustRun("in.csv", csvFile(file...), transfer.Options{DryRun: true})
		if res.Valid != len(rows) || res.Refused != 0 {
			t.Fatalf("dry run: valid %d, refused %d, errors %+v; want every row valid", res.Valid, res.Refused, res.Errors)
		}
		e.wantTally(before, tally{}, "dry run")
		res = e.mustRun("in.csv", csvFile(file...), transfer.Options{})
		if res.Created != len(rows) {
			t.Fatalf("import: created %d, errors %+v; want %d", res.Created, res.Errors, len(rows))
		}
		got := map[string][]int64{}
		for _, uc := range e.all() {
			got[uc.Title] = uc.PainPointIDs
		}
		for _, r := range rows {
			if !slices.Equal(got[r.title], r.want) {
				t.Errorf("%s (%s, %q): linked pain points %v, want %v", r.title, r.unit, r.pains, got[r.title], r.want)
			}
		}

		// Without a unit, the title is every unit's: two hold it, and the
		// row is refused naming both (TestSharedNamesRefused); so is a row
		// whose unit holds neither but two other units do.
		ok(e.s.CreateBusinessUnit(e.ctx, lodestar.BusinessUnit{Name: "Logistics"}))(t)
		res = e.mustRun("in.csv", csvFile(map[string]string{"title": "Elsewhere", "business_unit": "Logistics", "pain_points": "Slow checkout"}), transfer.Options{DryRun: true})
		want := fmt.Sprintf(`several live pain points are titled "Slow checkout" (IDs %d, %d); rename one`, e.checkout.ID, other.ID)
		if res.Refused != 1 || len(res.Errors) != 1 || res.Errors[0].Field != "pain_points" || res.Errors[0].Reason != want {
			t.Errorf("a unit holding neither: refused %d, errors %+v; want %q", res.Refused, res.Errors, want)
		}
	})
}
