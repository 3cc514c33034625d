#!/usr/bin/python3
"""Reference values for the monitoring engine, computed with scipy, numpy and
sklearn (Debian's python3-scipy 1.10, python3-numpy 1.24, python3-sklearn).

Run from this directory:

    /usr/bin/python3 make_reference.py

It writes reference.json (inputs and expected outputs together) and
events.csv. reference_test.go checks the Go code against it:

  * ks_2samp (method="auto": exact up to 10,000 per sample, else asymp) and
    method="asymp": statistic to 1e-12 absolute, p-value to 1e-6 relative
    (1e-300 absolute below);
  * kstwo.sf over a grid covering every algorithm region of scipy's kolmogn;
  * PSI over reference-quantile bins: edges = numpy.unique(numpy.quantile(
    ref, numpy.linspace(0, 1, bins + 1)[1:-1])), bin i = searchsorted(edges,
    x, side="left"), empty bins floored at 1e-4 (written out below, since
    neither scipy nor numpy has a PSI): 1e-9 relative;
  * wasserstein_distance / max(numpy.std(ref), 0.001): 1e-9 relative;
  * chi2_contingency on the 2×k table (Yates when k = 2): statistic 1e-9
    relative, p-value 1e-6 relative; jensenshannon(p, q) in natural log
    (scipy's default, and Evidently's, whose threshold 0.1 is in that
    base): 1e-9, and the drift decision at 0.1 as Evidently's;
  * window metrics: sklearn accuracy/precision/recall/f1/roc_auc/log_loss,
    MAE and RMSE with numpy: 1e-12 (the scores have 3 decimals, so the
    binned ROC AUC is exact); latency quantiles from numpy's "lower"
    quantile, to the sketch's 1% relative accuracy;
  * binary windows at the edges (clipped scores, ties, one class, one
    event, scores on the threshold), multiclass macro averages: 1e-12;
  * latency quantiles of skewed and tiny samples, whole and merged: 1%
    of numpy.quantile(method="lower");
  * numeric columns with at most 5 distinct values, as categorical:
    chi2_contingency, jensenshannon and PSI over the values, as above, and
    which test decides (chi-square up to 1,000 reference values, else
    Jensen-Shannon), both from every value (lodestar drift) and from a
    monitor's windows; with 6 values across the two samples, numeric again
    (ks_2samp);
  * a monitor's small windows against a small reference: ks_2samp with its
    default method (exact up to 10,000 per sample), as from every value;
  * fairness per group in a window, by hand in pandas (fairlearn is not
    needed for ratios of counts): selection rates, impact ratios against
    the deciding group of highest favourable rate, TPR/FPR and their
    spreads, with groups below the minimum size not deciding; multiclass
    accuracy and regression MAE per group and their spread: 1e-12;
  * data quality per feature in a window, by hand in pandas: the share of
    missing values (and the reference's), of numeric values outside the
    reference's whole range [min, max], of categorical values the reference
    never had, and the most frequent of those: exact counts, shares 1e-12;
  * the positive rate and mean score of a binary window (numpy, over every
    event, labelled or not): 1e-12;
  * further edges: binary windows with unlabelled events, continuous
    scores (the ROC AUC within its stated error bound), one class with
    scores of exactly 0 and 1; regression windows with unlabelled events;
    multiclass with one true class, and every prediction right: 1e-12 as
    above; a categorical feature of one category (dof 0: statistic 0,
    p-value 1) and one whose samples share no category (Jensen-Shannon at
    its largest, sqrt(ln 2)); constant numeric columns (tested as
    categorical over their one or two values): as above.

It also writes reference_extremes.json, which reference_extremes_test.go
checks:

  * regression windows whose errors are huge (1e200, 1e160), tiny
    (1e-200), beyond the largest float (2.4e308) or of every size at once:
    MAE, RMSE and each group's MAE, exact (rational arithmetic; sklearn's
    squares overflow to inf or underflow to 0 there): 1e-12;
  * ks_2samp (auto and asymp), Wasserstein and PSI on samples of one to a
    few values, with ties: as numeric above;
  * quantiles (type 7) of samples spanning the whole float range, where
    numpy's overflow to inf or nan, exact (rational arithmetic): 1e-15.

And reference_pooled.json, which reference_pooled_test.go checks:

  * categorical features with sparse categories: the categories whose
    expected count (scipy.stats.contingency.expected_freq) is below 5 in
    either row pooled into one bin when two or more are, then
    chi2_contingency (Yates when two bins are left), jensenshannon and the
    PSI on the pooled table, and which test decides: how many categories
    pool and whether the feature is tested exactly, statistics 1e-9
    relative, p-values 1e-6 relative, from value counts and through a
    monitor's windows (whole and merged).

And reference_noise.json, which reference_noise_test.go checks:

  * categorical features over 2,000 categories of 22,000 values a side,
    where the Jensen-Shannon distance of one distribution is about 0.15 by
    sampling noise: pooled as above, chi2_contingency and jensenshannon on
    the pooled table, and the verdict of the automatic choice (distance
    >= 0.1 and chi-square p < 0.05) and of an explicit jensenshannon
    (distance alone): pooled count and verdicts exactly, statistics 1e-9
    relative, p-values 1e-6 relative.
"""
import bisect
import csv
import json
import math
from decimal import Decimal, localcontext
from fractions import Fraction

import numpy as np
import pandas as pd
from scipy import stats
from scipy.spatial.distance import jensenshannon
from sklearn import metrics

rng = np.random.default_rng(20240611)


def r6(a):
    """Round to 6 significant digits so the JSON stays small; the Go side
    reads exactly these values."""
    return [float(f"{v:.6g}") for v in a]


def psi(ref, cur, bins):
    ref = np.asarray(ref)
    cur = np.asarray(cur)
    edges = np.unique(np.quantile(ref, np.linspace(0, 1, bins + 1)[1:-1]))
    r = np.bincount(np.searchsorted(edges, ref, side="left"), minlength=len(edges) + 1) / len(ref)
    c = np.bincount(np.searchsorted(edges, cur, side="left"), minlength=len(edges) + 1) / len(cur)
    r = np.where(r == 0, 1e-4, r)
    c = np.where(c == 0, 1e-4, c)
    return float(np.sum((c - r) * np.log(c / r))), [float(e) for e in edges]


def numeric_case(name, ref, cur):
    ref, cur = r6(ref), r6(cur)
    auto = stats.ks_2samp(ref, cur)
    asymp = stats.ks_2samp(ref, cur, method="asymp")
    p10, edges10 = psi(ref, cur, 10)
    p4, _ = psi(ref, cur, 4)
    w = stats.wasserstein_distance(ref, cur)
    sd = float(np.std(ref))
    return {
        "name": name, "ref": ref, "cur": cur,
        "ks": float(auto.statistic), "ks_p": float(auto.pvalue),
        "ks_asymp": float(asymp.statistic), "ks_p_asymp": float(asymp.pvalue),
        "psi10": p10, "edges10": edges10, "psi4": p4,
        "wasserstein": float(w), "std": sd, "wasserstein_norm": float(w / max(sd, 0.001)),
    }


