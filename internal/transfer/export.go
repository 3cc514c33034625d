// Package transfer moves use-case inventories in and out of Lodestar as
// CSV, XLSX and JSON, through the services, so imports get the same
// validation and audit as the UI and API. Export columns use the API's
// field names, so an export can be imported again.
package transfer

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
)

// Services are what export and import read and write through.
type Services interface {
	lodestar.UseCaseService
	lodestar.BusinessUnitService
	lodestar.UserService
	lodestar.KPIService
	lodestar.PainPointService
}

// Formats lists the export formats.
var Formats = []string{"csv", "xlsx", "json"}

// Columns are the export's columns, in order: the API's field names, plus
// computed ones (feasibility, score, alignment) that an import ignores.
var Columns = []string{"id", "title", "title_zh", "description", "business_unit", "stage", "sponsor", "ai_lead",
	"value_estimate", "cost_estimate", "data_readiness", "technical_maturity", "skills", "integration", "feasibility",
	"risk_tier", "score", "alignment", "alignment_reasons", "pain_points", "impacts", "tags", "created_at", "updated_at"}

// names resolves IDs to the names an export shows.
type names struct {
	unit map[int64]string
	user map[int64]string
	kpi  map[int64]string
	pain map[int64]string
}

func loadNames(ctx context.Context, svc Services) (*names, error) {
	n := &names{unit: map[int64]string{}, user: map[int64]string{}, kpi: map[int64]string{}, pain: map[int64]string{}}
	units, err := svc.ListBusinessUnits(ctx, lodestar.ListFilter{Archived: true})
	if err != nil {
		return nil, err
	}
	for _, u := range units {
		n.unit[u.ID] = u.Name
	}
	users, err := svc.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range users {
		n.user[u.ID] = u.Email
	}
	kpis, err := svc.ListKPIs(ctx, lodestar.ListFilter{Archived: true})
	if err != nil {
		return nil, err
	}
	for _, k := range kpis {
		n.kpi[k.ID] = k.Name
	}
	pains, err := svc.ListPainPoints(ctx, lodestar.ListFilter{Archived: true})
	if err != nil {
		return nil, err
	}
	for _, p := range pains {
		n.pain[p.ID] = p.Title
	}
	return n, nil
}

// record is one use case as export cells.
func (n *names) record(uc *lodestar.UseCase) []string {
	var pains, impacts []string
	for _, id := range uc.PainPointIDs {
		pains = append(pains, n.pain[id])
	}
	for _, imp := range uc.Impacts {
		impacts = append(impacts, fmt.Sprintf("%s=%s@%s", n.kpi[imp.KPIID], fnum(imp.Change), fnum(imp.Confidence)))
	}
	f := uc.Feasibility
	return []string{strconv.FormatInt(uc.ID, 10), uc.Title, uc.TitleZH, uc.Description, n.unit[uc.BusinessUnitID], uc.Stage,
		n.user[uc.SponsorID], n.user[uc.AILeadID], strconv.FormatInt(uc.ValueEstimate, 10), strconv.FormatInt(uc.CostEstimate, 10),
		itoa0(f.DataReadiness), itoa0(f.TechnicalMaturity), itoa0(f.Skills), itoa0(f.Integration),
		fnum(portfolio.FeasibilityMean(f)), uc.RiskTier, fnum(uc.Score), uc.Alignment.Status, strings.Join(uc.Alignment.Reasons, "; "),
		strings.Join(pains, "; "), strings.Join(impacts, "; "), strings.Join(uc.Tags, "; "),
		uc.CreatedAt.UTC().Format(time.RFC3339), uc.UpdatedAt.UTC().Format(time.RFC3339)}
}

