package main

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/lodestar-hq/lodestar/internal/dataset"
	"github.com/lodestar-hq/lodestar/internal/engine/monitor"
	"github.com/lodestar-hq/lodestar/internal/tabular"
)

// driftColumn is one compared column: where it is in each file and what
// each file's pass has gathered.
type driftColumn struct {
	name     string
	ref, cur int    // column index in each file
	curName  string // the current's name for the column, when it is another
	named    bool   // picked by --columns (tested even when ID-like)
	unread   bool   // of a Parquet type a file's reader refuses, not named: not read, not tested

	refSide, curSide side // each file's findings, written only by that file's pass

	numeric          bool // both sides readable (side.readable): tested as numbers
	replay           bool // counted into bins from a second pass
	deferred         bool // in turn: the reference's replay waits for the current (few distinct values)
	refSample        *monitor.Sample
	curSample        *monitor.Sample
	bins             *monitor.Bins
	refHist, curHist *monitor.Hist
}

// side is what one file's pass finds in a column.
type side struct {
	text     bool  // a cell that is not a number was found, or the column's type is not numeric
	textN    int64 // CSV: cells that are neither numbers nor missing
	textLine int
	textCell string
	textType string               // a Parquet column's non-numeric type
	typed    bool                 // a Parquet numeric column: no cell strings to count
	float32  bool                 // a Parquet FLOAT column: float32 values
	spell    func(float64) string // a typed column's value as a CSV file writes it (dataset.File.NumberText)
	dropped  bool                 // numbers with too many distinct cells to follow as categories
	miss     int64
	counts   monitor.Counts
	values   valueCounts // a numeric column's value counts, until it has too many
	small    smallInts   // scan's: a batch's small integers counted by value
	many     bool
	ints     intCounts // cells written as Go writes an integer, counted apart from counts until text comes
	// CSV numbers written for people (dataset.ParseFormatted):
	pct       int64 // percentages
	pctLine   int   // the first one's line and cell
	pctCell   string
	plainLine int // the first number not a percentage, once one came
	plainCell string
	groupCell string // the first number with grouped digits
	// CSV numbers written with a leading zero ("007", "02134"): how many,
	// the first's line and cell, and whether the file's numbers are
	// codes of one width (codeForm). Codes make the column categorical
	// (side.codes); a few stray ones among numbers are counted as the
	// numbers they read as.
	zerosN    int64
	zerosLine int
	zerosCell string
	form      codeForm
	comma     bool // the file is read with --decimal-comma
}

// driftReport is what the writers print.
type driftReport struct {
	Reference, Current string
	RefFile, CurFile   driftFile
	RefRows, CurRows   int64
	Thresholds         monitor.Thresholds
	MissingRise        float64 // --missing-rise
	Result             monitor.DatasetDrift
	Charts             []driftChart
	Quality            []driftQuality // each column's warnings, as Result.Features
	CurOnly            []string       // the current's columns the reference lacks: not compared
	RefOnly            []string       // the reference's columns the current lacks: not compared
}

// driftFile says how a file was read: its format and, for CSV, the
// encoding and separator (detected or given).
type driftFile struct {
	Format           string `json:"format"`
	Encoding         string `json:"encoding,omitempty"`
	EncodingDetected bool   `json:"encoding_detected,omitempty"`
	Separator        string `json:"separator,omitempty"`
	DecimalComma     bool   `json:"decimal_comma,omitempty"` // --decimal-comma
	givenBy          string // the flag that gave the encoding
}

func describeFile(f *dataset.File, givenBy string, decimalComma bool) driftFile {
	d := driftFile{Format: f.Format().String(), givenBy: givenBy}
	if f.Format() == dataset.CSV {
		d.Encoding, d.EncodingDetected = f.Encoding()
		d.Separator = string(f.Separator())
		d.DecimalComma = decimalComma
	}
	return d
}

// encodingNote says, for a CSV file not read as UTF-8, in which encoding
// it was read and how that was chosen, so that text read in the wrong
// one (detection can only guess) does not pass unnoticed; "" otherwise.
func (d driftFile) encodingNote(name string) string {
	if d.Format != "csv" || d.Encoding == tabular.UTF8 {
		return ""
	}
	if d.EncodingDetected {
		return fmt.Sprintf("%s: read as %s, detected (the file is not UTF-8); if its text looks wrong, give its encoding with --encoding", name, d.Encoding)
	}
	return fmt.Sprintf("%s: read as %s, as %s says", name, d.Encoding, d.givenBy)
}

// driftChart is the data behind a column's small chart: proportions of
// each sample over the PSI bins (numeric) or the most frequent values.
type driftChart struct {
	Labels   []string
	Ref, Cur []float64
}

const maxCategories = 10_000

// driftSmallInts lets scan count a batch of small integers by value
// (smallInts); off, for the test that checks both ways agree, each cell
// is counted in turn.
var driftSmallInts = true

// driftSideBySideOnly makes two CSV files read side by side, as Parquet
// files are: for the tests that check that both ways agree.
var driftSideBySideOnly = false

