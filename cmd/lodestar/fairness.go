package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/lodestar-hq/lodestar/internal/engine/fairness"
	"github.com/lodestar-hq/lodestar/internal/evidence"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

func init() {
	register("fairness", "audit a classifier's outcomes per group (four-fifths rule, equalized odds)", (*cmdEnv).fairness)
}

const fairnessHelp = `Usage: lodestar fairness --data FILE --group COL --label COL
                         (--prediction COL | --score COL --threshold T) [flags]

Audits a binary classifier's decisions per group: each group's confusion
counts, base and selection rates, TPR, FPR, FNR, PPV and accuracy; the
disparate-impact ratio of each group's rate of the favourable outcome to the
reference group's (the four-fifths rule); demographic parity, equalized odds
and equal opportunity differences; optional bootstrap intervals.

The favourable outcome is the positive prediction by default (approved,
hired): the impact ratio compares selection rates. When the positive
prediction is the adverse outcome (a fraud or high-risk flag, a rejection),
give --favourable negative: the impact ratio then compares each group's rate
of the negative prediction (1 - selection rate), the reference is the group
with the highest such rate, and the four-fifths rule flags the groups that
get the favourable outcome least. Demographic parity, TPR, FPR and the other
figures keep their definitions either way.

FILE has one row per decision. --label is the true outcome and --prediction
the predicted class, each with two values: 1/0, true/false, yes/no (any
case) are recognised, or name the positive one with --positive (and
--prediction-positive when the prediction spells it differently). With
--score, a row is predicted positive when score >= --threshold. Group values
are trimmed of surrounding spaces; an empty group is a group of its own ("").
COL is a header name or #N, the N-th column.

` + reportLangHelp + dataFileRules + `
Flags:
`

// dataFileRules states how abtest, fairness and explain read their data
// files (the rules of internal/tabular); it is part of each command's -h.
const dataFileRules = `Data files (the same rules for abtest, fairness and explain):
  encoding   UTF-8, with or without a byte-order mark; otherwise detected
             from the first 64 KiB: GB18030 (covers GBK) when the bytes read
             as Chinese text, else Windows-1252 (covers Latin-1); --encoding
             overrides. A byte not valid in that encoding anywhere in the file
             is an error naming its line. UTF-16 is refused: save as CSV UTF-8.
  separator  comma, semicolon or tab: whichever occurs most in the header
             line outside quotes; a tie is an error; --separator overrides.
  lines      LF or CRLF ends (CR alone is refused); RFC 4180 quoting, so a
             quoted field may hold separators, line breaks and doubled quotes;
             a stray quote is an error naming the line. Empty lines, and
             lines of white space only, are skipped; every row must have
             as many fields as the header.
  header     names are trimmed of spaces; a blank name becomes column_N (N its
             position). A column is found by its exact name, else by a unique
             case-insensitive match. A name shared by several columns is never
             guessed: the command stops and asks for the column by position,
             #N (#3 is the third column).
`

// fairnessArgs are the fairness command's flags.
type fairnessArgs struct {
	data, group, label, prediction, score, threshold, positive, predictionPositive string
	reference, format, favourable                                                  string
	lang                                                                           string // the text report's, as given
	bootstrap                                                                      int
	seed                                                                           uint64
	level                                                                          float64
	stratified                                                                     bool
	tableFlags                                                                     tableFlags
	table                                                                          tabular.Options
	fav                                                                            fairness.Favourable
}

