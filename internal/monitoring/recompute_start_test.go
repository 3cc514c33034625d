package monitoring_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// With alert_after above one, a recomputation's outcome does not depend on
// where it starts: an alert opened before the first recomputed window is a
// breach already running only when the stored windows before it show
// alert_after breaching windows in a row; otherwise it is matched like one
// opened within the recomputed windows. Starting at hour 1 (the corrected
// one), an alert opened at hour 0 on hours 0 and 1 was taken for a breach
// running since before hour 1 and resolved as recovered there, where
// starting at hour 0 withdrew it; and a later breach opened a second alert
// where starting at hour 0 redated the first.

// newAlertEnvAfter is newAlertEnv with alert_after set to after.
func newAlertEnvAfter(t *testing.T, d sqldb.Dialect, hours, after int) *alertEnv {
	e := newEnvOn(t, d, time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC))
	svc := &monitoring.Service{Store: e.st}
	m, err := svc.CreateMonitor(e.ctx, lodestar.Monitor{ModelID: e.model, Version: "1", Name: "m", Task: "binary", Numeric: []string{"x"},
		Window: "hour", Thresholds: lodestar.MonitorThresholds{MinAccuracy: 0.8}, AlertAfter: after, WebhookURL: "https://hooks.example.com/lodestar",
		Reference: lodestar.MonitorReference{Kind: lodestar.ReferenceEvents, From: e.t0.Add(-2 * time.Hour), To: e.t0.Add(-time.Hour)}}, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	addUnlabelledHours(t, e, hours)
	return &alertEnv{env: e, m: m, svc: svc}
}

// labelPattern labels each hour as its letter says: B wrong (every
// prediction, 0.9, misses: accuracy breaches), G right, U (or an hour the
// pattern has the same letter for as in was) left as it is.
func labelPattern(t *testing.T, a *alertEnv, pattern, was string) {
	t.Helper()
	for h, c := range pattern {
		if h < len(was) && was[h] == byte(c) {
			continue
		}
		switch c {
		case 'B':
			labelHour(t, a.env, h, "0")
		case 'G':
			labelHour(t, a.env, h, "1")
		}
	}
}

// outcome is the model's alerts and queued webhooks, alerts named by their
// order of creation (IDs differ from one database to another).
func (a *alertEnv) outcome(t *testing.T) string {
	t.Helper()
	all := a.alerts(t)
	slices.SortFunc(all, func(x, y *lodestar.Alert) int { return int(x.ID - y.ID) })
	name := map[int64]int{}
	var s []string
	for i, x := range all {
		name[x.ID] = i
		resolved := "-"
		if !x.ResolvedAt.IsZero() {
			resolved = fmt.Sprint(int(x.ResolvedAt.Sub(a.t0) / time.Hour))
		}
		s = append(s, fmt.Sprintf("A%d %s %s h%d–%s %s", i, x.Kind, x.Status, int(x.OpenedAt.Sub(a.t0)/time.Hour), resolved, x.Resolution))
	}
	var hs []string
	for _, h := range a.hooks(t) {
		hs = append(hs, fmt.Sprintf("%s A%d %s %s", h.Event, name[h.ID], h.Status, h.Resolution))
	}
	return "alerts [" + strings.Join(s, "; ") + "] webhooks [" + strings.Join(hs, "; ") + "]"
}

