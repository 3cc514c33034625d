package transfer_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/testdb"
	"github.com/lodestar-hq/lodestar/internal/transfer"
)

// originals creates use cases covering every exported field: full,
// minimal, Chinese with partial feasibility, and large amounts.
func (e *env) originals() []*lodestar.UseCase {
	e.t.Helper()
	ins := []lodestar.NewUseCase{
		{Title: "Checkout assistant", TitleZH: "结账助手", Description: "Line one\nline two, with \"quotes\"; and a semicolon",
			BusinessUnitID: e.retail.ID, SponsorID: e.sponsor.ID, AILeadID: e.lead.ID, Stage: lodestar.StageOperating,
			PainPointIDs:  []int64{e.checkout.ID, e.scrap.ID},
			Impacts:       []lodestar.Impact{{KPIID: e.conversion.ID, Change: 2.5, Confidence: 0.8}, {KPIID: e.orphan.ID, Change: -1, Confidence: 0.5}},
			ValueEstimate: 1200000, CostEstimate: 300000,
			Feasibility: lodestar.Feasibility{DataReadiness: 4, TechnicalMaturity: 3, Skills: 2, Integration: 5},
			Tags:        []string{"checkout", "machine learning"}},
		{Title: "Minimal"},
		{Title: "预测性维护", TitleZH: "预测性维护", BusinessUnitID: e.mfg.ID, Stage: lodestar.StageRejected,
			Impacts:     []lodestar.Impact{{KPIID: e.conversion.ID, Change: 0.125, Confidence: 1}},
			Feasibility: lodestar.Feasibility{Skills: 3}, Tags: []string{"维护"}},
		{Title: "Large amounts", Stage: lodestar.StageAssessment, ValueEstimate: 123456789012, CostEstimate: 987654321, SponsorID: e.sponsor.ID,
			Impacts: []lodestar.Impact{{KPIID: e.conversion.ID, Change: 1e-3, Confidence: 0}}},
	}
	var out []*lodestar.UseCase
	for _, in := range ins {
		out = append(out, ok(e.s.CreateUseCase(e.ctx, in))(e.t))
	}
	return out
}

// export runs Export and fails on an error.
func (e *env) export(format string) ([]byte, int) {
	e.t.Helper()
	var buf bytes.Buffer
	n, err := transfer.Export(e.ctx, e.s, lodestar.UseCaseFilter{}, format, &buf)
	if err != nil {
		e.t.Fatalf("Export(%s): %v", format, err)
	}
	return buf.Bytes(), n
}

// archiveAll archives every use case, so that their export imports back
// into the same inventory: a live use case's title and unit refuse a row
// as one imported twice.
func (e *env) archiveAll() {
	e.t.Helper()
	for _, uc := range e.all() {
		ok(e.s.ArchiveUseCase(e.ctx, uc.ID, true))(e.t)
	}
}

// TestExportRoundTrip: an export, CSV or XLSX, imported again creates use
// cases equal to the originals in every field an import fills, and so in
// their computed alignment and score.
func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"csv", "xlsx"} {
		t.Run(format, func(t *testing.T) {
			testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
				e := newEnv(t, db)
				orig := e.originals()
				data, n := e.export(format)
				if n != len(orig) {
					t.Errorf("Export: got count %d, want %d", n, len(orig))
				}
				tab, err := transfer.ReadTable("export."+format, data, "", 0)
				if err != nil {
					t.Fatalf("ReadTable of the export: %v", errMessage(err))
				}
				if !slices.Equal(tab.Header, transfer.Columns) {
					t.Errorf("header: got %q, want transfer.Columns %q", tab.Header, transfer.Columns)
				}
				if len(tab.Rows) != len(orig) {
					t.Fatalf("rows: got %d, want %d", len(tab.Rows), len(orig))
				}
				e.archiveAll()
				before := e.tally()
				res, err := transfer.Import(e.ctx, e.s, e.s, tab, transfer.Options{})
				if err != nil {
					t.Fatalf("Import of the export: %v", errMessage(err))
				}
				if res.Created != len(orig) || len(res.Errors) != 0 || len(res.Ignored) != 0 || len(res.NewUnits) != 0 {
					t.Fatalf("Import of the export: got created %d, errors %+v, ignored %q, new units %q; want %d and nothing else",
						res.Created, res.Errors, res.Ignored, res.NewUnits, len(orig))
				}
				e.wantTally(before, tally{"use_cases": 4, "audit_log": 4, "use_case_impacts": 4, "use_case_pain_points": 2}, "re-import")
				byTitle := map[string]*lodestar.UseCase{}
				for _, uc := range e.all() { // the originals are archived
					byTitle[uc.Title] = uc
				}
				for _, o := range orig {
					c := byTitle[o.Title]
					if c == nil {
						t.Errorf("%q: not re-created; got titles %v", o.Title, e.titles())
						continue
					}
					for _, d := range diffUseCase(o, c) {
						t.Errorf("%q: %s", o.Title, d)
					}
				}
			})
		})
	}
}

