package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

var _ lodestar.SwitchService = (*Store)(nil)

// switchSelect reads switches with, for Serving, whether a version of
// the model is in production.
const switchSelect = `SELECT m.key, s.model_id, s.state, s.fallback, s.reason, s.changed_by, s.via, s.changed_at, s.version, s.reaffirmed,
	EXISTS (SELECT 1 FROM model_versions v WHERE v.model_id = s.model_id AND v.status = '` + lodestar.ModelProduction + `')
	FROM switches s JOIN models m ON m.id = s.model_id`

func scanSwitch(s interface{ Scan(...any) error }) (*lodestar.Switch, error) {
	sw := &lodestar.Switch{}
	var live bool
	err := s.Scan(&sw.Key, &sw.ModelID, &sw.State, &sw.Fallback, &sw.Reason, &sw.ChangedBy, &sw.Via, sqldb.Time{T: &sw.ChangedAt}, &sw.Version, &sw.Reaffirmed, &live)
	sw.Serving = live && sw.State == lodestar.SwitchOn
	return sw, err
}

// ListSwitches implements lodestar.SwitchService, by key.
func (s *Store) ListSwitches(ctx context.Context) ([]*lodestar.Switch, error) {
	return list(ctx, s, switchSelect+` ORDER BY m.key`, nil, scanSwitch)
}

// FindSwitch implements lodestar.SwitchService.
func (s *Store) FindSwitch(ctx context.Context, key string) (*lodestar.Switch, error) {
	sw, err := scanSwitch(s.DB.QueryRow(ctx, switchSelect+` WHERE m.key = ?`, key))
	if isNoRows(err) {
		return nil, notFound("Switch")
	}
	return sw, wrap("find switch", err)
}

// SwitchStamp sums up every switch at once: how many there are and the
// sum of their versions. Switches are never deleted and each flip adds
// one to its switch's version, so every flip and every new model changes
// the stamp, whichever process made it: a server that saw the same stamp
// a moment ago knows, from one small query, that nothing changed since.
type SwitchStamp struct {
	Count, Versions int64
}

// SwitchStamp returns the switches' stamp now.
func (s *Store) SwitchStamp(ctx context.Context) (SwitchStamp, error) {
	var st SwitchStamp
	err := s.DB.QueryRow(ctx, `SELECT COUNT(*), COALESCE(SUM(version), 0) FROM switches`).Scan(&st.Count, &st.Versions)
	return st, wrap("switch stamp", err)
}

// SwitchChannel is the PostgreSQL notification channel a committed flip
// is announced on, with the switch's key as payload.
const SwitchChannel = "lodestar_switches"

// FlipSwitch implements lodestar.SwitchService.
func (s *Store) FlipSwitch(ctx context.Context, key, state, fallback, reason string) (*lodestar.Switch, error) {
	reason, fallback = strings.TrimSpace(reason), strings.TrimSpace(fallback)
	fields := map[string]string{}
	switch state {
	case lodestar.SwitchOn, lodestar.SwitchOff:
		if fallback != "" {
			fields["fallback"] = "A fallback is named only when the state is fallback."
		}
	case lodestar.SwitchFallback:
		if fallback == "" {
			fields["fallback"] = "Name what to serve instead."
		}
	default:
		fields["state"] = "The state is on, off or fallback."
	}
	if reason == "" {
		fields["reason"] = "Say why the switch is flipped."
	}
	checkLen(fields, "reason", reason, 2000, false)
	checkLen(fields, "fallback", fallback, 200, false)
	if len(fields) > 0 {
		return nil, &lodestar.Error{Code: lodestar.EInvalid, Message: "The switch was not flipped; check the fields.", Fields: fields}
	}
	var after *lodestar.Switch
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		// On PostgreSQL (read committed) the row is locked before it is
		// read: two flips at once otherwise both read the same state, and
		// the later's audit entry and version check are of a switch that
		// is no longer there. SQLite's writers are one at a time already.
		q := switchSelect + ` WHERE m.key = ?`
		if tx.Dialect() == sqldb.Postgres {
			q += ` FOR UPDATE OF s`
			if state == lodestar.SwitchFallback {
				// The fallback's switch is read to check it may serve
				// (fallbackMayServe): it is locked too, or "A falls back
				// to B" and "B falls back to A" at once both read the
				// other on and commit a loop. Both rows in model ID order,
				// so two such flips wait for each other, not deadlock.
				if err := lockSwitches(ctx, tx, key, fallback); err != nil {
					return err
				}
			}
		}
		before, err := scanSwitch(tx.QueryRowContext(ctx, q, key))
		if isNoRows(err) {
			return notFound("Switch")
		} else if err != nil {
			return err
		}
		if v, ok := lodestar.SwitchVersionFrom(ctx); ok && v > before.Version {
			// Not a flip made since it was read: a version the switch has
			// never had (a mistyped or made-up one).
			return lodestar.FieldError("version", fmt.Sprintf("The switch is at version %d; %d is ahead of it. Send the version you read.", before.Version, v))
		} else if ok && v != before.Version {
			return lodestar.ErrSwitchFlippedSince(v, before)
		}
		if state == lodestar.SwitchFallback {
			if msg, err := fallbackMayServe(ctx, tx, before.ModelID, fallback); err != nil {
				return err
			} else if msg != "" {
				return &lodestar.Error{Code: lodestar.EInvalid, Message: "The switch was not flipped; check the fields.", Fields: map[string]string{"fallback": msg}}
			}
		}
		// Who flipped it, and how — the web form, the API or the shell —
		// recorded with the flip and so in its audit entry.
		// A flip to the state (and fallback) the switch already has is
		// made, not refused: it re-affirms the state with a new reason —
		// a risk officer renewing a stop or a fallback on review — and is
		// recorded as such (reaffirmed), in the switch, its audit entry
		// and the streams, so that none reads it as a change.
		actor := lodestar.ActorFrom(ctx)
		same := before.State == state && before.Fallback == fallback
		if _, err := tx.ExecContext(ctx, `UPDATE switches SET state = ?, fallback = ?, reason = ?, changed_by = ?, via = ?, changed_at = ?,
			reaffirmed = ?, version = version + 1 WHERE model_id = ?`, state, fallback, reason, actor.Label, switchVia(actor.Via), sqldb.FormatTime(tx.Now), same, before.ModelID); err != nil {
			return err
		}
		if after, err = scanSwitch(tx.QueryRowContext(ctx, switchSelect+` WHERE m.key = ?`, key)); err != nil {
			return err
		}
		if _, err = audit.Append(ctx, tx, audit.Change{Action: "flip", EntityType: "switch", EntityID: before.ModelID, Before: before, After: after}); err != nil {
			return err
		}
		if tx.Dialect() == sqldb.Postgres {
			// Delivered on commit to every replica listening (App.FollowSwitches).
			_, err = tx.ExecContext(ctx, `SELECT pg_notify(?, ?)`, SwitchChannel, key)
		}
		return err
	})
	return after, wrap("flip switch", err)
}