def categorical_case(name, ref, cur):
    cats = sorted(set(ref) | set(cur))
    r = np.array([ref.get(c, 0) for c in cats], dtype=float)
    c = np.array([cur.get(k, 0) for k in cats], dtype=float)
    chi2, p, dof, _ = stats.chi2_contingency(np.vstack([r, c]))
    rp, cp = r / r.sum(), c / c.sum()
    rp2, cp2 = np.where(rp == 0, 1e-4, rp), np.where(cp == 0, 1e-4, cp)
    return {
        "name": name, "ref": ref, "cur": cur,
        "chi2": float(chi2), "chi2_p": float(p), "dof": int(dof),
        "js": float(jensenshannon(r, c)),
        # Evidently's jensenshannon_stat_test: distance.jensenshannon with
        # base=None (natural log), drift at >= 0.1.
        "js_drift": bool(jensenshannon(r, c) >= 0.1),
        "psi": float(np.sum((cp2 - rp2) * np.log(cp2 / rp2))),
    }


numeric = [
    numeric_case("tiny", rng.normal(0, 1, 5), rng.normal(0.5, 1, 7)),
    numeric_case("equal-n-20", rng.normal(0, 1, 20), rng.normal(0.3, 1, 20)),
    numeric_case("ties-integers", rng.poisson(3, 300).astype(float), rng.poisson(3.4, 250).astype(float)),
    numeric_case("binary-values", rng.integers(0, 2, 400).astype(float), rng.integers(0, 2, 500).astype(float)),
    numeric_case("no-drift-1000", rng.normal(10, 2, 1000), rng.normal(10, 2, 1200)),
    numeric_case("shift-3000", rng.normal(0, 1, 3000), rng.normal(0.1, 1, 3000)),
    numeric_case("lognormal-scale", rng.lognormal(0, 1, 2500), rng.lognormal(0, 1.2, 4000)),
    numeric_case("exact-limit", rng.normal(0, 1, 10000), rng.normal(0.02, 1, 9000)),
    numeric_case("asymp-large", rng.normal(0, 1, 12000), rng.normal(0.03, 1, 15000)),
    numeric_case("out-of-range", rng.uniform(0, 1, 2000), rng.uniform(0.5, 1.5, 2000)),
    numeric_case("constant-ref", np.full(50, 3.0), rng.normal(3, 0.01, 60)),
]

categorical = [
    categorical_case("two-categories", {"yes": 480, "no": 520}, {"yes": 530, "no": 470}),
    categorical_case("five", {"a": 100, "b": 200, "c": 300, "d": 50, "e": 10},
                     {"a": 120, "b": 180, "c": 280, "d": 80, "e": 40}),
    categorical_case("new-category", {"north": 900, "south": 800, "east": 700},
                     {"north": 850, "south": 820, "east": 650, "west": 90}),
    categorical_case("vanished-category", {"x": 10, "y": 30, "z": 5}, {"x": 15, "y": 25}),
    categorical_case("same", {"p": 333, "q": 667}, {"p": 333, "q": 667}),
    categorical_case("many", {f"c{i}": int(v) for i, v in enumerate(rng.integers(1, 500, 40))},
                     {f"c{i}": int(v) for i, v in enumerate(rng.integers(1, 500, 40))}),
    # Between Evidently's threshold in natural log (0.0856 < 0.1: no drift)
    # and in base 2 (0.103 >= 0.1): the base decides the verdict.
    categorical_case("js-base", {"yes": 3000, "no": 3000}, {"yes": 3720, "no": 2280}),
    # One category in both: a 2x1 table, dof 0 (chi2_contingency: statistic
    # 0, p-value 1), distance 0.
    categorical_case("one-category", {"only": 40}, {"only": 75}),
    # No category in common: every one present in one sample only, the
    # Jensen-Shannon distance at its largest (sqrt(ln 2)) and the PSI from
    # the 1e-4 floor alone.
    categorical_case("disjoint", {"a": 50, "b": 150}, {"c": 30, "d": 70}),
]

# kstwo.sf over every region of kolmogn: n·x ≤ 1, n·x ≥ n−1, x ≥ 1/2,
# n ≤ 140 (Durbin, Pomeranz, Smirnov), and n > 140 (Durbin, Pelz–Good,
# Smirnov, zero).
kolm = []
for n in [1, 2, 3, 5, 10, 37, 100, 140, 141, 400, 1000, 5000, 20000, 100000, 100001, 400000, 999999]:
    xs = set()
    for nxx in [0.05, 0.3, 0.7, 0.754, 0.76, 1.0, 1.5, 2.0, 2.19, 2.21, 3.0, 3.99, 4.01, 6.0, 10.0, 17.0, 19.0, 40.0, 200.0, 369.0]:
        x = math.sqrt(nxx / n)
        if x < 1:
            xs.add(x)
    for t in [0.4, 0.6, 0.9, 1.0, 1.2]:
        if t / n < 1:
            xs.add(t / n)
    for x in [0.5, 0.6, 0.9, 1 - 0.5 / n]:
        if 0 < x < 1:
            xs.add(x)
    for x in sorted(xs):
        kolm.append({"n": n, "x": x, "sf": float(stats.kstwo.sf(x, n))})

# ks_2samp asymp p-values for large sample sizes, from the statistic alone
# (the data would be too big to keep): p = kstwo.sf(d, round(en)).
asymp = []
for n1, n2 in [(20000, 20000), (1000000, 1000000), (10000000, 10000000), (123456, 654321), (50000, 3000000)]:
    en = n1 * n2 / (n1 + n2)
    for z in [0.5, 1.0, 1.36, 1.8, 3.0, 6.0]:
        d = z / math.sqrt(en)
        asymp.append({"n1": n1, "n2": n2, "d": d,
                      "p": float(np.clip(stats.kstwo.sf(d, np.round(en)), 0, 1))})


