package store

import (
	"context"
	"fmt"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/engine/portfolio"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// ImportRow is one use case of an import, with the file line it came
// from and, when it names a business unit to be created, that name.
type ImportRow struct {
	Line int
	In   lodestar.NewUseCase
	Unit string
}

// ImportUseCases creates the new business units and every row's use case
// in ONE transaction, each with its audit entry: an import lands whole or
// not at all. A row that fails names its line.
func (s *Store) ImportUseCases(ctx context.Context, newUnits []string, rows []ImportRow) (int, error) {
	n := 0
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		// Imports take turns (SQLite's immediate transactions do already),
		// so that the check below sees what another import just wrote.
		if tx.Dialect() == sqldb.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(?)`, lockImport); err != nil {
				return err
			}
		}
		unitID := map[string]int64{}
		now := sqldb.FormatTime(tx.Now)
		for _, name := range newUnits {
			in := lodestar.BusinessUnit{Name: name}
			if err := checkBU(ctx, tx, 0, &in); err != nil {
				return fmt.Errorf("business unit %q: %w", name, err)
			}
			var id int64
			err := tx.QueryRowContext(ctx, `INSERT INTO business_units (name, name_zh, parent_id, archived, created_at, updated_at)
				VALUES (?, '', NULL, ?, ?, ?) RETURNING id`, in.Name, false, now, now).Scan(&id)
			if err != nil {
				return duplicateName(err, "business unit")
			}
			b, err := loadBU(ctx, tx, id)
			if err != nil {
				return err
			}
			if _, err := audit.Append(ctx, tx, audit.Change{Action: "import", EntityType: "business_unit", EntityID: id, After: b}); err != nil {
				return err
			}
			unitID[strings.ToLower(name)] = id
		}
		for _, r := range rows {
			in := r.In
			if r.Unit != "" {
				in.BusinessUnitID = unitID[strings.ToLower(r.Unit)]
			}
			if in.Stage == "" {
				in.Stage = lodestar.StageIdea
			}
			if err := ValidateNewUseCase(&in); err != nil {
				return lineError(r.Line, err)
			}
			// The import checked its rows against the inventory before this
			// transaction; the same file imported at the same moment passed
			// that check too. A live use case with this title in this unit
			// refuses the whole import, and so does one whose Chinese title
			// is this row's title or Chinese title, or the other way round.
			// Names compare as the import's own check, and CreateUseCase,
			// compare them (sharesName).
			dup, err := liveUseCaseNamed(ctx, tx, in.BusinessUnitID, 0, in.Title, in.TitleZH)
			if err != nil {
				return err
			}
			if dup != nil {
				return lineError(r.Line, lodestar.Errorf(lodestar.EConflict, "A use case with this title in this business unit has just been created, perhaps by the same import sent twice; nothing was imported."))
			}
			goals, err := checkRefs(ctx, tx, &in, nil)
			if err != nil {
				return lineError(r.Line, err)
			}
			live := ""
			if portfolio.Live(in.Stage) {
				live = now
			}
			var id int64
			err = tx.QueryRowContext(ctx, `INSERT INTO use_cases (title, description, created_by, created_at, updated_at,
				stage, stage_changed_at, live_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
				in.Title, in.Description, lodestar.ActorFrom(ctx).ID, now, now, in.Stage, now, live).Scan(&id)
			if err != nil {
				return err
			}
			if err := writeUseCase(ctx, tx, id, &in, goals, "unassessed"); err != nil {
				return err
			}
			uc, err := loadUseCase(ctx, tx, id)
			if err != nil {
				return err
			}
			if _, err := audit.Append(ctx, tx, audit.Change{Action: "import", EntityType: "use_case", EntityID: id, After: uc}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, wrap("import use cases", err)
	}
	return n, nil
}

// lockImport is the advisory lock taken while use cases are imported.
const lockImport = 7210005

// lineError names the file line in a refusal found at write time.
func lineError(line int, err error) error {
	if le, ok := err.(*lodestar.Error); ok {
		return &lodestar.Error{Code: le.Code, Message: fmt.Sprintf("Line %d: %s", line, le.Message), Fields: le.Fields}
	}
	return err
}
