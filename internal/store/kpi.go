package store

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

var _ lodestar.KPIService = (*Store)(nil)

const kpiColumns = `id, COALESCE(goal_id, 0), name, name_zh, unit, direction, baseline, target, target_date, COALESCE(owner_id, 0), archived, created_at, updated_at, last_date, last_value`

// MaxReadingsPerCall bounds one AddReadings call.
const MaxReadingsPerCall = 10000

// MinKPIDate is the earliest date of a reading or a target: before it a
// date is a typing slip (1800-11-29 for 2026-11-29), not a measurement,
// and would stretch the KPI's glide path over two centuries. A reading is
// dated no later than tomorrow (see AddReadings); a target no later than
// MaxTargetYears from today.
const (
	MinKPIDate     = "1900-01-01"
	MaxTargetYears = 100
)

func scanKPI(s interface{ Scan(...any) error }) (*lodestar.KPI, error) {
	k := &lodestar.KPI{}
	var lastDate string
	var lastValue float64
	err := s.Scan(&k.ID, &k.GoalID, &k.Name, &k.NameZH, &k.Unit, &k.Direction, &k.Baseline, &k.Target, &k.TargetDate,
		&k.OwnerID, &k.Archived, sqldb.Time{T: &k.CreatedAt}, sqldb.Time{T: &k.UpdatedAt}, &lastDate, &lastValue)
	if lastDate != "" {
		k.Latest = &lodestar.KPIReading{KPIID: k.ID, Date: lastDate, Value: lastValue}
	}
	return k, err
}

