package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// loader reads one entity inside a transaction.
type loader[T any] func(ctx context.Context, tx *sqldb.Tx, id int64) (T, error)

// update runs one audited change of an existing entity: it loads the
// entity, lets apply write, reloads it and appends the before/after
// entry, all in one transaction. An edit of its fields ("update",
// "update_provenance") that leaves every one as it was is no change: it
// is rolled back, so updated_at does not move and nothing is audited, and
// the entity is returned as it was (a PUT of what GET returned, a form
// saved untouched).
func update[T any](ctx context.Context, s *Store, entity, action string, id int64, load loader[T], apply func(tx *sqldb.Tx, before T) error) (T, error) {
	var before, after T
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		table, ok := entityTables[entity]
		if !ok { // (on every database, so a test finds a missing entry)
			return fmt.Errorf("store: update of %s: no table to lock", entity)
		}
		if err := tx.LockRow(ctx, table, id); err != nil {
			return err
		}
		var err error
		if before, err = load(ctx, tx, id); err != nil {
			return err
		}
		if action == "update" {
			if err := checkBasedOn(ctx, before); err != nil {
				return err
			}
		}
		if err := apply(tx, before); err != nil {
			return err
		}
		if after, err = load(ctx, tx, id); err != nil {
			return err
		}
		if (action == "update" || action == "update_provenance") && unchanged(before, after) {
			return errUnchanged
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: action, EntityType: entity, EntityID: id, Before: before, After: after})
		return err
	})
	if errors.Is(err, errUnchanged) {
		return before, nil
	}
	return after, wrap(action+" "+entity, err)
}

// errUnchanged rolls back an edit that changed no field (unchanged).
var errUnchanged = errors.New("store: nothing changed")

// unchanged says whether an entity read before and after an edit is the
// same but for its updated_at: the same JSON, the form the API returns
// and the audit log records, so a field counts exactly when a client or
// an auditor could tell it changed.
func unchanged(before, after any) bool {
	var b, a map[string]any
	for _, p := range []struct {
		v   any
		out *map[string]any
	}{{before, &b}, {after, &a}} {
		j, err := json.Marshal(p.v)
		if err != nil || json.Unmarshal(j, p.out) != nil {
			return false
		}
		delete(*p.out, "updated_at")
	}
	return reflect.DeepEqual(b, a)
}

// entityTables are the tables of the entities update changes, whose row
// it locks first (sqldb.Tx.LockRow).
var entityTables = map[string]string{"business_unit": "business_units", "experiment": "experiments", "goal": "goals",
	"kpi": "kpis", "model": "models", "model_version": "model_versions", "pain_point": "pain_points"}

// create runs one audited insert: insert returns the new ID, then the
// entity is loaded and its entry appended.
func create[T any](ctx context.Context, s *Store, entity string, load loader[T], insert func(tx *sqldb.Tx) (int64, error)) (T, error) {
	var out T
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		id, err := insert(tx)
		if err != nil {
			return err
		}
		if out, err = load(ctx, tx, id); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: "create", EntityType: entity, EntityID: id, After: out})
		return err
	})
	return out, wrap("create "+entity, err)
}

// archiveAction names the audit action for an archive flag.
func archiveAction(archived bool) string {
	if archived {
		return "archive"
	}
	return "unarchive"
}

// refExists reports whether a live row with id exists in table.
func refExists(ctx context.Context, tx *sqldb.Tx, table string, id int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = ? AND archived = `+falseLit(tx), id).Scan(&n)
	return n > 0, err
}

// userActive reports whether an enabled user with id exists.
func userActive(ctx context.Context, tx *sqldb.Tx, id int64) (bool, error) {
	var n int
	err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE id = ? AND disabled = `+falseLit(tx), id).Scan(&n)
	return n > 0, err
}

// filterSQL builds a WHERE clause from conditions.
type filterSQL struct {
	where []string
	args  []any
}

func (f *filterSQL) add(cond string, args ...any) {
	f.where = append(f.where, cond)
	f.args = append(f.args, args...)
}

