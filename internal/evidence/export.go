package evidence

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

func num(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return ""
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// formulaStart are the first characters that make a spreadsheet read a
// CSV cell as a formula (as in internal/transfer, whose inventory export
// defuses them the same way).
const formulaStart = "=+-@\t\r"

// CSVWriter writes records with every cell that a spreadsheet opening the
// file would run as a formula prefixed with an apostrophe: groups, the
// reference group, features and variants are named by the uploaded file,
// so a group "=HYPERLINK(…)" would otherwise run on the computer of
// whoever opens the export. Numbers ("-0.25") stay as they are. Write may
// change rec. The commands' CSV outputs (fairness, explain, permutation
// importance, abtest) write through it too.
type CSVWriter struct{ *csv.Writer }

// NewCSVWriter returns a CSVWriter writing to w.
func NewCSVWriter(w io.Writer) CSVWriter { return CSVWriter{csv.NewWriter(w)} }

func (w CSVWriter) Write(rec []string) error {
	for i, c := range rec {
		if c != "" && strings.IndexByte(formulaStart, c[0]) >= 0 {
			if _, err := strconv.ParseFloat(c, 64); err != nil {
				rec[i] = "'" + c
			}
		}
	}
	return w.Writer.Write(rec)
}

// FairnessFigures lists a group's rates in output order, by metric name
// (the CSV export's rows, the lodestar fairness command's columns).
func FairnessFigures(m fairness.GroupMetrics) []NamedEstimate {
	return []NamedEstimate{
		{"base_rate", m.BaseRate}, {"selection_rate", m.SelectionRate}, {"tpr", m.TPR}, {"fpr", m.FPR},
		{"fnr", m.FNR}, {"ppv", m.PPV}, {"accuracy", m.Accuracy},
	}
}

// NamedEstimate is one figure of a report with its metric name.
type NamedEstimate struct {
	Name string
	E    fairness.Estimate
}

// FairnessCSVHeader is the header of WriteFairnessCSV's output.
var FairnessCSVHeader = []string{"scope", "group", "metric", "value", "ci_lo", "ci_hi"}

// WriteFairnessCSV writes a report one figure per row (tidy): scope
// (group, overall or disparity), group, metric, value, ci_lo, ci_hi; an
// undefined value is an empty cell. The row "favourable" (positive or
// negative) says which prediction's rate the impact ratios, the lowest
// impact ratio and the four-fifths rule were computed on. It is also the output of `lodestar
// fairness --format csv`, so an exported audit and the command's output
// are the same file.
func WriteFairnessCSV(w io.Writer, rep *fairness.Report) error {
	cw := NewCSVWriter(w)
	cw.Write(FairnessCSVHeader)
	row := func(scope, group, metric string, e fairness.Estimate) {
		lo, hi := "", ""
		if e.CI != nil {
			lo, hi = num(e.CI.Lo), num(e.CI.Hi)
		}
		cw.Write([]string{scope, group, metric, num(e.Value), lo, hi})
	}
	count := func(scope, group, metric string, n int64) {
		cw.Write([]string{scope, group, metric, strconv.FormatInt(n, 10), "", ""})
	}
	emit := func(scope string, m fairness.GroupMetrics) {
		count(scope, m.Group, "n", m.N)
		count(scope, m.Group, "tp", m.TP)
		count(scope, m.Group, "fp", m.FP)
		count(scope, m.Group, "tn", m.TN)
		count(scope, m.Group, "fn", m.FN)
		for _, f := range FairnessFigures(m) {
			row(scope, m.Group, f.Name, f.E)
		}
	}
	for _, g := range rep.Groups {
		emit("group", g)
		row("group", g.Group, "impact_ratio", g.ImpactRatio)
		cw.Write([]string{"group", g.Group, "adverse_impact", strconv.FormatBool(g.AdverseImpact), "", ""})
	}
	emit("overall", rep.Overall)
	row("disparity", "", "demographic_parity_difference", rep.DemographicParityDifference)
	row("disparity", "", "demographic_parity_ratio", rep.DemographicParityRatio)
	row("disparity", "", "equalized_odds_difference", rep.EqualizedOddsDifference)
	row("disparity", "", "equal_opportunity_difference", rep.EqualOpportunityDifference)
	fav := rep.Favourable
	if fav == "" { // a report written before the field existed
		fav = "positive"
	}
	cw.Write([]string{"disparity", rep.Reference, "favourable", fav, "", ""})
	row("disparity", rep.Reference, "min_impact_ratio", rep.MinImpactRatio)
	cw.Write([]string{"disparity", rep.Reference, "four_fifths_rule_met", strconv.FormatBool(rep.FourFifthsRuleMet), "", ""})
	cw.Flush()
	return cw.Error()
}

// ExplanationCSVHeader is the header of WriteExplanationCSV's output.
var ExplanationCSVHeader = []string{"scope", "line", "feature", "value"}

// WriteExplanationCSV writes a result one figure per row (tidy): first
// the global importance (scope importance, feature, mean |SHAP|) most
// important first, then each kept row's SHAP value per feature (scope
// shap, line, feature, value) followed by its bias, margin and prediction
// (as the features "(bias)", "(margin)" and "(prediction)").
func WriteExplanationCSV(w io.Writer, res *ExplanationResult) error {
	cw := NewCSVWriter(w)
	cw.Write(ExplanationCSVHeader)
	for _, f := range res.Importance {
		cw.Write([]string{"importance", "", f.Feature, num(f.Importance)})
	}
	for _, r := range res.Rows {
		line := strconv.Itoa(r.Line)
		for j, v := range r.SHAP {
			cw.Write([]string{"shap", line, res.Features[j], num(v)})
		}
		cw.Write([]string{"shap", line, "(bias)", num(res.Bias)})
		cw.Write([]string{"shap", line, "(margin)", num(r.Margin)})
		cw.Write([]string{"shap", line, "(prediction)", num(r.Prediction)})
	}
	cw.Flush()
	return cw.Error()
}

// BOM is the UTF-8 byte-order mark every CSV download starts with: Excel
// opens a CSV without it in the system's code page (GBK on Chinese
// Windows), garbling every Chinese name. Lodestar's own import, pandas
// (encoding="utf-8-sig") and Excel skip it; what the command line writes
// to stdout or a file has none.
const BOM = "\ufeff"

// Download is an export ready to send: its bytes, content type and file
// name.
type Download struct {
	Body        []byte
	ContentType string
	FileName    string
}

func exportFormat(format string) (string, error) {
	switch format {
	case "", "json":
		return "json", nil
	case "csv":
		return "csv", nil
	}
	return "", lodestar.FieldError("format", "Choose json or csv.")
}

// ExportFairness exports an audit: as JSON, the stored audit itself
// (parameters, input hash, result); as CSV, the report's figures in the
// tidy columns of WriteFairnessCSV.
func ExportFairness(a *lodestar.FairnessAudit, format string) (*Download, error) {
	format, err := exportFormat(format)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("fairness-audit-%d.%s", a.ID, format)
	var buf bytes.Buffer
	if format == "json" {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(a)
		return &Download{buf.Bytes(), "application/json; charset=utf-8", name}, err
	}
	var rep fairness.Report
	if err := json.Unmarshal(a.Result, &rep); err != nil {
		return nil, fmt.Errorf("fairness audit %d result: %w", a.ID, err)
	}
	buf.WriteString(BOM)
	err = WriteFairnessCSV(&buf, &rep)
	return &Download{buf.Bytes(), "text/csv; charset=utf-8", name}, err
}

// ExportExplanation exports a report: as JSON, the stored report; as
// CSV, its figures in the tidy columns of WriteExplanationCSV.
func ExportExplanation(e *lodestar.ExplanationReport, format string) (*Download, error) {
	format, err := exportFormat(format)
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("explanation-%d.%s", e.ID, format)
	var buf bytes.Buffer
	if format == "json" {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		err = enc.Encode(e)
		return &Download{buf.Bytes(), "application/json; charset=utf-8", name}, err
	}
	var res ExplanationResult
	if err := json.Unmarshal(e.Result, &res); err != nil {
		return nil, fmt.Errorf("explanation %d result: %w", e.ID, err)
	}
	buf.WriteString(BOM)
	err = WriteExplanationCSV(&buf, &res)
	return &Download{buf.Bytes(), "text/csv; charset=utf-8", name}, err
}

// AuditCSVHeader is the first line WriteAuditCSV writes.
var AuditCSVHeader = []string{"seq", "at", "actor_id", "actor", "action", "entity_type", "entity_id", "before", "after", "prev_hash", "hash"}

// WriteAuditCSV writes every audit entry f matches as CSV, newest first,
// each with its hashes, so that the chain of a period can be checked
// outside Lodestar; it returns the number of entries written. It reads
// find's pages by sequence number, downwards from the newest entry when
// it began, so entries appended meanwhile are not mixed in; f's Before
// and Limit are its own.
func WriteAuditCSV(ctx context.Context, find func(context.Context, lodestar.AuditFilter) ([]*lodestar.AuditEvent, error),
	f lodestar.AuditFilter, w io.Writer) (int, error) {
	cw := NewCSVWriter(w)
	err := cw.Write(AuditCSVHeader)
	f.Before, f.Limit, f.ByTime = 0, 500, false
	n := 0
	for err == nil {
		var evs []*lodestar.AuditEvent
		if evs, err = find(ctx, f); err != nil {
			break
		}
		for _, ev := range evs {
			// at as the hash covers it (sqldb.TimeLayout, fixed-width to
			// the microsecond), so a row's hash can be computed again
			// from the file alone (README, "audit export").
			if err = cw.Write([]string{strconv.FormatInt(ev.Seq, 10), sqldb.FormatTime(ev.At), strconv.FormatInt(ev.ActorID, 10),
				ev.Actor, ev.Action, ev.EntityType, ev.EntityID, ev.Before, ev.After, ev.PrevHash, ev.Hash}); err != nil {
				break
			}
			n++
		}
		if len(evs) < f.Limit {
			break
		}
		f.Before = evs[len(evs)-1].Seq
	}
	if cw.Flush(); err == nil {
		err = cw.Error()
	}
	return n, err
}
