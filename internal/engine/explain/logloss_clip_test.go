package explain

import (
	"math"
	"testing"
)

// Log loss clips at float64's machine epsilon as sklearn does:
// /usr/bin/python3 -c "from sklearn.metrics import log_loss; print(log_loss([1,0],[0.0,0.5],labels=[0,1]))"
// prints 18.36840028483855 (sklearn 1.2).
func TestLogLossClipMatchesSklearn(t *testing.T) {
	got := LogLoss.Score([]float64{1, 0}, []float64{0, 0.5})
	if want := 18.36840028483855; math.Abs(got-want) > 1e-9 {
		t.Errorf("LogLoss = %.15g, sklearn %.15g", got, want)
	}
}