# Events for window metrics: a binary classifier (scores with 3 decimals),
# a regression target and a latency.
N = 3000
y = rng.integers(0, 2, N)
score = np.clip(np.round(0.35 * y + rng.uniform(0, 0.65, N), 3), 0, 1)
lat = np.round(rng.lognormal(3, 0.6, N), 3)
reg_true = np.round(rng.normal(50, 10, N), 4)
reg_pred = np.round(reg_true + rng.normal(0, 3, N), 4)
with open("events.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["label", "score", "latency_ms", "y_true", "y_pred"])
    for row in zip(y, score, lat, reg_true, reg_pred):
        w.writerow([int(row[0]), repr(float(row[1])), repr(float(row[2])), repr(float(row[3])), repr(float(row[4]))])
pred = (score >= 0.5).astype(int)
window = {
    "threshold": 0.5,
    "accuracy": float(metrics.accuracy_score(y, pred)),
    "precision": float(metrics.precision_score(y, pred)),
    "recall": float(metrics.recall_score(y, pred)),
    "f1": float(metrics.f1_score(y, pred)),
    "roc_auc": float(metrics.roc_auc_score(y, score)),
    "log_loss": float(metrics.log_loss(y, score)),
    "mae": float(metrics.mean_absolute_error(reg_true, reg_pred)),
    "rmse": float(math.sqrt(metrics.mean_squared_error(reg_true, reg_pred))),
    "latency": {str(q): float(np.quantile(lat, q, method="lower")) for q in [0.5, 0.95, 0.99]},
    # Shown beside them: the share of events predicted positive and the
    # mean score, with numpy.
    "positive_rate": float(np.mean(pred)),
    "mean_score": float(np.mean(score)),
}

# The cases below draw from their own generator, so that adding them left
# every value above as it was.
rng2 = np.random.default_rng(20250317)


def defined(num, den):
    """sklearn's value where its denominator is not 0, else None: the Go
    side reports an undefined figure as NaN (sklearn 1.2 reports 0 and
    warns)."""
    return float(num) if den > 0 else None


# Binary windows at the edges of sklearn's definitions: scores 0 and 1
# (log_loss clips them to [eps, 1 - eps], eps = numpy.finfo(float64).eps,
# its eps="auto"), every score tied (ROC AUC 1/2), one class only
# (roc_auc_score raises: no AUC; log_loss given labels=[0, 1]), a single
# event, scores on the threshold (score >= 0.5 predicts positive).
binary = []
for name, yy, ss in [
    ("clipped", [1, 0, 1, 0, 1, 0, 1, 0], [0.0, 1.0, 1.0, 0.0, 0.5, 0.5, 1e-17, 1 - 1e-17]),
    ("all-tied", [1, 0, 0, 1, 1, 0, 1], [0.5] * 7),
    ("one-class", [1, 1, 1, 1], [0.9, 0.2, 0.5, 0.7]),
    ("single-event", [0], [0.3]),
    ("on-threshold", [1, 0, 1, 0, 0, 1], [0.5, 0.5, 0.49, 0.51, 0.2, 0.8]),
    ("no-predicted-positive", [1, 0, 1, 0], [0.1, 0.2, 0.3, 0.4]),
    ("random", rng2.integers(0, 2, 500).tolist(), np.round(rng2.beta(2, 2, 500), 3).tolist()),
]:
    yy, ss = np.asarray(yy), np.asarray(ss, dtype=float)
    pp = (ss >= 0.5).astype(int)
    tp, fp, fn = int(np.sum((pp == 1) & (yy == 1))), int(np.sum((pp == 1) & (yy == 0))), int(np.sum((pp == 0) & (yy == 1)))
    binary.append({
        "name": name, "label": yy.tolist(), "score": ss.tolist(),
        "accuracy": float(metrics.accuracy_score(yy, pp)),
        "precision": defined(metrics.precision_score(yy, pp, zero_division=0), tp + fp),
        "recall": defined(metrics.recall_score(yy, pp, zero_division=0), tp + fn),
        "f1": defined(metrics.f1_score(yy, pp, zero_division=0), 2 * tp + fp + fn),
        "roc_auc": float(metrics.roc_auc_score(yy, ss)) if len(set(yy.tolist())) == 2 else None,
        "log_loss": float(metrics.log_loss(yy, ss, labels=[0, 1])),
        "positive_rate": float(np.mean(pp)),
        "mean_score": float(np.mean(ss)),
    })

# Multiclass: macro averages over the classes in y_true or y_pred
# (sklearn's labels=None), a class never predicted (precision 0), one never
# true (recall 0), one in neither (not averaged).
k = 6
mc_true = rng2.choice([0, 1, 2, 3], 400, p=[0.4, 0.3, 0.2, 0.1])
mc_pred = np.where(rng2.uniform(size=400) < 0.6, mc_true, rng2.choice([0, 1, 2, 4], 400))
mc_pred = np.where(mc_pred == 3, 0, mc_pred)
multiclass = {
    "classes": k, "label": mc_true.tolist(), "pred": mc_pred.tolist(),
    "accuracy": float(metrics.accuracy_score(mc_true, mc_pred)),
    "precision": float(metrics.precision_score(mc_true, mc_pred, average="macro", zero_division=0)),
    "recall": float(metrics.recall_score(mc_true, mc_pred, average="macro", zero_division=0)),
    "f1": float(metrics.f1_score(mc_true, mc_pred, average="macro", zero_division=0)),
}

# Latency quantiles on skewed and tiny samples: the sketch answers within
# 1% of numpy's method="lower" quantile (the claim), which for few values
# is far from the default "linear" one (two values: p99 is the smaller).
latency = []
for name, ms in [
    ("lognormal-sigma-2.5", rng2.lognormal(0, 2.5, 5000)),
    ("pareto-1.2", (rng2.pareto(1.2, 5000) + 1) * 2),
    ("mostly-zero", np.concatenate([np.zeros(300), rng2.exponential(5, 700)])),
    ("one", np.array([42.0])),
    ("two", np.array([10.0, 1000.0])),
    ("ten", rng2.lognormal(2, 1, 10)),
]:
    ms = r6(ms)
    latency.append({"name": name, "ms": ms,
                    "lower": {str(q): float(np.quantile(ms, q, method="lower")) for q in [0.5, 0.95, 0.99]},
                    "linear": {str(q): float(np.quantile(ms, q)) for q in [0.5, 0.95, 0.99]}})


# Numeric columns with at most 5 distinct values, tested as categorical
# over their values (as Evidently): chi2_contingency (Yates for two
# values), jensenshannon (natural log), PSI over values.
def few_case(name, ref, cur):
    vals = sorted(set(ref) | set(cur))
    r = np.array([ref.count(v) for v in vals], dtype=float)
    c = np.array([cur.count(v) for v in vals], dtype=float)
    chi2, p, dof, _ = stats.chi2_contingency(np.vstack([r, c]))
    rp, cp = r / r.sum(), c / c.sum()
    rp2, cp2 = np.where(rp == 0, 1e-4, rp), np.where(cp == 0, 1e-4, cp)
    js = float(jensenshannon(r, c))
    # Evidently's choice: chi-square (p < 0.05) for at most 1,000
    # reference values, else the Jensen-Shannon distance (>= 0.1).
    test, drifted = ("chi2", bool(p < 0.05)) if len(ref) <= 1000 else ("jensenshannon", bool(js >= 0.1))
    return {"name": name, "ref": ref, "cur": cur, "chi2": float(chi2), "chi2_p": float(p), "dof": int(dof),
            "js": js, "psi": float(np.sum((cp2 - rp2) * np.log(cp2 / rp2))), "test": test, "drifted": drifted}


few = [
    few_case("binary", rng2.integers(0, 2, 600).astype(float).tolist(), (rng2.uniform(size=700) < 0.56).astype(float).tolist()),
    few_case("five-ratings", rng2.choice([1.0, 2.0, 3.0, 4.0, 5.0], 900, p=[0.1, 0.15, 0.3, 0.3, 0.15]).tolist(),
             rng2.choice([1.0, 2.0, 3.0, 4.0, 5.0], 800, p=[0.12, 0.15, 0.28, 0.28, 0.17]).tolist()),
    few_case("value-gone-and-new", rng2.choice([0.5, 1.5, 2.5], 300).tolist(), rng2.choice([1.5, 2.5, 3.5], 200).tolist()),
    # More than 1,000 reference values: the Jensen-Shannon distance decides.
    few_case("large-js", rng2.choice([0.0, 1.0, 2.0, 3.0], 3000, p=[0.4, 0.3, 0.2, 0.1]).tolist(),
             rng2.choice([0.0, 1.0, 2.0, 3.0], 2500, p=[0.3, 0.3, 0.22, 0.18]).tolist()),
    # Negative zero is zero (one value, written 0).
    few_case("signed-zero", [0.0] * 40 + [1.0] * 60, [-0.0] * 55 + [1.0] * 45),
    # A constant column (standard deviation 0, so never a Wasserstein
    # distance scaled by it): one value in both, and a value moved.
    few_case("constant-same", [2.5] * 50, [2.5] * 40),
    few_case("constant-moved", [2.5] * 50, [3.5] * 40),
]

# A reference with few distinct values and a current sample that brings
# more: 6 across both, so the column is numeric again (KS, its asymptotic
# p-value as a monitor's windows compute it).
union_ref = rng2.choice([0.0, 1.0, 2.0], 400).tolist()
union_cur = rng2.choice([0.0, 1.0, 2.0, 3.0, 4.0, 5.0], 300, p=[0.3, 0.3, 0.3, 0.04, 0.03, 0.03]).tolist()
union_ks = stats.ks_2samp(union_ref, union_cur)
few_union = {"name": "six-across-both", "ref": union_ref, "cur": union_cur,
             "ks": float(union_ks.statistic), "ks_p": float(union_ks.pvalue)}

# A monitor's small windows against a reference of at most 1,000 values,
# where KS decides: ks_2samp's default method ("auto": exact up to 10,000
# values per sample), as from every value. Integer-valued, so every value
# is a bin edge and the binned statistic is the exact one. Windows of 24
# and 90 events, and the first 24-event draw whose exact p-value is below
# 0.05 and asymptotic one not: the verdict the asymptotic p-value flipped.
window_ks = []
ks_ref = rng2.binomial(40, 0.5, 1000).astype(float)
cases = [("24-events", rng2.binomial(40, 0.5, 24) + (rng2.uniform(size=24) < 0.35)),
         ("90-events", rng2.binomial(40, 0.52, 90))]
for _ in range(5000):
    cur = (rng2.binomial(40, 0.5, 24) + (rng2.uniform(size=24) < 0.4)).astype(float)
    if stats.ks_2samp(ks_ref, cur).pvalue < 0.05 <= stats.ks_2samp(ks_ref, cur, method="asymp").pvalue:
        cases.append(("24-events-flip", cur))
        break
for name, cur in cases:
    cur = cur.astype(float)
    auto = stats.ks_2samp(ks_ref, cur)
    asy = stats.ks_2samp(ks_ref, cur, method="asymp")
    window_ks.append({"name": name, "ref": ks_ref.tolist(), "cur": cur.tolist(), "ks": float(auto.statistic),
                      "ks_p": float(auto.pvalue), "ks_p_asymp": float(asy.pvalue)})

# Fairness per group in a window, by hand in pandas (fairlearn's and the
# EEOC's definitions): per value of the group attribute, its events and
# selection rate from every prediction; its confusion counts, TPR and FPR
# from labelled events. A group decides when it has at least min_size
# events (labelled events with both outcomes, for TPR/FPR); the reference
# is the deciding group with the highest rate of the favourable outcome
# (ties: first by name), every group's impact ratio is its favourable rate
# over the reference's; the minimum impact ratio, the demographic parity
# difference and the TPR/FPR spreads are over deciding groups, defined
# with at least two. Own generator, so every value above stays as it was.
rng3 = np.random.default_rng(20260502)


def fairness_binary(name, groups, min_size, favourable):
    rows = []
    for g, n, shift, lab_share, pos_share in groups:
        for _ in range(n):
            y = int(rng3.uniform() < pos_share)
            s = float(np.clip(np.round(rng3.beta(2, 3) + shift + 0.25 * y, 3), 0, 1))
            labelled = bool(rng3.uniform() < lab_share)
            rows.append({"group": g, "score": s, "label": y if labelled else None})
    order = rng3.permutation(len(rows))
    rows = [rows[i] for i in order]
    df = pd.DataFrame(rows)
    df["pred"] = (df["score"] >= 0.5).astype(int)
    df = df[df["group"] != ""]
    out = []
    for g, d in sorted(df.groupby("group"), key=lambda kv: kv[0]):
        lab = d[d["label"].notna()]
        y, p = lab["label"].astype(int).to_numpy(), lab["pred"].to_numpy()
        tp, fp = int(np.sum((y == 1) & (p == 1))), int(np.sum((y == 0) & (p == 1)))
        tn, fn = int(np.sum((y == 0) & (p == 0))), int(np.sum((y == 1) & (p == 0)))
        n = len(d)
        sel = float(d["pred"].mean())
        fav = 1 - float((d["pred"] == 1).sum()) / n if favourable == "negative" else sel
        out.append({"group": g, "events": n, "labelled": len(lab), "selection_rate": sel, "fav": fav,
                    "tp": tp, "fp": fp, "tn": tn, "fn": fn,
                    "tpr": tp / (tp + fn) if tp + fn else None, "fpr": fp / (fp + tn) if fp + tn else None,
                    "accuracy": (tp + tn) / len(lab) if len(lab) else None,
                    "decides": n >= min_size, "decides_labelled": len(lab) >= min_size and tp + fn > 0 and fp + tn > 0})
    dec = [o for o in out if o["decides"]]
    ref = None
    if dec:
        favs = np.array([o["fav"] for o in dec])
        ref = dec[int(np.argmax(favs))]
    for o in out:
        o["impact_ratio"] = (o["fav"] / ref["fav"] if ref["fav"] > 0 else None) if ref else None
    for o in out:
        del o["fav"]
    summary = {"reference": ref["group"] if ref else "", "min_impact_ratio": None, "demographic_parity_difference": None,
               "equal_opportunity_difference": None, "equalized_odds_difference": None}
    if len(dec) >= 2:
        summary["min_impact_ratio"] = float(min(o["impact_ratio"] for o in dec))
        sels = [o["selection_rate"] for o in dec]
        summary["demographic_parity_difference"] = float(max(sels) - min(sels))
    decl = [o for o in out if o["decides_labelled"]]
    if len(decl) >= 2:
        tprs, fprs = [o["tpr"] for o in decl], [o["fpr"] for o in decl]
        summary["equal_opportunity_difference"] = float(max(tprs) - min(tprs))
        summary["equalized_odds_difference"] = float(max(max(tprs) - min(tprs), max(fprs) - min(fprs)))
    return {"name": name, "min_size": min_size, "favourable": favourable, "events": rows, "groups": out, **summary}


# (group, events, score shift, labelled share, positive share): "tiny" is
# extreme but below the minimum size; "nopos" is large but its labels are
# all negative (no TPR); "" is no group.
fair_groups = [("north", 400, 0.0, 0.6, 0.3), ("south", 300, 0.12, 0.7, 0.3), ("west", 120, -0.05, 0.5, 0.4),
               ("tiny", 12, 0.5, 1.0, 0.5), ("nopos", 45, -0.1, 0.8, 0.0), ("", 20, 0.0, 0.5, 0.5)]
fairness_cases = [
    fairness_binary("positive-30", fair_groups, 30, "positive"),
    fairness_binary("negative-30", fair_groups, 30, "negative"),
    fairness_binary("positive-150", fair_groups, 150, "positive"),
    # Only one group large enough: nothing decides.
    fairness_binary("one-decides", [("big", 200, 0.0, 0.5, 0.3), ("small", 20, 0.3, 0.5, 0.3)], 30, "positive"),
]

# Multiclass and regression: per-group accuracy and MAE over labelled
# events, and their spread over groups with at least 30 labelled events.
fair_other = []
for task in ["multiclass", "regression"]:
    rows = []
    for g, n, skill in [("a", 200, 0.8), ("b", 150, 0.6), ("c", 10, 0.1)]:
        for _ in range(n):
            labelled = bool(rng3.uniform() < 0.7)
            if task == "multiclass":
                y = int(rng3.integers(0, 3))
                p = y if rng3.uniform() < skill else int(rng3.integers(0, 3))
                rows.append({"group": g, "pred": p, "label": y if labelled else None})
            else:
                y = float(np.round(rng3.normal(10, 3), 4))
                p = float(np.round(y + rng3.normal(0, 3 * (1 - skill) + 0.1), 4))
                rows.append({"group": g, "pred": p, "label": y if labelled else None})
    df = pd.DataFrame(rows)
    groups = []
    for g, d in sorted(df.groupby("group"), key=lambda kv: kv[0]):
        lab = d[d["label"].notna()]
        if task == "multiclass":
            fig = float((lab["pred"] == lab["label"].astype(int)).mean())
        else:
            fig = float((lab["pred"] - lab["label"]).abs().mean())
        groups.append({"group": g, "events": len(d), "labelled": len(lab), "figure": fig, "decides_labelled": len(lab) >= 30})
    figs = [o["figure"] for o in groups if o["decides_labelled"]]
    fair_other.append({"task": task, "events": rows, "groups": groups, "gap": float(max(figs) - min(figs))})

# Data quality per feature in a window, by hand in pandas: missing shares
# (NaN numbers, empty categories), numeric values outside the reference's
# range (below its min or above its max, every value counted, not a
# sample's), categorical values the reference never had (the five most
# frequent named, ties by name). Own generator.
rng4 = np.random.default_rng(20261129)


def quality_case(name, ref_num, cur_num, ref_cat, cur_cat):
    rn, cn = pd.Series(ref_num, dtype=float), pd.Series(cur_num, dtype=float)
    rc, cc = pd.Series(ref_cat, dtype=object), pd.Series(cur_cat, dtype=object)
    rmin, rmax = float(rn.min()), float(rn.max())
    vals = cn.dropna()
    below, above = int((vals < rmin).sum()), int((vals > rmax).sum())
    cvals = cc[cc != ""]
    known = set(rc[rc != ""].unique())
    new = cvals[~cvals.isin(known)]
    counts = new.value_counts()
    examples = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:5]
    return {"name": name,
            "ref_num": [None if math.isnan(x) else x for x in rn], "cur_num": [None if math.isnan(x) else x for x in cn],
            "ref_cat": list(rc), "cur_cat": list(cc),
            "num": {"events": len(cn), "missing": int(cn.isna().sum()), "missing_share": float(cn.isna().mean()),
                    "ref_missing_share": float(rn.isna().mean()), "ref_min": rmin, "ref_max": rmax,
                    "below": below, "above": above, "out_of_range_share": (below + above) / len(vals)},
            "cat": {"events": len(cc), "missing": int((cc == "").sum()), "missing_share": float((cc == "").mean()),
                    "ref_missing_share": float((rc == "").mean()), "new_values": len(new),
                    "new_value_share": len(new) / len(cvals), "examples": [k for k, _ in examples]}}


