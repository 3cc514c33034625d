package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// Reminder is an open alert due a reminder (DueReminders), with what
// QueueReminder needs to announce it: its monitor's webhook address and
// its model's key.
type Reminder struct {
	Alert *lodestar.Alert
	URL   string
	Model string
	// Version is the model version the alert's monitor watches.
	Version string
	// Due is when the reminder fell due: the alert's last announcement
	// and its monitor's remind_after hours.
	Due time.Time
}

// DueReminders lists the alerts due a reminder by now, oldest first: open,
// acknowledged by nobody, of a monitor that runs (not paused), has a
// webhook and reminds (remind_after above 0), last announced remind_after
// hours or more before now. A retired version's alerts are resolved, so
// never among them. Due times are read from the database alone: they
// survive a restart and are the same for every replica.
func (s *Store) DueReminders(ctx context.Context, now time.Time) ([]Reminder, error) {
	rows, err := s.DB.Query(ctx, `SELECT `+prefixed("a.", alertColumns)+`, m.config, md.key, m.version FROM alerts a
		JOIN monitors m ON m.id = a.monitor_id JOIN models md ON md.id = m.model_id
		WHERE a.status = ? AND a.acked_at = '' AND m.paused_at = '' ORDER BY a.id`, lodestar.AlertOpen)
	if err != nil {
		return nil, wrap("due reminders", err)
	}
	defer rows.Close()
	var out []Reminder
	for rows.Next() {
		r := Reminder{Alert: &lodestar.Alert{}}
		var cfg string
		if err := rows.Scan(append(alertFields(r.Alert), &cfg, &r.Model, &r.Version)...); err != nil {
			return nil, wrap("due reminders", err)
		}
		r.Alert.Version = r.Version
		var c monitorConfig
		if err := json.Unmarshal([]byte(cfg), &c); err != nil {
			return nil, wrap("due reminders", fmt.Errorf("monitor %d config: %w", r.Alert.MonitorID, err))
		}
		if c.RemindAfter <= 0 || c.WebhookURL == "" {
			continue
		}
		last := r.Alert.LastNotifiedAt
		if last.IsZero() {
			last = r.Alert.OpenedAt // (opened before announcements were recorded)
		}
		r.URL, r.Due = c.WebhookURL, last.Add(time.Duration(c.RemindAfter)*time.Hour)
		if !r.Due.After(now) {
			out = append(out, r)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, wrap("due reminders", err)
	}
	return out, nil
}

// QueueReminder queues r's alert.reminder delivery as of now and records
// it on the alert (last announced now, one reminder more), in one
// transaction — only if the alert is still as DueReminders read it: open,
// acknowledged by nobody, its monitor not paused, last announced when it
// was and reminded as often. The update is made on that condition, so of
// deliverers on several replicas queueing the same reminder at once
// exactly one does (on PostgreSQL the others wait for its row and then
// find it changed); the others, and a reminder whose alert was
// acknowledged or resolved or whose monitor was paused meanwhile, queue
// nothing and get false. The next reminder falls due remind_after hours
// after now, not after the missed due time: a server down for days sends
// one reminder when it is back, not one per period missed.
func (s *Store) QueueReminder(ctx context.Context, r Reminder, now time.Time) (bool, error) {
	queued := false
	err := s.DB.InTx(ctx, func(tx *sqldb.Tx) error {
		queued = false
		a := *r.Alert
		// The monitor as it is now, not as DueReminders read it: an edit
		// meanwhile may have cleared or changed its webhook (one cleared
		// because its secret leaked must get nothing more) or turned its
		// reminders off or further apart.
		var cfg string
		if err := tx.QueryRowContext(ctx, `SELECT config FROM monitors WHERE id = ?`, a.MonitorID).Scan(&cfg); err != nil {
			if isNoRows(err) {
				return nil
			}
			return err
		}
		var c monitorConfig
		if err := json.Unmarshal([]byte(cfg), &c); err != nil {
			return fmt.Errorf("monitor %d config: %w", a.MonitorID, err)
		}
		last := a.LastNotifiedAt
		if last.IsZero() {
			last = a.OpenedAt
		}
		if c.RemindAfter <= 0 || c.WebhookURL == "" || last.Add(time.Duration(c.RemindAfter)*time.Hour).After(now) {
			return nil
		}
		r.URL = c.WebhookURL
		res, err := tx.ExecContext(ctx, `UPDATE alerts SET last_notified_at = ?, reminders = reminders + 1
			WHERE id = ? AND status = ? AND acked_at = '' AND last_notified_at = ? AND reminders = ?
			AND monitor_id IN (SELECT id FROM monitors WHERE paused_at = '')`,
			sqldb.FormatTime(now), a.ID, lodestar.AlertOpen, sqldb.FormatTime(a.LastNotifiedAt), a.Reminders)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return err
		}
		a.LastNotifiedAt, a.Reminders = now, a.Reminders+1
		p, err := json.Marshal(webhookPayload{Event: "alert.reminder", Model: r.Model, Version: r.Version, Monitor: a.MonitorID, Alert: &a,
			Reminder: a.Reminders, OpenSeconds: int64(now.Sub(a.OpenedAt) / time.Second), OccurredAt: now, SentAt: now})
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_outbox (url, payload, next_attempt_at) VALUES (?, ?, ?)`,
			r.URL, string(p), sqldb.FormatTime(now)); err != nil {
			return err
		}
		queued = true
		return nil
	})
	return queued, wrap("queue reminder", err)
}
