package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/engine/stats"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// statKey names one row of experiment_stats.
type statKey struct{ variant, metric string }

// statBatch is data on its way in: one summary per variant and metric, so
// an upload of any size is held in memory as a handful of numbers.
// Proportions are summed without a shift, so Sum is the success count.
type statBatch map[statKey]*stats.Summary

func (b statBatch) at(k statKey) *stats.Summary {
	s := b[k]
	if s == nil {
		s = &stats.Summary{}
		b[k] = s
	}
	return s
}

// add accumulates one value of a metric of kind.
func (b statBatch) add(k statKey, kind string, x float64) {
	s := b.at(k)
	if kind == lodestar.MetricProportion {
		s.N++
		s.Sum += x
		s.SumSq += x * x
		return
	}
	s.Add(x)
}

func validVariant(v string) bool {
	return v == lodestar.VariantControl || v == lodestar.VariantTreatment
}

// runningExperiment loads an experiment that may take data.
func runningExperiment(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.Experiment, error) {
	if tx.Dialect() == sqldb.Postgres {
		// Data is added to an experiment one transaction at a time: its
		// sums are read, merged and written back, and its units checked
		// for repeats, which at PostgreSQL's read-committed isolation two
		// transactions at once would do over each other's heads (one's
		// sums lost, or a duplicate-key failure). SQLite's writers are
		// one at a time already.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?, ?)`, lockExperimentData, int32(id&0x7fffffff)); err != nil {
			return nil, err
		}
	}
	e, err := loadExperiment(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	switch e.Status {
	case lodestar.ExperimentDraft:
		return nil, lodestar.Errorf(lodestar.EConflict, "Start the experiment before sending data.")
	case lodestar.ExperimentStopped:
		return nil, lodestar.Errorf(lodestar.EConflict, "The experiment is stopped; it takes no more data.")
	}
	return e, nil
}

// lockExperimentData is the advisory lock class (the first of the two
// keys; the second is the experiment) taken while data is added.
const lockExperimentData = 7210003

// checkAggregate validates one aggregate against the experiment's design
// and returns it as a summary, noting problems under prefix.
func checkAggregate(e *lodestar.Experiment, a lodestar.ExperimentAggregate, prefix string, fields map[string]string) stats.Summary {
	if !validVariant(a.Variant) {
		fields[prefix+"variant"] = "Variant is control or treatment."
	}
	m, ok := e.Metric(a.Metric)
	if !ok {
		fields[prefix+"metric"] = "Unknown metric; use one of the experiment's metric names."
		return stats.Summary{}
	}
	if a.N < 1 {
		fields[prefix+"n"] = "n is the number of units, at least 1."
		return stats.Summary{}
	}
	if m.Kind == lodestar.MetricProportion {
		if a.Sum != nil || a.SumSquares != nil {
			fields[prefix+"sum"] = "A proportion metric takes n and successes, not sums."
		}
		if a.Successes == nil {
			fields[prefix+"successes"] = "successes is required for a proportion metric."
			return stats.Summary{}
		}
		if c := (stats.Count{N: a.N, Successes: *a.Successes}); c.Validate() != nil {
			fields[prefix+"successes"] = "successes must be between 0 and n."
			return stats.Summary{}
		}
		x := float64(*a.Successes)
		return stats.Summary{N: a.N, Sum: x, SumSq: x}
	}
	if a.Successes != nil {
		fields[prefix+"successes"] = "A mean metric takes n, sum and sum_squares, not successes."
	}
	if a.Sum == nil {
		fields[prefix+"sum"] = "sum is required for a mean metric."
	}
	if a.SumSquares == nil {
		fields[prefix+"sum_squares"] = "sum_squares is required for a mean metric."
	}
	if a.Sum == nil || a.SumSquares == nil {
		return stats.Summary{}
	}
	s := stats.Summary{N: a.N, Sum: *a.Sum, SumSq: *a.SumSquares}
	if err := s.Validate(); err != nil {
		fields[prefix+"sum_squares"] = "These sums cannot come from real data: sum_squares must be at least sum²/n, and both finite."
	}
	return s
}

