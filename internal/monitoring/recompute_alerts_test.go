package monitoring_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// A recomputation (POST …/evaluate with from, after late or corrected
// labels) decides again on windows whose alerts are recorded already. One
// alert per breach, whatever order windows and labels arrive in: a
// resolved alert whose breach the new figures show still running is open
// again; a breach whose first window moves earlier is the same alert,
// dated from it; an open alert whose windows no longer breach at all is
// resolved as withdrawn, kept in the history. Recomputing the same windows
// twice changes nothing the second time.

// onBoth runs test on SQLite and on PostgreSQL (skipped unless testdb's
// database is set): the alerts' updates are SQL of their own.
func onBoth(t *testing.T, test func(t *testing.T, d sqldb.Dialect)) {
	for _, d := range []sqldb.Dialect{sqldb.SQLite, sqldb.Postgres} {
		t.Run(string(d), func(t *testing.T) { test(t, d) })
	}
}

// alertEnv is a monitor on hourly windows (accuracy at least 0.8, alert
// and resolve after one window) with a webhook, over n hours of ten
// unlabelled events each.
type alertEnv struct {
	*env
	m   *lodestar.Monitor
	svc *monitoring.Service
}

func newAlertEnv(t *testing.T, d sqldb.Dialect, hours int) *alertEnv {
	e := newEnvOn(t, d, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	m := e.monitor(t, "hour", lodestar.MonitorThresholds{MinAccuracy: 0.8}, 0, "https://hooks.example.com/lodestar")
	addUnlabelledHours(t, e, hours)
	return &alertEnv{env: e, m: m, svc: &monitoring.Service{Store: e.st}}
}

// hour is the start of hour h.
func (a *alertEnv) hour(h int) time.Time { return a.t0.Add(time.Duration(h) * time.Hour) }

// evaluate evaluates windows closed by the end of hour upTo (exclusive),
// recomputing from hour from when from >= 0.
func (a *alertEnv) evaluate(t *testing.T, upTo, from int) *lodestar.Evaluation {
	t.Helper()
	var f time.Time
	if from >= 0 {
		f = a.hour(from)
	}
	out, err := a.svc.Evaluate(a.ctx, a.m.ID, a.hour(upTo).Add(time.Second), f)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// alerts is every alert of the model, oldest first.
func (a *alertEnv) alerts(t *testing.T) []*lodestar.Alert {
	t.Helper()
	as, err := a.st.ListAlerts(a.ctx, a.model, false)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := 0, len(as)-1; i < j; i, j = i+1, j-1 {
		as[i], as[j] = as[j], as[i]
	}
	return as
}

// hook is one queued webhook: its event, and the alert's ID, status and
// resolution.
type hook struct {
	Event      string
	ID         int64
	Status     string
	Resolution string
}

func (h hook) String() string {
	return fmt.Sprintf("%s #%d %s %s", h.Event, h.ID, h.Status, h.Resolution)
}

// hooks is the webhook outbox, in the order queued.
func (a *alertEnv) hooks(t *testing.T) []hook {
	t.Helper()
	rows, err := a.st.DB.Query(a.ctx, `SELECT payload FROM webhook_outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []hook
	for rows.Next() {
		var payload string
		if err := rows.Scan(&payload); err != nil {
			t.Fatal(err)
		}
		var p struct {
			Event string          `json:"event"`
			Alert *lodestar.Alert `json:"alert"`
		}
		if err := json.Unmarshal([]byte(payload), &p); err != nil {
			t.Fatal(err)
		}
		h := hook{Event: p.Event}
		if p.Alert != nil {
			h.ID, h.Status, h.Resolution = p.Alert.ID, p.Alert.Status, p.Alert.Resolution
		}
		out = append(out, h)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func hooksString(hs []hook) string {
	var s []string
	for _, h := range hs {
		s = append(s, h.String())
	}
	return "[" + strings.Join(s, "; ") + "]"
}

// wantHooks checks the outbox holds want after the first skip rows.
func (a *alertEnv) wantHooks(t *testing.T, skip int, want ...hook) {
	t.Helper()
	got := a.hooks(t)
	if len(got) < skip {
		t.Fatalf("webhooks %s; want at least %d before the new ones", hooksString(got), skip)
	}
	if hooksString(got[skip:]) != hooksString(want) {
		t.Errorf("new webhooks %s; want %s", hooksString(got[skip:]), hooksString(want))
	}
}

// wantOneAlert checks the model has one alert, as described.
func (a *alertEnv) wantOneAlert(t *testing.T, status string, opened, resolved time.Time, resolution string) *lodestar.Alert {
	t.Helper()
	all := a.alerts(t)
	if len(all) != 1 {
		var s []string
		for _, x := range all {
			s = append(s, fmt.Sprintf("#%d %s %s–%s %s", x.ID, x.Status, x.OpenedAt.Format(time.TimeOnly), x.ResolvedAt.Format(time.TimeOnly), x.Resolution))
		}
		t.Fatalf("alerts: %v; want one", s)
	}
	x := all[0]
	if x.Status != status || !x.OpenedAt.Equal(opened) || !x.ResolvedAt.Equal(resolved) || x.Resolution != resolution {
		t.Errorf("alert #%d: %s, opened %s, resolved %s, resolution %q; want %s, opened %s, resolved %s, resolution %q",
			x.ID, x.Status, x.OpenedAt, x.ResolvedAt, x.Resolution, status, opened, resolved, resolution)
	}
	return x
}

// again recomputes from hour from a second time and checks that nothing
// changes: no alert opened, resolved or changed, no webhook queued.
func (a *alertEnv) again(t *testing.T, upTo, from int) {
	t.Helper()
	before, hooks := a.alerts(t), len(a.hooks(t))
	out := a.evaluate(t, upTo, from)
	if n := len(out.Opened) + len(out.Resolved) + len(out.Reopened) + len(out.Corrected); n != 0 {
		t.Errorf("the same recomputation again: opened %+v, resolved %+v, reopened %+v, corrected %+v; want nothing", out.Opened, out.Resolved, out.Reopened, out.Corrected)
	}
	after := a.alerts(t)
	if fmt.Sprint(alertRows(before)) != fmt.Sprint(alertRows(after)) {
		t.Errorf("the same recomputation again changed the alerts: %v, then %v", alertRows(before), alertRows(after))
	}
	a.wantHooks(t, hooks)
}

func alertRows(as []*lodestar.Alert) []string {
	var s []string
	for _, x := range as {
		s = append(s, fmt.Sprintf("#%d %s %s %s %s", x.ID, x.Status, x.OpenedAt, x.ResolvedAt, x.Resolution))
	}
	return s
}

// Case 1: a resolved alert whose breach the recomputed windows show still
// running through the latest window is open again — the same alert,
// announced as opened again — whether the recomputation starts at its
// breach or at the window that had resolved it.
func TestRecomputedBreachStillRunningIsOpen(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		for _, from := range []int{0, 2} {
			t.Run(fmt.Sprintf("from hour %d", from), func(t *testing.T) {
				a := newAlertEnv(t, d, 3)
				labelHour(t, a.env, 0, "0") // every prediction (0.9) wrong
				labelHour(t, a.env, 1, "0")
				a.evaluate(t, 2, -1)
				labelHour(t, a.env, 2, "1") // right: it recovers
				a.evaluate(t, 3, -1)
				x := a.wantOneAlert(t, lodestar.AlertResolved, a.hour(0), a.hour(2), lodestar.ResolutionRecovered)
				a.wantHooks(t, 0, hook{"alert.opened", x.ID, lodestar.AlertOpen, ""}, hook{"alert.resolved", x.ID, lodestar.AlertResolved, lodestar.ResolutionRecovered})

				// Hour 2's labels are corrected: wrong after all. The breach
				// never ended.
				labelHour(t, a.env, 2, "0")
				out := a.evaluate(t, 3, from)
				if len(out.Opened) != 0 || len(out.Reopened) != 1 || out.Reopened[0].ID != x.ID {
					t.Errorf("recomputed: opened %+v, reopened %+v; want alert #%d open again, none opened", out.Opened, out.Reopened, x.ID)
				}
				a.wantOneAlert(t, lodestar.AlertOpen, a.hour(0), time.Time{}, "")
				a.wantHooks(t, 2, hook{"alert.opened", x.ID, lodestar.AlertOpen, ""})
				a.again(t, 3, from)
				a.again(t, 3, 0)

				// The next window, good, resolves it once.
				addHour(t, a.env, 3, "1")
				a.evaluate(t, 4, -1)
				a.wantOneAlert(t, lodestar.AlertResolved, a.hour(0), a.hour(3), lodestar.ResolutionRecovered)
				a.wantHooks(t, 3, hook{"alert.resolved", x.ID, lodestar.AlertResolved, lodestar.ResolutionRecovered})
				a.again(t, 4, 0)
			})
		}
	})
}

// Case 2: late labels make the window before a breach breach too: the
// breach starts earlier, and it is the same alert, dated from its new
// first window — not a second alert, and no second alert.opened.
func TestRecomputedBreachStartingEarlierIsTheSameAlert(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		t.Run("resolved", func(t *testing.T) {
			a := newAlertEnv(t, d, 3)
			labelHour(t, a.env, 1, "0")
			a.evaluate(t, 2, -1) // hour 0 unlabelled, hour 1 breaches
			labelHour(t, a.env, 2, "1")
			a.evaluate(t, 3, -1) // hour 2 recovers
			x := a.wantOneAlert(t, lodestar.AlertResolved, a.hour(1), a.hour(2), lodestar.ResolutionRecovered)
			labelHour(t, a.env, 0, "0") // hour 0's labels come: it breached too
			out := a.evaluate(t, 3, 0)
			if len(out.Opened)+len(out.Reopened)+len(out.Resolved) != 0 {
				t.Errorf("recomputed: opened %+v, reopened %+v, resolved %+v; want none", out.Opened, out.Reopened, out.Resolved)
			}
			a.wantOneAlert(t, lodestar.AlertResolved, a.hour(0), a.hour(2), lodestar.ResolutionRecovered)
			a.wantHooks(t, 0, hook{"alert.opened", x.ID, lodestar.AlertOpen, ""}, hook{"alert.resolved", x.ID, lodestar.AlertResolved, lodestar.ResolutionRecovered})
			a.again(t, 3, 0)
		})
		t.Run("open", func(t *testing.T) {
			a := newAlertEnv(t, d, 3)
			labelHour(t, a.env, 1, "0")
			labelHour(t, a.env, 2, "0")
			a.evaluate(t, 3, -1)
			x := a.wantOneAlert(t, lodestar.AlertOpen, a.hour(1), time.Time{}, "")
			labelHour(t, a.env, 0, "0")
			a.evaluate(t, 3, 0)
			a.wantOneAlert(t, lodestar.AlertOpen, a.hour(0), time.Time{}, "")
			a.wantHooks(t, 0, hook{"alert.opened", x.ID, lodestar.AlertOpen, ""})
			a.again(t, 3, 0)
		})
		// Both: hour 0 breached and hour 2, which had resolved it, did not
		// recover after all. The one alert is open again, from hour 0.
		t.Run("resolved, still running", func(t *testing.T) {
			a := newAlertEnv(t, d, 3)
			labelHour(t, a.env, 1, "0")
			a.evaluate(t, 2, -1)
			labelHour(t, a.env, 2, "1")
			a.evaluate(t, 3, -1)
			x := a.wantOneAlert(t, lodestar.AlertResolved, a.hour(1), a.hour(2), lodestar.ResolutionRecovered)
			labelHour(t, a.env, 0, "0")
			labelHour(t, a.env, 2, "0")
			a.evaluate(t, 3, 0)
			a.wantOneAlert(t, lodestar.AlertOpen, a.hour(0), time.Time{}, "")
			a.wantHooks(t, 2, hook{"alert.opened", x.ID, lodestar.AlertOpen, ""})
			a.again(t, 3, 0)
		})
	})
}

// Case 3: corrected labels show that an open alert's windows never
// breached. It is resolved as withdrawn (dated from its own start: it
// lasted no time), kept in the history, and announced as resolved with
// that reason; a window that breaches later is a breach of its own.
func TestRecomputedAlertThatNeverBreachedIsWithdrawn(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		a := newAlertEnv(t, d, 3)
		labelHour(t, a.env, 1, "0") // wrong labels, sent by mistake
		a.evaluate(t, 2, -1)
		x := a.wantOneAlert(t, lodestar.AlertOpen, a.hour(1), time.Time{}, "")
		labelHour(t, a.env, 1, "1") // corrected: right
		labelHour(t, a.env, 0, "1")
		out := a.evaluate(t, 2, 0)
		if len(out.Opened) != 0 || len(out.Resolved) != 1 || out.Resolved[0].ID != x.ID || out.Resolved[0].Resolution != lodestar.ResolutionWithdrawn {
			t.Errorf("recomputed: opened %+v, resolved %+v; want alert #%d resolved as withdrawn", out.Opened, out.Resolved, x.ID)
		}
		a.wantOneAlert(t, lodestar.AlertResolved, a.hour(1), a.hour(1), lodestar.ResolutionWithdrawn)
		a.wantHooks(t, 1, hook{"alert.resolved", x.ID, lodestar.AlertResolved, lodestar.ResolutionWithdrawn})
		a.again(t, 2, 0)

		// Hour 2 breaches: a new breach, a new alert.
		labelHour(t, a.env, 2, "0")
		a.evaluate(t, 3, -1)
		all := a.alerts(t)
		if len(all) != 2 || all[1].Status != lodestar.AlertOpen || !all[1].OpenedAt.Equal(a.hour(2)) {
			t.Fatalf("alerts %v; want the withdrawn one and one open from hour 2", alertRows(all))
		}
		a.wantHooks(t, 2, hook{"alert.opened", all[1].ID, lodestar.AlertOpen, ""})
		a.again(t, 3, 0)
	})
}

// Labels arriving in any order end in the same alerts: the breach of
// hours 1–3 (hour 4 recovers) is one alert, resolved at hour 4, whether
// each hour's labels come before its window closes or, in any order, after.
func TestAlertsWhateverTheLabelOrder(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		labels := []string{"1", "0", "0", "0", "1"}
		orders := [][]int{{0, 1, 2, 3, 4}, {4, 3, 2, 1, 0}, {2, 0, 4, 1, 3}, {3, 1, 4, 0, 2}}
		for _, order := range orders {
			t.Run(fmt.Sprint(order), func(t *testing.T) {
				a := newAlertEnv(t, d, 5)
				a.evaluate(t, 5, -1) // all unlabelled
				for _, h := range order {
					labelHour(t, a.env, h, labels[h])
					a.evaluate(t, 5, h)
				}
				x := a.wantOneAlert(t, lodestar.AlertResolved, a.hour(1), a.hour(4), lodestar.ResolutionRecovered)
				// Each announcement of its opening followed by one of its
				// resolution (none when the breach opened and recovered in one
				// evaluation: history, not news).
				opened, resolved := 0, 0
				for _, h := range a.hooks(t) {
					if h.ID != x.ID {
						t.Errorf("webhook %s for another alert than #%d", h, x.ID)
					}
					switch h.Event {
					case "alert.opened":
						opened++
					case "alert.resolved":
						resolved++
					}
				}
				if opened != resolved {
					t.Errorf("webhooks %s; want each opening followed by its resolution", hooksString(a.hooks(t)))
				}
				a.again(t, 5, 0)
			})
		}
	})
}

// addHour stores hour h's ten events, labelled y.
func addHour(t *testing.T, e *env, h int, y string) {
	t.Helper()
	var evs []lodestar.StoredEvent
	for i := range 10 {
		id := fmt.Sprintf("h%d-%d", h, i)
		evs = append(evs, evRaw(id, e.t0.Add(time.Duration(h)*time.Hour+time.Duration(i)*time.Minute),
			fmt.Sprintf(`{"id":%q,"version":"1","features":{"x":0.5},"prediction":0.9,"label":%s,"latency_ms":5}`, id, y)))
	}
	e.add(t, evs...)
}