func loadKPI(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.KPI, error) {
	k, err := scanKPI(tx.QueryRowContext(ctx, `SELECT `+kpiColumns+` FROM kpis WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("KPI")
	}
	return k, err
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func checkKPI(ctx context.Context, tx *sqldb.Tx, in *lodestar.KPI, before *lodestar.KPI) error {
	if before == nil {
		before = &lodestar.KPI{}
	}
	in.Name, in.NameZH, in.Unit = strings.TrimSpace(in.Name), strings.TrimSpace(in.NameZH), strings.TrimSpace(in.Unit)
	fields := map[string]string{}
	checkLen(fields, "name", in.Name, lodestar.MaxTitle, true)
	checkLen(fields, "name_zh", in.NameZH, lodestar.MaxTitle, false)
	checkLen(fields, "unit", in.Unit, lodestar.MaxKPIUnit, true)
	if in.Direction != lodestar.DirectionUp && in.Direction != lodestar.DirectionDown {
		fields["direction"] = "Direction is up (higher is better) or down (lower is better)."
	}
	if !finite(in.Baseline) {
		fields["baseline"] = "Must be a number."
	}
	if !finite(in.Target) {
		fields["target"] = "Must be a number."
	}
	if !lodestar.ValidDate(in.TargetDate) {
		fields["target_date"] = "Use a date as YYYY-MM-DD."
	} else if in.TargetDate < MinKPIDate || in.TargetDate > tx.Now.UTC().AddDate(MaxTargetYears, 0, 0).Format(time.DateOnly) {
		fields["target_date"] = "A target date is from 1900-01-01 to 100 years from today."
	}
	if err := checkRef(ctx, tx, fields, "goal_id", "goals", in.GoalID, before.GoalID); err != nil {
		return err
	}
	if err := checkUser(ctx, tx, fields, "owner_id", in.OwnerID, before.OwnerID); err != nil {
		return err
	}
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The KPI could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

// lockKPINames is the advisory lock the writes that may add a name to
// the live KPIs take on PostgreSQL, so that two at once (a retried POST)
// cannot both find the name free (SQLite's writers take turns already).
const lockKPINames = 7210007

// refuseDuplicateKPI refuses, with a 409 naming in both languages the one
// that exists, a second live KPI of the same name. The scope is the
// import's, which finds a KPI by name among all live KPIs whatever their
// goal: name or Chinese name, either against either, trimmed and ignoring
// case. Without the rule a retried create made two KPIs that every import
// naming them then refused as ambiguous. A blank name is not checked (an
// edit passes only the names it changes); archived KPIs keep theirs.
func refuseDuplicateKPI(ctx context.Context, tx *sqldb.Tx, name, nameZH string, except int64) error {
	t, err := nameClash(ctx, tx, lockKPINames, `SELECT id, name, name_zh FROM kpis WHERE archived = `+falseLit(tx)+` AND id <> ? ORDER BY id`,
		[]any{except}, name, nameZH)
	if t == nil || err != nil {
		return err
	}
	return nameTaken("A KPI named %s already exists (ID %d).", t, name, "name", "name_zh")
}

// nameClash finds the first live record query lists (id, name, Chinese
// name) that shares a name with name or nameZH — either against either,
// trimmed and ignoring case — after taking the advisory lock on
// PostgreSQL, so that two writes at once cannot both find a name free
// (SQLite's writers take turns already). Blank names are not checked: nil.
func nameClash(ctx context.Context, tx *sqldb.Tx, lock int64, query string, args []any, name, nameZH string) (*titled, error) {
	if strings.TrimSpace(name) == "" && strings.TrimSpace(nameZH) == "" {
		return nil, nil
	}
	if tx.Dialect() == sqldb.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, lock); err != nil {
			return nil, err
		}
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var t titled
		if err := rows.Scan(&t.ID, &t.Title, &t.TitleZH); err != nil {
			return nil, err
		}
		if sharesName(t.Title, t.TitleZH, []string{name, nameZH}) {
			return &t, nil
		}
	}
	return nil, rows.Err()
}

// nameTaken is the 409 for a write that would share a name with live
// record t, format saying what exists (its names, its ID), on the field
// of the write's names that t holds: field for name, else fieldZH.
func nameTaken(format string, t *titled, name, field, fieldZH string) error {
	msg := fmt.Sprintf(format, t.names(), t.ID)
	if !sharesName(t.Title, t.TitleZH, []string{name}) {
		field = fieldZH
	}
	return &lodestar.Error{Code: lodestar.EConflict, Message: msg, Fields: map[string]string{field: msg}}
}

// CreateKPI implements lodestar.KPIService.
func (s *Store) CreateKPI(ctx context.Context, in lodestar.KPI) (*lodestar.KPI, error) {
	return create(ctx, s, "kpi", loadKPI, func(tx *sqldb.Tx) (int64, error) {
		if err := checkKPI(ctx, tx, &in, nil); err != nil {
			return 0, err
		}
		if err := refuseDuplicateKPI(ctx, tx, in.Name, in.NameZH, 0); err != nil {
			return 0, err
		}
		now := sqldb.FormatTime(tx.Now)
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO kpis (goal_id, name, name_zh, unit, direction, baseline, target, target_date, owner_id, archived, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, nullID(in.GoalID), in.Name, in.NameZH, in.Unit, in.Direction,
			in.Baseline, in.Target, in.TargetDate, nullID(in.OwnerID), false, now, now).Scan(&id)
		return id, err
	})
}

// UpdateKPI implements lodestar.KPIService; moving a KPI between goals
// recomputes the alignment of every use case that impacts it.
func (s *Store) UpdateKPI(ctx context.Context, id int64, in lodestar.KPI) (*lodestar.KPI, error) {
	return update(ctx, s, "kpi", "update", id, loadKPI, func(tx *sqldb.Tx, before *lodestar.KPI) error {
		if before.Archived {
			return lodestar.Errorf(lodestar.EConflict, "This KPI is archived: restore it to change it.")
		}
		if err := checkKPI(ctx, tx, &in, before); err != nil {
			return err
		}
		// A rename in either language may not make a duplicate; an edit
		// of a KPI that already shares a name (made before the rule) may:
		// only the names it changes are checked. (A KPI's goal is no part
		// of the rule, so a move checks nothing.)
		name, nameZH := changedNames(in.Name, in.NameZH, before.Name, before.NameZH, false)
		if err := refuseDuplicateKPI(ctx, tx, name, nameZH, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE kpis SET goal_id = ?, name = ?, name_zh = ?, unit = ?, direction = ?, baseline = ?,
			target = ?, target_date = ?, owner_id = ?, updated_at = ? WHERE id = ?`, nullID(in.GoalID), in.Name, in.NameZH, in.Unit,
			in.Direction, in.Baseline, in.Target, in.TargetDate, nullID(in.OwnerID), sqldb.FormatTime(tx.Now), id)
		if err != nil || before.GoalID == in.GoalID {
			return err
		}
		return refreshAlignment(ctx, tx, id)
	})
}

