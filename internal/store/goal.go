package store

import (
	"context"
	"slices"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

var _ lodestar.GoalService = (*Store)(nil)

const goalColumns = `id, title, title_zh, description, COALESCE(business_unit_id, 0), COALESCE(owner_id, 0), horizon, status, archived, created_at, updated_at`

func scanGoal(s interface{ Scan(...any) error }) (*lodestar.Goal, error) {
	g := &lodestar.Goal{}
	err := s.Scan(&g.ID, &g.Title, &g.TitleZH, &g.Description, &g.BusinessUnitID, &g.OwnerID, &g.Horizon, &g.Status,
		&g.Archived, sqldb.Time{T: &g.CreatedAt}, sqldb.Time{T: &g.UpdatedAt})
	return g, err
}

func loadGoal(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.Goal, error) {
	g, err := scanGoal(tx.QueryRowContext(ctx, `SELECT `+goalColumns+` FROM goals WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Goal")
	}
	return g, err
}

func checkGoal(ctx context.Context, tx *sqldb.Tx, in *lodestar.Goal, before *lodestar.Goal) error {
	if before == nil {
		before = &lodestar.Goal{}
	}
	in.Title, in.TitleZH, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.TitleZH), strings.TrimSpace(in.Description)
	if in.Status == "" {
		in.Status = "active"
	}
	fields := map[string]string{}
	checkLen(fields, "title", in.Title, lodestar.MaxTitle, true)
	checkLen(fields, "title_zh", in.TitleZH, lodestar.MaxTitle, false)
	checkLen(fields, "description", in.Description, lodestar.MaxDescription, false)
	if !slices.Contains(lodestar.GoalHorizons, in.Horizon) {
		fields["horizon"] = "Choose a horizon: " + strings.Join(lodestar.GoalHorizons, ", ") + "."
	}
	if !slices.Contains(lodestar.GoalStatuses, in.Status) {
		fields["status"] = "Choose a status: " + strings.Join(lodestar.GoalStatuses, ", ") + "."
	}
	if err := checkRef(ctx, tx, fields, "business_unit_id", "business_units", in.BusinessUnitID, before.BusinessUnitID); err != nil {
		return err
	}
	if err := checkUser(ctx, tx, fields, "owner_id", in.OwnerID, before.OwnerID); err != nil {
		return err
	}
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The goal could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

// checkRef notes in fields when a non-zero id names no live row of table.
// held is the reference the record has already (0 on create): kept as it
// is even once archived, so a record under an archived goal or unit can
// still be edited; only a new reference must be live.
func checkRef(ctx context.Context, tx *sqldb.Tx, fields map[string]string, field, table string, id, held int64) error {
	if id == 0 || id == held {
		return nil
	}
	ok, err := refExists(ctx, tx, table, id)
	if err == nil && !ok {
		fields[field] = "No such record, or it is archived."
	}
	return err
}

// checkUser notes in fields when a non-zero id names no active user;
// held, as for checkRef, is kept even once disabled.
func checkUser(ctx context.Context, tx *sqldb.Tx, fields map[string]string, field string, id, held int64) error {
	if id == 0 || id == held {
		return nil
	}
	ok, err := userActive(ctx, tx, id)
	if err == nil && !ok {
		fields[field] = "No such active user."
	}
	return err
}

// lockGoalTitles is the advisory lock the writes that may add a goal's
// title to a business unit take on PostgreSQL, so that two at once
// cannot both find the title free (SQLite's writers take turns already).
const lockGoalTitles = 7210006

// refuseDuplicateGoal refuses, with a 409 naming in both languages the
// one that exists, a second live goal of the same name in the same
// business unit (0: none): the use cases' rule, title or Chinese title,
// either against either, trimmed and ignoring case. A blank name is not
// checked (an edit passes only the names it changes).
func refuseDuplicateGoal(ctx context.Context, tx *sqldb.Tx, title, titleZH string, unit, except int64) error {
	t, err := nameClash(ctx, tx, lockGoalTitles, `SELECT id, title, title_zh FROM goals WHERE COALESCE(business_unit_id, 0) = ? AND archived = `+falseLit(tx)+` AND id <> ? ORDER BY id`,
		[]any{unit, except}, title, titleZH)
	if t == nil || err != nil {
		return err
	}
	return duplicateTitle("A goal titled %s already exists in this business unit (ID %d).",
		"A goal titled %s already exists among the goals with no business unit (ID %d).", unit, t, title)
}

// CreateGoal implements lodestar.GoalService.
func (s *Store) CreateGoal(ctx context.Context, in lodestar.Goal) (*lodestar.Goal, error) {
	return create(ctx, s, "goal", loadGoal, func(tx *sqldb.Tx) (int64, error) {
		if err := checkGoal(ctx, tx, &in, nil); err != nil {
			return 0, err
		}
		if err := refuseDuplicateGoal(ctx, tx, in.Title, in.TitleZH, in.BusinessUnitID, 0); err != nil {
			return 0, err
		}
		now := sqldb.FormatTime(tx.Now)
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO goals (title, title_zh, description, business_unit_id, owner_id, horizon, status, archived, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.Title, in.TitleZH, in.Description, nullID(in.BusinessUnitID),
			nullID(in.OwnerID), in.Horizon, in.Status, false, now, now).Scan(&id)
		return id, err
	})
}

// UpdateGoal implements lodestar.GoalService.
func (s *Store) UpdateGoal(ctx context.Context, id int64, in lodestar.Goal) (*lodestar.Goal, error) {
	return update(ctx, s, "goal", "update", id, loadGoal, func(tx *sqldb.Tx, before *lodestar.Goal) error {
		if before.Archived {
			return lodestar.Errorf(lodestar.EConflict, "This goal is archived: restore it to change it.")
		}
		if err := checkGoal(ctx, tx, &in, before); err != nil {
			return err
		}
		// A rename (in either language) or a move may not make a
		// duplicate; an edit of a goal that already shares a name (made
		// before the rule) may: a rename checks the names it changes.
		title, titleZH := changedNames(in.Title, in.TitleZH, before.Title, before.TitleZH, in.BusinessUnitID != before.BusinessUnitID)
		if err := refuseDuplicateGoal(ctx, tx, title, titleZH, in.BusinessUnitID, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE goals SET title = ?, title_zh = ?, description = ?, business_unit_id = ?, owner_id = ?,
			horizon = ?, status = ?, updated_at = ? WHERE id = ?`, in.Title, in.TitleZH, in.Description, nullID(in.BusinessUnitID),
			nullID(in.OwnerID), in.Horizon, in.Status, sqldb.FormatTime(tx.Now), id)
		return err
	})
}

