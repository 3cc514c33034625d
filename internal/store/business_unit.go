package store

import (
	"context"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

var _ lodestar.BusinessUnitService = (*Store)(nil)

const buColumns = `id, name, name_zh, COALESCE(parent_id, 0), archived, created_at, updated_at`

func scanBU(s interface{ Scan(...any) error }) (*lodestar.BusinessUnit, error) {
	b := &lodestar.BusinessUnit{}
	err := s.Scan(&b.ID, &b.Name, &b.NameZH, &b.ParentID, &b.Archived, sqldb.Time{T: &b.CreatedAt}, sqldb.Time{T: &b.UpdatedAt})
	return b, err
}

func loadBU(ctx context.Context, tx *sqldb.Tx, id int64) (*lodestar.BusinessUnit, error) {
	b, err := scanBU(tx.QueryRowContext(ctx, `SELECT `+buColumns+` FROM business_units WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Business unit")
	}
	return b, err
}

// CheckBusinessUnitName checks a new unit's name by the rules checkBU
// applies, so that an import's dry run refuses what its write would.
func CheckBusinessUnitName(name string) error {
	fields := map[string]string{}
	checkLen(fields, "name", strings.TrimSpace(name), lodestar.MaxUnitName, true)
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The business unit could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

// checkBU validates a business unit and, for an existing one (id > 0),
// that its new parent is not itself or one of its descendants.
func checkBU(ctx context.Context, tx *sqldb.Tx, id int64, in *lodestar.BusinessUnit) error {
	in.Name, in.NameZH = strings.TrimSpace(in.Name), strings.TrimSpace(in.NameZH)
	fields := map[string]string{}
	checkLen(fields, "name", in.Name, lodestar.MaxUnitName, true)
	checkLen(fields, "name_zh", in.NameZH, lodestar.MaxUnitName, false)
	if in.ParentID != 0 {
		ok, err := refExists(ctx, tx, "business_units", in.ParentID)
		if err != nil {
			return err
		}
		if !ok {
			fields["parent_id"] = "No such business unit, or it is archived."
		} else if id != 0 {
			// Walk up from the new parent; meeting id means a cycle.
			for cur, steps := in.ParentID, 0; cur != 0 && steps < 10000; steps++ {
				if cur == id {
					fields["parent_id"] = "A business unit cannot sit under itself or one of its own units."
					break
				}
				if err := tx.QueryRowContext(ctx, `SELECT COALESCE(parent_id, 0) FROM business_units WHERE id = ?`, cur).Scan(&cur); err != nil {
					return err
				}
			}
		}
	}
	if len(fields) > 0 {
		return &lodestar.Error{Code: lodestar.EInvalid, Message: "The business unit could not be saved; check the fields.", Fields: fields}
	}
	return nil
}

func duplicateName(err error, what string) error {
	if sqldb.IsUniqueViolation(err) {
		return &lodestar.Error{Code: lodestar.EConflict, Message: "A " + what + " with this name already exists.",
			Fields: map[string]string{"name": "A " + what + " with this name already exists."}}
	}
	return err
}

// CreateBusinessUnit implements lodestar.BusinessUnitService.
func (s *Store) CreateBusinessUnit(ctx context.Context, in lodestar.BusinessUnit) (*lodestar.BusinessUnit, error) {
	return create(ctx, s, "business_unit", loadBU, func(tx *sqldb.Tx) (int64, error) {
		if err := checkBU(ctx, tx, 0, &in); err != nil {
			return 0, err
		}
		now := sqldb.FormatTime(tx.Now)
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO business_units (name, name_zh, parent_id, archived, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, in.Name, in.NameZH, nullID(in.ParentID), false, now, now).Scan(&id)
		return id, duplicateName(err, "business unit")
	})
}

// UpdateBusinessUnit implements lodestar.BusinessUnitService.
func (s *Store) UpdateBusinessUnit(ctx context.Context, id int64, in lodestar.BusinessUnit) (*lodestar.BusinessUnit, error) {
	return update(ctx, s, "business_unit", "update", id, loadBU, func(tx *sqldb.Tx, before *lodestar.BusinessUnit) error {
		if before.Archived {
			return lodestar.Errorf(lodestar.EConflict, "This business unit is archived: restore it to change it.")
		}
		if err := checkBU(ctx, tx, id, &in); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE business_units SET name = ?, name_zh = ?, parent_id = ?, updated_at = ? WHERE id = ?`,
			in.Name, in.NameZH, nullID(in.ParentID), sqldb.FormatTime(tx.Now), id)
		return duplicateName(err, "business unit")
	})
}

// ArchiveBusinessUnit implements lodestar.BusinessUnitService. A unit
// with live child units cannot be archived.
func (s *Store) ArchiveBusinessUnit(ctx context.Context, id int64, archived bool) (*lodestar.BusinessUnit, error) {
	return update(ctx, s, "business_unit", archiveAction(archived), id, loadBU, func(tx *sqldb.Tx, before *lodestar.BusinessUnit) error {
		if before.Archived == archived {
			return lodestar.Errorf(lodestar.EConflict, "Nothing to change.")
		}
		if archived {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM business_units WHERE parent_id = ? AND archived = `+falseLit(tx), id).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return lodestar.Errorf(lodestar.EConflict, "Archive or move this unit's child units first.")
			}
		} else if before.ParentID != 0 {
			// A live unit under an archived one could not be saved again
			// (its parent is refused as archived).
			ok, err := refExists(ctx, tx, "business_units", before.ParentID)
			if err != nil {
				return err
			}
			if !ok {
				return lodestar.Errorf(lodestar.EConflict, "Restore its parent unit first.")
			}
		}
		_, err := tx.ExecContext(ctx, `UPDATE business_units SET archived = ?, updated_at = ? WHERE id = ?`, archived, sqldb.FormatTime(tx.Now), id)
		return err
	})
}

// FindBusinessUnitByID implements lodestar.BusinessUnitService.
func (s *Store) FindBusinessUnitByID(ctx context.Context, id int64) (*lodestar.BusinessUnit, error) {
	b, err := scanBU(s.DB.QueryRow(ctx, `SELECT `+buColumns+` FROM business_units WHERE id = ?`, id))
	if isNoRows(err) {
		return nil, notFound("Business unit")
	}
	return b, wrap("find business unit", err)
}

// ListBusinessUnits implements lodestar.BusinessUnitService, by name.
func (s *Store) ListBusinessUnits(ctx context.Context, f lodestar.ListFilter) ([]*lodestar.BusinessUnit, error) {
	var w filterSQL
	if !f.Archived {
		w.add("archived = ?", false)
	}
	w.like(s.DB.Dialect, f.Query, "name", "name_zh")
	return list(ctx, s, `SELECT `+buColumns+` FROM business_units`+w.sql()+` ORDER BY name`, w.args, scanBU)
}

// list runs a query and scans every row.
func list[T any](ctx context.Context, s *Store, q string, args []any, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	rows, err := s.DB.Query(ctx, q, args...)
	if err != nil {
		return nil, wrap("list", err)
	}
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
