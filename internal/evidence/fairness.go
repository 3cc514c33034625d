// Package evidence turns uploaded evidence — a CSV of a classifier's
// decisions, an XGBoost model with a sample of its inputs — into the
// fairness and explain engines' inputs, runs them, and writes their
// results for export. It is pure: no database, no HTTP. Every refusal is
// a *lodestar.Error naming the field at fault (the file, a column, a
// parameter), so the service can store nothing and say why.
//
// Files are read by internal/tabular, whose stated rules apply: UTF-8
// (with or without BOM), GB18030 or Windows-1252, detected or given;
// comma, semicolon or tab, detected from the header or given; LF or CRLF;
// RFC 4180 quoting; header names trimmed, a blank one named column_N, a
// duplicated one selectable only by position (#N).
package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/dataset"
	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

// MaxBootstrap is the most bootstrap replicates an audit may ask for.
const MaxBootstrap = 10000

// MinBootstrap is the fewest bootstrap replicates an audit may ask for,
// 0 (no intervals) aside: with fewer, the 2.5th and 97.5th percentiles are
// the extreme replicates, and a handful of replicates gives an interval
// that may not even contain the estimate.
const MinBootstrap = 100

// BootstrapRule is the refusal of a replicate count, for the lodestar
// fairness command and the service alike.
const BootstrapRule = "Bootstrap replicates must be 0 (no intervals) or between 100 and 10,000."

// FavourableRule is the refusal of a favourable outcome.
const FavourableRule = "Choose positive or negative: which prediction is the favourable outcome for the people decided on."

// CheckBootstrap reports whether n replicates are allowed.
func CheckBootstrap(n int) bool { return n == 0 || n >= MinBootstrap && n <= MaxBootstrap }

// DefaultLevel is the confidence level when none is given.
const DefaultLevel = 0.95

// LevelRule is the refusal of a confidence level.
const LevelRule = "The confidence level must be between 0 and 1, e.g. 0.95."

// invalid is the refusal of an upload, with the fields at fault.
func invalid(fields map[string]string) error {
	return &lodestar.Error{Code: lodestar.EInvalid, Message: "The evidence could not be computed; check the fields.", Fields: fields}
}

// TableOptions checks an encoding and separator and turns them into
// tabular options; field errors go into fields.
func TableOptions(encoding, separator, name string, fields map[string]string) tabular.Options {
	opt := tabular.Options{Encoding: strings.TrimSpace(encoding), Name: name}
	var ok bool
	if opt.Separator, ok = tabular.SeparatorNamed(strings.TrimSpace(separator)); !ok {
		fields["separator"] = "Choose comma, semicolon or tab, or leave it empty to detect it."
	}
	if tabular.CheckEncoding(opt.Encoding) != nil {
		fields["encoding"] = "Choose utf-8, gb18030, gbk, windows-1252 or latin1, or leave it empty to detect it."
	}
	return opt
}

// CheckFairnessParams trims and checks the parameters, filling defaults
// (level 0.95), and returns the field errors.
func CheckFairnessParams(p *lodestar.FairnessParams) map[string]string {
	fields := map[string]string{}
	for _, s := range []*string{&p.GroupColumn, &p.LabelColumn, &p.PredictionColumn, &p.ScoreColumn, &p.Reference, &p.Favourable} {
		*s = strings.TrimSpace(*s)
	}
	if p.GroupColumn == "" {
		fields["group_column"] = "Name the column holding the group (a header name, or #N for the N-th column)."
	}
	if p.LabelColumn == "" {
		fields["label_column"] = "Name the column holding the true outcome (a header name, or #N for the N-th column)."
	}
	switch {
	case p.PredictionColumn != "" && p.ScoreColumn != "":
		fields["score_column"] = "Give a prediction column or a score column with a threshold, not both."
	case p.PredictionColumn == "" && p.ScoreColumn == "":
		fields["prediction_column"] = "Name the column holding the predicted class, or give a score column with a threshold."
	case p.PredictionColumn != "" && p.Threshold != nil:
		fields["threshold"] = "A threshold goes with a score column, not a prediction column."
	case p.ScoreColumn != "" && p.Threshold == nil:
		fields["threshold"] = "A score column needs a threshold: a score at or above it counts as positive."
	case p.ScoreColumn != "" && p.PositivePrediction != "":
		fields["positive_prediction"] = "A positive prediction value goes with a prediction column, not a score column."
	}
	if p.Threshold != nil && (math.IsNaN(*p.Threshold) || math.IsInf(*p.Threshold, 0)) {
		fields["threshold"] = "The threshold must be a finite number."
	}
	switch p.Favourable {
	case "", "positive":
		p.Favourable = "" // stored as before the field existed, so the same audit is found again
	case "negative":
	default:
		fields["favourable"] = FavourableRule
	}
	if !CheckBootstrap(p.Bootstrap) {
		fields["bootstrap"] = BootstrapRule
	}
	if p.Level == 0 {
		p.Level = DefaultLevel
	}
	if !(p.Level > 0 && p.Level < 1) {
		fields["level"] = LevelRule
	}
	for name, v := range map[string]string{"group_column": p.GroupColumn, "label_column": p.LabelColumn, "prediction_column": p.PredictionColumn,
		"score_column": p.ScoreColumn, "positive_label": p.PositiveLabel, "positive_prediction": p.PositivePrediction, "reference": p.Reference} {
		if utf8.RuneCountInString(v) > 200 {
			fields[name] = "At most 200 characters."
		}
	}
	return fields
}