func TestRecomputeOutcomeWhateverItsStart(t *testing.T) {
	cases := []struct {
		name          string
		before, after string // hours' labels, evaluated hour by hour, then corrected
		// want is the outcome (every start) for some alert_after values.
		want map[int]string
	}{
		// The reviewer's case: with alert_after 2 the corrected hour 1
		// leaves hour 0 a breach one window long: the alert is withdrawn.
		{name: "breach too short after all", before: "BBUU", after: "BGUU", want: map[int]string{
			2: "alerts [A0 accuracy resolved h0–0 withdrawn] webhooks [alert.opened A0 open ; alert.resolved A0 resolved withdrawn]",
		}},
		// A later breach is the same alert, redated, not a second one.
		{name: "later breach", before: "BBUUUU", after: "BGBBUU", want: map[int]string{
			2: "alerts [A0 accuracy open h2–- ] webhooks [alert.opened A0 open ]",
		}},
		{name: "recovered earlier", before: "BBBBUU", after: "BBGBUU"},
		{name: "recovered later", before: "BBGGUU", after: "BBBGUU"},
		{name: "across unlabelled", before: "BUBUUU", after: "BUGBBU"},
		{name: "breach longer", before: "BBBGGG", after: "BBBBBG"},
		{name: "breach shorter", before: "BBBBBG", after: "BBBGGG"},
	}
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		for _, c := range cases {
			for after := 1; after <= 3; after++ {
				t.Run(fmt.Sprintf("%s/alert_after %d", c.name, after), func(t *testing.T) {
					hours := len(c.before)
					corrected := 0 // the first hour whose labels change: later starts do not see it
					for h := range c.after {
						if c.after[h] != c.before[h] {
							corrected = h
							break
						}
					}
					var first string
					for start := 0; start <= corrected; start++ {
						a := newAlertEnvAfter(t, d, hours, after)
						labelPattern(t, a, c.before, "")
						for h := 1; h <= hours; h++ {
							a.evaluate(t, h, -1)
						}
						labelPattern(t, a, c.after, c.before)
						a.evaluate(t, hours, start)
						got := a.outcome(t)
						if start == 0 {
							first = got
							if want, ok := c.want[after]; ok && got != want {
								t.Errorf("recomputed from hour 0: %s; want %s", got, want)
							}
						} else if got != first {
							t.Errorf("recomputed from hour %d: %s; from hour 0: %s", start, got, first)
						}
						a.again(t, hours, start)
						a.again(t, hours, 0)
					}
				})
			}
		}
	})
}

// setAlertAfter edits the monitor's alert_after, as an edit of the
// monitor would.
func setAlertAfter(t *testing.T, a *alertEnv, n int) {
	t.Helper()
	var raw string
	if err := a.st.DB.QueryRow(a.ctx, `SELECT config FROM monitors WHERE id = ?`, a.m.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	if err := json.Unmarshal([]byte(raw), &cfg); err != nil {
		t.Fatal(err)
	}
	cfg["alert_after"] = n
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	err = a.st.DB.InTx(a.ctx, func(tx *sqldb.Tx) error {
		_, err := tx.ExecContext(a.ctx, `UPDATE monitors SET config = ? WHERE id = ?`, string(b), a.m.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A recomputation judges the breaches with the monitor's alert_after as it
// is now, wherever it starts: raised from 1 to 3 after an alert opened on
// hours 0–1, a recomputation shows that breach never reached three windows
// and withdraws it, from hour 0 as from hour 1 or 2.
func TestRecomputeUsesCurrentAlertAfter(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		for start := 0; start <= 2; start++ {
			t.Run(fmt.Sprintf("from hour %d", start), func(t *testing.T) {
				a := newAlertEnvAfter(t, d, 4, 1)
				labelPattern(t, a, "BBUU", "")
				for h := 1; h <= 4; h++ {
					a.evaluate(t, h, -1)
				}
				a.wantOneAlert(t, lodestar.AlertOpen, a.hour(0), time.Time{}, "")
				setAlertAfter(t, a, 3)
				labelHour(t, a.env, 2, "1")
				a.evaluate(t, 4, start)
				want := "alerts [A0 accuracy resolved h0–0 withdrawn] webhooks [alert.opened A0 open ; alert.resolved A0 resolved withdrawn]"
				if got := a.outcome(t); got != want {
					t.Errorf("recomputed from hour %d: %s; want %s", start, got, want)
				}
				a.again(t, 4, start)
			})
		}
	})
}
