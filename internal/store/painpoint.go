package store

import (
	"context"
	"slices"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

var _ lodestar.PainPointService = (*Store)(nil)

const painColumns = `id, business_unit_id, title, title_zh, description, category, annual_cost, COALESCE(goal_id, 0), archived, created_at, updated_at`

func scanPain(s interface{ Scan(...any) error }) (*lodestar.PainPoint, error) {
	p := &lodestar.PainPoint{}
	err := s.Scan(&p.ID, &p.BusinessUnitID, &p.Title, &p.TitleZH, &p.Description, &p.Category, &p.AnnualCost, &p.GoalID,
		&p.Archived, sqldb.Time{T: &p.CreatedAt}, sqldb.Time{T: &p.UpdatedAt})
	return p, err
}

func loadPain(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.PainPoint, error) {
	p, err := scanPain(tx.QueryRowContext(ctx, `SELECT `+painColumns+` FROM pain_points WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Pain point")
	}
	return p, err
}

func checkPain(ctx context.Context, tx *sqldb.Tx, in *lodestar.PainPoint, before *lodestar.PainPoint) error {
	if before == nil {
		before = &lodestar.PainPoint{}
	}
	in.Title, in.TitleZH, in.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.TitleZH), strings.TrimSpace(in.Description)
	fields := map[string]string{}
	checkLen(fields, "title", in.Title, lodestar.MaxTitle, true)
	checkLen(fields, "title_zh", in.TitleZH, lodestar.MaxTitle, false)
	checkLen(fields, "description", in.Description, lodestar.MaxDescription, false)
	if !slices.Contains(lodestar.PainCategories, in.Category) {
		fields["category"] = "Choose a category: " + strings.Join(lodestar.PainCategories, ", ") + "."
	}
	if in.AnnualCost < 0 {
		fields["annual_cost"] = "Must not be negative."
	} else if in.AnnualCost > lodestar.MaxEstimate { // the pain points page totals them
		fields["annual_cost"] = "Must be at most 1,000,000,000,000."
	}
	if in.BusinessUnitID == 0 {
		fields["business_unit_id"] = "Choose the business unit that has this pain point."
	} else if err := checkRef(ctx, tx, fields, "business_unit_id", "business_units", in.BusinessUnitID, before.BusinessUnitID); err != nil {
		return err
	}
	if err := checkRef(ctx, tx, fields, "goal_id", "goals", in.GoalID, before.GoalID); err != nil {
		return err
	}
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The pain point could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

// lockPainTitles is the advisory lock the writes that may add a pain
// point's title to a business unit take on PostgreSQL, so that two at
// once cannot both find the title free (SQLite's writers take turns).
const lockPainTitles = 7210008

// refusePainDuplicate refuses, with a 409 naming in both languages the
// one that exists, a second live pain point of the same title in the
// same business unit: the goals' and use cases' rule, title or Chinese
// title, either against either, trimmed and ignoring case. A blank name
// is not checked (an edit passes only the names it changes).
func refusePainDuplicate(ctx context.Context, tx *sqldb.Tx, title, titleZH string, unit, except int64) error {
	t, err := nameClash(ctx, tx, lockPainTitles, `SELECT id, title, title_zh FROM pain_points WHERE business_unit_id = ? AND archived = `+falseLit(tx)+` AND id <> ? ORDER BY id`,
		[]any{unit, except}, title, titleZH)
	if t == nil || err != nil {
		return err
	}
	return nameTaken("A pain point titled %s already exists in this business unit (ID %d).", t, title, "title", "title_zh")
}

// CreatePainPoint implements lodestar.PainPointService.
func (s *Store) CreatePainPoint(ctx context.Context, in lodestar.PainPoint) (*lodestar.PainPoint, error) {
	return create(ctx, s, "pain_point", loadPain, func(tx *sqldb.Tx) (int64, error) {
		if err := checkPain(ctx, tx, &in, nil); err != nil {
			return 0, err
		}
		if err := refusePainDuplicate(ctx, tx, in.Title, in.TitleZH, in.BusinessUnitID, 0); err != nil {
			return 0, err
		}
		now := sqldb.FormatTime(tx.Now)
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO pain_points (business_unit_id, title, title_zh, description, category, annual_cost, goal_id, archived, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, in.BusinessUnitID, in.Title, in.TitleZH, in.Description, in.Category,
			in.AnnualCost, nullID(in.GoalID), false, now, now).Scan(&id)
		return id, err
	})
}

// UpdatePainPoint implements lodestar.PainPointService.
func (s *Store) UpdatePainPoint(ctx context.Context, id int64, in lodestar.PainPoint) (*lodestar.PainPoint, error) {
	return update(ctx, s, "pain_point", "update", id, loadPain, func(tx *sqldb.Tx, before *lodestar.PainPoint) error {
		if before.Archived {
			return lodestar.Errorf(lodestar.EConflict, "This pain point is archived: restore it to change it.")
		}
		if err := checkPain(ctx, tx, &in, before); err != nil {
			return err
		}
		// A rename (in either language) or a move may not make a
		// duplicate; an edit of one that already shares a title (made
		// before the rule) may: a rename checks the names it changes.
		title, titleZH := changedNames(in.Title, in.TitleZH, before.Title, before.TitleZH, in.BusinessUnitID != before.BusinessUnitID)
		if err := refusePainDuplicate(ctx, tx, title, titleZH, in.BusinessUnitID, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE pain_points SET business_unit_id = ?, title = ?, title_zh = ?, description = ?, category = ?,
			annual_cost = ?, goal_id = ?, updated_at = ? WHERE id = ?`, in.BusinessUnitID, in.Title, in.TitleZH, in.Description,
			in.Category, in.AnnualCost, nullID(in.GoalID), sqldb.FormatTime(tx.Now), id)
		return err
	})
}