// AddExperimentAggregates implements lodestar.ExperimentService.
func (s *Store) AddExperimentAggregates(ctx context.Context, id int64, data []lodestar.ExperimentAggregate) error {
	if len(data) == 0 {
		return lodestar.FieldError("data", "Send at least one aggregate.")
	}
	if len(data) > 1000 {
		return lodestar.FieldError("data", "At most 1,000 aggregates at once.")
	}
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		e, err := runningExperiment(ctx, tx, id)
		if err != nil {
			return err
		}
		fields := map[string]string{}
		b := statBatch{}
		for i, a := range data {
			sum := checkAggregate(e, a, fmt.Sprintf("data[%d].", i), fields)
			if len(fields) == 0 {
				b.at(statKey{a.Variant, a.Metric}).Merge(sum)
			}
		}
		if len(fields) > 0 {
			return &lodestar.Error{Code: lodestar.EInvalid, Message: "The data could not be recorded; check the fields.", Fields: fields}
		}
		return writeBatch(ctx, tx, e, b, "aggregates", int64(len(data)), 0)
	})
	return wrap("add experiment aggregates", err)
}

// writeBatch merges a batch into the stored statistics and audits it.
func writeBatch(ctx context.Context, tx *sqldb.Tx, e *lodestar.Experiment, b statBatch, source string, items, duplicates int64) error {
	type added struct {
		Variant string `json:"variant"`
		Metric  string `json:"metric"`
		N       int64  `json:"n"`
	}
	var summary []added
	keys := slices.SortedFunc(maps.Keys(b), func(x, y statKey) int {
		if x.metric != y.metric {
			return cmp.Compare(x.metric, y.metric)
		}
		return cmp.Compare(x.variant, y.variant)
	})
	for _, k := range keys {
		in := *b[k]
		var cur stats.Summary
		err := tx.QueryRowContext(ctx, `SELECT n, sum, sum_squares, shift FROM experiment_stats WHERE experiment_id = ? AND variant = ? AND metric = ?`,
			e.ID, k.variant, k.metric).Scan(&cur.N, &cur.Sum, &cur.SumSq, &cur.Shift)
		exists := err == nil
		if err != nil && !isNoRows(err) {
			return err
		}
		cur.Merge(in)
		if !finite(cur.Sum) || !finite(cur.SumSq) || cur.N < 0 {
			return lodestar.Errorf(lodestar.EInvalid, "The data would overflow the stored sums.")
		}
		if exists {
			_, err = tx.ExecContext(ctx, `UPDATE experiment_stats SET n = ?, sum = ?, sum_squares = ?, shift = ? WHERE experiment_id = ? AND variant = ? AND metric = ?`,
				cur.N, cur.Sum, cur.SumSq, cur.Shift, e.ID, k.variant, k.metric)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO experiment_stats (experiment_id, variant, metric, n, sum, sum_squares, shift) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				e.ID, k.variant, k.metric, cur.N, cur.Sum, cur.SumSq, cur.Shift)
		}
		if err != nil {
			return err
		}
		summary = append(summary, added{k.variant, k.metric, in.N})
	}
	if _, err := tx.ExecContext(ctx, `UPDATE experiments SET updated_at = ? WHERE id = ?`, sqldb.FormatTime(tx.Now), e.ID); err != nil {
		return err
	}
	_, err := audit.Append(ctx, tx, audit.Change{Action: "add_data", EntityType: "experiment", EntityID: e.ID, After: struct {
		Source     string  `json:"source"`
		Items      int64   `json:"items"`
		Duplicates int64   `json:"duplicates,omitempty"`
		Added      []added `json:"added"`
	}{source, items, duplicates, summary}})
	return err
}

// maxMetricValue bounds a metric value: squares of larger values summed
// over a variant overflow, which would refuse every later upload of the
// metric (a revenue of 1e200 is a unit error, not a sale).
const maxMetricValue = 1e100

