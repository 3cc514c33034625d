package monitoring_test

import (
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
	"github.com/lodestar-hq/lodestar/internal/store"
)

// An open alert nobody has acknowledged is announced again, as
// alert.reminder, every remind_after hours after it was last announced:
// not before, once per due time, from the database alone (a restarted
// service finds the same due times), until it is acknowledged or resolved
// or its monitor paused; never with remind_after 0.

// remindEnv is a monitor on hourly windows (accuracy at least 0.8) with a
// webhook and remind_after hours, whose first window breached and opened
// an accuracy alert.
type remindEnv struct {
	*env
	m     *lodestar.Monitor
	svc   *monitoring.Service
	alert *lodestar.Alert // as opened
}

func newRemindEnv(t *testing.T, d sqldb.Dialect, remindAfter int, hook string) *remindEnv {
	t.Helper()
	e := newEnvOn(t, d, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	svc := &monitoring.Service{Store: e.st}
	m, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "m", Task: "binary", Numeric: []string{"x"},
		Window: "hour", Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}, RemindAfter: remindAfter, WebhookURL: hook,
		Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.Add(-2 * time.Hour), To: e.t0.Add(-time.Hour)}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if m.RemindAfter != remindAfter {
		t.Fatalf("created with remind_after %d, want %d", m.RemindAfter, remindAfter)
	}
	e.add(t, ev("bad", e.t0.Add(time.Minute), 0.5, 0.9, 0))
	out, err := svc.Evaluate(e.ctx, m.ID, e.t0.Add(time.Hour+time.Second), time.Time{})
	if err != nil || len(out.Opened) != 1 {
		t.Fatalf("evaluate: %v, opened %d; want the accuracy alert", err, len(out.Opened))
	}
	r := &remindEnv{env: e, m: m, svc: svc}
	r.alert = r.current(t)
	announced := e.clock.Now()
	if hook == "" {
		announced = time.Time{} // nothing announced: no webhook
	}
	if !r.alert.LastNotifiedAt.Equal(announced) || r.alert.Reminders != 0 {
		t.Fatalf("opened alert: last notified %v, reminders %d; want %v (its announcement), 0", r.alert.LastNotifiedAt, r.alert.Reminders, announced)
	}
	return r
}

// current is the alert as stored now.
func (r *remindEnv) current(t *testing.T) *lodestar.Alert {
	t.Helper()
	as, err := r.st.ListAlerts(r.ctx, r.model, false)
	if err != nil || len(as) != 1 {
		t.Fatalf("alerts: %v, %d; want one", err, len(as))
	}
	return as[0]
}

// at is the alert's first announcement and d (its opening and d when it
// was never announced).
func (r *remindEnv) at(d time.Duration) time.Time {
	if r.alert.LastNotifiedAt.IsZero() {
		return r.alert.OpenedAt.Add(d)
	}
	return r.alert.LastNotifiedAt.Add(d)
}

// reminder is one queued alert.reminder delivery.
type reminder struct {
	Reminder    int             `json:"reminder"`
	OpenSeconds int64           `json:"open_seconds"`
	Alert       *lodestar.Alert `json:"alert"`
	URL         string
}

