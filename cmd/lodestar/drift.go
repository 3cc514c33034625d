package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/width"

	"github.com/lodestar-hq/lodestar/internal/dataset"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

func init() {
	register("drift", "compare a current data file with a reference (CSV or Parquet), column by column (no server needed)", (*cmdEnv).drift)
}

const driftHelp = `Usage: lodestar drift --reference REF --current CUR [flags]

Measures data drift of every column of CUR against REF and decides whether
the data set as a whole drifted. Output: --format text (default), json or
html (a self-contained report with a small chart per column). Text and
HTML are in English or Simplified Chinese: --lang en or zh-CN, by default
as the locale of LC_ALL, LC_MESSAGES or LANG. JSON is in English, its
field names stable (README, "lodestar drift JSON"); errors on stderr
follow --lang and the locale where the catalogs translate them.

Files: CSV or Parquet, each on its own (a CSV reference with a Parquet
current works). A file that starts with the bytes "PAR1" is Parquet,
whatever its name; a file named .parquet that does not is refused.

Columns: every column of REF, found in CUR by name (or at the same position
when the headers are identical); --columns picks some, by name or #N (the
N-th column of each file). A column compared with one of another name in
CUR (by #N, or a name matched ignoring case) says so in its note; columns
that share a name are reported as "name (#N)". Columns only CUR has are
not compared.

CSV cells: a cell is missing when it is blank or one of pandas' NA
spellings (NA, N/A, n/a, NaN, nan, -NaN, -nan, NULL, null, None, <NA>,
#N/A, #N/A N/A, #NA, 1.#IND, -1.#IND, 1.#QNAN, -1.#QNAN); missing cells
are counted and reported, not tested. A column is numeric when every other
cell in both files is a finite decimal number ('.' for decimals, e.g. 12,
-0.5, 3e-4; surrounding spaces ignored; with --decimal-comma ',' is, as in
1,5, and a '.' only groups thousands), or when the cells that are not
are at most 1 in 100 of a file's non-missing cells and its numbers have
more than 5 distinct values: those cells are left out, and a warning counts
them and names the first. Else it is categorical, and the report names the
first cell that made it so; a categorical column of numbers that hardly
repeat (over half of its cells; more than 5 distinct, fewer than 5 cells
each on average) is not tested.

Numbers written for people: digits grouped in threes (1,234,567.5; with
--decimal-comma 1.234.567,5) are numbers, plain ones among them too; a
grouping not in threes (1,23,456) is text. A percentage (12.5%) is the
number as written, 12.5, when every number of the column in both files is
one; percentages mixed with plain numbers make the column categorical. A
number with a leading zero before another digit (007, ZIP code 02134; not
0 or 0.7) is a code when such numbers are over 1 in 100 of a file's
non-missing cells or every number of the file is an integer of their one
width: the column is then categorical, and the id-like rule decides
whether it is tested. Fewer, among other numbers, are counted as the
numbers they read as (00 is 0), and a warning counts them.

Parquet columns are typed: INT32, INT64 (signed or unsigned), FLOAT,
DOUBLE and DECIMAL (stored in any way) are numeric (NaN is missing, an
infinity is an error; a DECIMAL is rounded to the nearest float64, so
digits past its 15-17 significant ones are lost); BOOLEAN, strings and
byte arrays (UTF-8) are categorical; a null or an empty string is
missing. A column of any other type (dates, timestamps, INT96, UUID,
nested or repeated columns) is not read and not tested, its note naming
the type; named in --columns it stops the run with an error naming it.
A numeric column compared with a column that has text in the other file
is categorical.

Tests (defaults after Evidently; see the flags to change them):
  numeric, reference ≤ 1000 values   Kolmogorov–Smirnov, drift at p < 0.05
  numeric, more values               Wasserstein distance / reference std,
                                     drift at ≥ 0.1
  categorical, or numeric with ≤ 5 distinct values
                                     chi-square (≤ 1000 values, p < 0.05) or
                                     Jensen–Shannon distance, natural log
                                     as scipy and Evidently (≥ 0.1)
  every column                       PSI over reference deciles: < 0.1 stable,
                                     0.1–0.25 warn, ≥ 0.25 drift
  data set                           drift when ≥ 50% of the tested columns drift;
                                     undetermined when no column could be tested

Sparse categories: chi-square, Jensen–Shannon and PSI are computed after
pooling into one bin the categories expected fewer than 5 times in each file
(the file's values × the category's count in both files ÷ both files'
values, chi-square's expected count), as the chi-square test wants: below
that, noise alone makes the distances large (5,000 values of 20,000
equally likely ones against 5,000 more read Jensen–Shannon 0.74). With
every category so pooled, the column is not tested, and its note says so.

Sampling noise: the Jensen–Shannon distance that auto chooses (more than
--small-sample reference values) drifts only when chi-square over the same
categories also gives p below --p-value; the p-value column then shows
chi-square's. Two samples of one distribution over many categories read a
distance above 0 by chance alone (100,000 values of 9,000 equally likely
ones against 100,000 more read about 0.15, chi-square p about 0.7), and
the note says when such a distance was no drift. A distance chosen with
--categorical-test jensenshannon or psi decides alone.

The Wasserstein distance is divided by the reference's standard deviation
or 0.001, whichever is larger (Evidently's floor, so that a constant
reference divides by no 0). A column whose deviation is below 0.001 (tiny
units, or nearly constant) reads smaller than its shift in deviations: a
shift of one deviation in a column of deviation 1e-5 reads 0.01, under the
0.1 threshold. Rescale such a column, or give --numeric-test ks. The
deviation and distance hold for any offset or magnitude (1e15 plus small
numbers, 1e200).

Warnings, beside the tests (they change neither the verdict nor the exit
status, --fail-on-drift included):
  missing values rose   a column's share of missing values is at least
                        --missing-rise (5 percentage points) higher in CUR,
                        and Fisher's exact test (one-sided) gives p below
                        --p-value: a missing cell or two in a small file
                        raises nothing
  id-like               a categorical column with at least 50 values in
                        REF, 95% or more of them distinct (order numbers,
                        UUIDs): not tested, so not counted in the share of
                        drifted columns, unless --columns names it
  new categories        CUR's values of a categorical column that REF
                        never has, and how many rows hold them
A column of one value in both files is tested, and found stable.

Memory does not grow with the number of rows. A numeric column's
statistics are exact (scipy's, to 1e-12) when both files have at most
--exact-limit values in it, or at most 1,000 distinct values (counted).
Beyond, they come from --bins bins cut at quantiles of a --exact-limit
sample of the reference, with stated error bounds (JSON: ks_upper_bound,
wasserstein_error_bound). Two CSV files are read one after the other: the
reference first, its numbers spilled to a temporary file (8 bytes a cell,
removed afterwards) to be counted into the bins once its sample has cut
them, then the current, counted into them as it is read; so each file is
read once. With a Parquet file the two are read side by side, a CSV
file's numbers spilled, and a Parquet file read again.
Memory is about (2·8·exact-limit + 56·bins) bytes per numeric column plus
the distinct values of categorical columns (at most 10,000 per column; a
column with more is reported as untestable), plus a few MiB of buffers.

CSV files are read by the rules of every Lodestar data file: encoding
UTF-8 (with or without BOM), GB18030 or Windows-1252, detected or
--encoding (both files) or --reference-encoding / --current-encoding
(one file, over --encoding); separator comma, semicolon or tab, detected
or --separator (both files); CRLF or LF; RFC 4180 quotes; empty
lines and lines of white space only skipped (a line of separators only
is a row of blank cells); every row as many fields as the header. A file read in
another encoding than UTF-8 is named in the report with it (JSON:
reference_file, current_file). Compressed files are refused: decompress
them first. They are parsed on every core, the text cut
into blocks at line breaks outside quotes (after an even number of double
quotes), which is exact for every well-formed file. A malformed file stops
with its name, line and column; a truncated or corrupt Parquet file with
its name (and the column).
Exit status: 0 when the comparison ran (drift or not), 1 on bad input,
2 on bad usage; with --fail-on-drift, 3 when the data set drifted and 4
when no column could be tested, so the verdict is undetermined, not "no
drift" (the report is written in full first, and a line on stderr says
so), so a CI step or a scheduled job can stop on either.

Flags:
`