func runDrift(a driftArgs, topt tabular.Options, prog *progress) (*driftReport, error) {
	// Each file's own encoding, when one was given for it alone.
	refOpt, curOpt := topt, topt
	refBy, curBy := "--encoding", "--encoding"
	if a.refEncoding != "" {
		refOpt.Encoding, refBy = a.refEncoding, "--reference-encoding"
	}
	if a.curEncoding != "" {
		curOpt.Encoding, curBy = a.curEncoding, "--current-encoding"
	}
	// The batches read are garbage at once; collecting more often keeps
	// the heap near what the columns hold (the heap is mostly float64
	// samples, which the collector does not scan, so this costs little).
	defer debug.SetGCPercent(debug.SetGCPercent(25))
	// Eight Parquet columns side by side: a page of each in memory, not of
	// every column of a wide file.
	dopt := dataset.Options{CSV: refOpt, ColumnGroup: 8, DecimalComma: a.decimalComma, Formatted: true}
	if prog != nil {
		dopt.Read = &prog.Read
	}
	ref, err := dataset.OpenFile(a.reference, dopt)
	if err != nil {
		return nil, err
	}
	defer ref.Close()
	dopt.CSV = curOpt
	cur, err := dataset.OpenFile(a.current, dopt)
	if err != nil {
		return nil, err
	}
	defer cur.Close()
	cols, refOnly, err := driftColumns(ref, cur, a.columns)
	if err != nil {
		return nil, err
	}
	rep := &driftReport{Reference: a.reference, Current: a.current, Thresholds: a.th.WithDefaults(),
		RefFile: describeFile(ref, refBy, a.decimalComma), CurFile: describeFile(cur, curBy, a.decimalComma), MissingRise: a.missingRise,
		CurOnly: []string{}, RefOnly: append([]string{}, refOnly...)}
	if a.columns == "" {
		// A column the current gained (a schema change) is said, not
		// passed over: it is in no comparison.
		matched := map[int]bool{}
		for _, c := range cols {
			matched[c.cur] = true
		}
		for j, h := range cur.Header() {
			if !matched[j] {
				rep.CurOnly = append(rep.CurOnly, h)
			}
		}
	}
	if rep.MissingRise == 0 {
		rep.MissingRise = defaultMissingRise
	}
	// A column of a Parquet type the reader refuses (timestamps, nested
	// columns …) is left untested, its note saying why, unless --columns
	// named it: then its file's refusal stops the run, naming it.
	var read []*driftColumn
	for i, c := range cols {
		c.refSample = monitor.NewSample(a.exactLimit, a.seed+uint64(i))
		c.curSample = monitor.NewExactSample(a.exactLimit)
		c.refSide.counts.Max, c.curSide.counts.Max = maxCategories+1, maxCategories+1
		if c.unread = !c.named && (ref.Kind(c.ref) == dataset.Unsupported || cur.Kind(c.cur) == dataset.Unsupported); !c.unread {
			read = append(read, c)
		}
	}

	if ref.Format() == dataset.CSV && cur.Format() == dataset.CSV && !driftSideBySideOnly {
		err = driftInTurn(a, ref, cur, read, rep)
	} else {
		err = driftSideBySide(a, ref, cur, read, rep)
	}
	if err != nil {
		return nil, err
	}
	var features []monitor.FeatureDrift
	for _, c := range cols {
		var f monitor.FeatureDrift
		var chart driftChart
		var q driftQuality
		if c.unread {
			f, q = c.unreadDrift(ref, cur, a.reference, a.current), newDriftQuality()
		} else {
			f, chart, q = c.compare(rep.Thresholds, a.reference, a.current, a.decimalComma, [2]bool{ref.Separator() == ';', cur.Separator() == ';'})
		}
		q.MissingRise, q.MissingRiseP = missingRose(f.RefMiss, rep.RefRows, f.CurMiss, rep.CurRows, rep.MissingRise, rep.Thresholds.PValue)
		features = append(features, f)
		rep.Charts = append(rep.Charts, chart)
		rep.Quality = append(rep.Quality, q)
	}
	rep.Result = monitor.Summarize(features, rep.Thresholds)
	return rep, nil
}

// driftSideBySide reads the two files side by side (a Parquet file is read
// on one goroutine, so the two are read at once): samples, categories,
// and, for a CSV file, its numbers spilled to a temporary file; then the
// bins are cut and the numbers counted into them, from the spill or by
// reading a Parquet file again (its columns are cheap to read alone).
func driftSideBySide(a driftArgs, ref, cur *dataset.File, cols []*driftColumn, rep *driftReport) error {
	var refSpill, curSpill *spill
	var refErr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		rep.RefRows, refSpill, refErr = scanFile(ref, cols, true, true)
	}()
	var err error
	rep.CurRows, curSpill, err = scanFile(cur, cols, false, true)
	wg.Wait()
	defer refSpill.remove()
	defer curSpill.remove()
	for _, e := range []error{refErr, err} {
		if e != nil {
			return e
		}
	}
	for _, f := range []struct {
		name string
		rows int64
	}{{a.reference, rep.RefRows}, {a.current, rep.CurRows}} {
		if f.rows == 0 {
			return fmt.Errorf("%s: %w", f.name, errNoRows)
		}
	}

	// Bins from the reference sample; the numbers counted into them for
	// every column not wholly kept in both samples.
	binned := false
	for _, c := range cols {
		c.numeric = c.refSide.readable(c.refSample) && c.curSide.readable(c.curSample) && !c.mixedPercents()
		if !c.numeric || c.refSample.N() == 0 || c.curSample.N() == 0 {
			continue
		}
		c.bins = monitor.BinsFromSorted(c.refSample.Sorted(), a.bins, rep.Thresholds.PSIBins)
		c.refHist, c.curHist = monitor.NewHist(c.bins), monitor.NewHist(c.bins)
		if c.refSample.Exact() && c.curSample.Exact() {
			for _, x := range c.refSample.Sorted() {
				c.refHist.Add(x)
			}
			for _, x := range c.curSample.Sorted() {
				c.curHist.Add(x)
			}
		} else {
			c.replay = true
			binned = true
		}
	}
	if binned {
		wg.Add(1)
		go func() {
			defer wg.Done()
			refErr = replay(ref, refSpill, cols, true)
		}()
		err = replay(cur, curSpill, cols, false)
		wg.Wait()
		for _, e := range []error{refErr, err} {
			if e != nil {
				return e
			}
		}
	}
	return nil
}