def with_missing(xs, share):
    return [x if rng4.uniform() >= share else float("nan") for x in xs]


def cats(names, probs, n, miss):
    return ["" if rng4.uniform() < miss else str(rng4.choice(names, p=probs)) for _ in range(n)]


ref_names = ["a", "b", "c", "d"]
quality = [
    # A sensor that drops out and reads beyond its range: 12% missing
    # against 2%, 40 readings above the reference's maximum, 7 below.
    quality_case("sensor-outage",
                 with_missing(np.round(rng4.normal(50, 5, 3000), 3), 0.02),
                 with_missing(list(np.round(rng4.normal(52, 5, 400), 3)) + list(np.round(rng4.uniform(90, 120, 40), 3))
                              + list(np.round(rng4.uniform(-30, 0, 7), 3)), 0.12),
                 cats(ref_names, [0.4, 0.3, 0.2, 0.1], 3000, 0.01),
                 cats(ref_names + ["e", "f", "g", "h", "i", "j"], [0.3, 0.2, 0.1, 0.1, 0.1, 0.08, 0.05, 0.03, 0.02, 0.02], 447, 0.05)),
    # Nothing wrong: the same distributions, fewer events.
    quality_case("clean",
                 with_missing(np.round(rng4.normal(50, 5, 3000), 3), 0.02),
                 with_missing(np.round(rng4.normal(50, 5, 60), 3), 0.02),
                 cats(ref_names, [0.4, 0.3, 0.2, 0.1], 3000, 0.01),
                 cats(ref_names, [0.4, 0.3, 0.2, 0.1], 60, 0.01)),
]