// like adds a case-insensitive literal substring match on any of cols,
// for every letter (Équipe, ÖL, Straße), not only ASCII: each column is
// lower-cased in SQL as d does it like strings.ToLower (Dialect.Lower),
// the pattern by strings.ToLower.
func (f *filterSQL) like(d sqldb.Dialect, q string, cols ...string) {
	exprs := make([]string, len(cols))
	for i, c := range cols {
		exprs[i] = d.Lower(c)
	}
	f.likeExprs(q, exprs)
}

// likeLowered is like for a column whose text was lower-cased by
// strings.ToLower when written (use cases' search), matched as it is.
func (f *filterSQL) likeLowered(q, col string) { f.likeExprs(q, []string{col}) }

func (f *filterSQL) likeExprs(q string, exprs []string) {
	q = strings.TrimSpace(q)
	if q == "" {
		return
	}
	pat := "%" + likeEscaper.Replace(strings.ToLower(q)) + "%"
	var parts []string
	for _, expr := range exprs {
		parts = append(parts, expr+` LIKE ? ESCAPE '\'`)
		f.args = append(f.args, pat)
	}
	f.where = append(f.where, "("+strings.Join(parts, " OR ")+")")
}

func (f *filterSQL) sql() string {
	if len(f.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(f.where, " AND ")
}

// checkBasedOn refuses an update based on an older version of the record
// (lodestar.WithBasedOn) than the one loaded, under its row lock. The
// record's UpdatedAt field is compared as stored (to the microsecond).
func checkBasedOn(ctx context.Context, rec any) error {
	based, ok := lodestar.BasedOn(ctx)
	if !ok {
		return nil
	}
	v := reflect.Indirect(reflect.ValueOf(rec))
	f := v.FieldByName("UpdatedAt")
	if !f.IsValid() {
		return fmt.Errorf("store: %T has no UpdatedAt to compare", rec)
	}
	if sqldb.FormatTime(f.Interface().(time.Time)) != sqldb.FormatTime(based) {
		return lodestar.ErrChangedSince()
	}
	return nil
}

// lastChange returns who made the last audited change of one of actions
// (any action when none is given) to the entity, and when: read in the
// transaction that holds the entity's row lock, so it is the change the
// caller's refusal is about. ok is false when the log has none.
func lastChange(ctx context.Context, tx *sqldb.Tx, entity string, id int64, actions ...string) (by string, at time.Time, ok bool, err error) {
	q := `SELECT actor, at FROM audit_log WHERE entity_type = ? AND entity_id = ?`
	args := []any{entity, strconv.FormatInt(id, 10)}
	if len(actions) > 0 {
		q += ` AND action IN (?` + strings.Repeat(", ?", len(actions)-1) + `)`
		for _, a := range actions {
			args = append(args, a)
		}
	}
	var stamp string
	err = tx.QueryRowContext(ctx, q+` ORDER BY seq DESC LIMIT 1`, args...).Scan(&by, &stamp)
	if isNoRows(err) {
		return "", time.Time{}, false, nil
	} else if err != nil {
		return "", time.Time{}, false, err
	}
	if at, err = sqldb.ParseTime(stamp); err != nil {
		return "", time.Time{}, false, err
	}
	return by, at, by != "", nil
}

// checkFrom refuses a stage or status change based on a stage or status
// (lodestar.WithFrom) the record is no longer in: refuse makes the
// refusal from who moved it to cur, and when (by "" when no one is on
// record). A from that is none of known is no stage or status anyone saw:
// a 400 on the from field (unknown, the message naming the values), not
// a 409 blaming whoever changed the record last.
func checkFrom(ctx context.Context, tx *sqldb.Tx, entity string, id int64, cur string, known []string, unknown string, refuse func(by string, at time.Time) error, actions ...string) error {
	from, ok := lodestar.From(ctx)
	if !ok || from == cur {
		return nil
	}
	if !slices.Contains(known, from) {
		return lodestar.FieldError("from", unknown)
	}
	by, at, _, err := lastChange(ctx, tx, entity, id, actions...)
	if err != nil {
		return err
	}
	return refuse(by, at)
}
