package store

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
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

// maxUnitLen bounds a unit ID.
const maxUnitLen = 200

// checkObservation returns why an observation cannot be recorded, or "".
func checkObservation(e *lodestar.Experiment, o *lodestar.ExperimentObservation) string {
	switch {
	case utf8.RuneCountInString(o.Unit) > maxUnitLen:
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
		case m.Kind == lodestar.MetricProportion && x != 0 && x != 1:
			return "A proportion metric's value is 0 or 1."
		}
	}
	return ""
}

// IngestObservations implements lodestar.ExperimentService. Without a
// unit, every observation counts (no duplicate check).
func (s *Store) IngestObservations(ctx context.Context, id int64, next lodestar.ObservationSource, atomic bool) (*lodestar.IngestResult, error) {
	res := &lodestar.IngestResult{Rejected: []lodestar.LineError{}}
	reject := func(line int, msg string) {
		res.RejectedCount++
		if len(res.Rejected) < lodestar.MaxLineErrors {
			res.Rejected = append(res.Rejected, lodestar.LineError{Line: line, Message: msg})
		}
	}
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		e, err := runningExperiment(ctx, tx, id)
		if err != nil {
			return err
		}
		b := statBatch{}
		lines := 0
		for {
			o, err := next()
			if errors.Is(err, io.EOF) {
				break
			}
			var le *lodestar.LineError
			if errors.As(err, &le) {
				lines++
				reject(le.Line, le.Message)
				continue
			} else if err != nil {
				return err
			}
			lines++
			if msg := checkObservation(e, o); msg != "" {
				reject(o.Line, msg)
				continue
			}
			msg, err := recordObservation(ctx, tx, e, o, b, res)
			if err != nil {
				return err
			}
			if msg != "" {
				reject(o.Line, msg)
				continue
			}
			res.Accepted++
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
		return writeBatch(ctx, tx, e, b, "observations", res.Accepted, res.Duplicates)
	})
	if err != nil {
		return nil, wrap("ingest observations", err)
	}
	return res, nil
}

// recordObservation adds an observation's values to the batch, skipping
// unit+metric values already recorded in the same variant. A unit already
// recorded in the other variant refuses the whole line (returned as its
// message), and nothing of it is recorded.
func recordObservation(ctx context.Context, tx *sqldb.Tx, e *lodestar.Experiment, o *lodestar.ExperimentObservation,
	b statBatch, res *lodestar.IngestResult) (string, error) {
	names := slices.Sorted(maps.Keys(o.Metrics))
	fresh := names
	if o.Unit != "" {
		fresh = fresh[:0:0]
		for _, name := range names {
			var variant string
			err := tx.QueryRowContext(ctx, `SELECT variant FROM experiment_units WHERE experiment_id = ? AND metric = ? AND unit = ?`,
				e.ID, name, o.Unit).Scan(&variant)
			switch {
			case isNoRows(err):
				fresh = append(fresh, name)
			case err != nil:
				return "", err
			case variant != o.Variant:
				return "This unit is already recorded in the other variant; a unit belongs to one variant.", nil
			default:
				res.Duplicates++
			}
		}
		for _, name := range fresh {
			if _, err := tx.ExecContext(ctx, `INSERT INTO experiment_units (experiment_id, metric, unit, variant) VALUES (?, ?, ?, ?)`,
				e.ID, name, o.Unit, o.Variant); err != nil {
				return "", err
			}
		}
	}
	for _, name := range fresh {
		m, _ := e.Metric(name)
		b.add(statKey{o.Variant, name}, m.Kind, o.Metrics[name])
	}
	return "", nil
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
