package monitor

import "math"

// Metrics are a window's figures. Figures that are undefined (no labels,
// a zero denominator, no latencies) are NaN.
type Metrics struct {
	Events, Labelled uint64

	// Classification. Binary: of the positive class; multiclass: accuracy
	// and the macro averages over the classes seen, as sklearn with
	// average="macro" (a class's undefined precision or recall counts 0).
	Accuracy, Precision, Recall, F1 float64
	AUC, AUCErrorBound              float64 // binary, from the score histograms
	LogLoss                         float64 // binary, over labelled events with a score
	PositiveRate                    float64 // binary: share predicted positive
	MeanScore                       float64 // binary

	// Regression.
	MAE, RMSE, MeanPrediction float64

	// Latency in milliseconds; quantiles within LatencyAccuracy.
	LatencyP50, LatencyP95, LatencyP99, LatencyMean, LatencyMax float64
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return math.NaN()
	}
	return a / b
}

func f1(p, r float64) float64 {
	if p+r == 0 {
		return 0
	}
	return 2 * p * r / (p + r)
}

// Metrics computes the window's figures.
func (w *Window) Metrics() Metrics {
	nan := math.NaN()
	m := Metrics{Events: w.Events, Labelled: w.Labelled,
		Accuracy: nan, Precision: nan, Recall: nan, F1: nan, AUC: nan, AUCErrorBound: nan, LogLoss: nan,
		PositiveRate: nan, MeanScore: nan, MAE: nan, RMSE: nan, MeanPrediction: nan,
		LatencyP50: nan, LatencyP95: nan, LatencyP99: nan, LatencyMean: nan, LatencyMax: nan}
	switch w.task {
	case taskBinary:
		tp, fp, tn, fn := float64(w.TP), float64(w.FP), float64(w.TN), float64(w.FN)
		m.Accuracy = ratio(tp+tn, tp+fp+tn+fn)
		m.Precision = ratio(tp, tp+fp)
		m.Recall = ratio(tp, tp+fn)
		// 2TP/(2TP+FP+FN), as sklearn: 0 when the model predicts no
		// positive but there were some (precision alone is undefined
		// then), undefined only with no positive label or prediction.
		m.F1 = ratio(2*tp, 2*tp+fp+fn)
		m.AUC, m.AUCErrorBound = binnedAUC(w.ScorePos, w.ScoreNeg, w.ScoreMixed)
		m.LogLoss = ratio(w.LogLossSum, float64(w.LogLossN))
		m.PositiveRate = ratio(float64(w.PredPositive), float64(w.Events))
		m.MeanScore = ratio(w.ScoreSum, float64(w.ScoreN))
	case taskMulticlass:
		m.Accuracy, m.Precision, m.Recall, m.F1 = macro(w.Confusion, len(w.layout.Schema.Classes))
	case taskRegression:
		m.MAE, m.RMSE = w.Err.MAE(w.Labelled), w.Err.RMSE(w.Labelled)
		m.MeanPrediction = ratio(w.ValueSum, float64(w.ValueN))
	}
	if w.LatencyN > 0 {
		qs, err := w.Latency.GetValuesAtQuantiles([]float64{0.5, 0.95, 0.99})
		if err == nil {
			// A quantile lies between the least and the greatest value:
			// the sketch's estimate, within 1% of it, is held there, so a
			// window whose every request took 120 ms reports 120 ms, not
			// 119.6, and no quantile exceeds the maximum.
			for i := range qs {
				qs[i] = min(max(qs[i], w.LatencyMin), w.LatencyMax)
			}
			m.LatencyP50, m.LatencyP95, m.LatencyP99 = qs[0], qs[1], qs[2]
		}
		m.LatencyMean = w.LatencySum / float64(w.LatencyN)
		m.LatencyMax = w.LatencyMax
	}
	return m
}

// binnedAUC returns P(score of a positive > score of a negative), ties ½,
// from per-class score histograms, and the bound on its error from pairs
// that share a bin holding more than one distinct score.
func binnedAUC(pos, neg []uint64, mixed []bool) (auc, bound float64) {
	var P, N float64
	for i := range pos {
		P += float64(pos[i])
		N += float64(neg[i])
	}
	if P == 0 || N == 0 {
		return math.NaN(), math.NaN()
	}
	var below, s, same float64 // negatives in lower bins
	for i := range pos {
		p, n := float64(pos[i]), float64(neg[i])
		s += p * (below + n/2)
		if mixed[i] {
			same += p * n
		}
		below += n
	}
	return s / (P * N), same / 2 / (P * N)
}

// macro returns accuracy and macro-averaged precision, recall and F1 from
// a k×k confusion matrix (rows true, columns predicted), over the classes
// that occur as truth or prediction.
func macro(c []uint64, k int) (acc, p, r, f float64) {
	var total, diag float64
	var classes float64
	for i := 0; i < k; i++ {
		var row, col float64
		for j := 0; j < k; j++ {
			row += float64(c[i*k+j])
			col += float64(c[j*k+i])
		}
		tp := float64(c[i*k+i])
		total += row
		diag += tp
		if row == 0 && col == 0 {
			continue
		}
		classes++
		pi, ri := 0.0, 0.0
		if col > 0 {
			pi = tp / col
		}
		if row > 0 {
			ri = tp / row
		}
		p += pi
		r += ri
		f += f1(pi, ri)
	}
	if total == 0 {
		return math.NaN(), math.NaN(), math.NaN(), math.NaN()
	}
	return diag / total, p / classes, r / classes, f / classes
}