// maxDriftBins is the most --bins: a bin costs about 56 bytes in each
// numeric column (its two histograms' cells, its edge, and its share of the
// search guide), so a million is 56 MB a column, and the bins are
// cut at quantiles of a --exact-limit sample (100,000 values by default),
// so more bins than sampled values add no resolution. A mistyped
// 99999999999 is refused before anything is allocated.
const maxDriftBins = 1_000_000

// driftArgs are the drift command's flags.
type driftArgs struct {
	reference, current, format, columns string
	lang                                string // the text and HTML report's, as given
	refEncoding, curEncoding            string // each file's own, over --encoding
	exactLimit, bins                    int
	missingRise                         float64 // 0: defaultMissingRise
	seed                                uint64
	progress, failOnDrift, decimalComma bool
	th                                  monitor.Thresholds
	table                               tableFlags
}

func (e *cmdEnv) drift(args []string) error {
	fs := e.flags("drift")
	var a driftArgs
	fs.StringVar(&a.reference, "reference", "", "reference file, CSV or Parquet (required)")
	fs.StringVar(&a.current, "current", "", "current file, CSV or Parquet (required)")
	fs.StringVar(&a.format, "format", "text", "output format: text, json or html")
	fs.StringVar(&a.columns, "columns", "", "columns to compare, comma-separated names or #N (default: all of the reference's)")
	fs.IntVar(&a.exactLimit, "exact-limit", monitor.DefaultExactLimit, "values per column kept exactly; beyond, statistics come from bins")
	fs.IntVar(&a.bins, "bins", 2048, "reference-quantile bins per numeric column beyond --exact-limit (10 to 1,000,000)")
	fs.Uint64Var(&a.seed, "seed", 1, "seed of the reference sample beyond --exact-limit")
	fs.StringVar(&a.th.NumericTest, "numeric-test", "auto", "auto, ks, wasserstein or psi")
	fs.StringVar(&a.th.CategoricalTest, "categorical-test", "auto", "auto, chi2, jensenshannon or psi")
	numberVar(fs, &a.th.PValue, "p-value", 0.05, "drift when a test's p-value is below this")
	numberVar(fs, &a.th.Wasserstein, "wasserstein", 0.1, "drift when Wasserstein / reference std is at least this")
	numberVar(fs, &a.th.JensenShannon, "js", 0.1, "drift when the Jensen–Shannon distance (natural log, at most √ln 2 ≈ 0.83) is at least this")
	numberVar(fs, &a.th.PSIWarn, "psi-warn", 0.1, "PSI from which a column is graded warn")
	numberVar(fs, &a.th.PSIDrift, "psi-drift", 0.25, "PSI from which a column is graded drift (and drifts with --*-test psi)")
	fs.IntVar(&a.th.PSIBins, "psi-bins", 10, "reference-quantile bins of the PSI (2 to 1,000)")
	numberVar(fs, &a.th.Share, "share", 0.5, "dataset drift when at least this share of the tested columns drift")
	fs.Int64Var(&a.th.SmallSample, "small-sample", 1000, "auto uses p-value tests up to this many reference values, distances above")
	numberVar(fs, &a.missingRise, "missing-rise", defaultMissingRise, "warn when a column's share of missing values is at least this much higher in the current (0.05: 5 percentage points) and Fisher's exact test gives p < --p-value")
	registerLang(fs, &a.lang)
	fs.BoolVar(&a.failOnDrift, "fail-on-drift", false, "exit 3 when the data set drifted, 4 when no column could be tested (after writing the report)")
	fs.BoolVar(&a.progress, "progress", false, "report reading progress on stderr every second (on a terminal it is shown anyway)")
	a.table.register(fs)
	fs.StringVar(&a.refEncoding, "reference-encoding", "", "encoding of the reference file alone (over --encoding; same names)")
	fs.StringVar(&a.curEncoding, "current-encoding", "", "encoding of the current file alone (over --encoding; same names)")
	fs.BoolVar(&a.decimalComma, "decimal-comma", false, "CSV numbers are written with a decimal comma (1,5), as Excel writes them in much of Europe; a '.' then only groups thousands (1.234,5)")
	fs.Usage = func() { printHelp(fs, driftHelp, "") }
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if err := a.check(); err != nil {
		return err
	}
	lang, err := reportLang("drift", a.lang, e.getenv)
	if err != nil {
		return err
	}
	topt, err := a.table.options("drift")
	if err != nil {
		return err
	}
	for flag, enc := range map[string]string{"--reference-encoding": a.refEncoding, "--current-encoding": a.curEncoding} {
		if err := tabular.CheckEncoding(enc); err != nil {
			return errUsage{fmt.Sprintf("drift: %s: %v", flag, err)}
		}
	}
	var total int64
	for _, f := range []string{a.reference, a.current} {
		if st, err := os.Stat(f); err == nil {
			total += st.Size()
		}
	}
	prog := startProgress(e.stderr, a.progress, "drift", total)
	rep, err := runDrift(a, topt, prog)
	prog.finish()
	if err != nil {
		return err
	}
	switch a.format {
	case "json":
		err = writeDriftJSON(e.stdout, rep)
	case "html":
		err = writeDriftHTML(e.stdout, rep, lang)
	default:
		err = writeDriftText(e.stdout, rep, lang)
	}
	if err != nil {
		return err
	}
	r := rep.Result
	switch {
	case !a.failOnDrift:
	case !r.Determined():
		return errExit{driftUndeterminedExitCode, fmt.Sprintf("drift: the drift is undetermined: no column could be tested (%d compared)",
			len(r.Features))}
	case r.Drift:
		return errExit{driftExitCode, fmt.Sprintf("drift: the data set drifted: %d of %d tested columns (%.1f%%; threshold %s%%)",
			r.Drifted, r.Tested, 100*r.ShareDrifted, fmtSharePct(r.Share))}
	}
	return nil
}