// ArchivePainPoint implements lodestar.PainPointService.
func (s *Store) ArchivePainPoint(ctx context.Context, id int64, archived bool) (*lodestar.PainPoint, error) {
	return update(ctx, s, "pain_point", archiveAction(archived), id, loadPain, func(tx *sqldb.Tx, before *lodestar.PainPoint) error {
		if before.Archived == archived {
			return lodestar.Errorf(lodestar.EConflict, "Nothing to change.")
		}
		// Restored, it may not join a live pain point of one of its names.
		if !archived {
			if err := refusePainDuplicate(ctx, tx, before.Title, before.TitleZH, before.BusinessUnitID, id); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE pain_points SET archived = ?, updated_at = ? WHERE id = ?`, archived, sqldb.FormatTime(tx.Now), id)
		return err
	})
}

// FindPainPointByID implements lodestar.PainPointService.
func (s *Store) FindPainPointByID(ctx context.Context, id int64) (*lodestar.PainPoint, error) {
	p, err := scanPain(s.DB.QueryRow(ctx, `SELECT `+painColumns+` FROM pain_points WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Pain point")
	}
	return p, wrap("find pain point", err)
}

// ListPainPoints implements lodestar.PainPointService, costliest first.
func (s *Store) ListPainPoints(ctx context.Context, f lodestar.ListFilter) ([]*lodestar.PainPoint, error) {
	var w filterSQL
	if !f.Archived {
		w.add("archived = ?", false)
	}
	if f.BusinessUnitID != 0 {
		w.add("business_unit_id = ?", f.BusinessUnitID)
	}
	if f.GoalID != 0 {
		w.add("goal_id = ?", f.GoalID)
	}
	if f.Category != "" {
		w.add("category = ?", f.Category)
	}
	w.like(s.DB.Dialect, f.Query, "title", "title_zh")
	return list(ctx, s, `SELECT `+painColumns+` FROM pain_points`+w.sql()+` ORDER BY annual_cost DESC, id`, w.args, scanPain)
}