func (e *cmdEnv) fairness(args []string) error {
	fs := e.flags("fairness")
	var a fairnessArgs
	fs.StringVar(&a.data, "data", "", "CSV file with one row per decision (required)")
	fs.StringVar(&a.group, "group", "", "column holding the group (name, or #N for the N-th column)")
	fs.StringVar(&a.label, "label", "", "column holding the true outcome (binary)")
	fs.StringVar(&a.prediction, "prediction", "", "column holding the predicted class (binary)")
	fs.StringVar(&a.score, "score", "", "column holding a score; score ≥ --threshold counts as positive")
	fs.StringVar(&a.threshold, "threshold", "", "decision threshold for --score")
	fs.StringVar(&a.positive, "positive", "", "the value meaning the positive class in --label and --prediction\n(default: recognise 1/0, true/false, yes/no)")
	fs.StringVar(&a.predictionPositive, "prediction-positive", "", "the positive value of --prediction when it differs from the label's (default: --positive)")
	fs.StringVar(&a.favourable, "favourable", "positive", "the prediction that is the favourable outcome: positive (approved, hired) or\nnegative (the positive prediction is adverse: a fraud or high-risk flag, a rejection);\nthe impact ratio and the four-fifths rule compare each group's rate of it")
	fs.StringVar(&a.reference, "reference", "", "group to measure disparate impact against (default: highest rate of the favourable outcome)")
	fs.IntVar(&a.bootstrap, "bootstrap", 0, "bootstrap replicates for confidence intervals: 0 (none) or at least 100")
	fs.Uint64Var(&a.seed, "seed", 1, "bootstrap seed")
	numberVar(fs, &a.level, "level", 0.95, "confidence level of the intervals")
	fs.BoolVar(&a.stratified, "stratified", false, "resample within groups (fixed group sizes)")
	fs.StringVar(&a.format, "format", "text", "output format: text, json or csv")
	registerLang(fs, &a.lang)
	a.tableFlags.register(fs)
	fs.Usage = func() { printHelp(fs, fairnessHelp, "") }
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	threshold, err := a.check()
	if err != nil {
		return err
	}
	lang, err := reportLang("fairness", a.lang, e.getenv)
	if err != nil {
		return err
	}
	if a.table, err = a.tableFlags.options("fairness"); err != nil {
		return err
	}
	acc, err := a.accumulate(threshold)
	if err != nil {
		return err
	}
	rep, err := fairness.Analyze(acc, fairness.Options{
		Reference: a.reference, Favourable: a.fav, Bootstrap: a.bootstrap, Seed: a.seed, Level: a.level, Stratified: a.stratified,
	})
	if err != nil {
		return err
	}
	switch a.format {
	case "json":
		return writeFairnessJSON(e.stdout, a, threshold, rep)
	case "csv":
		return evidence.WriteFairnessCSV(e.stdout, rep)
	}
	return writeFairnessText(e.stdout, a, rep, lang)
}