// diffUseCase lists the import-filled and computed fields that differ.
func diffUseCase(want, got *lodestar.UseCase) []string {
	var d []string
	check := func(name string, g, w any) {
		if fmt.Sprint(g) != fmt.Sprint(w) {
			d = append(d, fmt.Sprintf("%s: got %v, want %v", name, g, w))
		}
	}
	check("title_zh", got.TitleZH, want.TitleZH)
	check("description", strconv.Quote(got.Description), strconv.Quote(want.Description))
	check("business unit", got.BusinessUnitID, want.BusinessUnitID)
	check("sponsor", got.SponsorID, want.SponsorID)
	check("AI lead", got.AILeadID, want.AILeadID)
	check("stage", got.Stage, want.Stage)
	check("value", got.ValueEstimate, want.ValueEstimate)
	check("cost", got.CostEstimate, want.CostEstimate)
	check("feasibility", got.Feasibility, want.Feasibility)
	if !sameSet(got.Tags, want.Tags) {
		d = append(d, fmt.Sprintf("tags: got %q, want %q", got.Tags, want.Tags))
	}
	gp, wp := fmt.Sprint(slices.Sorted(slices.Values(got.PainPointIDs))), fmt.Sprint(slices.Sorted(slices.Values(want.PainPointIDs)))
	check("pain points", gp, wp)
	if !sameImpacts(got.Impacts, want.Impacts) {
		d = append(d, fmt.Sprintf("impacts: got %+v, want %+v", got.Impacts, want.Impacts))
	}
	check("alignment", got.Alignment, want.Alignment)
	check("score", got.Score, want.Score)
	return d
}

// TestExportColumns checks the values of each exported column.
func TestExportColumns(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		orig := e.originals()
		data, _ := e.export("csv")
		recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatalf("export is not CSV: %v", err)
		}
		if len(recs) != len(orig)+1 {
			t.Fatalf("got %d records, want a header and %d rows", len(recs), len(orig))
		}
		// Newest first, so the full use case is the last row.
		full := map[string]string{}
		for i, c := range recs[0] {
			full[c] = recs[len(recs)-1][i]
		}
		want := map[string]string{
			"id": strconv.FormatInt(orig[0].ID, 10), "title": "Checkout assistant", "title_zh": "结账助手",
			"description": orig[0].Description, "business_unit": "Retail", "stage": "operating",
			"sponsor": "sponsor@example.com", "ai_lead": "lead@example.com", "value_estimate": "1200000", "cost_estimate": "300000",
			"data_readiness": "4", "technical_maturity": "3", "skills": "2", "integration": "5", "feasibility": "3.5",
			"risk_tier": "unassessed", "score": strconv.FormatFloat(orig[0].Score, 'f', -1, 64),
			"alignment": "misaligned", "alignment_reasons": "kpi_without_goal:" + strconv.FormatInt(e.orphan.ID, 10),
			"pain_points": "Slow checkout; Scrap rate", "impacts": "Conversion rate=2.5@0.8; Orphan KPI=-1@0.5",
			"tags": "checkout; machine learning",
		}
		for col, w := range want {
			if full[col] != w {
				t.Errorf("column %s: got %q, want %q", col, full[col], w)
			}
		}
		for _, col := range []string{"created_at", "updated_at"} {
			if !strings.HasPrefix(full[col], "2030-03-04T05:06:07") || !strings.HasSuffix(full[col], "Z") {
				t.Errorf("column %s: got %q, want the test clock's time in RFC 3339 UTC", col, full[col])
			}
		}
		minimal := map[string]string{}
		for i, c := range recs[0] {
			minimal[c] = recs[len(recs)-2][i]
		}
		for _, col := range []string{"business_unit", "sponsor", "data_readiness", "pain_points", "impacts", "tags"} {
			if minimal[col] != "" {
				t.Errorf("minimal use case, column %s: got %q, want empty", col, minimal[col])
			}
		}
		if minimal["alignment"] != "misaligned" || minimal["value_estimate"] != "0" {
			t.Errorf("minimal use case: got alignment %q value %q, want misaligned and 0", minimal["alignment"], minimal["value_estimate"])
		}
	})
}