// driftInTurn reads two CSV files one after the other, each parsed on
// every core. The reference first: samples, categories, and its numbers
// spilled to a temporary file. Its sample then cuts the bins, so the
// current's numbers are counted into them as it is read (the current is
// not spilled), while the reference's are counted from the spill on
// another goroutine. The result is the same, to the bit, as reading the
// files side by side: each histogram counts its file's numbers in file
// order, or (both files within the exact limit) its sorted sample.
func driftInTurn(a driftArgs, ref, cur *dataset.File, cols []*driftColumn, rep *driftReport) error {
	var refSpill *spill
	var err error
	rep.RefRows, refSpill, err = scanFile(ref, cols, true, true)
	defer refSpill.remove()
	if err != nil {
		return err
	}
	// The current's values are read from its sample only when both
	// samples hold all their file's (compare's exact statistics, the
	// histograms of the sorted samples): past the reference's limit the
	// current's sample only counts.
	for _, c := range cols {
		if !c.refSample.Exact() {
			c.curSample.CountOnly()
		}
	}
	// Bins for every column numeric in the reference; the reference's
	// numbers counted into them at once when its sample is not all of them
	// (whatever the current holds, the histograms are needed then) — unless
	// it has few distinct values: then, unless the current has many, the
	// statistics come from the value counts, and the histogram only gives
	// the chart its counts, which the value counts give too.
	// The samples are sorted and the bins cut on every core: the files
	// are not being read meanwhile.
	next := make(chan *driftColumn)
	var cut sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		cut.Add(1)
		go func() {
			defer cut.Done()
			for c := range next {
				c.bins = monitor.BinsFromSorted(c.refSample.Sorted(), a.bins, rep.Thresholds.PSIBins)
			}
		}()
	}
	for _, c := range cols {
		if c.refSide.readable(c.refSample) && c.refSample.N() > 0 {
			next <- c
		}
	}
	close(next)
	cut.Wait()
	early := false
	for _, c := range cols {
		if !c.refSide.readable(c.refSample) || c.refSample.N() == 0 {
			continue
		}
		c.refHist, c.curHist = monitor.NewHist(c.bins), monitor.NewHist(c.bins)
		if !c.refSample.Exact() {
			if c.refSide.many {
				c.replay, early = true, true
			} else {
				c.deferred = true
			}
			// Only the bins needed the values: the sample's counts of
			// few distinct values stay.
			c.refSample.Release()
		}
	}
	var refErr error
	var wg sync.WaitGroup
	if early {
		wg.Add(1)
		go func() {
			defer wg.Done()
			refErr = refSpill.replay(cols, func(c *driftColumn) *monitor.Hist {
				if c.replay {
					return c.refHist
				}
				return nil
			})
		}()
	}
	rep.CurRows, _, err = scanFile(cur, cols, false, false)
	wg.Wait()
	if err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		rows int64
	}{{a.reference, rep.RefRows}, {a.current, rep.CurRows}} {
		if f.rows == 0 {
			return fmt.Errorf("%s: %w", f.name, errNoRows)
		}
	}
	if refErr != nil {
		return refErr
	}
	late := false
	for _, c := range cols {
		c.numeric = c.refSide.readable(c.refSample) && c.curSide.readable(c.curSample) && !c.mixedPercents()
		early, deferred := c.replay, c.deferred
		c.replay, c.deferred = false, false
		if !c.numeric || c.refSample.N() == 0 || c.curSample.N() == 0 {
			c.bins, c.refHist, c.curHist = nil, nil, nil
			continue
		}
		switch {
		case c.refSample.Exact() && c.curSample.Exact():
			c.refHist, c.curHist = monitor.NewHist(c.bins), monitor.NewHist(c.bins)
			for _, x := range c.refSample.Sorted() {
				c.refHist.Add(x)
			}
			for _, x := range c.curSample.Sorted() {
				c.curHist.Add(x)
			}
		case deferred && !c.curSide.many:
			// compare takes the value counts (few distinct values in
			// both files); the histogram serves the chart's counts.
			c.refSide.values.countInto(c.refHist)
		case deferred, !early: // the current has many values, or the reference is within the exact limit
			c.replay, late = true, true
		}
	}
	if late {
		return refSpill.replay(cols, func(c *driftColumn) *monitor.Hist {
			if c.replay {
				return c.refHist
			}
			return nil
		})
	}
	return nil
}

// replay counts a file's numbers of the columns marked for it into their
// histograms: from the spill, or by reading a Parquet file again.
func replay(f *dataset.File, sp *spill, cols []*driftColumn, isRef bool) error {
	hist := func(c *driftColumn) *monitor.Hist {
		switch {
		case !c.replay:
			return nil
		case isRef:
			return c.refHist
		}
		return c.curHist
	}
	if sp != nil {
		return sp.replay(cols, hist)
	}
	var idx []int
	var hs []*monitor.Hist
	for _, c := range cols {
		if c.replay {
			idx = append(idx, c.index(isRef))
			hs = append(hs, hist(c))
		}
	}
	return f.Scan(idx, func(b *dataset.Batch) error {
		for k, h := range hs {
			if !b.Has(k) {
				continue
			}
			h.AddAll(b.Num[k][:b.Rows])
		}
		return nil
	})
}

func (c *driftColumn) index(isRef bool) int {
	if isRef {
		return c.ref
	}
	return c.cur
}

// spill holds the numbers of a CSV file in a temporary file (NaN for
// cells that are not numbers), so that they can be counted into bins
// without reading and parsing the file again. They are gathered into
// runs of at least spillRows rows and written column by column — a run's
// header (its row count), then each column's numbers — so that replaying
// counts thousands of one column's numbers into its histogram at a time,
// its bins in the CPU cache. The bytes are the float64s' own memory,
// written and read back without conversion: the file lives only as long
// as the process.
type spill struct {
	f    *os.File
	err  error
	cols [][]float64 // the run being gathered, column by column
	rows int
}

const spillRows = 8192

func newSpill() (*spill, error) {
	f, err := os.CreateTemp("", "lodestar-drift-*")
	if err != nil {
		return nil, fmt.Errorf("temporary file: %w", err)
	}
	// Unnamed at once where the system allows it (the open file lives
	// on): a run stopped by Ctrl-C or a kill leaves no spill behind.
	// Elsewhere remove removes it.
	os.Remove(f.Name())
	return &spill{f: f}, nil
}

// write adds one batch, and writes the run once it is long enough.
func (s *spill) write(b *dataset.Batch) {
	if s.cols == nil {
		s.cols = make([][]float64, len(b.Num))
	}
	for k, col := range b.Num {
		s.cols[k] = append(s.cols[k], col[:b.Rows]...)
	}
	if s.rows += b.Rows; s.rows >= spillRows {
		s.flush()
	}
}

