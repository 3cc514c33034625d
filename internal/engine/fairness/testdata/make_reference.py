#!/usr/bin/python3
"""Reference values for the fairness engine, computed with sklearn and numpy.

Run from this directory with Debian's python3-sklearn and python3-numpy:

    /usr/bin/python3 make_reference.py

It writes seeded data sets as CSV (group,label,score or group,label,prediction)
and reference.json with the exact confusion counts and the rates and
disparities computed independently of the Go code:

  * counts from sklearn.metrics.confusion_matrix(labels=[0, 1]);
  * TPR from recall_score, PPV from precision_score, accuracy from
    accuracy_score; FPR, FNR, base rate and selection rate from the counts
    with numpy;
  * a rate whose denominator is zero is null (sklearn would report 0 with a
    warning; Lodestar reports it as undefined);
  * disparities with numpy max/min over groups (sorted as numpy.unique sorts),
    null when any group's rate is undefined;
  * for the cases with "favourable": "negative" (the positive prediction is
    the adverse outcome, as a high-risk flag is), the impact ratio divides
    each group's share of negative predictions, numpy.mean(p == 0), by the
    reference group's, and the reference is the group with the highest such
    share; every other figure is as in the positive case. These cases reuse
    the positive cases' data files.

reference_test.go compares counts exactly and rates to 1e-12.
"""
import csv
import json
import warnings

import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, precision_score, recall_score

warnings.filterwarnings("ignore")  # zero-division warnings: those rates are nulled below


def num(x):
    x = float(x)
    return None if np.isnan(x) else x


def div(a, b):
    return float(a) / float(b) if b else float("nan")


def rates(y, p):
    tn, fp, fn, tp = (int(v) for v in confusion_matrix(y, p, labels=[0, 1]).ravel())
    n = len(y)
    out = {"n": n, "tp": tp, "fp": fp, "tn": tn, "fn": fn}
    out["base_rate"] = div(np.sum(y == 1), n)
    out["selection_rate"] = div(np.sum(p == 1), n)
    out["tpr"] = recall_score(y, p, zero_division=0) if tp + fn else float("nan")
    out["fpr"] = div(fp, fp + tn)
    out["fnr"] = div(fn, tp + fn)
    out["ppv"] = precision_score(y, p, zero_division=0) if tp + fp else float("nan")
    out["accuracy"] = accuracy_score(y, p)
    return out


def spread(vals):
    a = np.array(vals, dtype=float)
    return np.max(a) - np.min(a)  # NaN propagates


def audit(name, groups, y, p, reference=None, extra=None, favourable="positive"):
    names = np.unique(groups)
    per = [dict(group=str(g), **rates(y[groups == g], p[groups == g])) for g in names]
    sel = [g["selection_rate"] for g in per]
    if favourable == "positive":
        fav = sel
        highest = "highest selection rate"
    else:
        fav = [float(np.mean(p[groups == g] == 0)) for g in names]
        highest = "highest favourable rate"
    if reference is None:
        ref = int(np.argmax(fav))  # first maximum, as the Go code breaks ties
        rule = highest
    else:
        ref = [g["group"] for g in per].index(reference)
        rule = "given"
    for g, f in zip(per, fav):
        g["impact_ratio"] = div(f, fav[ref]) if fav[ref] else float("nan")
    tpr = [g["tpr"] for g in per]
    fpr = [g["fpr"] for g in per]
    res = {
        "name": name,
        "favourable": favourable,
        "reference": per[ref]["group"],
        "reference_rule": rule,
        "groups": per,
        "overall": dict(group="", **rates(y, p)),
        "demographic_parity_difference": spread(sel),
        "demographic_parity_ratio": div(np.min(sel), np.max(sel)) if np.max(sel) else float("nan"),
        "equal_opportunity_difference": spread(tpr),
        "equalized_odds_difference": max(spread(tpr), spread(fpr)) if not (np.isnan(spread(tpr)) or np.isnan(spread(fpr))) else float("nan"),
        "min_impact_ratio": np.min([g["impact_ratio"] for g in per]),
    }
    res.update(extra or {})
    return res


def clean(o):
    if isinstance(o, dict):
        return {k: clean(v) for k, v in o.items()}
    if isinstance(o, list):
        return [clean(v) for v in o]
    if isinstance(o, (float, np.floating)):
        return num(o)
    if isinstance(o, np.integer):
        return int(o)
    return o


def write_csv(path, header, cols):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        for row in zip(*cols):
            w.writerow(row)


def scores_case(rng):
    # Four groups of unequal size and base rate; the score is biased against
    # group "B" and rounded to 2 decimals so that ties with the threshold occur.
    sizes = {"A": 2500, "B": 1500, "C": 600, "D": 150}
    base = {"A": 0.35, "B": 0.30, "C": 0.5, "D": 0.2}
    g, y, s = [], [], []
    for name, n in sizes.items():
        lab = (rng.random(n) < base[name]).astype(int)
        shift = -0.12 if name == "B" else 0.0
        sc = np.clip(0.5 + 0.25 * (lab - 0.4) + shift + rng.normal(0, 0.18, n), 0, 1).round(2)
        g += [name] * n
        y.append(lab)
        s.append(sc)
    y, s = np.concatenate(y), np.concatenate(s)
    order = rng.permutation(len(y))
    g, y, s = np.array(g)[order], y[order], s[order]
    threshold = 0.5
    p = (s >= threshold).astype(int)
    write_csv("scores.csv", ["group", "label", "score"], [g, y, ["%.2f" % v for v in s]])
    ties = int(np.sum(s == threshold))
    extra = {"data": "scores.csv", "threshold": threshold, "ties_at_threshold": ties}
    return [audit("scores", g, y, p, extra=extra),
            audit("scores favourable negative", g, y, p, extra=extra, favourable="negative")]


def classes_case(rng):
    # Prediction as a class. Group "never" has no positive labels (TPR, FNR
    # and so the odds differences are undefined); group "quiet" is never
    # predicted positive (PPV undefined). Names include non-ASCII to pin the
    # byte-order sort.
    g, y, p = [], [], []
    spec = {"女": (800, 0.4, 0.8, 0.1), "男": (900, 0.4, 0.7, 0.2), "never": (60, 0.0, 0.0, 0.3), "quiet": (40, 0.5, 0.0, 0.0)}
    for name, (n, br, tpr, fpr) in spec.items():
        lab = (rng.random(n) < br).astype(int)
        pr = np.where(lab == 1, rng.random(n) < tpr, rng.random(n) < fpr).astype(int)
        g += [name] * n
        y.append(lab)
        p.append(pr)
    y, p = np.concatenate(y), np.concatenate(p)
    order = rng.permutation(len(y))
    g, y, p = np.array(g)[order], y[order], p[order]
    write_csv("classes.csv", ["group", "label", "prediction"], [g, y, p])
    # Favourable negative: "quiet", never predicted positive, always gets
    # the favourable outcome.
    return [audit("classes", g, y, p, reference="男", extra={"data": "classes.csv"}),
            audit("classes favourable negative", g, y, p, extra={"data": "classes.csv"}, favourable="negative"),
            audit("classes favourable negative given", g, y, p, reference="男", extra={"data": "classes.csv"}, favourable="negative")]


def main():
    rng = np.random.default_rng(20240605)
    cases = scores_case(rng) + classes_case(rng)
    with open("reference.json", "w") as f:
        json.dump(clean({"generator": "make_reference.py", "cases": cases}), f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