// check validates flag combinations and returns the threshold (NaN when
// predictions are classes).
func (a *fairnessArgs) check() (float64, error) {
	var missing []string
	for _, f := range []struct{ name, v string }{{"--data", a.data}, {"--group", a.group}, {"--label", a.label}} {
		if f.v == "" {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		return 0, errUsage{"fairness: " + strings.Join(missing, ", ") + " required"}
	}
	if err := checkFormat("fairness", a.format); err != nil {
		return 0, err
	}
	if a.bootstrap < 0 || a.bootstrap > 0 && a.bootstrap < evidence.MinBootstrap {
		return 0, errUsage{fmt.Sprintf("fairness: --bootstrap %d: give 0 (no intervals) or at least %d replicates; fewer give percentile intervals that may not even contain the estimate", a.bootstrap, evidence.MinBootstrap)}
	}
	if a.stratified && a.bootstrap == 0 {
		return 0, errUsage{"fairness: --stratified goes with --bootstrap N: it says how the replicates resample"}
	}
	fav, err := fairness.ParseFavourable(a.favourable)
	if err != nil {
		return 0, errUsage{fmt.Sprintf("fairness: --favourable %q: want positive or negative", a.favourable)}
	}
	a.fav = fav
	if !(a.level > 0 && a.level < 1) {
		return 0, errUsage{"fairness: --level must be between 0 and 1"}
	}
	switch {
	case a.prediction != "" && a.score != "":
		return 0, errUsage{"fairness: give --prediction or --score, not both"}
	case a.prediction == "" && a.score == "":
		return 0, errUsage{"fairness: --prediction COL or --score COL --threshold T is required"}
	case a.prediction != "" && a.threshold != "":
		return 0, errUsage{"fairness: --threshold goes with --score, not --prediction"}
	case a.prediction != "":
		return math.NaN(), nil
	case a.threshold == "":
		return 0, errUsage{"fairness: --score needs --threshold"}
	}
	if a.predictionPositive != "" {
		return 0, errUsage{"fairness: --prediction-positive goes with --prediction, not --score"}
	}
	t, err := strconv.ParseFloat(strings.TrimSpace(a.threshold), 64)
	if err != nil || math.IsNaN(t) {
		return 0, errUsage{fmt.Sprintf("fairness: --threshold %q is not a number", a.threshold)}
	}
	if math.IsInf(t, 0) {
		return 0, errUsage{fmt.Sprintf("fairness: --threshold %q must be a finite number", a.threshold)}
	}
	return t, nil
}

func checkFormat(cmd, f string) error {
	switch f {
	case "text", "json", "csv":
		return nil
	}
	return errUsage{fmt.Sprintf("%s: --format %q: want text, json or csv", cmd, f)}
}

// binaryColumn words an evidence.BinaryColumn's refusals for the
// command line.
type binaryColumn struct {
	evidence.BinaryColumn
	name      string // column as the user named it, for messages
	scoreHint bool   // a number here is probably a score: say so
}

// sawPositive reports a --positive value that never occurred: every row
// would silently count as negative.
func (b *binaryColumn) sawPositive() error {
	if !b.NeverPositive() {
		return nil
	}
	hint := ""
	if b.scoreHint {
		hint = "; if its positive value differs from the label's, give it with --prediction-positive"
	}
	return fmt.Errorf("--positive %q never occurs in %s (values seen: %s)%s", b.Positive, b.name, b.SeenList(), hint)
}

func (b *binaryColumn) value(s string, line int) (bool, error) {
	v, refusal := b.Value(s)
	s = strings.TrimSpace(s)
	switch refusal {
	case evidence.BinaryEmpty:
		return false, fmt.Errorf("line %d: %s is empty", line, b.name)
	case evidence.BinaryThirdValue:
		seen := b.Seen()
		return false, fmt.Errorf("line %d: %s has a third value %q after %q and %q: it must be binary", line, b.name, s, seen[0], seen[1])
	case evidence.BinaryNumber:
		if b.scoreHint {
			return false, fmt.Errorf("line %d: %s value %q is not a class; for scores use --score COL --threshold T", line, b.name, s)
		}
		fallthrough
	case evidence.BinaryUnknown:
		return false, fmt.Errorf("line %d: %s value %q is neither positive (1, true, yes) nor negative (0, false, no); name the positive class with --positive", line, b.name, s)
	}
	return v, nil
}

// accumulate streams the data file into per-group confusion counts.
func (a *fairnessArgs) accumulate(threshold float64) (*fairness.Accumulator, error) {
	t, err := tabular.OpenFile(a.data, a.table)
	if err != nil {
		return nil, err
	}
	defer t.Close()
	predCol := a.prediction
	if predCol == "" {
		predCol = a.score
	}
	var cols [3]int
	roles := []string{"--group", "--label", "--prediction"}
	if a.score != "" {
		roles[2] = "--score"
	}
	for i, spec := range []string{a.group, a.label, predCol} {
		if cols[i], err = t.Column(spec); err != nil {
			return nil, fmt.Errorf("%s %s: %w", roles[i], spec, err)
		}
		// One column in two roles (a label audited against itself) would
		// give a perfect-looking audit, not an error: refuse it.
		for k := range i {
			if cols[k] == cols[i] {
				return nil, fmt.Errorf("%s %s and %s %s are the same column, #%d; each role needs its own column",
					roles[k], []string{a.group, a.label, predCol}[k], roles[i], spec, cols[i]+1)
			}
		}
	}
	label := &binaryColumn{evidence.BinaryColumn{Positive: a.positive}, "label " + strconv.Quote(a.label), false}
	predPositive := a.predictionPositive
	if predPositive == "" {
		predPositive = a.positive
	}
	pred := &binaryColumn{evidence.BinaryColumn{Positive: predPositive}, "prediction " + strconv.Quote(a.prediction), true}
	scoreName := "score " + strconv.Quote(a.score)
	var acc fairness.Accumulator
	for {
		rec, line, err := t.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		// A bad cell's error names the file, then the line, as the
		// other commands' do.
		y, err := label.value(rec[cols[1]], line)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", a.data, err)
		}
		g := strings.TrimSpace(rec[cols[0]])
		if a.score == "" {
			p, err := pred.value(rec[cols[2]], line)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", a.data, err)
			}
			acc.Add(g, y, p)
			continue
		}
		s, err := evidence.ParseNumber(rec[cols[2]])
		switch {
		case err == evidence.ErrEmpty:
			return nil, fmt.Errorf("%s: line %d: %s is empty", a.data, line, scoreName)
		case err != nil:
			return nil, fmt.Errorf("%s: line %d: %s value %q %v", a.data, line, scoreName, rec[cols[2]], err)
		}
		acc.AddScore(g, y, s, threshold)
	}
	if acc.Len() == 0 {
		return nil, fmt.Errorf("%s: %w", a.data, errNoRows)
	}
	if err := label.sawPositive(); err != nil {
		return nil, err
	}
	if a.score == "" {
		if err := pred.sawPositive(); err != nil {
			return nil, err
		}
	}
	return &acc, nil
}