// reminders is every alert.reminder delivery queued, oldest first.
func (r *remindEnv) reminders(t *testing.T) []reminder {
	t.Helper()
	rows, err := r.st.DB.Query(r.ctx, `SELECT url, payload FROM webhook_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []reminder
	for rows.Next() {
		var url, payload string
		if err := rows.Scan(&url, &payload); err != nil {
			t.Fatal(err)
		}
		var p struct {
			Event string `json:"event"`
			reminder
		}
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			t.Fatal(err)
		}
		if p.Event == "alert.reminder" {
			p.URL = url
			out = append(out, p.reminder)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// remind runs a deliverer's reminders at now and checks how many it queued.
func (r *remindEnv) remind(t *testing.T, svc *monitoring.Service, now time.Time, want int) {
	t.Helper()
	if got := svc.Remind(r.ctx, now); got != want {
		t.Fatalf("remind at %v: queued %d, want %d", now, got, want)
	}
}

// TestReminderDueAndRepeated: remind_after 2 hours; nothing a nanosecond
// before the alert's announcement plus 2 hours, one reminder then, none
// again for that due time; the next due 2 hours after the first reminder,
// found by a service started anew; an acknowledgement ends them.
func TestReminderDueAndRepeated(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		r := newRemindEnv(t, d, 2, "https://hooks.example.com/lodestar")
		r.remind(t, r.svc, r.at(2*time.Hour-time.Nanosecond), 0)
		r.remind(t, r.svc, r.at(2*time.Hour), 1)
		r.remind(t, r.svc, r.at(2*time.Hour), 0)
		r.remind(t, r.svc, r.at(3*time.Hour), 0)
		got := r.reminders(t)
		if len(got) != 1 {
			t.Fatalf("reminders queued: %d, want 1", len(got))
		}
		first := got[0]
		wantOpen := int64(r.at(2*time.Hour).Sub(r.alert.OpenedAt) / time.Second)
		if first.Reminder != 1 || first.OpenSeconds != wantOpen || first.Alert.ID != r.alert.ID || first.Alert.Status != lodestar.AlertOpen ||
			first.Alert.Reminders != 1 || first.URL != "https://hooks.example.com/lodestar" || first.Alert.Kind != "accuracy" {
			t.Errorf("first reminder: %+v (alert %+v); want reminder 1, open %d s, the open accuracy alert, to the monitor's webhook", first, first.Alert, wantOpen)
		}
		if a := r.current(t); a.Reminders != 1 || !a.LastNotifiedAt.Equal(r.at(2*time.Hour)) {
			t.Errorf("after the first reminder: reminders %d, last notified %v; want 1, %v", a.Reminders, a.LastNotifiedAt, r.at(2*time.Hour))
		}

		// Restarted: a new service, nothing in memory.
		again := &monitoring.Service{Store: r.st}
		r.remind(t, again, r.at(4*time.Hour-time.Second), 0)
		r.remind(t, again, r.at(4*time.Hour), 1)
		if got := r.reminders(t); len(got) != 2 || got[1].Reminder != 2 || got[1].Alert.Reminders != 2 {
			t.Fatalf("second reminder: %+v, want reminder 2", got)
		}
		// A deliverer back after missing several due times sends one,
		// and the next falls due remind_after after it.
		r.remind(t, again, r.at(20*time.Hour), 1)
		r.remind(t, again, r.at(22*time.Hour-time.Second), 0)

		if _, err := r.st.AcknowledgeAlert(r.ctx, r.alert.ID, "on it"); err != nil {
			t.Fatal(err)
		}
		r.remind(t, again, r.at(100*time.Hour), 0)
		if got := r.reminders(t); len(got) != 3 {
			t.Errorf("reminders after the acknowledgement: %d queued in all, want 3", len(got))
		}
	})
}

// TestReminderStopsOnResolve: a resolved alert is reminded of no more.
func TestReminderStopsOnResolve(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		r := newRemindEnv(t, d, 1, "https://hooks.example.com/lodestar")
		r.remind(t, r.svc, r.at(time.Hour), 1)
		r.add(t, ev("good", r.t0.Add(time.Hour+time.Minute), 0.5, 0.9, 1))
		out, err := r.svc.Evaluate(r.ctx, r.m.ID, r.t0.Add(2*time.Hour+time.Second), time.Time{})
		if err != nil || len(out.Resolved) != 1 {
			t.Fatalf("evaluate: %v, resolved %d; want the alert resolved", err, len(out.Resolved))
		}
		r.remind(t, r.svc, r.at(50*time.Hour), 0)
		if got := r.reminders(t); len(got) != 1 {
			t.Errorf("reminders: %d, want the one before the resolution", len(got))
		}
	})
}

// TestReminderOffPausedOrNoWebhook: remind_after 0 reminds never; an edit
// setting it takes effect at once, from the alert's last announcement; a
// paused monitor's alert gets none until it is resumed; a monitor without
// a webhook has nothing to remind.
func TestReminderOffPausedOrNoWebhook(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		r := newRemindEnv(t, d, 0, "https://hooks.example.com/lodestar")
		r.remind(t, r.svc, r.at(1000*time.Hour), 0)

		cur, err := r.st.FindMonitorByID(r.ctx, r.m.ID)
		if err != nil {
			t.Fatal(err)
		}
		three := 3
		r.clock.Advance(time.Second)
		if m, err := r.st.UpdateMonitor(lodestar.WithBasedOn(r.ctx, cur.UpdatedAt), r.m.ID, lodestar.MonitorUpdate{RemindAfter: &three}); err != nil || m.RemindAfter != 3 {
			t.Fatalf("edit remind_after: %v, %+v", err, m)
		}
		if _, err := r.st.PauseMonitor(r.ctx, r.m.ID, "holiday"); err != nil {
			t.Fatal(err)
		}
		r.remind(t, r.svc, r.at(10*time.Hour), 0)
		if _, err := r.st.ResumeMonitor(r.ctx, r.m.ID); err != nil {
			t.Fatal(err)
		}
		r.remind(t, r.svc, r.at(10*time.Hour), 1)
		if got := r.reminders(t); len(got) != 1 {
			t.Errorf("reminders: %d, want 1 (after the resume)", len(got))
		}

		silent := newRemindEnv(t, d, 1, "")
		silent.remind(t, silent.svc, silent.at(10*time.Hour), 0)
		if a := silent.current(t); a.Reminders != 0 || !a.LastNotifiedAt.Equal(silent.alert.LastNotifiedAt) {
			t.Errorf("an alert without a webhook: %+v, want it untouched", a)
		}
	})
}

// TestAlertWithoutWebhookNotAnnounced: an alert of a monitor without a
// webhook was announced to no one, so it has no last announcement (it
// said it was announced when it opened). Given a webhook later, the
// monitor reminds of it remind_after hours after it opened, and from then
// on the alert says when it was announced.
func TestAlertWithoutWebhookNotAnnounced(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		r := newRemindEnv(t, d, 2, "")
		if a := r.current(t); !a.LastNotifiedAt.IsZero() {
			t.Fatalf("alert of a monitor without a webhook: last notified %v, want none", a.LastNotifiedAt)
		}
		b, err := json.Marshal(r.current(t))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "last_notified_at") {
			t.Errorf("alert JSON %s: want no last_notified_at", b)
		}
		r.remind(t, r.svc, r.at(10*time.Hour), 0)

		cur, err := r.st.FindMonitorByID(r.ctx, r.m.ID)
		if err != nil {
			t.Fatal(err)
		}
		hook := "https://hooks.example.com/lodestar"
		r.clock.Advance(time.Second)
		if _, err := r.st.UpdateMonitor(lodestar.WithBasedOn(r.ctx, cur.UpdatedAt), r.m.ID, lodestar.MonitorUpdate{WebhookURL: &hook}); err != nil {
			t.Fatal(err)
		}
		r.remind(t, r.svc, r.at(2*time.Hour-time.Nanosecond), 0)
		r.remind(t, r.svc, r.at(2*time.Hour), 1)
		if a := r.current(t); a.Reminders != 1 || !a.LastNotifiedAt.Equal(r.at(2*time.Hour)) {
			t.Errorf("after the reminder: reminders %d, last notified %v; want 1, %v", a.Reminders, a.LastNotifiedAt, r.at(2*time.Hour))
		}
		if got := r.reminders(t); len(got) != 1 || got[0].URL != hook {
			t.Errorf("reminders queued: %+v, want one to %s", got, hook)
		}
	})
}

// raceStore runs another deliverer's whole reminder pass just before this
// one queues its first reminder: both read the same due reminder.
type raceStore struct {
	*store.Store
	before func()
}

func (s *raceStore) QueueReminder(ctx context.Context, r store.Reminder, now time.Time) (bool, error) {
	if f := s.before; f != nil {
		s.before = nil
		f()
	}
	return s.Store.QueueReminder(ctx, r, now)
}

// TestReminderOnceAcrossReplicas: two deliverers (two replicas on one
// database) that read the same due reminder queue it once between them;
// so do eight running at once.
func TestReminderOnceAcrossReplicas(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		r := newRemindEnv(t, d, 1, "https://hooks.example.com/lodestar")
		other := &monitoring.Service{Store: r.st}
		var theirs int
		rs := &raceStore{Store: r.st, before: func() { theirs = other.Remind(r.ctx, r.at(time.Hour)) }}
		mine := (&monitoring.Service{Store: rs}).Remind(r.ctx, r.at(time.Hour))
		if mine+theirs != 1 || theirs != 1 {
			t.Fatalf("racing deliverers queued %d and %d, want 0 and 1", mine, theirs)
		}
		if got := r.reminders(t); len(got) != 1 {
			t.Fatalf("reminders queued: %d, want 1", len(got))
		}

		// Eight at once, for the next due time.
		var wg sync.WaitGroup
		var mu sync.Mutex
		total := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := (&monitoring.Service{Store: r.st}).Remind(r.ctx, r.at(2*time.Hour))
				mu.Lock()
				total += n
				mu.Unlock()
			}()
		}
		wg.Wait()
		if got := r.reminders(t); total != 1 || len(got) != 2 || got[1].Reminder != 2 {
			t.Errorf("eight deliverers at once: queued %d, reminders %+v; want 1, the second", total, got)
		}
	})
}

// TestReminderFollowsEditMeanwhile: a monitor whose webhook is cleared, or
// changed, or whose reminders are turned off after a deliverer read the
// due reminder but before it queued it, gets no reminder to the address
// it had (a webhook cleared because its secret leaked must receive
// nothing more), and a changed address gets it instead of the old.
func TestReminderFollowsEditMeanwhile(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		edit := func(r *remindEnv, in lodestar.MonitorUpdate) func() {
			return func() {
				cur, err := r.st.FindMonitorByID(r.ctx, r.m.ID)
				if err != nil {
					t.Fatal(err)
				}
				r.clock.Advance(time.Second)
				if _, err := r.st.UpdateMonitor(lodestar.WithBasedOn(r.ctx, cur.UpdatedAt), r.m.ID, in); err != nil {
					t.Fatal(err)
				}
			}
		}
		zero, moved := 0, "https://new.example.com/hook"
		for name, c := range map[string]struct {
			in   lodestar.MonitorUpdate
			want []string
		}{
			"cleared": {lodestar.MonitorUpdate{ClearWebhook: true}, nil},
			"off":     {lodestar.MonitorUpdate{RemindAfter: &zero}, nil},
			"moved":   {lodestar.MonitorUpdate{WebhookURL: &moved}, []string{moved}},
		} {
			r := newRemindEnv(t, d, 1, "https://old.example.com/hook?token=s3cret")
			rs := &raceStore{Store: r.st, before: edit(r, c.in)}
			(&monitoring.Service{Store: rs}).Remind(r.ctx, r.at(time.Hour))
			var urls []string
			for _, x := range r.reminders(t) {
				urls = append(urls, x.URL)
			}
			if len(urls) != len(c.want) || len(urls) == 1 && urls[0] != c.want[0] {
				t.Errorf("%s meanwhile: reminders to %v, want %v", name, urls, c.want)
			}
		}
	})
}