// driftExitCode is drift's exit status for a data set that drifted, with
// --fail-on-drift: apart from 1 (bad input) and 2 (bad usage), so that a
// pipeline can tell drift from a broken run.
const driftExitCode = 3

// driftUndeterminedExitCode is its exit status, with --fail-on-drift, when
// no column could be tested (every one empty in a file, or not testable):
// the run cannot vouch for "no drift", so a CI step that stops on drift
// stops here too, and a pipeline can still tell it from drift (3) and
// from a broken run (1, 2).
const driftUndeterminedExitCode = 4

func (a *driftArgs) check() error {
	switch {
	case a.reference == "" || a.current == "":
		return errUsage{"drift: --reference and --current are required"}
	case a.format != "text" && a.format != "json" && a.format != "html":
		return errUsage{fmt.Sprintf("drift: --format %q: want text, json or html", a.format)}
	case a.exactLimit < 1:
		return errUsage{"drift: --exact-limit must be at least 1"}
	case a.bins < 10 || a.bins > maxDriftBins:
		return errUsage{fmt.Sprintf("drift: --bins %d: want 10 to %d", a.bins, maxDriftBins)}
	case a.th.PSIBins < 2 || a.th.PSIBins > monitor.MaxPSIBins:
		return errUsage{fmt.Sprintf("drift: --psi-bins %d: want 2 to %d", a.th.PSIBins, monitor.MaxPSIBins)}
	case a.th.SmallSample < 1:
		return errUsage{fmt.Sprintf("drift: --small-sample %d: want at least 1 (to always use distances, give --numeric-test wasserstein --categorical-test jensenshannon)", a.th.SmallSample)}
	}
	// The thresholds' zero means "the default" to the API, but a flag's
	// default is spelt out in its help: a 0 given here is a mistake, and
	// running with 0.05 instead would hide it. An infinity would pass the
	// ranges below and then break the JSON report.
	for _, f := range []struct {
		name string
		v    float64
	}{{"p-value", a.th.PValue}, {"wasserstein", a.th.Wasserstein}, {"js", a.th.JensenShannon},
		{"psi-warn", a.th.PSIWarn}, {"psi-drift", a.th.PSIDrift}, {"share", a.th.Share}, {"missing-rise", a.missingRise}} {
		if !(f.v > 0) || math.IsInf(f.v, 0) {
			return errUsage{fmt.Sprintf("drift: --%s %g: want a finite number above 0", f.name, f.v)}
		}
	}
	if a.missingRise > 1 {
		return errUsage{fmt.Sprintf("drift: --missing-rise %g: want a share of rows, above 0 and at most 1 (0.05: 5 percentage points)", a.missingRise)}
	}
	if err := a.th.Validate(); err != nil {
		return errUsage{"drift: " + err.Error()}
	}
	return nil
}