// flush writes the run gathered.
func (s *spill) flush() {
	if s.err != nil || s.rows == 0 {
		return
	}
	var head [8]byte
	binary.NativeEndian.PutUint64(head[:], uint64(s.rows))
	_, err := s.f.Write(head[:])
	for k, col := range s.cols {
		if err == nil {
			_, err = s.f.Write(floatBytes(col))
		}
		s.cols[k] = col[:0]
	}
	s.rows = 0
	if err != nil {
		s.err = fmt.Errorf("temporary file: %w", err)
	}
}

// floatBytes views the memory of xs as bytes, without copying.
func floatBytes(xs []float64) []byte {
	if len(xs) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&xs[0])), 8*len(xs))
}

// replay counts the spilled numbers of each column into the histogram
// hist picks for it (none: nil).
func (s *spill) replay(cols []*driftColumn, hist func(*driftColumn) *monitor.Hist) error {
	if s.flush(); s.err != nil {
		return s.err
	}
	s.cols = nil
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("temporary file: %w", err)
	}
	var head [8]byte
	var buf []float64
	for {
		if _, err := io.ReadFull(s.f, head[:]); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("temporary file: %w", err)
		}
		rows := int(binary.NativeEndian.Uint64(head[:]))
		if cap(buf) < rows {
			buf = make([]float64, rows)
		}
		xs := buf[:rows]
		for _, c := range cols {
			var err error
			if h := hist(c); h != nil {
				if _, err = io.ReadFull(s.f, floatBytes(xs)); err == nil {
					h.AddAll(xs)
				}
			} else {
				_, err = s.f.Seek(int64(8*rows), io.SeekCurrent)
			}
			if err != nil {
				return fmt.Errorf("temporary file: %w", err)
			}
		}
	}
}

func (s *spill) remove() {
	if s != nil {
		s.f.Close()
		os.Remove(s.f.Name())
	}
}

// driftColumns resolves the columns to compare in both files. Without
// spec, a reference column the current lacks is left out, its name in
// refOnly; named in spec, it is bad usage.
func driftColumns(ref, cur *dataset.File, spec string) (cols []*driftColumn, refOnly []string, err error) {
	var specs []string
	if spec != "" {
		for _, s := range strings.Split(spec, ",") {
			specs = append(specs, strings.TrimSpace(s))
		}
	}
	if spec != "" && strings.TrimSpace(strings.ReplaceAll(spec, ",", "")) == "" {
		return nil, nil, errUsage{fmt.Sprintf("drift: --columns %q names no column", spec)}
	}
	// An empty entry ("a,,b", a comma at an end) is a slip, not a column
	// to leave out silently.
	if slices.Contains(specs, "") {
		return nil, nil, errUsage{fmt.Sprintf("drift: --columns %q has an empty entry: name a column between each two commas, and none at either end", spec)}
	}
	rh, ch := ref.Header(), cur.Header()
	same := len(rh) == len(ch)
	for i := range rh {
		same = same && rh[i] == ch[i]
	}
	if len(specs) == 0 {
		for i, h := range rh {
			c := &driftColumn{name: h, ref: i, cur: i}
			if !same {
				// By name in both files: a name either file gives to
				// several columns is refused, not guessed.
				if _, err := ref.Column(h); err != nil {
					return nil, nil, fmt.Errorf("%w (the reference's column #%d; pick columns with --columns)", err, i+1)
				}
				j, err := cur.Column(h)
				if errors.Is(err, tabular.ErrColumn) {
					// The current lost it (a schema change): said, and
					// the columns both files have compared.
					refOnly = append(refOnly, h)
					continue
				}
				if err != nil {
					return nil, nil, fmt.Errorf("%w (the reference's column #%d; pick columns with --columns)", err, i+1)
				}
				c.cur = j
				if ch[j] != h { // matched ignoring case
					c.curName = ch[j]
				}
			}
			cols = append(cols, c)
		}
		return nameApart(cols), refOnly, nil
	}
	given := map[int]string{} // the spec that chose each reference column
	taken := map[int]string{} // and each current one
	for _, s := range specs {
		// A column the files do not have (or a name they share) is
		// bad usage, as any other flag's bad value.
		i, err := ref.Column(s)
		if err != nil {
			return nil, nil, errUsage{err.Error()}
		}
		j, err := cur.Column(s)
		if err != nil {
			return nil, nil, errUsage{err.Error()}
		}
		// A column tested twice would count twice in the data set's
		// verdict: refused, as explain --features refuses it.
		if prev, dup := given[i]; dup {
			return nil, nil, errUsage{fmt.Sprintf("drift: --columns names the reference's column %q twice (%q and %q)", rh[i], prev, s)}
		}
		if prev, dup := taken[j]; dup {
			return nil, nil, errUsage{fmt.Sprintf("drift: --columns names the current's column %q twice (%q and %q)", ch[j], prev, s)}
		}
		given[i], taken[j] = s, s
		c := &driftColumn{name: rh[i], ref: i, cur: j, named: true}
		if ch[j] != rh[i] { // #N, or a name matched ignoring case
			c.curName = ch[j]
		}
		cols = append(cols, c)
	}
	return nameApart(cols), nil, nil
}

// nameApart names the columns that share a name (identical headers with
// a name twice, or columns picked by #N) by their position too, "a (#3)",
// so that the report's rows can be told apart.
func nameApart(cols []*driftColumn) []*driftColumn {
	n := map[string]int{}
	for _, c := range cols {
		n[c.name]++
	}
	for _, c := range cols {
		if n[c.name] > 1 {
			c.name = fmt.Sprintf("%s (#%d)", c.name, c.ref+1)
		}
	}
	return cols
}

