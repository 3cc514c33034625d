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
    quantile, to the sketch's 1% relative accuracy.
"""
import csv
import json
import math

import numpy as np
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
eps = np.finfo(float).eps
pc = np.clip(score, eps, 1 - eps)
window = {
    "threshold": 0.5,
    "accuracy": float(metrics.accuracy_score(y, pred)),
    "precision": float(metrics.precision_score(y, pred)),
    "recall": float(metrics.recall_score(y, pred)),
    "f1": float(metrics.f1_score(y, pred)),
    "roc_auc": float(metrics.roc_auc_score(y, score)),
    "log_loss": float(np.mean(-(y * np.log(pc) + (1 - y) * np.log(1 - pc)))),
    "mae": float(metrics.mean_absolute_error(reg_true, reg_pred)),
    "rmse": float(math.sqrt(metrics.mean_squared_error(reg_true, reg_pred))),
    "latency": {str(q): float(np.quantile(lat, q, method="lower")) for q in [0.5, 0.95, 0.99]},
}

with open("reference.json", "w") as f:
    json.dump({"numeric": numeric, "categorical": categorical, "kolmogorov": kolm,
               "ks_asymp": asymp, "window": window}, f, separators=(",", ":"))
    f.write("\n")