// looksDecimalComma reports whether a cell is a number written with a
// decimal comma ("1,5", "-0,25"), which --decimal-comma reads; not when
// three digits follow the comma ("5,609"), which more likely groups
// thousands, which the flag would read as 5.609 — but for a cell of a ';'
// file (semicolon), where a comma is a decimal comma.
func looksDecimalComma(cell string, semicolon bool) bool {
	i := strings.IndexByte(cell, ',')
	if i < 0 {
		return false
	}
	digits := len(cell[i+1:]) - len(strings.TrimLeft(cell[i+1:], "0123456789"))
	_, ok := dataset.ParseDecimalComma([]byte(cell))
	return ok && (digits != 3 || semicolon)
}

// semicolon says of each file (reference, current) whether it is a CSV
// file separated by ';'.
func (c *driftColumn) compare(th monitor.Thresholds, refName, curName string, decimalComma bool, semicolon [2]bool) (monitor.FeatureDrift, driftChart, driftQuality) {
	var f monitor.FeatureDrift
	var chart driftChart
	q := newDriftQuality()
	r, u := &c.refSide, &c.curSide
	if !c.numeric {
		r.settleInts()
		u.settleInts()
		r.textCounts()
		u.textCounts()
		// A typed number column met text in the other file: its values
		// and the text's numbers compare as numbers.
		numbers := 0
		for _, sd := range []*side{r, u} {
			switch {
			case !sd.typed || sd.text:
			case sd.float32:
				numbers = 32
			case numbers == 0:
				numbers = 64
			}
		}
		r.counts, u.counts = foldCounts(&r.counts, &u.counts, numbers)
	}
	switch {
	case c.numeric && c.bins == nil: // no numbers in one of the files
		f = monitor.NumericExact(nil, nil, th)
		// Say which: it said "either sample" when only one had none.
		f.RefN, f.CurN = c.refSample.N(), c.curSample.N()
		switch {
		case f.RefN > 0:
			f.Note = "no values in the current sample"
		case f.CurN > 0:
			f.Note = "no values in the reference"
		}
	case c.numeric:
		rv, rn, rok := c.refSample.FewDistinct()
		cv, cn, cok := c.curSample.FewDistinct()
		switch {
		case rok && cok && monitor.DistinctUnion(rv, cv) <= monitor.FewValues:
			f = monitor.FewValuesDrift(rv, rn, cv, cn, th)
		case c.refSample.Exact() && c.curSample.Exact():
			f = monitor.NumericExact(c.refSample.Sorted(), c.curSample.Sorted(), th)
		case !r.many && !u.many:
			f = monitor.NumericDistinct(monitor.DistinctFromMap(r.values.asMap()), monitor.DistinctFromMap(u.values.asMap()), th)
			f.Note = fmt.Sprintf("at most %d distinct values: exact from their counts", maxNumericStrings)
		default:
			f = monitor.NumericBinned(c.refHist, c.curHist, th)
		}
		chart = numericChart(c)
	case r.dropped || u.dropped:
		f = monitor.CategoricalDrift(&monitor.Counts{}, &monitor.Counts{}, th)
		f.Note = fmt.Sprintf("mostly numbers, with more than %d distinct values, but not all numbers: not tested", maxNumericStrings)
		if r.codes(c.refSample) || u.codes(c.curSample) {
			// Codes whose first leading zero came after the values were
			// no longer counted: as many as an identifier has.
			f.Note = fmt.Sprintf("codes with more than %d distinct values before the first with a leading zero (an identifier?): not tested", maxNumericStrings)
		}
	case r.counts.Distinct() > maxCategories || u.counts.Distinct() > maxCategories:
		f = monitor.CategoricalDrift(&monitor.Counts{}, &monitor.Counts{}, th)
		f.Note = fmt.Sprintf("more than %d distinct values (an identifier or free text?): not tested", maxCategories)
	case !c.named && !r.typed && !u.typed && onlyDates(&r.counts) && onlyDates(&u.counts):
		// Each period has its own dates: as categories they always
		// drift, and would decide a month-on-month comparison alone.
		f = monitor.CategoricalDrift(&monitor.Counts{}, &monitor.Counts{}, th)
		f.RefN, f.CurN = int64(r.counts.Total()), int64(u.counts.Total())
		f.Note = "dates or times: not tested, as a period's own dates differ from any other's (name it in --columns to test it as categories)"
	case !r.codes(c.refSample) && !u.codes(c.curSample) && continuousNumbers(&r.counts, &u.counts): // codes with leading zeros are categories
		// A test over values that hardly repeat measures only that they
		// are other ones: not run.
		f = monitor.CategoricalDrift(&monitor.Counts{}, &monitor.Counts{}, th)
		f.RefN, f.CurN = int64(r.counts.Total()), int64(u.counts.Total())
		f.Note = "mostly numbers that hardly repeat, with too many cells that are not numbers to leave out: not tested"
	default:
		q.NewCounted, q.CurValues = true, int64(u.counts.Total())
		q.NewValues, q.NewRows, q.NewExamples = newCategories(&r.counts, &u.counts)
		refValues, refDistinct := int64(r.counts.Total()), r.counts.Distinct()
		q.IDLike = idLike(refValues, refDistinct)
		if q.IDLike && !c.named {
			// Not tested: its counts still say what it holds.
			f = monitor.CategoricalDrift(&monitor.Counts{}, &monitor.Counts{}, th)
			f.RefN, f.CurN, f.Categories = refValues, q.CurValues, refDistinct+q.NewValues
			f.Note = idLikeNote(refDistinct, refValues, false)
			break
		}
		f = monitor.CategoricalDrift(&r.counts, &u.counts, th)
		chart = categoricalChart(&r.counts, &u.counts)
		if q.IDLike {
			note := idLikeNote(refDistinct, refValues, true)
			if !f.Testable() {
				// Named, but its values too sparse to test: f's note
				// says so (monitor.MinExpected), this one that it was
				// named.
				note = idLikeNamedNote(refDistinct, refValues)
			}
			if f.Note != "" {
				note = f.Note + "; " + note
			}
			f.Note = note
		}
	}
	if c.numeric {
		// Numbers written for people: said how they were read.
		for _, sd := range []*side{r, u} {
			if sd.groupCell != "" {
				v, _, _, _ := dataset.ParseFormatted([]byte(sd.groupCell), sd.comma)
				f.Note = joinNote(f.Note, fmt.Sprintf("numbers with thousands separators: %q is read as %s", sd.groupCell, strconv.FormatFloat(v, 'f', -1, 64)))
				break
			}
		}
		for _, sd := range []*side{r, u} {
			if sd.pctCell != "" {
				v, _, _, _ := dataset.ParseFormatted([]byte(sd.pctCell), sd.comma)
				f.Note = joinNote(f.Note, fmt.Sprintf("percentages, read as written: %q is %s", sd.pctCell, strconv.FormatFloat(v, 'f', -1, 64)))
				break
			}
		}
	}
	if c.numeric && (r.textN > 0 || u.textN > 0) {
		q.RefUnreadable, q.CurUnreadable = r.textN, u.textN
		q.FirstUnreadable = driftCell{File: refName, Line: r.textLine, Cell: r.textCell}
		if r.textN == 0 {
			q.FirstUnreadable = driftCell{File: curName, Line: u.textLine, Cell: u.textCell}
		}
	}
	if c.numeric && (r.zerosN > 0 || u.zerosN > 0) {
		// A few numbers written with a leading zero, among numbers of
		// other forms: counted as the numbers they read as, and said.
		q.RefLeadingZeros, q.CurLeadingZeros = r.zerosN, u.zerosN
		sd, file := r, refName
		if r.zerosN == 0 {
			sd, file = u, curName
		}
		q.FirstLeadingZero = driftNumberCell{driftCell{File: file, Line: sd.zerosLine, Cell: sd.zerosCell}, cellNumber([]byte(sd.zerosCell), sd.comma)}
	}
	if !c.numeric {
		f.Kind = monitor.Categorical
		// The file whose text made the column categorical: the other may
		// hold a few non-number cells that alone would be left out.
		file, sd, sample := refName, r, c.refSample
		if !r.text || r.readable(c.refSample) && u.text && !u.readable(c.curSample) {
			file, sd, sample = curName, u, c.curSample
		}
		// Its cell that did: a number with a leading zero when those are
		// codes (or it has no other text), else the first not a number.
		line, cell, lead0 := sd.textLine, sd.textCell, false
		if sd.zerosN > 0 && (sd.codes(sample) || sd.textN == 0) {
			line, cell, lead0 = sd.zerosLine, sd.zerosCell, true
		}
		note := fmt.Sprintf("categorical: %s line %d has %q, not a number", file, line, cell)
		switch {
		case c.mixedPercents():
			note = c.mixedPercentsNote(refName, curName)
		case lead0:
			note = fmt.Sprintf("categorical: %s line %d has %q, a number written with a leading zero (a code, read as text)", file, line, cell)
		case !decimalComma && looksDecimalComma(cell, semicolon[b2i(file == curName)]):
			note = fmt.Sprintf("categorical: %s line %d has %q, not a number (a decimal comma? give --decimal-comma)", file, line, cell)
		}
		if typ := r.textType; typ != "" || !r.text && u.textType != "" {
			if !r.text {
				typ = u.textType
			}
			note = fmt.Sprintf("categorical: the column's type in %s is %s", file, typ)
		}
		if f.Note != "" {
			note += "; " + f.Note
		}
		f.Note = note
	}
	if c.curName != "" {
		note := fmt.Sprintf("compared with %s's column %q (#%d)", curName, c.curName, c.cur+1)
		if f.Note != "" {
			note += "; " + f.Note
		}
		f.Note = note
	}
	f.Name = c.name
	f.RefMiss, f.CurMiss = r.miss, u.miss
	return f, chart, q
}