// lockSwitches locks, on PostgreSQL, the switches of the models keyed a
// and b (those that exist) in model ID order: PostgreSQL locks the rows
// as the ORDER BY returns them.
func lockSwitches(ctx context.Context, tx *sqldb.Tx, a, b string) error {
	rows, err := tx.QueryContext(ctx, `SELECT s.model_id FROM switches s JOIN models m ON m.id = s.model_id
		WHERE m.key IN (?, ?) ORDER BY s.model_id FOR UPDATE OF s`, a, b)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
	}
	return rows.Err()
}

// switchVia is how a flip came in, as the switch records it: one of the
// known ways, or "" (the system's own work, or a way not known here).
func switchVia(via string) string {
	switch via {
	case lodestar.ViaWeb, lodestar.ViaAPI, lodestar.ViaCLI:
		return via
	}
	return ""
}

// fallbackMayServe checks a fallback that names a model of the registry:
// it must be one that may serve in the place of model modelID — not that
// model itself, not one whose own switch is off or at fallback, not one
// with no version in production (none yet, or all retired). It returns
// why not ("" when it may). A fallback the registry does not know (rules,
// a static list) is left to the services that serve it.
func fallbackMayServe(ctx context.Context, tx *sqldb.Tx, modelID int64, fallback string) (string, error) {
	var id int64
	var state string
	err := tx.QueryRowContext(ctx, `SELECT m.id, s.state FROM models m JOIN switches s ON s.model_id = m.id WHERE m.key = ?`, fallback).Scan(&id, &state)
	switch {
	case isNoRows(err):
		// Not a key as registered; but a model's numeric ID (which the
		// switch routes take for its key) or its key in other letter case
		// names that model all the same, to a person — not to the services,
		// which look the fallback up by key. Taken for a rule, it escaped
		// the rules above (a model switched off could be named).
		return fallbackMisspelt(ctx, tx, fallback)
	case err != nil:
		return "", err
	case id == modelID:
		return "A model cannot be its own fallback: name what to serve instead of it.", nil
	case state != lodestar.SwitchOn:
		return "That model's own switch is not on: it may not serve instead.", nil
	}
	var live int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM model_versions WHERE model_id = ? AND status = ?`, id, lodestar.ModelProduction).Scan(&live); err != nil {
		return "", err
	}
	if live == 0 {
		return "That model has no version in production (none yet, or retired): it cannot serve instead.", nil
	}
	return "", nil
}

// fallbackMisspelt returns, for a fallback that is no model's key as
// registered, why it is refused when it names a model all the same — by
// its numeric ID, or by its key in other letter case (keys are lower
// case) — giving the key to name it by; "" for a name no model has (a
// rule the services serve themselves).
func fallbackMisspelt(ctx context.Context, tx *sqldb.Tx, fallback string) (string, error) {
	var key string
	var err error
	if id, perr := strconv.ParseInt(fallback, 10, 64); perr == nil {
		err = tx.QueryRowContext(ctx, `SELECT key FROM models WHERE id = ?`, id).Scan(&key)
	} else if lower := asciiLower(fallback); lower != fallback {
		err = tx.QueryRowContext(ctx, `SELECT key FROM models WHERE key = ?`, lower).Scan(&key)
	} else {
		return "", nil
	}
	switch {
	case isNoRows(err):
		return "", nil
	case err != nil:
		return "", err
	}
	return fmt.Sprintf("%q is the model %s: name it by its key, %s, as services read the fallback.", fallback, key, key), nil
}

// asciiLower lowers the ASCII letters of s (model keys are ASCII lower
// case), leaving any other character as it is.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