# Further windows at the edges, from their own generator so that every
# value above stays as it was.
rng5 = np.random.default_rng(20261203)

# Binary windows with unlabelled events (label None): accuracy, precision,
# recall, F1, ROC AUC and log loss over the labelled ones, the positive
# rate and mean score over every event; continuous scores (not rounded),
# where the binned ROC AUC holds to its stated error bound; one class only
# with scores of exactly 0 and 1 (no ROC AUC; the log loss clipped).
binary_more = []
for name, yy, ss in [
    ("partly-labelled", np.where(rng5.uniform(size=600) < 0.4, -1, rng5.integers(0, 2, 600)),
     np.round(rng5.beta(2, 2, 600), 3)),
    ("continuous", rng5.integers(0, 2, 2000), rng5.beta(2, 3, 2000)),
    ("one-class-extreme", np.array([0, 0, 0, 0, 0]), np.array([0.0, 1.0, 0.3, 1.0, 0.5])),
]:
    ss = np.asarray(ss, dtype=float)
    if name == "continuous":
        ss = np.clip(ss + 0.2 * yy, 0, 1)
    lab = yy >= 0
    y, s_ = yy[lab], ss[lab]
    p = (s_ >= 0.5).astype(int)
    tp, fp, fn = int(np.sum((p == 1) & (y == 1))), int(np.sum((p == 1) & (y == 0))), int(np.sum((p == 0) & (y == 1)))
    binary_more.append({
        "name": name, "label": [int(v) if v >= 0 else None for v in yy], "score": ss.tolist(),
        "accuracy": float(metrics.accuracy_score(y, p)),
        "precision": defined(metrics.precision_score(y, p, zero_division=0), tp + fp),
        "recall": defined(metrics.recall_score(y, p, zero_division=0), tp + fn),
        "f1": defined(metrics.f1_score(y, p, zero_division=0), 2 * tp + fp + fn),
        "roc_auc": float(metrics.roc_auc_score(y, s_)) if len(set(y.tolist())) == 2 else None,
        "log_loss": float(metrics.log_loss(y, s_, labels=[0, 1])),
        "positive_rate": float(np.mean(ss >= 0.5)),
        "mean_score": float(np.mean(ss)),
    })

# Regression windows with unlabelled events (y_true None): MAE and RMSE
# over the labelled ones (sklearn), the mean prediction over every event.
regression = []
for name, n, share in [("partly-labelled", 500, 0.3), ("one-labelled", 6, 5 / 6)]:
    yt = np.round(rng5.normal(20, 5, n), 4)
    yp = np.round(yt + rng5.normal(0, 2, n), 4)
    lab = rng5.uniform(size=n) >= share
    if not lab.any():
        lab[0] = True
    regression.append({"name": name, "y_true": [float(v) if l else None for v, l in zip(yt, lab)], "y_pred": yp.tolist(),
                       "mae": float(metrics.mean_absolute_error(yt[lab], yp[lab])),
                       "rmse": float(math.sqrt(metrics.mean_squared_error(yt[lab], yp[lab])))})