// scanFile reads every row of a file into the columns and, for a CSV file
// when toSpill, spills their numbers. The current's numbers are counted
// into its histograms as they come, for the columns that have them (the
// reference's bins already cut) and no text so far. It returns the number
// of rows and the spill.
func scanFile(f *dataset.File, cols []*driftColumn, isRef, toSpill bool) (int64, *spill, error) {
	var sp *spill
	if toSpill && f.Format() == dataset.CSV {
		var err error
		if sp, err = newSpill(); err != nil {
			return 0, nil, err
		}
	}
	idx := make([]int, len(cols))
	for k, c := range cols {
		idx[k] = c.index(isRef)
		sd := c.side(isRef)
		sd.comma = f.DecimalComma()
		switch f.Kind(idx[k]) {
		case dataset.Numeric:
			sd.typed, sd.float32 = true, f.TypeName(idx[k]) == "FLOAT"
			i := idx[k]
			sd.spell = func(v float64) string { return f.NumberText(i, v) }
		case dataset.Categorical:
			sd.text, sd.textType = true, f.TypeName(idx[k])
		}
	}
	// The current's numbers are gathered into runs of spillRows rows, as
	// the spill does, and each column's run counted at once: its bins
	// stay in the CPU cache. A column with text is counted all the same
	// (its text cells are NaN, left out): it may be read as numbers all
	// the same (side.readable), which only its last row decides.
	runs := make([][]float64, len(cols))
	runRows := 0
	count := func() {
		for k, c := range cols {
			if len(runs[k]) > 0 {
				c.curHist.AddAll(runs[k])
				runs[k] = runs[k][:0]
			}
		}
		runRows = 0
	}
	// A batch's columns are taken on two goroutines, each column whole by
	// one of them: the workers parse blocks faster than one goroutine
	// samples and counts them, so it kept a core waiting. A column's
	// state is its own (scan), and each column is still taken batch after
	// batch in file order, so the results are the same to the bit.
	var (
		batch  *dataset.Batch
		counts bool
		next   atomic.Int32
		start  = make(chan struct{})
		done   = make(chan struct{})
	)
	take := func() {
		for {
			k := int(next.Add(1)) - 1
			if k >= len(cols) {
				return
			}
			c := cols[k]
			if batch.Has(k) {
				c.scan(batch, k, isRef)
				if !isRef && c.curHist != nil {
					runs[k] = append(runs[k], batch.Num[k][:batch.Rows]...)
				}
			}
			if counts && len(runs[k]) > 0 {
				c.curHist.AddAll(runs[k])
				runs[k] = runs[k][:0]
			}
		}
	}
	two := runtime.GOMAXPROCS(0) > 1 && len(cols) > 1
	if two {
		go func() {
			for range start {
				take()
				done <- struct{}{}
			}
		}()
		defer close(start)
	}
	var rows int64
	err := f.Scan(idx, func(b *dataset.Batch) error {
		rows = max(rows, b.Start()+int64(b.Rows))
		runRows += b.Rows
		batch, counts = b, runRows >= spillRows
		next.Store(0)
		if two {
			start <- struct{}{}
			take()
			<-done
		} else {
			take()
		}
		batch = nil
		if counts {
			runRows = 0
		}
		if sp != nil {
			sp.write(b)
			return sp.err
		}
		return nil
	})
	if err != nil {
		sp.remove()
		return 0, nil, err
	}
	count()
	return rows, sp, nil
}

func (c *driftColumn) side(isRef bool) *side {
	if isRef {
		return &c.refSide
	}
	return &c.curSide
}

// maxNumericStrings is how many distinct cells (and values) a numeric
// column's counts follow: as categories, in case a later cell turns it
// categorical, and as numbers, for exact statistics at any size.
const maxNumericStrings = 1000

// unsafeString views b as a string without copying. Only for
// monitor.Counts.Add, which copies a value on first sight and keeps none
// of the caller's strings.
func unsafeString(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(&b[0], len(b))
}

// scan takes column k of a batch. It touches only its own file's side and
// sample, so the two files' passes run side by side without locks.
func (c *driftColumn) scan(b *dataset.Batch, k int, isRef bool) {
	sd, sample := &c.curSide, c.curSample
	if isRef {
		sd, sample = &c.refSide, c.refSample
	}
	num := b.Num[k][:b.Rows]
	switch b.Kind(k) {
	case dataset.Numeric:
		for _, x := range num {
			if x != x {
				sd.miss++
			}
		}
		if ints, unsigned := b.Int64s(k); ints != nil {
			// Counted by their own bits: exact past 2^53, should they be
			// compared as categories (textCounts).
			sd.values.ints = 1 + b2i(unsigned)
			sd.intNumbers(num, ints, sample)
			break
		}
		sd.numbers(num, sample, nil)
	case dataset.Categorical:
		for r := range num {
			if b.Missing(k, r) {
				sd.miss++
				continue
			}
			if sd.counts.Distinct() <= maxCategories {
				sd.counts.Add(unsafeString(b.Text(k, r)))
			}
		}
	default: // CSV text: numbers, missing cells, other text
		// A batch whose number cells are all integers as FormatInt writes
		// them is counted from the numbers, its text not read again.
		ints := b.IntCells(k)
		// A number with a leading zero ("007") is counted apart, and
		// its cell, as text's, among the categories: the column is codes
		// when such numbers are (side.codes), and if not they are left
		// among the numbers.
		lead := b.LeadingZeros(k)
		// A batch of integers close together (ages, counts, ratings),
		// every cell a number, is counted by value once, each value then
		// added to the value counts and the integer cells' with its
		// count, not each cell hashed into both: what they hold is the
		// same.
		cellCounts := ints && !lead && !sd.dropped && !sd.text
		var few *smallInts
		if driftSmallInts && (!sd.many || cellCounts) && sd.small.count(num) {
			few = &sd.small
		}
		// The numbers go into the sample after text came too: a column
		// with a few text cells is read as numbers (side.readable). The
		// sample counts the cells that are not numbers (NaN): none, and
		// the batch is all numbers.
		missing := sample.Missing
		sd.numbers(num, sample, few)
		allNumbers := sample.Missing == missing
		sd.forms(b, k, num)
		if !sd.form.broken {
			sd.form.batch(b, k, num, ints, lead, few)
		}
		if few != nil && cellCounts {
			for i, n := range few.n {
				if n == 0 {
					continue
				}
				sd.ints.addN(int64(few.value(i)), uint64(n))
				if sd.counts.Distinct()+sd.ints.size > maxNumericStrings {
					sd.dropped, sd.counts, sd.ints = true, monitor.Counts{}, intCounts{}
					break
				}
			}
			break // every cell a number, counted: nothing else to do
		}
		// Once the column's numbers are no longer counted (dropped),
		// before any text, a number needs nothing more here: the batch's
		// numbers up to its first other cell are passed over (a batch
		// with a leading zero is read whole).
		from := 0
		switch {
		case !sd.dropped || sd.text || lead:
		case allNumbers:
			from = len(num)
		default:
			for from < len(num) && num[from] == num[from] {
				from++
			}
		}
		for r := from; r < len(num); r++ {
			x := num[r]
			zero := lead && x == x && dataset.LeadingZero(b.Text(k, r))
			if x == x && !sd.text && !zero {
				if !sd.dropped {
					// Counted first: a repeat of a value held adds none,
					// so only a new one past the limit drops the counts.
					if ints {
						sd.ints.add(int64(x))
					} else {
						sd.addNumberCell(dataset.Trim(b.Text(k, r)))
					}
					if sd.counts.Distinct()+sd.ints.size > maxNumericStrings {
						sd.dropped, sd.counts, sd.ints = true, monitor.Counts{}, intCounts{}
					}
				}
				continue
			}
			cell := dataset.Trim(b.Text(k, r))
			if len(cell) == 0 || x != x && dataset.IsMissing(cell) {
				sd.miss++
				continue
			}
			switch {
			case zero:
				if sd.zerosN++; sd.zerosCell == "" {
					sd.zerosLine, sd.zerosCell = b.Line(r), string(cell)
				}
			case x != x: // (after text, numbers come here too, counted as cells)
				if sd.textN++; sd.textCell == "" {
					sd.textLine, sd.textCell = b.Line(r), string(cell)
				}
			}
			if !sd.text {
				sd.text = true
				sd.settleInts()
			}
			if !sd.dropped && sd.counts.Distinct() <= maxCategories {
				sd.counts.Add(unsafeString(cell))
			}
		}
	}
}