// joinNote adds a clause to a note.
func joinNote(note, more string) string {
	if note == "" {
		return more
	}
	return note + "; " + more
}

// mixedPercentsNote says where a column mixes percentages with plain
// numbers: the first of each, in the file that mixes them or one from
// each file.
func (c *driftColumn) mixedPercentsNote(refName, curName string) string {
	r, u := &c.refSide, &c.curSide
	pf, pl, pc := refName, r.pctLine, r.pctCell
	if pc == "" {
		pf, pl, pc = curName, u.pctLine, u.pctCell
	}
	nf, nl, nc, typed := refName, r.plainLine, r.plainCell, r.typed
	if c.curSide.percents(c.curSample) == 2 || nc == "" && !typed {
		nf, nl, nc, typed = curName, u.plainLine, u.plainCell, u.typed
	}
	if c.refSide.percents(c.refSample) == 2 {
		nf, nl, nc, typed = refName, r.plainLine, r.plainCell, false
		pf, pl, pc = refName, r.pctLine, r.pctCell
	}
	if typed {
		return fmt.Sprintf("categorical: percentages mixed with plain numbers (%s line %d has %q; %s has plain numbers)", pf, pl, pc, nf)
	}
	return fmt.Sprintf("categorical: percentages mixed with plain numbers (%s line %d has %q, %s line %d has %q)", pf, pl, pc, nf, nl, nc)
}