# Multiclass at the edges: one true class only (macro over the classes
# true or predicted), every prediction right.
multiclass_more = []
for name, yt, yp in [
    ("one-true-class", np.full(50, 2), rng5.choice([0, 1, 2], 50, p=[0.2, 0.2, 0.6])),
    ("all-right", rng5.choice([0, 1, 2, 3], 80), None),
]:
    yp = yt.copy() if yp is None else yp
    multiclass_more.append({
        "name": name, "classes": 4, "label": yt.tolist(), "pred": yp.tolist(),
        "accuracy": float(metrics.accuracy_score(yt, yp)),
        "precision": float(metrics.precision_score(yt, yp, average="macro", zero_division=0)),
        "recall": float(metrics.recall_score(yt, yp, average="macro", zero_division=0)),
        "f1": float(metrics.f1_score(yt, yp, average="macro", zero_division=0)),
    })

# Offsets and magnitudes: data with a large constant offset (1e15 plus
# small integers, timestamps-like 1e14 plus a spread of 50) and data whose
# squares overflow (1e200, 1e300) or underflow (1e-300). Each case is kept
# as offset + scale * v for the listed v (integers, or 6 significant
# digits), which the Go side rebuilds with the same two float64 steps.
# numpy.std is no reference here (a plain mean loses the spread of offset
# data; the squares of 1e200 overflow to inf, of 1e-300 underflow to 0), so
# the mean and standard deviation are exact, in rational arithmetic
# (fractions) with the square root to 50 digits; the Wasserstein distance
# is scipy's, checked here against the exact one. wasserstein_norm divides
# by max(std, 0.001), the floor that makes the tiny case's statistic
# W / 0.001 (numpy.std reads 0 there, so scipy-based tools agree). Own
# generator, so every value above stays as it was.
rng6 = np.random.default_rng(20261207)


def exact_moments(xs):
    fr = [Fraction(x) for x in xs]
    n = len(fr)
    m = sum(fr) / n
    var = sum((x - m) ** 2 for x in fr) / n
    with localcontext() as ctx:
        ctx.prec = 50
        sd = (Decimal(var.numerator) / Decimal(var.denominator)).sqrt()
        mean = Decimal(m.numerator) / Decimal(m.denominator)
    return float(mean), float(sd)


def exact_wasserstein(u, v):
    u, v = sorted(u), sorted(v)
    allv = sorted(u + v)
    w = Fraction(0)
    for a, b in zip(allv, allv[1:]):
        fu = Fraction(bisect.bisect_right(u, a), len(u))
        fv = Fraction(bisect.bisect_right(v, a), len(v))
        w += abs(fu - fv) * (Fraction(b) - Fraction(a))
    return float(w)


def scaled_case(name, offset, scale, ref, cur):
    rv = [float(v) for v in ref]
    cv = [float(v) for v in cur]
    r = offset + scale * np.array(rv)
    c = offset + scale * np.array(cv)
    mean, sd = exact_moments(r.tolist())
    w = float(stats.wasserstein_distance(r, c))
    we = exact_wasserstein(r.tolist(), c.tolist())
    assert abs(w - we) <= 1e-12 * we, (name, w, we)
    ks = stats.ks_2samp(r, c)
    return {"name": name, "offset": offset, "scale": scale, "ref": rv, "cur": cv,
            "mean": mean, "std": sd, "wasserstein": we, "wasserstein_norm": we / max(sd, 0.001),
            "ks": float(ks.statistic), "ks_p": float(ks.pvalue)}


scaled = [
    # The reviewer's cases: 1e15 plus integers in [0, 100) against [10, 110);
    # 1e14 plus N(0, 50), rounded, shifted by a tenth of a deviation.
    scaled_case("offset-1e15", 1e15, 1.0, rng6.integers(0, 100, 300), rng6.integers(10, 110, 200)),
    scaled_case("offset-1e14", 1e14, 1.0, np.round(rng6.normal(0, 50, 6000)), np.round(rng6.normal(5, 50, 6000))),
    # N(0, 1) against N(1, 1) times 1e200 (squares overflow): a distance of
    # about one deviation, and the same KS as unscaled.
    scaled_case("huge-1e200", 0.0, 1e200, r6(rng6.normal(0, 1, 1500)), r6(rng6.normal(1, 1, 1500))),
    scaled_case("huge-1e300", 0.0, 1e300, r6(rng6.normal(0, 1, 300)), r6(rng6.normal(0.1, 1, 200))),
    # Tiny values: the standard deviation (about 1e-300) is far below the
    # 0.001 floor, which the distance is divided by instead.
    scaled_case("tiny-1e-300", 0.0, 1e-300, r6(rng6.normal(0, 1, 300)), r6(rng6.normal(0.1, 1, 200))),
]

with open("reference.json", "w") as f:
    json.dump({"numeric": numeric, "categorical": categorical, "kolmogorov": kolm,
               "ks_asymp": asymp, "window": window, "binary": binary, "multiclass": multiclass,
               "latency": latency, "few_values": few,
               "few_values_union": few_union, "window_ks": window_ks,
               "fairness": fairness_cases, "fairness_other": fair_other, "quality": quality,
               "binary_more": binary_more, "regression": regression, "multiclass_more": multiclass_more,
               "scaled": scaled},
              f, separators=(",", ":"))
    f.write("\n")

# Regression windows whose errors are huge (1e200: their squares overflow
# to inf), tiny (1e-200: their squares underflow to 0), beyond the largest
# float (a prediction of 1.2e308 for a label of -1.2e308: the error itself
# is 2.4e308) or exactly 0. sklearn's mean_squared_error reads inf or 0
# there, and the first case's MAE is finite while its RMSE is not, so
# neither is a reference: MAE and RMSE (and each group's MAE) are exact,
# in rational arithmetic, with the square root to 50 digits. Own
# generator, written to reference_extremes.json so that reference.json
# stays as it was.
rng7 = np.random.default_rng(20261130)


def exact_errors(yt, yp):
    e = [Fraction(p) - Fraction(t) for t, p in zip(yt, yp)]
    n = len(e)
    mae = sum(abs(x) for x in e) / n
    ms = sum(x * x for x in e) / n
    with localcontext() as ctx:
        ctx.prec = 50
        rmse = (Decimal(ms.numerator) / Decimal(ms.denominator)).sqrt()
    return float(mae), float(rmse)


def regression_extreme(name, yt, yp, groups):
    yt, yp = [float(v) for v in yt], [float(v) for v in yp]
    mae, rmse = exact_errors(yt, yp)
    by_group = {}
    for g in sorted(set(groups)):
        idx = [i for i, h in enumerate(groups) if h == g]
        by_group[g] = exact_errors([yt[i] for i in idx], [yp[i] for i in idx])[0]
    return {"name": name, "y_true": yt, "y_pred": yp, "group": groups, "mae": mae, "rmse": rmse, "group_mae": by_group}


def two_groups(n):
    return [["a", "b"][int(v)] for v in rng7.integers(0, 2, n)]