// ArchiveKPI implements lodestar.KPIService. Existing impacts stay (they
// are history); new impacts on an archived KPI are refused.
func (s *Store) ArchiveKPI(ctx context.Context, id int64, archived bool) (*lodestar.KPI, error) {
	return update(ctx, s, "kpi", archiveAction(archived), id, loadKPI, func(tx *sqldb.Tx, before *lodestar.KPI) error {
		if before.Archived == archived {
			return lodestar.Errorf(lodestar.EConflict, "Nothing to change.")
		}
		// Restored, it may not join a live KPI of one of its names.
		if !archived {
			if err := refuseDuplicateKPI(ctx, tx, before.Name, before.NameZH, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE kpis SET archived = ?, updated_at = ? WHERE id = ?`, archived, sqldb.FormatTime(tx.Now), id)
		return err
	})
}

// FindKPIByID implements lodestar.KPIService, with its latest reading.
func (s *Store) FindKPIByID(ctx context.Context, id int64) (*lodestar.KPI, error) {
	k, err := scanKPI(s.DB.QueryRow(ctx, `SELECT `+kpiColumns+` FROM kpis WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("KPI")
	} else if err != nil {
		return nil, wrap("find kpi", err)
	}
	return k, nil
}

// ListKPIs implements lodestar.KPIService.
func (s *Store) ListKPIs(ctx context.Context, f lodestar.ListFilter) ([]*lodestar.KPI, error) {
	var w filterSQL
	if !f.Archived {
		w.add("archived = ?", false)
	}
	if f.GoalID != 0 {
		w.add("goal_id = ?", f.GoalID)
	}
	w.like(s.DB.Dialect, f.Query, "name", "name_zh")
	return list(ctx, s, `SELECT `+kpiColumns+` FROM kpis`+w.sql()+` ORDER BY name`, w.args, scanKPI)
}

// AddReadings implements lodestar.KPIService.
func (s *Store) AddReadings(ctx context.Context, kpiID int64, readings []lodestar.KPIReading) (int, error) {
	if len(readings) == 0 {
		return 0, lodestar.FieldError("readings", "Send at least one reading.")
	}
	if len(readings) > MaxReadingsPerCall {
		return 0, lodestar.FieldError("readings", fmt.Sprintf("At most %d readings per call.", MaxReadingsPerCall))
	}
	fields := map[string]string{}
	// A reading measures what happened, so it is dated no later than
	// today — tomorrow in UTC, for a reader east of Greenwich. A future
	// date (a typed year, 2062 for 2026) would become the KPI's latest
	// value and drive its progress until the date came.
	latest := s.DB.Now().UTC().AddDate(0, 0, 1).Format(time.DateOnly)
	// A date holds one value. Two readings of one date in a batch are a
	// mistake in the sender's data (which is right?): the batch is
	// refused naming the later, rather than keeping the last and
	// answering that both were recorded. (A date already stored is
	// another matter: its reading is corrected, as the page's form does.)
	seen := make(map[string]bool, len(readings))
	for i, r := range readings {
		switch {
		case !lodestar.ValidDate(r.Date):
			fields[fmt.Sprintf("readings[%d].date", i)] = "Use a date as YYYY-MM-DD."
		case r.Date > latest:
			fields[fmt.Sprintf("readings[%d].date", i)] = "A reading cannot be dated in the future."
		case r.Date < MinKPIDate:
			fields[fmt.Sprintf("readings[%d].date", i)] = "A reading is dated 1900-01-01 or later."
		case seen[r.Date]:
			fields[fmt.Sprintf("readings[%d].date", i)] = "An earlier reading of this batch has the same date; send one value per date."
		}
		seen[r.Date] = true
		if !finite(r.Value) {
			fields[fmt.Sprintf("readings[%d].value", i)] = "Must be a number."
		}
	}
	if len(fields) > 0 {
		return 0, &lodestar.Error{Code: lodestar.EInvalid, Message: "The readings could not be saved; check the fields.", Fields: fields}
	}
	_, err := update(ctx, s, "kpi", "add_readings", kpiID, loadKPI, func(tx *sqldb.Tx, k *lodestar.KPI) error {
		if k.Archived {
			return lodestar.Errorf(lodestar.EConflict, "This KPI is archived.")
		}
		for _, r := range readings {
			if _, err := tx.ExecContext(ctx, `INSERT INTO kpi_readings (kpi_id, date, value) VALUES (?, ?, ?)
				ON CONFLICT (kpi_id, date) DO UPDATE SET value = excluded.value`, kpiID, r.Date, r.Value); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE kpis SET
			first_date = (SELECT date FROM kpi_readings WHERE kpi_id = ? ORDER BY date LIMIT 1),
			first_value = (SELECT value FROM kpi_readings WHERE kpi_id = ? ORDER BY date LIMIT 1),
			last_date = (SELECT date FROM kpi_readings WHERE kpi_id = ? ORDER BY date DESC LIMIT 1),
			last_value = (SELECT value FROM kpi_readings WHERE kpi_id = ? ORDER BY date DESC LIMIT 1)
			WHERE id = ?`, kpiID, kpiID, kpiID, kpiID, kpiID)
		// (updated_at is the definition's: a reading does not change it,
		// so a pipeline adding readings does not turn the save of someone
		// editing the KPI into a conflict.)
		return err
	})
	if err != nil {
		return 0, err
	}
	return len(readings), nil
}

// Readings implements lodestar.KPIService, oldest first.
func (s *Store) Readings(ctx context.Context, kpiID int64) ([]lodestar.KPIReading, error) {
	rows, err := s.DB.Query(ctx, `SELECT kpi_id, date, value FROM kpi_readings WHERE kpi_id = ? ORDER BY date`, kpiID)
	if err != nil {
		return nil, wrap("readings", err)
	}
	defer rows.Close()
	out := []lodestar.KPIReading{}
	for rows.Next() {
		var r lodestar.KPIReading
		if err := rows.Scan(&r.KPIID, &r.Date, &r.Value); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