// unreadDrift is the report of a column not read (driftColumn.unread): not
// tested, its note naming the type a file has it in.
func (c *driftColumn) unreadDrift(ref, cur *dataset.File, refName, curName string) monitor.FeatureDrift {
	f := monitor.CategoricalDrift(&monitor.Counts{}, &monitor.Counts{}, monitor.Thresholds{})
	file, typ := refName, ref.TypeName(c.ref)
	if ref.Kind(c.ref) != dataset.Unsupported {
		file, typ = curName, cur.TypeName(c.cur)
	}
	f.Note = fmt.Sprintf("not tested: its type %s (in %s) is not one drift reads (name it in --columns to see the error)", typ, file)
	if c.curName != "" {
		f.Note = fmt.Sprintf("compared with %s's column %q (#%d); %s", curName, c.curName, c.cur+1, f.Note)
	}
	f.Name = c.name
	return f
}

func numericChart(c *driftColumn) driftChart {
	edges := c.bins.PSIEdges()
	r, u := c.refHist.PSICounts(), c.curHist.PSICounts()
	ch := driftChart{Ref: proportions(r), Cur: proportions(u)}
	for i := range r {
		switch {
		case len(edges) == 0:
			ch.Labels = append(ch.Labels, "all")
		case i == 0:
			ch.Labels = append(ch.Labels, "≤ "+fmtNum(edges[0]))
		case i == len(edges):
			ch.Labels = append(ch.Labels, "> "+fmtNum(edges[i-1]))
		default:
			ch.Labels = append(ch.Labels, fmtNum(edges[i-1])+" – "+fmtNum(edges[i]))
		}
	}
	return ch
}

// categoricalChart shows the 12 values most frequent in either sample.
func categoricalChart(r, c *monitor.Counts) driftChart {
	type kv struct {
		v string
		w float64
	}
	rt, ct := float64(r.Total()), float64(c.Total())
	seen := map[string]bool{}
	var all []kv
	for _, counts := range []*monitor.Counts{r, c} {
		for _, v := range counts.Names {
			if !seen[v] {
				seen[v] = true
				all = append(all, kv{v, math.Max(float64(r.Get(v))/math.Max(rt, 1), float64(c.Get(v))/math.Max(ct, 1))})
			}
		}
	}
	sortKV := func(i, j int) bool { return all[i].w > all[j].w || all[i].w == all[j].w && all[i].v < all[j].v }
	for i := 1; i < len(all); i++ { // insertion sort: stable and short
		for j := i; j > 0 && sortKV(j, j-1); j-- {
			all[j], all[j-1] = all[j-1], all[j]
		}
	}
	var ch driftChart
	for i, x := range all {
		if i == 12 {
			break
		}
		ch.Labels = append(ch.Labels, x.v)
		ch.Ref = append(ch.Ref, float64(r.Get(x.v))/math.Max(rt, 1))
		ch.Cur = append(ch.Cur, float64(c.Get(x.v))/math.Max(ct, 1))
	}
	return ch
}

func proportions(c []float64) []float64 {
	t := 0.0
	for _, v := range c {
		t += v
	}
	out := make([]float64, len(c))
	for i, v := range c {
		if t > 0 {
			out[i] = v / t
		}
	}
	return out
}

func fmtNum(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'g', 4, 64)
}

func writeDriftJSON(w io.Writer, rep *driftReport) error {
	th := rep.Thresholds
	cols := make([]driftColumnJSON, len(rep.Result.Features))
	for i, f := range rep.Result.Features {
		cols[i] = driftColumnJSON{f, rep.Quality[i]}
	}
	missing, ids, news, unreadable, zeros := rep.driftWarnings()
	// Nothing tested: no verdict, and 0 of 0 no share (null both), not
	// "no drift" a script would read from false and 0.
	verdict, drift, share := "undetermined", (*bool)(nil), (*float64)(nil)
	if r := rep.Result; r.Determined() {
		verdict, drift, share = "no_drift", &r.Drift, &r.ShareDrifted
		if r.Drift {
			verdict = "drift"
		}
	}
	out := struct {
		Reference    string            `json:"reference"`
		Current      string            `json:"current"`
		RefFile      driftFile         `json:"reference_file"`
		CurFile      driftFile         `json:"current_file"`
		RefRows      int64             `json:"reference_rows"`
		CurRows      int64             `json:"current_rows"`
		Verdict      string            `json:"verdict"`
		DatasetDrift *bool             `json:"dataset_drift"`
		ShareDrifted *float64          `json:"share_drifted"`
		Drifted      int               `json:"drifted_columns"`
		Tested       int               `json:"tested_columns"`
		MissingRise  []string          `json:"missing_rise_columns"`
		IDLike       []string          `json:"id_like_columns"`
		NewCats      []string          `json:"new_category_columns"`
		Unreadable   []string          `json:"unreadable_columns"`
		LeadingZeros []string          `json:"leading_zero_columns"`
		CurOnly      []string          `json:"current_only_columns"`
		RefOnly      []string          `json:"reference_only_columns"`
		Thresholds   map[string]any    `json:"thresholds"`
		Columns      []driftColumnJSON `json:"columns"`
	}{
		rep.Reference, rep.Current, rep.RefFile, rep.CurFile, rep.RefRows, rep.CurRows, verdict, drift, share,
		rep.Result.Drifted, rep.Result.Tested, missing, ids, news, unreadable, zeros, rep.CurOnly, rep.RefOnly,
		map[string]any{"numeric_test": th.NumericTest, "categorical_test": th.CategoricalTest, "p_value": th.PValue,
			"wasserstein": th.Wasserstein, "jensenshannon": th.JensenShannon, "psi_warn": th.PSIWarn,
			"psi_drift": th.PSIDrift, "psi_bins": th.PSIBins, "share": th.Share, "small_sample": th.SmallSample,
			"missing_rise": rep.MissingRise},
		cols,
	}
	return writeJSON(w, out)
}

// driftColumnJSON is a column of the JSON report: the drift's fields,
// then its warnings'.
type driftColumnJSON struct {
	f monitor.FeatureDrift
	q driftQuality
}