// forms notes the batch's numbers written for people: the first
// percentage, the first number that is not one, and the first with
// grouped digits. Once a plain number is noted, a batch of plain numbers
// costs nothing here.
func (sd *side) forms(b *dataset.Batch, k int, num []float64) {
	p := int64(b.Percents(k))
	grouped := b.Grouped(k) && sd.groupCell == ""
	if p == 0 && !grouped && sd.plainCell != "" {
		return
	}
	for r, x := range num {
		if x != x {
			continue
		}
		if sd.plainCell != "" && !grouped && (p == 0 || sd.pctCell != "") {
			break
		}
		cell := dataset.Trim(b.Text(k, r))
		if bytes.HasSuffix(cell, []byte("%")) {
			if sd.pctCell == "" {
				sd.pctLine, sd.pctCell = b.Line(r), string(cell)
			}
		} else if sd.plainCell == "" {
			sd.plainLine, sd.plainCell = b.Line(r), string(cell)
		}
		if grouped {
			if _, _, g, _ := dataset.ParseFormatted(cell, sd.comma); g && !plainNumber(cell, sd.comma) {
				sd.groupCell, grouped = string(cell), false
			}
		}
	}
	sd.pct += p
}

// plainNumber reports whether a cell is a number as written without
// --decimal-comma's or thousands' reading (ParseNumber, or
// ParseDecimalComma with comma).
func plainNumber(cell []byte, comma bool) bool {
	if comma {
		_, ok := dataset.ParseDecimalComma(cell)
		return ok
	}
	_, ok := dataset.ParseNumber(cell)
	return ok
}

// cellNumber is the number a CSV cell was read as: plainly (ParseNumber,
// or ParseDecimalComma with comma), else as written for people
// (ParseFormatted); NaN for a cell that is not a number.
func cellNumber(cell []byte, comma bool) float64 {
	var v float64
	var ok bool
	if comma {
		v, ok = dataset.ParseDecimalComma(cell)
	} else {
		v, ok = dataset.ParseNumber(cell)
	}
	if !ok {
		if v, _, _, ok = dataset.ParseFormatted(cell, comma); !ok {
			return math.NaN()
		}
	}
	return v
}

// percents says how a side's numbers are written: 0 none are
// percentages (or it has no numbers), 1 all are, 2 some are.
func (sd *side) percents(sample *monitor.Sample) int {
	switch {
	case sd.pct == 0:
		return 0
	case sd.pct == sample.N():
		return 1
	}
	return 2
}

// mixedPercents reports whether a column's numbers mix percentages with
// plain numbers, in a file or between the two: it is then categorical.
func (c *driftColumn) mixedPercents() bool {
	r, u := c.refSide.percents(c.refSample), c.curSide.percents(c.curSample)
	return r == 2 || u == 2 || r != u && c.refSample.N() > 0 && c.curSample.N() > 0
}

// maxUnreadablePermille is the most cells of a CSV column that are not
// numbers (nor missing), per thousand of its non-missing cells in a file,
// for the column to be read as numbers all the same, those cells left out
// as unreadable: a stray "?" or "1.234,50" (a decimal comma in a point
// file) in a column of numbers must not make it categorical, where a test
// over one-off values means nothing.
const maxUnreadablePermille = 10

// readable reports whether the side's column is read as numbers: every
// non-missing cell is a number written without a leading zero, or (CSV)
// at most maxUnreadablePermille of them per thousand are not numbers, its
// numbers are not codes (side.codes), and they have more than
// monitor.FewValues distinct values (with as few, the text or the "00" is
// a value among few, compared as categories). A Parquet column of a
// non-numeric type is not.
func (sd *side) readable(sample *monitor.Sample) bool {
	if sd.percents(sample) == 2 {
		return false
	}
	if !sd.text {
		return true
	}
	if sd.textType != "" || sd.codes(sample) {
		return false
	}
	return sd.textN*1000 <= maxUnreadablePermille*(sample.N()+sd.textN) &&
		(sd.many || sd.values.size > monitor.FewValues)
}