// Fairness reads the decisions in data as p says and runs the fairness
// engine. It returns the report and the number of rows read.
func Fairness(name string, data []byte, p lodestar.FairnessParams) (*fairness.Report, int64, error) {
	fields := CheckFairnessParams(&p)
	opt := TableOptions(p.Encoding, p.Separator, name, fields)
	if len(bytes.TrimSpace(data)) == 0 {
		fields["file"] = "Upload a CSV file with a header line and one row per decision."
	}
	if len(fields) > 0 {
		return nil, 0, invalid(fields)
	}
	acc, rows, err := accumulate(data, opt, p)
	if err != nil {
		return nil, 0, err
	}
	fav, _ := fairness.ParseFavourable(p.Favourable) // checked above
	rep, err := fairness.Analyze(acc, fairness.Options{Reference: p.Reference, Favourable: fav, Bootstrap: p.Bootstrap, Seed: p.Seed,
		Level: p.Level, Stratified: p.Stratified})
	if err != nil {
		field := "file"
		if p.Reference != "" && strings.Contains(err.Error(), "reference group") {
			field = "reference"
		}
		return nil, 0, invalid(map[string]string{field: strings.TrimPrefix(err.Error(), "fairness: ")})
	}
	return rep, rows, nil
}

// accumulate streams the rows into per-group confusion counts.
func accumulate(data []byte, opt tabular.Options, p lodestar.FairnessParams) (*fairness.Accumulator, int64, error) {
	t, err := openTable(data, opt, "file")
	if err != nil {
		return nil, 0, err
	}
	predField, predCol := "prediction_column", p.PredictionColumn
	if p.ScoreColumn != "" {
		predField, predCol = "score_column", p.ScoreColumn
	}
	var cols [3]int
	colErrs := map[string]string{}
	roles := []struct{ field, spec string }{{"group_column", p.GroupColumn}, {"label_column", p.LabelColumn}, {predField, predCol}}
	for i, c := range roles {
		if cols[i], err = t.Column(c.spec); err != nil {
			colErrs[c.field] = err.Error()
			cols[i] = -1 - i
			continue
		}
		// One column in two roles (a label audited against itself) would
		// give a perfect-looking audit, not an error: refuse it, as the
		// lodestar fairness command does.
		for k := range i {
			if cols[k] == cols[i] {
				colErrs[c.field] = "Each role needs its own column; this one is already used for another role."
			}
		}
	}
	if len(colErrs) > 0 {
		return nil, 0, invalid(colErrs)
	}
	label := &binaryColumn{BinaryColumn{Positive: p.PositiveLabel}, "label_column", "label " + strconv.Quote(p.LabelColumn), false}
	predPositive := p.PositivePrediction
	if predPositive == "" {
		predPositive = p.PositiveLabel
	}
	pred := &binaryColumn{BinaryColumn{Positive: predPositive}, "prediction_column", "prediction " + strconv.Quote(p.PredictionColumn), true}
	var acc fairness.Accumulator
	var n int64
	for {
		rec, line, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, invalid(map[string]string{"file": err.Error()})
		}
		y, err := label.value(rec[cols[1]], line)
		if err != nil {
			return nil, 0, err
		}
		// Group values are trimmed, as the lodestar fairness command does.
		g := strings.TrimSpace(rec[cols[0]])
		n++
		if p.ScoreColumn == "" {
			pv, err := pred.value(rec[cols[2]], line)
			if err != nil {
				return nil, 0, err
			}
			acc.Add(g, y, pv)
			continue
		}
		s, err := ParseNumber(rec[cols[2]])
		if err != nil {
			return nil, 0, invalid(map[string]string{"score_column": fmt.Sprintf("Line %d: score %q value %q %v.", line, p.ScoreColumn, rec[cols[2]], err)})
		}
		acc.AddScore(g, y, s, *p.Threshold)
	}
	if acc.Len() == 0 {
		return nil, 0, invalid(map[string]string{"file": "The file has a header but no data rows."})
	}
	if err := label.sawPositive(); err != nil {
		return nil, 0, err
	}
	if p.ScoreColumn == "" {
		if err := pred.sawPositive(); err != nil {
			return nil, 0, err
		}
	}
	return &acc, n, nil
}