regression_extremes = []
for name, scale in [("errors-1e200", 1e200), ("errors-1e-200", 1e-200), ("errors-1e160", 1e160)]:
    yt = np.array(r6(rng7.normal(0, 1, 200))) * scale
    yp = yt + np.array(r6(rng7.normal(0, 0.5, 200))) * scale
    regression_extremes.append(regression_extreme(name, yt, yp, two_groups(200)))
# One error of 2.4e308 among nine exact predictions: MAE 2.4e307, RMSE
# 2.4e308/sqrt(10), both finite.
regression_extremes.append(regression_extreme(
    "error-beyond-max", [-1.2e308] + [3.5] * 9, [1.2e308] + [3.5] * 9, ["a"] * 5 + ["b"] * 5))
# Errors of every size at once: 1e170, 1, 1e-170.
mixed = np.array([1e170, -1e170, 1.0, -2.0, 1e-170, 3e-170] * 10)
regression_extremes.append(regression_extreme("mixed-sizes", [0.0] * 60, mixed, two_groups(60)))
regression_extremes.append(regression_extreme("all-exact", [2.5, -1.0, 1e300], [2.5, -1.0, 1e300], ["a", "b", "a"]))

# The two-sample KS test, Wasserstein distance and PSI on samples of one
# to a few values, with ties: ks_2samp's default (method "auto": exact at
# these sizes) and method "asymp", as numeric_case above.
ks_tiny = [numeric_case(name, ref, cur) for name, ref, cur in [
    ("one-one-apart", [1.0], [2.0]),
    ("one-one-same", [1.0], [1.0]),
    ("two-two-same", [1.0, 2.0], [1.0, 2.0]),
    ("one-three", [1.0], [1.0, 2.0, 3.0]),
    ("tied-two", [0.0, 0.0], [0.0, 1.0]),
    ("three-two-apart", [1.0, 1.0, 1.0], [2.0, 2.0]),
    ("one-in-nine", [5.0], [1.0, 2.0, 3.0, 4.0, 6.0, 7.0, 8.0, 9.0, 10.0]),
    ("ties-seven-three", [0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0], [0.0, 1.0, 1.0]),
    ("three-three-apart", [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]),
    ("two-one", [1.0, 2.0], [3.0]),
]]
# One value against one: round(n1·n2/(n1+n2)) is 0, and method "asymp"
# has no p-value (NaN, written null).
for c in ks_tiny:
    for k, v in c.items():
        if isinstance(v, float) and math.isnan(v):
            c[k] = None

# Quantiles (numpy's default, type 7) of samples spanning the whole float
# range, whose neighbouring values differ by more than the largest float:
# numpy's b - a overflows and its quantiles read inf or nan, so they are
# exact here, in rational arithmetic, at the deciles and 1/4, 3/4.
M = float(np.finfo(np.float64).max)


def exact_quantile(xs, q):
    xs = sorted(Fraction(x) for x in xs)
    h = (len(xs) - 1) * Fraction(q)
    lo = int(h)
    if lo + 1 >= len(xs):
        return float(xs[-1])
    return float(xs[lo] + (xs[lo + 1] - xs[lo]) * (h - lo))


quantile_extremes = []
for name, xs in [("lowest-highest", [-M, M]), ("lowest-highest-zero", [-M, 0.0, M]),
                 ("near-max", [-1.5e308, -1e308, 1.2e308, 1.7e308]), ("lowest-and-small", [-M, 1.0, 2.0, 3.0])]:
    qs = [k / 10 for k in range(1, 10)] + [0.25, 0.75]
    quantile_extremes.append({"name": name, "x": xs, "q": qs, "quantile": [exact_quantile(xs, q) for q in qs]})

with open("reference_extremes.json", "w") as f:
    json.dump({"regression": regression_extremes, "ks_tiny": ks_tiny, "quantile": quantile_extremes}, f, separators=(",", ":"))
    f.write("\n")

# Sparse categories, pooled. A cell of the 2 x k table of reference and
# current counts is expected row total x column total / grand total times
# under homogeneity (scipy.stats.contingency.expected_freq, what
# chi2_contingency's own test assumes); the chi-square approximation wants
# these at 5 or more, and below it the sampling noise alone makes a large
# Jensen-Shannon distance (two samples of one uniform distribution over
# 20,000 values read about 0.74). The categories whose larger expected
# count (the larger sample's) is below 5 — below 5 in both samples — are
# pooled into one bin when
# there are two or more of them (one alone is already its own bin), and
# chi2_contingency (Yates when two bins are left), jensenshannon (natural
# log) and the PSI (empty bins at 1e-4) are computed on the pooled table;
# with every category pooled, one bin is left and nothing is tested. The
# test that decides is Evidently's as above: chi-square (p < 0.05) up to
# 1,000 reference values, else Jensen-Shannon (>= 0.1, and chi-square
# p < 0.05 as the automatic choice now asks). Own generator,
# written to reference_pooled.json so that reference.json stays as it was.
# pooled_case_check below recounts the pooled table a second way (each
# category's column against the threshold by hand) before anything is
# written.
rng8 = np.random.default_rng(20261201)


def pooled_case(name, ref, cur):
    cats = sorted(set(ref) | set(cur))
    table = np.array([[ref.get(k, 0) for k in cats], [cur.get(k, 0) for k in cats]], dtype=float)
    expected = stats.contingency.expected_freq(table)
    sparse = expected.max(axis=0) < 5
    if sparse.sum() >= 2:
        pooled_table = np.hstack([table[:, ~sparse], table[:, sparse].sum(axis=1, keepdims=True)])
        pooled = int(sparse.sum())
    else:
        pooled_table, pooled = table, 0
    out = {"name": name, "ref": ref, "cur": cur, "categories": len(cats), "pooled": pooled,
           # Unpooled, for the record: what was reported before.
           "js_unpooled": float(jensenshannon(table[0], table[1]))}
    if pooled_table.shape[1] < 2 and pooled > 0:
        out.update({"tested": False, "bins": 1})
        return out
    r, c = pooled_table
    chi2, p, dof, _ = stats.chi2_contingency(pooled_table)
    rp, cp = r / r.sum(), c / c.sum()
    rp2, cp2 = np.where(rp == 0, 1e-4, rp), np.where(cp == 0, 1e-4, cp)
    js = float(jensenshannon(r, c))
    # Jensen-Shannon, chosen automatically, also needs chi-square's p < 0.05
    # (see noise_case below).
    test, drifted = ("chi2", bool(p < 0.05)) if r.sum() <= 1000 else ("jensenshannon", bool(js >= 0.1 and p < 0.05))
    out.update({"tested": True, "bins": int(pooled_table.shape[1]), "chi2": float(chi2), "chi2_p": float(p),
                "dof": int(dof), "js": js, "psi": float(np.sum((cp2 - rp2) * np.log(cp2 / rp2))),
                "test": test, "drifted": drifted})
    return out


def pooled_case_check(case):
    # Second count of the pooled categories, column by column.
    ref, cur = case["ref"], case["cur"]
    nr, nc = sum(ref.values()), sum(cur.values())
    n = nr + nc
    few = [k for k in set(ref) | set(cur) if max(nr, nc) * (ref.get(k, 0) + cur.get(k, 0)) / n < 5]
    assert case["pooled"] == (len(few) if len(few) >= 2 else 0), case["name"]