func writeFairnessJSON(w io.Writer, a fairnessArgs, threshold float64, rep *fairness.Report) error {
	type input struct {
		Data       string   `json:"data"`
		Group      string   `json:"group"`
		Label      string   `json:"label"`
		Prediction string   `json:"prediction,omitempty"`
		Score      string   `json:"score,omitempty"`
		Threshold  *float64 `json:"threshold,omitempty"`
		Positive   string   `json:"positive,omitempty"`
	}
	in := input{Data: a.data, Group: a.group, Label: a.label, Prediction: a.prediction, Score: a.score, Positive: a.positive}
	if !math.IsNaN(threshold) {
		in.Threshold = &threshold
	}
	return writeJSON(w, struct {
		Input input `json:"input"`
		*fairness.Report
	}{in, rep})
}

// writeFairnessText writes the report for a reader; a write error (a
// closed pipe, a full disk) is returned, so the command fails.
func writeFairnessText(out io.Writer, a fairnessArgs, rep *fairness.Report, lang string) error {
	w := &errWriter{w: out}
	t := newReportText(lang)
	negative := rep.Favourable == fairness.FavourableNegative.String()
	pred := t.T("clireport.fairness.prediction", a.prediction)
	if a.score != "" {
		pred = t.T("clireport.fairness.score", a.score, a.threshold)
	}
	fmt.Fprint(w, t.T("clireport.fairness.title", a.data, rep.Overall.N, len(rep.Groups), a.group, a.label, pred)+"\n\n")
	rows := [][]string{{t.T("clireport.fairness.col.group"), "n", t.T("clireport.fairness.col.tp"), t.T("clireport.fairness.col.fp"),
		t.T("clireport.fairness.col.tn"), t.T("clireport.fairness.col.fn")}}
	for _, f := range evidence.FairnessFigures(fairness.GroupMetrics{}) {
		rows[0] = append(rows[0], t.T("clireport.fairness.col."+f.Name))
	}
	rows[0] = append(rows[0], t.T("clireport.fairness.col.impact"), "")
	line := func(name string, m fairness.GroupMetrics, impact, flag string) {
		r := []string{name, strconv.FormatInt(m.N, 10), strconv.FormatInt(m.TP, 10), strconv.FormatInt(m.FP, 10),
			strconv.FormatInt(m.TN, 10), strconv.FormatInt(m.FN, 10)}
		for _, f := range evidence.FairnessFigures(m) {
			r = append(r, fmtRate(f.E.Value))
		}
		rows = append(rows, append(r, impact, flag))
	}
	for _, g := range rep.Groups {
		flag := ""
		if g.AdverseImpact {
			flag = t.T("clireport.fairness.below")
		}
		if g.Group == rep.Reference {
			flag = t.T("clireport.fairness.reference")
		}
		line(displayGroup(g.Group), g, fmtRate(g.ImpactRatio.Value), flag)
	}
	line(t.T("clireport.fairness.all_rows"), rep.Overall, "", "")
	writeTabbed(w, rows, true)
	fmt.Fprint(w, t.T("clireport.fairness.undefined")+"\n\n")
	rule := rep.ReferenceRule
	switch rule {
	case fairness.RuleGiven:
		rule = t.T("clireport.fairness.rule.given")
	case fairness.RuleHighestSelection:
		rule = t.T("clireport.fairness.rule.highest")
	case fairness.RuleHighestFavourable:
		rule = t.T("clireport.fairness.rule.highest_favourable")
	}
	fmt.Fprintln(w, t.T("clireport.fairness.reference_group", displayGroup(rep.Reference), rule))
	if negative {
		fmt.Fprintln(w, t.T("clireport.fairness.favourable_negative"))
	}
	rows = nil
	if rep.Bootstrap != nil {
		rows = append(rows, []string{"", "", t.T("clireport.fairness.interval", 100*rep.Bootstrap.Level)})
	}
	for _, d := range []struct {
		key string
		e   fairness.Estimate
	}{
		{"dp_difference", rep.DemographicParityDifference},
		{"dp_ratio", rep.DemographicParityRatio},
		{"eo_difference", rep.EqualizedOddsDifference},
		{"eop_difference", rep.EqualOpportunityDifference},
		{"min_impact", rep.MinImpactRatio},
	} {
		rows = append(rows, []string{t.T("clireport.fairness." + d.key), fmtRate(d.e.Value), fmtInterval(t, d.e.CI)})
	}
	writeTabbed(w, rows, false)
	verdict := t.T("clireport.fairness.met")
	if negative {
		verdict = t.T("clireport.fairness.met_negative")
	}
	if !rep.FourFifthsRuleMet {
		var below []string
		for _, g := range rep.Groups {
			if g.AdverseImpact {
				below = append(below, displayGroup(g.Group))
			}
		}
		verdict = t.T("clireport.fairness.not_met", strings.Join(below, t.T("clireport.list_separator")))
		if len(below) == 0 {
			verdict = t.T("clireport.fairness.unassessable")
			if negative {
				verdict = t.T("clireport.fairness.unassessable_negative")
			}
		}
	}
	fmt.Fprintln(w, t.T("clireport.fairness.four_fifths", verdict))
	if b := rep.Bootstrap; b != nil {
		fmt.Fprintln(w, t.T("clireport.fairness.bootstrap", b.Replicates, b.Seed, t.Msg(b.Method)))
	}
	return w.err
}