// ArchiveGoal implements lodestar.GoalService.
func (s *Store) ArchiveGoal(ctx context.Context, id int64, archived bool) (*lodestar.Goal, error) {
	return update(ctx, s, "goal", archiveAction(archived), id, loadGoal, func(tx *sqldb.Tx, before *lodestar.Goal) error {
		if before.Archived == archived {
			return lodestar.Errorf(lodestar.EConflict, "Nothing to change.")
		}
		// Restored, it may not join a live goal of one of its names.
		if !archived {
			if err := refuseDuplicateGoal(ctx, tx, before.Title, before.TitleZH, before.BusinessUnitID, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE goals SET archived = ?, updated_at = ? WHERE id = ?`, archived, sqldb.FormatTime(tx.Now), id)
		return err
	})
}

// FindGoalByID implements lodestar.GoalService.
func (s *Store) FindGoalByID(ctx context.Context, id int64) (*lodestar.Goal, error) {
	g, err := scanGoal(s.DB.QueryRow(ctx, `SELECT `+goalColumns+` FROM goals WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Goal")
	}
	return g, wrap("find goal", err)
}

// ListGoals implements lodestar.GoalService.
func (s *Store) ListGoals(ctx context.Context, f lodestar.ListFilter) ([]*lodestar.Goal, error) {
	var w filterSQL
	if !f.Archived {
		w.add("archived = ?", false)
	}
	if f.BusinessUnitID != 0 {
		w.add("business_unit_id = ?", f.BusinessUnitID)
	}
	if f.Status != "" {
		w.add("status = ?", f.Status)
	}
	w.like(s.DB.Dialect, f.Query, "title", "title_zh")
	order := "title"
	if f.Sort == "-updated" {
		order = "updated_at DESC"
	}
	return list(ctx, s, `SELECT `+goalColumns+` FROM goals`+w.sql()+` ORDER BY `+order, w.args, scanGoal)
}