func (c driftColumnJSON) MarshalJSON() ([]byte, error) {
	fj, err := json.Marshal(c.f)
	if err != nil {
		return nil, err
	}
	q := c.q
	extra := struct {
		MissingRise  bool             `json:"missing_rise"`
		MissingRiseP *float64         `json:"missing_rise_p_value,omitempty"`
		IDLike       bool             `json:"id_like"`
		NewValues    *int             `json:"new_categories,omitempty"`
		NewRows      *int64           `json:"new_category_rows,omitempty"`
		NewFirst     *[]string        `json:"new_category_values,omitempty"` // [] when counted and none
		RefUnread    *int64           `json:"reference_unreadable,omitempty"`
		CurUnread    *int64           `json:"current_unreadable,omitempty"`
		FirstUnread  *driftCell       `json:"first_unreadable,omitempty"`
		RefZeros     *int64           `json:"reference_leading_zeros,omitempty"`
		CurZeros     *int64           `json:"current_leading_zeros,omitempty"`
		FirstZero    *driftNumberCell `json:"first_leading_zero,omitempty"`
	}{MissingRise: q.MissingRise, IDLike: q.IDLike}
	if !math.IsNaN(q.MissingRiseP) {
		extra.MissingRiseP = &q.MissingRiseP
	}
	if q.NewCounted {
		extra.NewValues, extra.NewRows = &q.NewValues, &q.NewRows
		first := q.NewExamples
		if first == nil {
			first = []string{}
		}
		extra.NewFirst = &first
	}
	if q.unreadable() {
		extra.RefUnread, extra.CurUnread, extra.FirstUnread = &q.RefUnreadable, &q.CurUnreadable, &q.FirstUnreadable
	}
	if q.leadingZeros() {
		extra.RefZeros, extra.CurZeros, extra.FirstZero = &q.RefLeadingZeros, &q.CurLeadingZeros, &q.FirstLeadingZero
	}
	ej, err := json.Marshal(extra)
	if err != nil {
		return nil, err
	}
	// Both are objects: {"name":…,"note":…} and {"missing_rise":…}.
	return append(append(fj[:len(fj)-1:len(fj)-1], ','), ej[1:]...), nil
}

// fmtP formats a p-value: 4 decimals, in scientific notation below 1e-4,
// and "< 1e-300" for what underflowed (a p-value of 0, or a subnormal one,
// means only that it is below the smallest number computed).
func fmtP(v float64) string {
	switch {
	case math.IsNaN(v):
		return "—"
	case v < 1e-300:
		return "< 1e-300"
	case v < 1e-4:
		return strconv.FormatFloat(v, 'e', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func fmtStat(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

// fmtThreshold writes a threshold as it was given: 0.05, not 0.0500.
func fmtThreshold(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// fmtSharePct writes a share threshold as the percentage it was given:
// --share 0.07 is "7", not fmtThreshold(100*0.07), "7.000000000000001"
// (100 times a decimal fraction is seldom the decimal it reads as).
func fmtSharePct(share float64) string { return strconv.FormatFloat(100*share, 'g', 12, 64) }

// fmtMissing is a side's missing values with their share of its rows.
func fmtMissing(n, rows int64) string {
	if n == 0 || rows <= 0 {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("%d (%s%%)", n, strconv.FormatFloat(100*float64(n)/float64(rows), 'f', 1, 64))
}

// cellWidth is the number of terminal cells s takes: two for East Asian
// wide and fullwidth characters (Chinese, Japanese, Korean), none for
// combining marks, one for the rest.
func cellWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Me, r) || r == '\u200b':
		case width.LookupRune(r).Kind() == width.EastAsianWide || width.LookupRune(r).Kind() == width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// maxNameCells is the widest a column name is printed in the text table;
// a longer one is cut in its middle (its end often tells similar names
// apart) and given in full under the table.
const maxNameCells = 40

// tableName is a column's name as the text table prints it: control
// characters (a quoted header may hold a line break) as spaces, and cut
// to maxNameCells; cut reports whether it was.
func tableName(name string) (shown string, cut bool) {
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, name)
	if cellWidth(name) <= maxNameCells {
		return name, false
	}
	rs := []rune(name)
	head, tail := []rune{}, []rune{}
	budget := maxNameCells - 1 // the ellipsis
	for i, j := 0, len(rs)-1; i <= j; {
		if w := cellWidth(string(rs[i])); len(head) <= len(tail) && w <= budget {
			head, budget, i = append(head, rs[i]), budget-w, i+1
		} else if w := cellWidth(string(rs[j])); w <= budget {
			tail, budget, j = append([]rune{rs[j]}, tail...), budget-w, j-1
		} else {
			break
		}
	}
	return string(head) + "…" + string(tail), true
}

// writeTable writes rows in columns two spaces apart, padded by the cells
// each string takes on a terminal (tabwriter counts runes, so a Chinese
// name pushed its row's columns out of line); right says which columns
// are numbers, aligned on the right.
func writeTable(w io.Writer, rows [][]string, right []bool) {
	widths := make([]int, len(rows[0]))
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], cellWidth(c))
		}
	}
	for _, r := range rows {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-cellWidth(c))
			if right[i] {
				b.WriteString(pad + c)
			} else if i < len(r)-1 {
				b.WriteString(c + pad)
			} else {
				b.WriteString(c)
			}
			if i < len(r)-1 {
				b.WriteString("  ")
			}
		}
		fmt.Fprintln(w, b.String())
	}
}