def draw(names, probs, n):
    counts = rng8.multinomial(n, probs)
    return {k: int(v) for k, v in zip(names, counts) if v > 0}


uniform = [f"c{i:05d}" for i in range(20000)]
flat = np.full(20000, 1 / 20000)
# Ten common categories (80% of the values) and a tail of 3,000 rare ones.
head = [f"h{i}" for i in range(10)]
tail = [f"t{i:04d}" for i in range(3000)]
mix = head + tail
mix_p = np.concatenate([np.full(10, 0.08), np.full(3000, 0.2 / 3000)])
# The tail's share doubled, from 20% to 40%, spread over the same rare
# values: each rare value is still seen about once, but the pooled bin
# holds twice the share.
mix_shift = np.concatenate([np.full(10, 0.06), np.full(3000, 0.4 / 3000)])

pooled_cases = [
    # The false alarm: 5,000 events from 20,000 values, both sides
    # the same distribution, 88% of the values distinct (below the 95%
    # ID-like rule): every category pooled, not tested.
    pooled_case("uniform-20000-same", draw(uniform, flat, 5000), draw(uniform, flat, 5000)),
    # A real shift among them: the current window concentrated on 10 of the
    # 20,000 values. Those 10 are expected 5 or more times; the rest pool.
    pooled_case("uniform-20000-concentrated", draw(uniform, flat, 5000),
                draw(uniform[:10], np.full(10, 0.1), 5000)),
    # A head of common values and a sparse tail, the same distribution:
    # the tail pools into one bin, the head is tested value by value.
    pooled_case("head-tail-same", draw(mix, mix_p, 4000), draw(mix, mix_p, 3000)),
    # The tail's share doubled: seen in the pooled bin.
    pooled_case("head-tail-shift", draw(mix, mix_p, 4000), draw(mix, mix_shift, 3000)),
    # Small samples (chi-square decides): two common values and four rare
    # ones pooled into a third bin.
    pooled_case("small-chi2", {"a": 300, "b": 200, "r1": 2, "r2": 1, "r3": 1, "r4": 3},
                {"a": 60, "b": 70, "r1": 1, "r3": 2, "r5": 1}),
    # One common value and rare ones: two bins left, Yates's correction.
    pooled_case("two-bins-yates", {"a": 500, "r1": 3, "r2": 2, "r3": 4},
                {"a": 90, "r1": 2, "r4": 3, "r5": 5}),
    # Too few values for any category: not tested.
    pooled_case("all-sparse-small", {f"v{i}": 3 for i in range(10)}, {f"v{i}": 2 for i in range(10)}),
    # One sparse category alone is not pooled: the table as it is.
    pooled_case("one-sparse", {"x": 10, "y": 30, "z": 5}, {"x": 15, "y": 25}),
    # A window 100 times smaller than its reference: 100 values, 200 each in
    # the reference, each expected 2 times in the window but 200 times in
    # the reference: not pooled. The window all one value drifts (pooled by
    # the window's expected counts alone, every value pooled: not tested).
    pooled_case("unbalanced-one-value", {f"c{i:02d}": 200 for i in range(100)}, {"c00": 200}),
    # Half the reference on "a", half over 250 values (100 each); the
    # window's tail half moved onto c000 (200 of 500), one each of 50
    # others: the tail's share unchanged, so a pooled tail hid it.
    pooled_case("unbalanced-tail-onto-one", {"a": 25000, **{f"c{i:03d}": 100 for i in range(250)}},
                {"a": 250, "c000": 200, **{f"c{i:03d}": 1 for i in range(1, 51)}}),
    # The same window size, one distribution: the reference's values are
    # tested one by one (none pooled), and nothing drifts.
    pooled_case("unbalanced-same", draw([f"c{i:02d}" for i in range(100)], np.full(100, 0.01), 20000),
                draw([f"c{i:02d}" for i in range(100)], np.full(100, 0.01), 200)),
]
for case in pooled_cases:
    pooled_case_check(case)

with open("reference_pooled.json", "w") as f:
    json.dump({"categorical": pooled_cases}, f, separators=(",", ":"))
    f.write("\n")

# Jensen-Shannon noise: the distance between two samples of one
# distribution is above 0 by sampling noise alone, the more so the more
# categories (about 0.15 for 22,000 values on each side uniform over 2,000
# categories, each expected 11 times). Chosen automatically (more than
# 1,000 reference values), the distance drifts only when chi2_contingency
# over the same pooled table is also significant (p < 0.05); chosen
# explicitly it decides alone. Counts are lists over categories named
# c00000, c00001, ... (a category counted 0 on both sides is absent);
# pooled as pooled_case above, computed on the pooled table by
# chi2_contingency and jensenshannon. Own generator, written to
# reference_noise.json so that the files above stay as they were.
rng9 = np.random.default_rng(20261202)


def noise_case(name, ref, cur):
    ref, cur = np.asarray(ref, dtype=float), np.asarray(cur, dtype=float)
    seen = (ref + cur) > 0
    table = np.vstack([ref[seen], cur[seen]])
    expected = stats.contingency.expected_freq(table)
    sparse = expected.max(axis=0) < 5
    if sparse.sum() >= 2:
        table = np.hstack([table[:, ~sparse], table[:, sparse].sum(axis=1, keepdims=True)])
        pooled = int(sparse.sum())
    else:
        pooled = 0
    chi2, p, dof, _ = stats.chi2_contingency(table)
    js = float(jensenshannon(table[0], table[1]))
    assert table[0].sum() > 1000, name  # where Jensen-Shannon is the automatic choice
    return {"name": name, "ref": [int(v) for v in ref], "cur": [int(v) for v in cur],
            "categories": int(seen.sum()), "pooled": pooled, "chi2": float(chi2), "chi2_p": float(p),
            "dof": int(dof), "js": js,
            "drifted": bool(js >= 0.1 and p < 0.05), "drifted_explicit": bool(js >= 0.1)}


def shifted(k, hot, moved):
    probs = np.full(k, (1 - moved) / k)
    probs[:hot] += moved / hot
    return probs


flat2000 = np.full(2000, 1 / 2000)
noise_cases = [noise_case(f"same-{i}", rng9.multinomial(22000, flat2000), rng9.multinomial(22000, flat2000))
               for i in range(3)]
noise_cases += [
    # 20% of the mass moved onto 40 of the categories.
    noise_case("shift-20pct", rng9.multinomial(22000, flat2000), rng9.multinomial(22000, shifted(2000, 40, 0.2))),
    # 2% moved: significant (p about 0.01), and the distance, mostly its
    # noise, past 0.1: drift. The rule asks both, effect size and
    # significance; it does not remove the distance's bias.
    noise_case("shift-2pct", rng9.multinomial(22000, flat2000), rng9.multinomial(22000, shifted(2000, 40, 0.02))),
    # A well-filled table, one distribution: neither test says drift.
    noise_case("few-same", rng9.multinomial(5000, np.full(8, 1 / 8)), rng9.multinomial(4000, np.full(8, 1 / 8))),
]
for case in noise_cases:
    if case["name"].startswith("same-"):
        # The false alarm this is about: over the threshold, not significant.
        assert case["drifted_explicit"] and not case["drifted"], case["name"]

with open("reference_noise.json", "w") as f:
    json.dump({"categorical": noise_cases}, f, separators=(",", ":"))
    f.write("\n")