// binaryColumn words a BinaryColumn's refusals as field errors.
type binaryColumn struct {
	BinaryColumn
	field     string // the parameter naming the column, for the error
	name      string
	scoreHint bool // a number here is probably a score: say so
}

func (b *binaryColumn) fail(format string, args ...any) error {
	return invalid(map[string]string{b.field: fmt.Sprintf(format, args...)})
}

func (b *binaryColumn) value(s string, line int) (bool, error) {
	v, refusal := b.Value(s)
	s = strings.TrimSpace(s)
	switch refusal {
	case BinaryEmpty:
		return false, b.fail("Line %d: %s is empty.", line, b.name)
	case BinaryThirdValue:
		seen := b.Seen()
		return false, b.fail("Line %d: %s has a third value %q after %q and %q; it must be binary.", line, b.name, s, seen[0], seen[1])
	case BinaryNumber:
		if b.scoreHint {
			return false, b.fail("Line %d: %s value %q is not a class; for scores give a score column and a threshold.", line, b.name, s)
		}
		fallthrough
	case BinaryUnknown:
		return false, b.fail("Line %d: %s value %q is neither positive (1, true, yes) nor negative (0, false, no); name the positive value.", line, b.name, s)
	}
	return v, nil
}

// sawPositive refuses a positive value that never occurred.
func (b *binaryColumn) sawPositive() error {
	if !b.NeverPositive() {
		return nil
	}
	field := "positive_label"
	if b.scoreHint {
		field = "positive_prediction"
	}
	return invalid(map[string]string{field: fmt.Sprintf("The positive value %q never occurs in %s (values seen: %s).", b.Positive, b.name, b.SeenList())})
}

// ErrEmpty is ParseNumber's error for an empty cell.
var ErrEmpty = errors.New("is empty")

// openTable opens data as a delimited text file, refusing binary data
// (a NUL byte in a file the reader took as text), which would otherwise
// read as one odd column.
func openTable(data []byte, opt tabular.Options, field string) (*tabular.Reader, error) {
	t, err := tabular.Open(bytes.NewReader(data), opt)
	if err != nil {
		return nil, invalid(map[string]string{field: err.Error()})
	}
	if bytes.IndexByte(data[:min(len(data), tabular.SampleSize)], 0) >= 0 {
		return nil, invalid(map[string]string{field: "The file holds binary data, not delimited text; save it as CSV."})
	}
	return t, nil
}

// ParseNumber reads a finite decimal number around spaces, refusing NaN
// and infinities, which a score or a feature value may not be: ErrEmpty
// for an empty cell, else an error reading "is not a number" or "is
// infinite". Underflow gives the nearest float (0 or a denormal).
func ParseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, ErrEmpty
	}
	// The one rule for a number in a data file (hexadecimal and digits
	// grouped by underscores, which strconv takes, are not numbers).
	if v, ok := dataset.ParseNumber([]byte(s)); ok {
		return v, nil
	}
	if v, err := strconv.ParseFloat(s, 64); math.IsInf(v, 0) && !strings.ContainsAny(s, "xX_") && (err == nil || errors.Is(err, strconv.ErrRange)) {
		return 0, errors.New("is infinite")
	}
	return 0, errors.New("is not a number")
}

// FairnessFlags lists what a report shows that a review must look at.
func FairnessFlags(rep *fairness.Report) []string {
	flags := []string{}
	if !rep.FourFifthsRuleMet {
		flags = append(flags, lodestar.FlagFourFifthsFailed)
	}
	if eo := rep.EqualizedOddsDifference.Value; !(eo < lodestar.EqualizedOddsGapLimit) {
		flags = append(flags, lodestar.FlagEqualizedOddsGap)
	}
	return flags
}