// codes reports whether a CSV side's numbers written with a leading zero
// make it a column of codes (ZIP codes, account numbers, "007"), read as
// text: they are more than maxUnreadablePermille per thousand of its
// non-missing cells — the share of cells that are not numbers a column
// of numbers may have — or they are the file's form (codeForm.holds:
// every number an integer of the one width the leading zeros pad to).
// Fewer, among numbers of other forms (a stray "00" among amounts), are
// counted as the numbers they read as, and said (driftQuality).
func (sd *side) codes(sample *monitor.Sample) bool {
	return sd.zerosN > 0 && (sd.zerosN*1000 > maxUnreadablePermille*(sample.N()+sd.textN) || sd.form.holds())
}

// codeForm follows whether every number of a CSV column in a file is a
// code of one width: an integer without sign, written with as many digits
// as each cell with a leading zero has ("02134" among "94110" and
// "10001"; "007" among "123" and "450"). It looks at a batch only until
// the form is broken, which a column of other numbers does in its first
// batch with a number; what it holds does not depend on the order of the
// cells or on where the batches end.
type codeForm struct {
	broken   bool
	any      bool    // a number without a leading zero came
	lo, hi   float64 // the least and greatest of them
	zlo, zhi int     // the fewest and most digits of a cell with a leading zero; 0: none came
}

// batch takes a batch's column: ints and lead are its Batch.IntCells and
// Batch.LeadingZeros; few, when not nil, its numbers counted by value.
func (f *codeForm) batch(b *dataset.Batch, k int, num []float64, ints, lead bool, few *smallInts) {
	switch {
	case ints && few != nil: // the least and the greatest from the counts
		lo, hi := 0, len(few.n)-1
		for few.n[lo] == 0 {
			lo++
		}
		for few.n[hi] == 0 {
			hi--
		}
		if few.value(lo) < 0 {
			f.broken = true
			return
		}
		f.number(few.value(lo))
		f.number(few.value(hi))
	case ints: // every number written as FormatInt writes it
		// The least and greatest in registers (f.number's, through f,
		// stored and loaded them each number).
		any, lo, hi := f.any, f.lo, f.hi
		for _, x := range num {
			if x != x {
				continue
			}
			if x < 0 {
				f.broken = true
				return
			}
			if !any {
				any, lo, hi = true, x, x
				continue
			}
			lo, hi = min(lo, x), max(hi, x)
		}
		f.any, f.lo, f.hi = any, lo, hi
	case lead:
		for r, x := range num {
			if x != x {
				continue
			}
			cell := b.Text(k, r)
			if dataset.LeadingZero(cell) {
				cell = dataset.Trim(cell)
				if !allDigits(cell) {
					f.broken = true
					return
				}
				if f.zlo == 0 || len(cell) < f.zlo {
					f.zlo = len(cell)
				}
				f.zhi = max(f.zhi, len(cell))
				continue
			}
			if v, ok := dataset.IntCell(cell); ok && v >= 0 {
				f.number(x)
				continue
			}
			f.broken = true
			return
		}
	default: // a number, if any, is not an integer as FormatInt writes it
		for _, x := range num {
			if x == x {
				f.broken = true
				return
			}
		}
	}
}

func (f *codeForm) number(x float64) {
	if !f.any {
		f.any, f.lo, f.hi = true, x, x
		return
	}
	f.lo, f.hi = min(f.lo, x), max(f.hi, x)
}

// holds reports whether the file's numbers are codes of one width (and
// some have a leading zero).
func (f *codeForm) holds() bool {
	if f.broken || f.zlo == 0 || f.zlo != f.zhi {
		return false
	}
	return !f.any || digits(f.lo) == f.zlo && digits(f.hi) == f.zlo
}

// digits is how many digits a non-negative integer is written with.
func digits(x float64) int { return len(strconv.FormatFloat(x, 'f', -1, 64)) }

// allDigits reports whether cell is ASCII digits only.
func allDigits(cell []byte) bool {
	for _, c := range cell {
		if c-'0' > 9 {
			return false
		}
	}
	return len(cell) > 0
}

// numbers takes a batch of a numeric column's numbers (NaN: not a
// number, left out); few, when not nil, holds them counted by value
// (smallInts).
func (sd *side) numbers(xs []float64, sample *monitor.Sample, few *smallInts) {
	sample.AddAll(xs)
	if sd.many {
		return
	}
	if few != nil {
		// Past the limit the counts are dropped, whichever value of the
		// batch went past it first.
		for i, n := range few.n {
			if n > 0 && !sd.values.addN(few.value(i), uint64(n)) {
				sd.many, sd.values = true, valueCounts{}
				return
			}
		}
		return
	}
	for _, x := range xs {
		if x == x && !sd.values.add(x) {
			sd.many, sd.values = true, valueCounts{}
			return
		}
	}
}

// intNumbers is numbers for a column of int64s (dataset.Batch.Int64s),
// each counted by its integer, not its float64: the same work.
func (sd *side) intNumbers(xs []float64, ints []int64, sample *monitor.Sample) {
	sample.AddAll(xs)
	if sd.many {
		return
	}
	for r, x := range xs {
		if x == x && !sd.values.addBits(uint64(ints[r])) {
			sd.many, sd.values = true, valueCounts{}
			return
		}
	}
}

func b2i(b bool) int8 {
	if b {
		return 1
	}
	return 0
}

// addNumberCell counts the cell of a number among the column's cells, as
// counts.Add would: a cell written as strconv.FormatInt writes its value
// (dataset.IntCell) by value in ints (no string hashed), any other in counts. The two hold
// different strings, so their sizes add up to counts' size had it counted
// them all; settleInts moves ints into counts.
func (sd *side) addNumberCell(cell []byte) {
	if v, ok := dataset.IntCell(cell); ok {
		sd.ints.add(v)
		return
	}
	sd.counts.Add(unsafeString(cell))
}

// settleInts moves the integer cells counted by value into counts, as
// strings: once text came (every later cell goes to counts), or before
// the counts are read. The order of counts' values matters to no reader.
func (sd *side) settleInts() {
	if sd.ints.size == 0 {
		return
	}
	for _, s := range sd.ints.slots {
		if s.n > 0 {
			sd.counts.Merge(&monitor.Counts{Names: []string{strconv.FormatInt(s.v, 10)}, N: []uint64{s.n}})
		}
	}
	sd.ints = intCounts{}
}

