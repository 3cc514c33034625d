package monitoring_test

import (
	"fmt"
	"testing"
	"time"

	lodestar "github.com/lodestar-hq/lodestar"
	"github.com/lodestar-hq/lodestar/internal/sqldb"
)

// TestRedatedAlertStoresItsFirstWindowsFigures: late labels show a breach
// starting a window earlier; the alert, redated to that window, is stored
// with that window's figures — its date and its figures stay of one window.
func TestRedatedAlertStoresItsFirstWindowsFigures(t *testing.T) {
	onBoth(t, func(t *testing.T, d sqldb.Dialect) {
		a := newAlertEnv(t, d, 3)
		labelHour(t, a.env, 1, "0") // accuracy 0
		labelHour(t, a.env, 2, "0")
		a.evaluate(t, 3, -1)
		x := a.wantOneAlert(t, lodestar.AlertOpen, a.hour(1), time.Time{}, "")
		if x.Value != 0 || x.Message != "Accuracy 0.000 is below 0.800." {
			t.Fatalf("alert before: value %v, message %q; want hour 1's accuracy 0", x.Value, x.Message)
		}
		// Hour 0's labels come: half right, accuracy 0.5, a breach too.
		var ls []lodestar.EventLabel
		for i := range 10 {
			ls = append(ls, lodestar.EventLabel{ID: fmt.Sprintf("h0-%d", i), Label: []byte(fmt.Sprint(i % 2))})
		}
		if _, err := a.st.AttachLabels(a.ctx, a.model, ls); err != nil {
			t.Fatal(err)
		}
		a.evaluate(t, 3, 0)
		x = a.wantOneAlert(t, lodestar.AlertOpen, a.hour(0), time.Time{}, "")
		if x.Value != 0.5 || x.Threshold != 0.8 || x.Message != "Accuracy 0.500 is below 0.800." {
			t.Errorf("alert redated to hour 0: value %v, threshold %v, message %q; want hour 0's accuracy 0.5", x.Value, x.Threshold, x.Message)
		}
		a.again(t, 3, 0)
	})
}
