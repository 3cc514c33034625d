package store

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/audit"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// UpdateMonitor implements lodestar.MonitorService. The monitor edited is
// checked whole, as CreateMonitor checks a new one (checkMonitor), so an
// edit cannot save what a creation would refuse. Its audit entry holds
// the changed fields only, before and after, the webhook address cut as
// JSON shows it. An edit that changes nothing is no change: not audited,
// its updated_at left as it is.
func (s *Store) UpdateMonitor(ctx context.Context, id int64, in lodestar.MonitorUpdate) (*lodestar.Monitor, error) {
	var after *lodestar.Monitor
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.LockRow(ctx, "monitors", id); err != nil {
			return err
		}
		before, err := loadMonitor(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := checkBasedOn(ctx, before); err != nil {
			return err
		}
		m := *before
		if in.Name != nil {
			m.Name = *in.Name
		}
		if in.Thresholds != nil {
			m.Thresholds = *in.Thresholds
		}
		if in.AlertAfter != nil {
			m.AlertAfter = *in.AlertAfter
		}
		if in.ResolveAfter != nil {
			m.ResolveAfter = *in.ResolveAfter
		}
		if in.RetrainAfter != nil {
			m.RetrainAfter = *in.RetrainAfter
		}
		if in.RemindAfter != nil {
			m.RemindAfter = *in.RemindAfter
		}
		switch {
		case in.ClearWebhook && in.WebhookURL != nil && strings.TrimSpace(*in.WebhookURL) != "":
			msg := "Give a new webhook address or clear it, not both."
			return &lodestar.Error{Code: lodestar.EInvalid, Message: msg, Fields: map[string]string{"webhook_url": msg}}
		case in.ClearWebhook:
			m.WebhookURL = ""
		case in.WebhookURL != nil:
			// Empty keeps the address, and so does the address as JSON
			// shows it, sent back unchanged: neither is a new one.
			if u := strings.TrimSpace(*in.WebhookURL); u != "" && (before.WebhookURL == "" || u != lodestar.RedactURL(before.WebhookURL)) {
				m.WebhookURL = u
			}
		}
		if err := checkMonitor(ctx, tx, &m); err != nil {
			return err
		}
		if err := checkMonitorName(ctx, tx, &m); err != nil {
			return err
		}
		// (alert_after and resolve_after 0 mean 1, as they read back.)
		m.AlertAfter, m.ResolveAfter = max(m.AlertAfter, 1), max(m.ResolveAfter, 1)
		was, now := monitorSettings(before), monitorSettings(&m)
		changedBefore, changedAfter := map[string]any{}, map[string]any{}
		for k, v := range now {
			if !reflect.DeepEqual(was[k], v) {
				changedBefore[k], changedAfter[k] = was[k], v
			}
		}
		if m.WebhookURL != before.WebhookURL {
			// Another address cut the same way is still a change, shown
			// as one; the addresses themselves are never written out.
			changedBefore["webhook_url"], changedAfter["webhook_url"] = was["webhook_url"], now["webhook_url"]
		}
		if len(changedAfter) == 0 {
			after = before
			return nil
		}
		cfg, err := configOf(&m)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE monitors SET name = ?, config = ?, updated_at = ? WHERE id = ?`,
			m.Name, cfg, sqldb.FormatTime(tx.Now), id); err != nil {
			return err
		}
		if after, err = loadMonitor(ctx, tx, id); err != nil {
			return err
		}
		if _, err := audit.Append(ctx, tx, audit.Change{Action: "update", EntityType: "monitor", EntityID: id,
			Before: changedBefore, After: changedAfter}); err != nil {
			return err
		}
		return resolveUnwatched(ctx, tx, after)
	})
	if err != nil {
		return nil, wrap("update monitor", err)
	}
	return after, nil
}

// monitorSettings are a monitor's editable settings by name as JSON shows
// them (each threshold on its own, "thresholds.min_accuracy"; the webhook
// address cut by RedactURL), to tell which an edit changed.
func monitorSettings(m *lodestar.Monitor) map[string]any {
	out := map[string]any{"name": m.Name, "alert_after": m.AlertAfter, "resolve_after": m.ResolveAfter,
		"retrain_after": m.RetrainAfter, "remind_after": m.RemindAfter, "webhook_url": lodestar.RedactURL(m.WebhookURL)}
	b, _ := json.Marshal(m.Thresholds)
	var t map[string]any
	_ = json.Unmarshal(b, &t)
	for k := range thresholdNames() {
		out["thresholds."+k] = t[k] // nil: off (left out of the JSON)
	}
	return out
}

// thresholdNames are the JSON names of MonitorThresholds' fields.
func thresholdNames() map[string]bool {
	out := map[string]bool{}
	rt := reflect.TypeOf(lodestar.MonitorThresholds{})
	for i := range rt.NumField() {
		name, _, _ := strings.Cut(rt.Field(i).Tag.Get("json"), ",")
		out[name] = true
	}
	return out
}

// resolveUnwatched resolves the monitor's open alerts of a kind its
// thresholds no longer watch (an edit turned it off): no window would
// ever judge that kind again, so none would resolve them.
func resolveUnwatched(ctx context.Context, tx *sqldb.Tx, m *lodestar.Monitor) error {
	var model string
	if err := tx.QueryRowContext(ctx, `SELECT key FROM models WHERE id = ?`, m.ModelID).Scan(&model); err != nil {
		return err
	}
	alerts, err := func() ([]openAlert, error) {
		rows, err := tx.QueryContext(ctx, alertSelect+` WHERE a.monitor_id = ? AND a.status = ? ORDER BY a.id`, m.ID, lodestar.AlertOpen)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []openAlert
		for rows.Next() {
			a, err := scanAlert(rows)
			if err != nil {
				return nil, err
			}
			if !m.Thresholds.Watches(a.Kind) {
				out = append(out, openAlert{a: a, url: m.WebhookURL, model: model, version: m.Version})
			}
		}
		return out, rows.Err()
	}()
	if err != nil {
		return err
	}
	return resolveOpen(ctx, tx, alerts, lodestar.ResolutionUnwatched)
}

// pauseState is what a pause or a resume changes, as audited.
type pauseState struct {
	PausedAt    string `json:"paused_at"`
	PausedBy    string `json:"paused_by"`
	PauseReason string `json:"pause_reason"`
}

func pauseOf(m *lodestar.Monitor) pauseState {
	s := pauseState{PausedBy: m.PausedBy, PauseReason: m.PauseReason}
	if m.Paused() {
		s.PausedAt = sqldb.FormatTime(m.PausedAt)
	}
	return s
}

// PauseMonitor implements lodestar.MonitorService. Its settings are not
// changed: updated_at stays as it is.
func (s *Store) PauseMonitor(ctx context.Context, id int64, reason string) (*lodestar.Monitor, error) {
	reason = strings.TrimSpace(reason)
	fields := map[string]string{}
	if reason == "" {
		fields["reason"] = "Say why the monitor is paused."
	}
	checkLen(fields, "reason", reason, lodestar.MaxPauseReason, false)
	if len(fields) > 0 {
		return nil, &lodestar.Error{Code: lodestar.EInvalid, Message: "The monitor was not paused; check the fields.", Fields: fields}
	}
	return s.setPause(ctx, id, "pause", func(m *lodestar.Monitor) error {
		if m.Paused() {
			return lodestar.Errorf(lodestar.EConflict, "%s paused the monitor already.", m.PausedBy)
		}
		return nil
	}, func(tx *sqldb.Tx) []any {
		return []any{sqldb.FormatTime(tx.Now), lodestar.ActorFrom(ctx).Label, reason}
	})
}

// ResumeMonitor implements lodestar.MonitorService.
func (s *Store) ResumeMonitor(ctx context.Context, id int64) (*lodestar.Monitor, error) {
	return s.setPause(ctx, id, "resume", func(m *lodestar.Monitor) error {
		if !m.Paused() {
			return lodestar.Errorf(lodestar.EConflict, "The monitor is not paused; there is nothing to resume.")
		}
		return nil
	}, func(*sqldb.Tx) []any { return []any{"", "", ""} })
}

// setPause pauses or resumes a monitor, as check allows, setting its pause
// columns to what set returns, audited under action.
func (s *Store) setPause(ctx context.Context, id int64, action string, check func(*lodestar.Monitor) error, set func(*sqldb.Tx) []any) (*lodestar.Monitor, error) {
	var after *lodestar.Monitor
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		if err := tx.LockRow(ctx, "monitors", id); err != nil {
			return err
		}
		before, err := loadMonitor(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := check(before); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE monitors SET paused_at = ?, paused_by = ?, pause_reason = ? WHERE id = ?`,
			append(set(tx), id)...); err != nil {
			return err
		}
		if after, err = loadMonitor(ctx, tx, id); err != nil {
			return err
		}
		_, err = audit.Append(ctx, tx, audit.Change{Action: action, EntityType: "monitor", EntityID: id, Before: pauseOf(before), After: pauseOf(after)})
		return err
	})
	if err != nil {
		return nil, wrap(action+" monitor", err)
	}
	return after, nil
}