func displayGroup(g string) string {
	if g == "" {
		return `""`
	}
	return g
}

func fmtRate(v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func fmtInterval(t reportText, ci *fairness.Interval) string {
	if ci == nil {
		return ""
	}
	s := fmt.Sprintf("[%s, %s]", fmtRate(ci.Lo), fmtRate(ci.Hi))
	if ci.Undefined > 0 {
		s += t.T("clireport.fairness.undefined_replicates", ci.Undefined)
	}
	return s
}

var errNoRows = errors.New("no data rows")

// tableFlags are the options every command that reads a data file takes:
// the file's encoding and separator, detected when not given.
type tableFlags struct {
	encoding, separator string
}

func (tf *tableFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&tf.encoding, "encoding", "", "encoding of the data file: utf-8, gb18030, gbk, windows-1252 or latin1\n(default: detected: UTF-8 if valid, else GB18030 if plausible, else Windows-1252)")
	fs.StringVar(&tf.separator, "separator", "", "field separator of the data file: ',', ';' or 'tab' (default: detected from the header)")
}

// options checks the flags and turns them into tabular.Options.
func (tf *tableFlags) options(cmd string) (tabular.Options, error) {
	opt := tabular.Options{Encoding: tf.encoding}
	var ok bool
	if opt.Separator, ok = tabular.SeparatorNamed(tf.separator); !ok {
		return opt, errUsage{fmt.Sprintf("%s: --separator %q: want ',', ';' or 'tab'", cmd, tf.separator)}
	}
	if err := tabular.CheckEncoding(opt.Encoding); err != nil {
		return opt, errUsage{fmt.Sprintf("%s: --encoding: %v", cmd, err)}
	}
	return opt, nil
}
