package monitoring_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/lodestar-hq/lodestar/internal/monitoring"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// A recomputation reads the stored windows before its start back to the
// opening of the alerts opened before it, not only the last history (96)
// windows: an alert opened 120 hourly windows before the start is judged
// on the stored windows since its opening, and the outcome is the one a
// recomputation from its opening gives. With alert_after 2, hour 0
// breaching and hour 120 breaching again, the streak carries across the
// unlabelled hours between and an alert opens at hour 0; hour 120's labels
// corrected, the breach was one window long and the alert is withdrawn —
// recomputing from hour 120 read only hours 24–119, could not tell, took
// the alert for a breach running and resolved it as recovered.

// reachPattern is hours of labels: first, then unlabelled hours up to hour
// 120, labelled at, then three unlabelled hours.
func reachPattern(first, at string) string {
	return first + strings.Repeat("U", 120-len(first)) + at + "UUU"
}

func TestRecomputeReachesBackToTheAlertsOpening(t *testing.T) {
	cases := []struct {
		name          string
		before, after string
		want          string
	}{
		{name: "breach too short after all", before: reachPattern("B", "B"), after: reachPattern("B", "G"),
			want: "alerts [A0 accuracy resolved h0–0 withdrawn] webhooks [alert.opened A0 open ; alert.resolved A0 resolved withdrawn]"},
		{name: "breach running", before: reachPattern("BB", "B"), after: reachPattern("BB", "G"),
			want: "alerts [A0 accuracy resolved h0–120 recovered] webhooks [alert.opened A0 open ; alert.resolved A0 resolved recovered]"},
	}
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		for _, c := range cases {
			for _, start := range []int{0, 1, 30, 97, 119, 120} {
				t.Run(fmt.Sprintf("%s/from hour %d", c.name, start), func(t *testing.T) {
					hours := len(c.before)
					a := newAlertEnvAfter(t, d, hours, 2)
					labelPattern(t, a, c.before, "")
					a.evaluate(t, hours, -1)
					if got, want := a.outcome(t), "alerts [A0 accuracy open h0–- ] webhooks [alert.opened A0 open ]"; got != want {
						t.Fatalf("evaluated: %s; want %s", got, want)
					}
					labelPattern(t, a, c.after, c.before)
					a.evaluate(t, hours, start)
					if got := a.outcome(t); got != c.want {
						t.Errorf("recomputed from hour %d: %s; want %s", start, got, c.want)
					}
					a.again(t, hours, start)
					a.again(t, hours, 0)
				})
			}
		}
	})
}

// Beyond recomputeReach windows the stored windows read do not reach the
// alert's opening: it is taken as running, as recorded (the documented
// limit). Within it, the alert is judged on them.
func TestRecomputeReachBound(t *testing.T) {
	defer monitoring.SetRecomputeReach(100)()
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		for _, c := range []struct {
			start int
			want  string
		}{
			// Hours 20–119 read: hour 0 out of reach.
			{120, "alerts [A0 accuracy resolved h0–120 recovered] webhooks [alert.opened A0 open ; alert.resolved A0 resolved recovered]"},
			// Hours 0–89 read.
			{90, "alerts [A0 accuracy resolved h0–0 withdrawn] webhooks [alert.opened A0 open ; alert.resolved A0 resolved withdrawn]"},
		} {
			t.Run(fmt.Sprintf("from hour %d", c.start), func(t *testing.T) {
				before, after := reachPattern("B", "B"), reachPattern("B", "G")
				hours := len(before)
				a := newAlertEnvAfter(t, d, hours, 2)
				labelPattern(t, a, before, "")
				a.evaluate(t, hours, -1)
				labelPattern(t, a, after, before)
				a.evaluate(t, hours, c.start)
				if got := a.outcome(t); got != c.want {
					t.Errorf("recomputed from hour %d: %s; want %s", c.start, got, c.want)
				}
			})
		}
	})
}