func writeDriftText(dst io.Writer, rep *driftReport, lang string) error {
	w := &errWriter{w: dst}
	t := newReportText(lang)
	r := rep.Result
	fmt.Fprintln(w, t.T("clireport.drift.title", rep.Current, rep.CurRows, rep.Reference, rep.RefRows))
	for _, n := range rep.EncodingNotes() {
		fmt.Fprintln(w, "  "+t.Msg(n))
	}
	fmt.Fprintln(w)
	var head []string
	for _, k := range []string{"column", "kind", "test", "statistic", "p_value", "psi", "psi_grade", "drift", "missing_ref", "missing_cur"} {
		head = append(head, t.T("clireport.drift.col."+k))
	}
	rows := [][]string{head}
	var notes []string
	for _, f := range r.Features {
		drift := t.T("clireport.drift.no")
		if f.Drifted {
			drift = t.T("clireport.drift.drift")
		}
		if !f.Testable() {
			drift = "—"
		}
		name, cut := tableName(f.Name)
		if cut {
			notes = append(notes, t.T("clireport.drift.full_name", name, f.Name))
		}
		rows = append(rows, []string{name, t.Word("driftreport.kind.", f.Kind), t.Word("clireport.drift.test.", f.Test),
			fmtStat(f.Statistic), fmtP(f.PValue), fmtStat(f.PSI), t.Word("driftreport.psi.", f.PSILevel), drift,
			fmtMissing(f.RefMiss, rep.RefRows), fmtMissing(f.CurMiss, rep.CurRows)})
	}
	writeTable(w, rows, []bool{false, false, false, true, true, true, false, false, true, true})
	// Which figure decides: the column's test, not the PSI beside it.
	th := rep.Thresholds
	fmt.Fprint(w, "\n"+t.T("clireport.drift.thresholds",
		fmtThreshold(th.Wasserstein), fmtThreshold(th.JensenShannon), fmtThreshold(th.PValue), fmtThreshold(th.PSIWarn), fmtThreshold(th.PSIDrift))+"\n")
	fmt.Fprint(w, t.T("clireport.drift.warn_rules", fmtSharePct(rep.MissingRise), fmtThreshold(th.PValue), idLikeMinValues, fmtSharePct(idLikeShare))+"\n")
	for i, f := range r.Features {
		if f.Method == monitor.MethodBinned {
			notes = append(notes, t.T("clireport.drift.binned", f.Name, fmtStat(f.KS), fmtStat(f.KSUpper), fmtStat(f.WassersteinBound)))
		}
		if f.Note != "" {
			notes = append(notes, t.T("clireport.drift.note", f.Name, t.Msg(f.Note)))
		}
		if q := rep.Quality[i]; q.MissingRise {
			notes = append(notes, t.T("clireport.drift.note", f.Name, t.T("clireport.drift.warn_missing", pct1(f.RefMiss, rep.RefRows), pct1(f.CurMiss, rep.CurRows), fmtP(q.MissingRiseP))))
		}
		if q := rep.Quality[i]; q.newWarned() {
			notes = append(notes, t.T("clireport.drift.note", f.Name, t.T("clireport.drift.warn_new", q.NewRows, q.CurValues, pct1(q.NewRows, q.CurValues), q.NewValues)+
				t.T("clireport.drift.new_first", newList(q, t.T("clireport.drift.list_sep")))))
		}
		if q := rep.Quality[i]; q.unreadable() {
			c := q.FirstUnreadable
			notes = append(notes, t.T("clireport.drift.note", f.Name, t.T("clireport.drift.warn_unreadable",
				q.RefUnreadable+q.CurUnreadable, q.RefUnreadable, q.CurUnreadable, c.File, c.Line, strconv.Quote(c.Cell))))
		}
		if q := rep.Quality[i]; q.leadingZeros() {
			c := q.FirstLeadingZero
			notes = append(notes, t.T("clireport.drift.note", f.Name, t.T("clireport.drift.warn_leading_zeros",
				q.RefLeadingZeros+q.CurLeadingZeros, q.RefLeadingZeros, q.CurLeadingZeros, c.File, c.Line, strconv.Quote(c.Cell), strconv.FormatFloat(c.Value, 'g', -1, 64))))
		}
	}
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, "  "+n)
		}
	}
	if missing, ids, news, unreadable, zeros := rep.driftWarnings(); len(missing)+len(ids)+len(news)+len(unreadable)+len(zeros)+len(rep.CurOnly)+len(rep.RefOnly) > 0 {
		fmt.Fprintln(w, "\n"+t.T("clireport.drift.warnings"))
		for _, l := range []struct {
			what  string
			names []string
		}{{"missing_rise", missing}, {"id_like", ids}, {"new_categories", news}, {"unreadable", unreadable}, {"leading_zeros", zeros}, {"current_only", rep.CurOnly}, {"reference_only", rep.RefOnly}} {
			if len(l.names) > 0 {
				fmt.Fprintln(w, "  "+t.T("clireport.drift.note", t.T("clireport.drift.warn."+l.what), strings.Join(l.names, ", ")))
			}
		}
	}
	verdict := t.T("clireport.drift.verdict_no")
	if r.Drift {
		verdict = t.T("clireport.drift.verdict_yes")
	}
	if !r.Determined() {
		fmt.Fprint(w, "\n"+t.T("clireport.drift.verdict_undetermined", len(r.Features))+"\n")
		return w.err
	}
	fmt.Fprint(w, "\n"+t.T("clireport.drift.verdict", verdict, r.Drifted, r.Tested, 100*r.ShareDrifted, fmtSharePct(r.Share))+"\n")
	return w.err
}

// EncodingNotes are the files' encoding notes (see driftFile.encodingNote).
func (rep *driftReport) EncodingNotes() []string {
	var notes []string
	for _, n := range []string{rep.RefFile.encodingNote(rep.Reference), rep.CurFile.encodingNote(rep.Current)} {
		if n != "" {
			notes = append(notes, n)
		}
	}
	return notes
}
