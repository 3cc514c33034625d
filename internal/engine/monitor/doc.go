// Package monitor is Lodestar's model-monitoring engine: pure computation
// on prediction events, with no database and no HTTP, so it can be
// benchmarked, fuzzed and embedded alone.
//
// # Windows
//
// A Window holds the mergeable state of a model's predictions over a
// period (a Roller cuts hourly, daily or every-N-events windows): counts;
// binary classification accuracy, precision, recall, F1, ROC AUC and log
// loss (multiclass: accuracy and macro precision, recall and F1);
// regression MAE and RMSE; latency quantiles from a DDSketch (1% relative
// accuracy); per-feature distributions — numeric features as counts and
// sums in fixed reference-quantile bins (Hist), categorical ones as value
// counts (Counts) — and per-group counts. Adding events to two windows
// and merging them equals adding them all to one: integer state exactly,
// float sums to rounding (the tests check every statistic). Window.Add
// does not allocate once every categorical value has been seen; features
// are slices by position (Schema), not maps.
//
// The bins are cut once from the reference (Profiler, the first of two
// passes over it) and shared by every window of a monitor (Layout), which
// is what lets windows merge and compare. The ROC AUC comes from
// ScoreBins score bins per class, exact when no bin holds two distinct
// scores and otherwise within Metrics.AUCErrorBound.
//
// Figures follow sklearn's definitions (checked against sklearn 1.2 in
// testdata/reference.json): classification figures, the ROC AUC and the
// log loss are over labelled events, the positive rate and mean score
// over every event. A figure whose denominator is 0 is undefined (NaN,
// and left out of a monitor's stored figures, so never shown as 0): the
// ROC AUC of a window with labels of one class only (sklearn raises),
// precision with no predicted positive, recall with no positive label,
// F1 with neither (sklearn reports 0 there and warns; a model that
// predicts no positive among positive labels has F1 0, as sklearn's).
// The log loss clips each score to [ε, 1−ε], ε = LogLossEpsilon, the
// float64 machine epsilon (sklearn 1.2's eps="auto"), so a confident
// wrong score of exactly 0 or 1 costs −ln ε ≈ 36.04, not infinity. The
// MAE and RMSE hold whatever the errors' size (ErrorSums scales them
// by a power of two before summing): sklearn's squares overflow from
// about 1e154 (RMSE inf) and underflow below about 1e-162 (RMSE 0), so
// make_reference.py checks these against rational arithmetic.
//
// # Drift
//
// Drift compares a feature with its reference: numeric features by the
// two-sample Kolmogorov–Smirnov test, the Wasserstein distance divided by
// the reference's standard deviation, and the PSI over reference deciles;
// categorical ones, and numeric ones with at most FewValues (5) distinct
// values across the reference and the current sample (Evidently's rule),
// by chi-square, the Jensen–Shannon distance (natural log, as scipy's
// default and Evidently, whose 0.1 threshold is in that base) and the PSI
// over the values. `lodestar drift` counts a file's distinct values; a
// monitor's windows count a numeric feature's distinct values exactly
// (Hist.FewDistinct, mergeable) when its reference had at most FewValues,
// so both apply the rule alike. Before chi-square, Jensen–Shannon and PSI,
// the categories whose expected count in each sample is below
// MinExpected (5: the sample's size × the category's count in both ÷ both
// counts, chi2_contingency's expected frequency) are pooled into one bin,
// the chi-square test's validity rule; with every category pooled the
// feature is not tested (noise alone makes the distances large there).
// The pooling is done at test time, never in a window's counts, so merged
// windows judge as the whole; testdata/reference_pooled.json holds scipy's
// figures on tables pooled in Python.
// Which test decides, and the thresholds, follow Evidently and NannyML
// (see Thresholds): PSI 0.1 warn / 0.25 drift, p < 0.05, distances ≥ 0.1,
// dataset drift when at least half the features drift; all overridable.
// One addition: the Jensen–Shannon distance the automatic choice makes
// drifts only when chi-square over the same (pooled) categories is also
// significant, since the distance of two samples of one distribution is
// above 0 by sampling noise, the more so the more categories (100,000
// values a side uniform over 9,000 read 0.15); a distance chosen
// explicitly keeps its plain threshold (decideCategorical;
// testdata/reference_noise.json holds scipy's figures and verdicts).
//
// From every value (NumericExact, CategoricalDrift) the statistics are
// those of scipy and numpy, checked against testdata/reference.json made
// by testdata/make_reference.py: the KS statistic to 1e-12 (absolute);
// p-values (ks_2samp with method "auto" — exact up to 10,000 per sample,
// as scipy — and "asymp", kstwo.sf over every region of its algorithm,
// chi2_contingency with Yates's correction for two categories) to 1e-6
// relative; PSI, Wasserstein, Jensen–Shannon and chi-square statistics to
// 1e-9 relative. From histograms (NumericBinned, Window.Drift) the KS
// statistic is exact at every bin edge and reported with an upper bound
// (its p-value, where KS decides, by the same method "auto" as from every
// value; asymptotic otherwise), the Wasserstein distance with an error bound, and the PSI is exact for
// the PSI bins (reference deciles, or deciles of a reference sample when
// the reference was too large to keep whole).
//
// The standard deviation the Wasserstein distance is divided by, and a
// histogram's mean, hold whatever the data's offset and magnitude: values
// are scaled by a power of two before their squares are summed (1e200
// overflowed), and their mean is compensated (StdDev) or their sums taken
// less a shift (Hist), so 1e15 plus small integers keep their spread.
// numpy.std loses both, so make_reference.py checks these against the
// exact figures, in rational arithmetic. A reference deviation below
// WassersteinFloor (0.001) is taken as 0.001, as Evidently does: the
// distance of a feature measured in tiny units (1e-6, a constant) is then
// in those units times 1000, not in deviations.
//
// # Fairness
//
// Window.Fairness reports, per group attribute (Schema.Groups) and value,
// a binary classifier's selection rate and impact ratio from every
// prediction (labels are not needed: a model's outcomes come late), and
// from labelled events its confusion counts, TPR and FPR; then, over the
// values with at least FairnessOptions.MinGroupSize events (default
// DefaultMinGroupSize, 30; labelled events with both outcomes for TPR and
// FPR), the minimum impact ratio against the value with the highest rate
// of the favourable outcome (the four-fifths rule), the demographic parity
// difference, and the equal-opportunity and equalized-odds differences —
// all through the fairness engine (fairness.AnalyzeSelections and
// AnalyzeCounts), so a monitor and a fairness audit define them alike.
// Smaller values are reported but do not decide; a figure needs two
// values that decide. Multiclass models get each value's accuracy and
// their spread, regression models each value's MAE and their spread.
// The per-group counts merge exactly, so merged windows give the whole's
// figures; testdata/make_reference.py computes them by hand in pandas.
//
// # Data quality
//
// Window.Quality reports per feature the share of missing values against
// the reference's, for a numeric feature the values outside the
// reference's whole range (Profiler.Layout fences the bins at the
// smallest and largest reference value — not the sample's — so the first
// and last bins count them exactly, at no cost per event), and for a
// categorical one the values the reference never had, naming the most
// frequent. A feature decides (may raise an alert) from
// DefaultQualityMinEvents events; the counts merge exactly; pandas checks
// them in testdata/make_reference.py.
//
// PSI floors empty bins at PSIEpsilon (1e-4); bins are right-closed
// (numpy.searchsorted side "left"), open at both ends, and repeated
// quantiles are merged, so tied data give fewer bins, never empty ones by
// construction.
package monitor