func itoa0(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// formulaStart are the first characters that make a spreadsheet read a
// CSV cell as a formula.
const formulaStart = "=+-@\t\r"

// formulaSafe prefixes with an apostrophe every cell that a spreadsheet
// opening the CSV file would run as a formula ("=HYPERLINK(…)" in a
// title); numbers ("-5") stay as they are. Import drops the apostrophe
// again (unformula), so an export still imports as it was. A cell that
// already reads as apostrophes before a formula character ("'=x", typed
// so by a user) gets one too, or the import would drop the user's own.
func formulaSafe(rec []string) []string {
	for i, c := range rec {
		if defused(c) {
			rec[i] = "'" + c
		} else if c != "" && strings.IndexByte(formulaStart, c[0]) >= 0 {
			if _, err := strconv.ParseFloat(c, 64); err != nil {
				rec[i] = "'" + c
			}
		}
	}
	return rec
}

// defused reports whether c is apostrophes followed by a formula
// character: what formulaSafe makes of a formula, and what unformula
// takes one apostrophe from.
func defused(c string) bool {
	t := strings.TrimLeft(c, "'")
	return len(t) < len(c) && t != "" && strings.IndexByte(formulaStart, t[0]) >= 0
}

func fnum(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// each calls fn for every use case matching f, a page at a time.
func each(ctx context.Context, svc Services, f lodestar.UseCaseFilter, fn func(*lodestar.UseCase) error) error {
	f.Limit, f.Sort, f.Offset = 200, "", 0
	for {
		page, _, err := svc.FindUseCases(ctx, f)
		if err != nil {
			return err
		}
		for _, uc := range page {
			if err := fn(uc); err != nil {
				return err
			}
		}
		if len(page) < f.Limit {
			return nil
		}
		f.After = page[len(page)-1].ID
	}
}

// Export writes every use case matching f to w in format, newest first.
// It returns how many it wrote.
func Export(ctx context.Context, svc Services, f lodestar.UseCaseFilter, format string, w io.Writer) (int, error) {
	n, err := loadNames(ctx, svc)
	if err != nil {
		return 0, err
	}
	count := 0
	switch format {
	case "csv":
		cw := csv.NewWriter(w)
		if err := cw.Write(Columns); err != nil {
			return 0, err
		}
		err = each(ctx, svc, f, func(uc *lodestar.UseCase) error { count++; return cw.Write(formulaSafe(n.record(uc))) })
		cw.Flush()
		if err == nil {
			err = cw.Error()
		}
	case "json":
		// One array, written as it streams, each item the API's shape.
		if _, err := io.WriteString(w, "[\n"); err != nil {
			return 0, err
		}
		enc := json.NewEncoder(w)
		err = each(ctx, svc, f, func(uc *lodestar.UseCase) error {
			if count > 0 {
				if _, err := io.WriteString(w, ","); err != nil {
					return err
				}
			}
			count++
			return enc.Encode(uc)
		})
		if err == nil {
			_, err = io.WriteString(w, "]\n")
		}
	case "xlsx":
		count, err = exportXLSX(ctx, svc, f, n, w)
	default:
		return 0, lodestar.FieldError("format", "Format must be csv, xlsx or json.")
	}
	return count, err
}

func exportXLSX(ctx context.Context, svc Services, f lodestar.UseCaseFilter, n *names, w io.Writer) (int, error) {
	x := excelize.NewFile()
	defer x.Close()
	const sheet = "Use cases"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return 0, err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	row := func(i int, cells []string) error {
		vals := make([]any, len(cells))
		for j, c := range cells {
			vals[j] = c
		}
		cell, _ := excelize.CoordinatesToCellName(1, i)
		return sw.SetRow(cell, vals)
	}
	if err := row(1, Columns); err != nil {
		return 0, err
	}
	count := 0
	err = each(ctx, svc, f, func(uc *lodestar.UseCase) error {
		count++
		rec := n.record(uc)
		vals := make([]any, len(rec))
		for j, c := range rec {
			vals[j] = c
			switch Columns[j] { // numbers as numbers, so spreadsheets can sum them
			case "id", "value_estimate", "cost_estimate":
				vals[j], _ = strconv.ParseInt(c, 10, 64)
			case "score", "feasibility":
				vals[j], _ = strconv.ParseFloat(c, 64)
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, count+1)
		return sw.SetRow(cell, vals)
	})
	if err != nil {
		return 0, err
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	_, err = x.WriteTo(w)
	return count, err
}