// checkObservation returns why an observation cannot be recorded, or "".
func checkObservation(e *lodestar.Experiment, o *lodestar.ExperimentObservation) string {
	switch {
	case utf8.RuneCountInString(o.Unit) > lodestar.MaxUnitLen:
		return "unit is at most 200 characters."
	case !validVariant(o.Variant):
		return "variant is control or treatment."
	case len(o.Metrics) == 0:
		return "metrics must hold at least one of the experiment's metrics."
	}
	for name, x := range o.Metrics {
		m, ok := e.Metric(name)
		switch {
		case !ok:
			return "Unknown metric; use one of the experiment's metric names."
		case !finite(x):
			return "Each metric value must be a finite number."
		case math.Abs(x) > maxMetricValue:
			return "A metric value is at most 1e100 in size."
		case m.Kind == lodestar.MetricProportion && x != 0 && x != 1:
			return "A proportion metric's value is 0 or 1."
		}
	}
	return ""
}

// IngestObservations implements lodestar.ExperimentService. Without a
// unit, every observation counts (no duplicate check).
func (s *Store) IngestObservations(ctx context.Context, id int64, next lodestar.ObservationSource, atomic bool) (*lodestar.ObservationResult, error) {
	res := &lodestar.ObservationResult{Rejected: []lodestar.LineError{}}
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		e, err := runningExperiment(ctx, tx, id)
		if err != nil {
			return err
		}
		if tx.Dialect() == sqldb.Postgres {
			// The unit look-up runs once per batch as a prepared statement;
			// a generic plan, made while the table was small, would scan the
			// table, which grows with every batch. Plan each run afresh.
			if _, err := tx.ExecContext(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
				return err
			}
		}
		in := &ingester{ctx: ctx, tx: tx, e: e, b: statBatch{}, res: res}
		lines := 0
		for {
			o, err := next()
			if errors.Is(err, io.EOF) {
				break
			}
			var le *lodestar.LineError
			switch {
			case errors.As(err, &le):
				err = in.add(pending{line: le.Line, msg: le.Message})
			case err != nil:
				return err
			default:
				p := pending{line: o.Line, o: o}
				if p.msg = checkObservation(e, o); p.msg != "" {
					p.o = nil
				}
				err = in.add(p)
			}
			if err != nil {
				return err
			}
			lines++
		}
		if err := in.flush(); err != nil {
			return err
		}
		if lines == 0 {
			return lodestar.FieldError("body", "The upload holds no observations.")
		}
		if atomic && res.RejectedCount > 0 {
			fields := map[string]string{}
			for _, r := range res.Rejected[:min(len(res.Rejected), 20)] {
				fields["line "+strconv.Itoa(r.Line)] = r.Message
			}
			return &lodestar.Error{Code: lodestar.EInvalid, Message: "Some lines cannot be recorded, so nothing was recorded; see each line.", Fields: fields}
		}
		if res.Accepted == 0 {
			return nil
		}
		return writeBatch(ctx, tx, e, in.b, "observations", res.Accepted, res.Duplicates)
	})
	if err != nil {
		return nil, wrap("ingest observations", err)
	}
	return res, nil
}

// ingestBatch is how many lines are checked against the recorded units
// at once: two statements per batch instead of one or two per value.
const ingestBatch = 500

// pending is a line waiting for its batch: an observation, or the reason
// it is refused.
type pending struct {
	line int
	msg  string
	o    *lodestar.ExperimentObservation
}

// ingester records observations batch by batch, in line order, so memory
// stays bounded by one batch whatever the upload's size.
type ingester struct {
	ctx   context.Context
	tx    *sqldb.Tx
	e     *lodestar.Experiment
	b     statBatch
	res   *lodestar.ObservationResult
	queue []pending
}

func (in *ingester) add(p pending) error {
	in.queue = append(in.queue, p)
	if len(in.queue) >= ingestBatch {
		return in.flush()
	}
	return nil
}

func (in *ingester) reject(line int, msg string) {
	in.res.RejectedCount++
	if len(in.res.Rejected) < lodestar.MaxLineErrors {
		in.res.Rejected = append(in.res.Rejected, lodestar.LineError{Line: line, Message: msg})
	}
}