func TestExportJSON(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		data, n := e.export("json")
		var empty []map[string]any
		if err := json.Unmarshal(data, &empty); err != nil || n != 0 || len(empty) != 0 {
			t.Errorf("empty export: got %d items, count %d, err %v from %q; want an empty array", len(empty), n, err, data)
		}
		orig := e.originals()
		data, n = e.export("json")
		var got []lodestar.UseCase
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatalf("export is not a JSON array of use cases: %v\n%s", err, data)
		}
		if n != len(orig) || len(got) != len(orig) {
			t.Fatalf("got %d items, count %d, want %d", len(got), n, len(orig))
		}
		for i, uc := range got {
			o := orig[len(orig)-1-i] // newest first
			if uc.ID != o.ID || uc.Title != o.Title || uc.Alignment.Status != o.Alignment.Status || uc.Score != o.Score {
				t.Errorf("item %d: got id %d %q %s %v, want id %d %q %s %v", i, uc.ID, uc.Title, uc.Alignment.Status, uc.Score, o.ID, o.Title, o.Alignment.Status, o.Score)
			}
		}
		var raw []map[string]any
		if err := json.Unmarshal(data, &raw); err != nil {
			t.Fatal(err)
		}
		al, _ := raw[0]["alignment"].(map[string]any)
		if _, ok := al["status"]; !ok {
			t.Errorf("item: got alignment %v, want the API's alignment.status", raw[0]["alignment"])
		}
		if _, ok := al["reasons"].([]any); !ok {
			t.Errorf("item: got alignment %v, want the API's alignment.reasons list", raw[0]["alignment"])
		}
		if _, ok := raw[0]["score"]; !ok {
			t.Errorf("item: got keys %v, want score", raw[0])
		}
	})
}

// TestExportEmptyAndPaged: with no use cases every format is a header or
// an empty list; with more than a page (200) every use case is exported
// once.
func TestExportEmptyAndPaged(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		data, n := e.export("csv")
		if want := strings.Join(transfer.Columns, ",") + "\n"; string(data) != want || n != 0 {
			t.Errorf("empty CSV: got %q (count %d), want the header only", data, n)
		}
		data, _ = e.export("xlsx")
		tab, err := transfer.ReadTable("e.xlsx", data, "", 0)
		if err != nil || !slices.Equal(tab.Header, transfer.Columns) || len(tab.Rows) != 0 {
			t.Errorf("empty XLSX: got %v, %v; want the header only", tab, err)
		}

		// More than a page, written in one statement: through the store
		// each costs a transaction, which -race makes slow on SQLite.
		const total = 205
		now := sqldb.FormatTime(db.Now())
		if _, err := db.ExecContext(e.ctx, db.Rebind(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
			INSERT INTO use_cases (title, created_at, updated_at, stage_changed_at) SELECT 'Use case ' || i, ?, ?, ? FROM n`),
			total, now, now, now); err != nil {
			t.Fatalf("insert use cases: %v", err)
		}
		data, n = e.export("csv")
		recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		seen := map[string]bool{}
		for _, r := range recs[1:] {
			if seen[r[0]] {
				t.Errorf("id %s exported twice", r[0])
			}
			seen[r[0]] = true
		}
		if n != total || len(seen) != total {
			t.Errorf("got count %d and %d distinct rows, want %d", n, len(seen), total)
		}
	})
}

func TestExportBadFormat(t *testing.T) {
	t.Parallel()
	testdb.ForEach(t, func(t *testing.T, db *sqldb.DB) {
		e := newEnv(t, db)
		var buf bytes.Buffer
		_, err := transfer.Export(e.ctx, e.s, lodestar.UseCaseFilter{}, "pdf", &buf)
		if lodestar.ErrorCode(err) != lodestar.EInvalid || lodestar.ErrorFields(err)["format"] == "" {
			t.Errorf("Export(pdf): got %v, want an invalid error on the format field", err)
		}
		if buf.Len() != 0 {
			t.Errorf("Export(pdf) wrote %q, want nothing", buf.String())
		}
	})
}