// intCounts counts up to maxNumericStrings distinct integers in an
// open-addressing table.
type intCounts struct {
	slots []intSlot
	size  int
}

type intSlot struct {
	v int64
	n uint64 // 0: empty
}

// add counts v; the caller keeps the table within maxNumericStrings + 1
// values (it has valueSlots slots).
func (t *intCounts) add(v int64) { t.addN(v, 1) }

// addN counts v n times (n > 0), as add does.
func (t *intCounts) addN(v int64, n uint64) {
	if t.slots == nil {
		t.slots = make([]intSlot, valueSlots)
	}
	for h := (uint64(v) * 0x9e3779b97f4a7c15) >> (64 - 11); ; h = (h + 1) & (valueSlots - 1) {
		s := &t.slots[h]
		switch {
		case s.n == 0:
			s.v, s.n = v, n
			t.size++
			return
		case s.v == v:
			s.n += n
			return
		}
	}
}

// smallInts counts a batch's numbers by value when every cell of it is a
// number (no NaN) and an integer within 255 of the first minus 127: an
// increment in an array a cell. n[i] counts value(i).
type smallInts struct {
	base float64
	n    [256]uint32
}

// count counts num; false (and n left to no use) when a cell is not such
// a number.
func (t *smallInts) count(num []float64) bool {
	if len(num) == 0 || uint64(len(num)) >= 1<<32 {
		return false
	}
	x0 := num[0]
	if !(math.Abs(x0) < 1<<52) || x0 != math.Trunc(x0) {
		return false
	}
	t.base = x0 - 127 // an integer: x - base is exact for x within 256 of it
	clear(t.n[:])
	for _, x := range num {
		d := x - t.base
		if !(d >= 0 && d < 256) { // (NaN too)
			return false
		}
		// x itself, not d, an integer: x − base rounds, and a number a
		// hair off an integer (5e-324, 1 + 2⁻⁵²) would count as it.
		i := int(d)
		if t.base+float64(i) != x {
			return false
		}
		t.n[i]++
	}
	return true
}

// value is the number n[i] counts.
func (t *smallInts) value(i int) float64 { return t.base + float64(i) }

// valueCounts counts up to maxNumericStrings distinct values in an
// open-addressing table (a Go map cost a third of the time of reading a
// typed column with few distinct values).
type valueCounts struct {
	slots []valueSlot
	size  int
	ints  int8 // 0: the bits are float64s'; 1: int64s'; 2: uint64s'
}

type valueSlot struct {
	bits uint64 // the value's bits, +0 for ±0
	n    uint64 // 0: empty
}

const valueSlots = 2048 // a power of two, over twice maxNumericStrings

// add counts x; false when x would be a value past maxNumericStrings.
func (v *valueCounts) add(x float64) bool { return v.addN(x, 1) }

// addN counts x n times (n > 0), as add does.
func (v *valueCounts) addN(x float64, n uint64) bool {
	b := math.Float64bits(x)
	if x == 0 {
		b = 0
	}
	return v.addBitsN(b, n)
}

// addBits counts the value of bits b (a float64's, or an integer's when
// v.ints); false when it would be a value past maxNumericStrings.
func (v *valueCounts) addBits(b uint64) bool { return v.addBitsN(b, 1) }

// addBitsN counts the value of bits b n times (n > 0), as addBits does.
func (v *valueCounts) addBitsN(b uint64, n uint64) bool {
	if v.slots == nil {
		v.slots = make([]valueSlot, valueSlots)
	}
	for h := (b * 0x9e3779b97f4a7c15) >> (64 - 11); ; h = (h + 1) & (valueSlots - 1) {
		s := &v.slots[h]
		switch {
		case s.n == 0:
			if v.size == maxNumericStrings {
				return false
			}
			s.bits, s.n = b, n
			v.size++
			return true
		case s.bits == b:
			s.n += n
			return true
		}
	}
}

// countInto adds the counts of the values to h's fine bins (the counts
// only, not the sums: what the chart's PSI counts read).
func (v *valueCounts) countInto(h *monitor.Hist) {
	b := h.Bins()
	for _, s := range v.slots {
		if s.n > 0 {
			h.Cells[b.Index(v.value(s.bits))].N += s.n
			h.N += s.n
		}
	}
}

// value is the number of a slot's bits.
func (v *valueCounts) value(bits uint64) float64 {
	switch v.ints {
	case 1:
		return float64(int64(bits))
	case 2:
		return float64(bits)
	}
	return math.Float64frombits(bits)
}

// asMap returns the counts by value (integers that round to one float64
// counted together).
func (v *valueCounts) asMap() map[float64]uint64 {
	m := make(map[float64]uint64, v.size)
	for _, s := range v.slots {
		if s.n > 0 {
			m[v.value(s.bits)] += s.n
		}
	}
	return m
}

// textCounts settles a typed numeric side's categories once the column
// turned out categorical (the other file has text in it): its distinct
// values, spelt as a CSV file writes them (integers as integers), or too
// many to follow.
func (sd *side) textCounts() {
	if !sd.typed || sd.text {
		return
	}
	if sd.many {
		sd.dropped = true
		return
	}
	if v := &sd.values; v.ints != 0 {
		// Integers spelt from their own bits: exact past 2^53.
		var held []valueSlot
		for _, s := range v.slots {
			if s.n > 0 {
				held = append(held, s)
			}
		}
		slices.SortFunc(held, func(a, b valueSlot) int { return cmp.Compare(v.value(a.bits), v.value(b.bits)) })
		for _, s := range held {
			name := strconv.FormatInt(int64(s.bits), 10)
			if v.ints == 2 {
				name = strconv.FormatUint(s.bits, 10)
			}
			sd.counts.Merge(&monitor.Counts{Names: []string{name}, N: []uint64{s.n}})
		}
		return
	}
	m := sd.values.asMap()
	vals := make([]float64, 0, len(m))
	for v := range m {
		vals = append(vals, v)
	}
	slices.Sort(vals)
	for _, v := range vals {
		sd.counts.Merge(&monitor.Counts{Names: []string{sd.spell(v)}, N: []uint64{m[v]}})
	}
}