// unitKey is one unit's value of one metric.
type unitKey struct{ metric, unit string }

// flush decides each queued line in order. A unit+metric already recorded
// in the same variant is a duplicate and ignored; a unit recorded (for any
// metric) in the other variant refuses the whole line; the rest is added
// to the batch and its units recorded.
func (in *ingester) flush() error {
	if len(in.queue) == 0 {
		return nil
	}
	recorded, err := in.recordedUnits()
	if err != nil {
		return err
	}
	// A unit's variant, from any metric recorded for it: a unit in one
	// variant cannot report another metric from the other.
	variantOf := map[string]string{}
	for k, v := range recorded {
		variantOf[k.unit] = v
	}
	var fresh []any
	for _, p := range in.queue {
		if p.o == nil {
			in.reject(p.line, p.msg)
			continue
		}
		o := p.o
		names := slices.Sorted(maps.Keys(o.Metrics))
		if v, ok := variantOf[o.Unit]; o.Unit != "" && ok && v != o.Variant {
			in.reject(o.Line, "This unit is already recorded in the other variant; a unit belongs to one variant.")
			continue
		}
		if o.Unit != "" {
			variantOf[o.Unit] = o.Variant
		}
		added := 0
		for _, name := range names {
			if o.Unit != "" {
				k := unitKey{name, o.Unit}
				if _, dup := recorded[k]; dup {
					continue // its value counts once: this repeat is ignored
				}
				recorded[k] = o.Variant
				fresh = append(fresh, in.e.ID, name, o.Unit, o.Variant)
			}
			m, _ := in.e.Metric(name)
			in.b.add(statKey{o.Variant, name}, m.Kind, o.Metrics[name])
			added++
		}
		// Each line counts once: accepted when it added any value, a
		// duplicate when every metric it holds was recorded already, so
		// accepted + duplicates + rejected is the lines sent.
		if added == 0 {
			in.res.Duplicates++
		} else {
			in.res.Accepted++
		}
	}
	in.queue = in.queue[:0]
	const cols = 4
	for len(fresh) > 0 {
		n := min(len(fresh), 1000*cols)
		q := `INSERT INTO experiment_units (experiment_id, metric, unit, variant) VALUES ` +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?), ", n/cols), ", ")
		if _, err := in.tx.ExecContext(in.ctx, q, fresh[:n]...); err != nil {
			return err
		}
		fresh = fresh[n:]
	}
	return nil
}

// recordedUnits reads the variants already recorded for the queued units.
func (in *ingester) recordedUnits() (map[unitKey]string, error) {
	out := map[unitKey]string{}
	seen := map[string]bool{}
	args := []any{in.e.ID}
	for _, p := range in.queue {
		if p.o != nil && p.o.Unit != "" && !seen[p.o.Unit] {
			seen[p.o.Unit] = true
			args = append(args, p.o.Unit)
		}
	}
	if len(args) == 1 {
		return out, nil
	}
	q := `SELECT metric, unit, variant FROM experiment_units WHERE experiment_id = ? AND unit IN (` +
		strings.TrimSuffix(strings.Repeat("?, ", len(args)-1), ", ") + `)`
	rows, err := in.tx.QueryContext(in.ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var k unitKey
		var v string
		if err := rows.Scan(&k.metric, &k.unit, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// experimentStats reads an experiment's stored statistics.
func (s *Store) experimentStats(ctx context.Context, id int64) (map[statKey]stats.Summary, error) {
	rows, err := s.DB.Query(ctx, `SELECT variant, metric, n, sum, sum_squares, shift FROM experiment_stats WHERE experiment_id = ?`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[statKey]stats.Summary{}
	for rows.Next() {
		var k statKey
		var sm stats.Summary
		if err := rows.Scan(&k.variant, &k.metric, &sm.N, &sm.Sum, &sm.SumSq, &sm.Shift); err != nil {
			return nil, err
		}
		out[k] = sm
	}
	return out, rows.Err()
}
