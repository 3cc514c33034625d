#!/usr/bin/python3
"""Reference models and SHAP values for the TreeSHAP engine.

Run from this directory with Debian's python3-xgboost and python3-numpy:

    /usr/bin/python3 make_models.py

Everything is seeded, so a rerun with the same xgboost gives the same files.
It trains small XGBoost models on synthetic data that has what real data has
and what trips up a reimplementation:

  * missing values (empty cells) in training and in the rows explained, also
    in features that had none in training;
  * integer-valued features, so rows land exactly on split conditions (hist
    cuts are data values; xgboost goes left only when x < condition);
  * a feature near 1e6 with three decimals, which float32 rounds, so a
    float64 comparison would pick the wrong branch;
  * a non-default base_score (stored as a string such as "3E-1").

For each model it writes MODEL.json (Booster.save_model), and
MODEL.expected.csv with, per row of data.csv, xgboost's pred_contribs=True
output (one column per feature, then bias), the margin (output_margin=True)
and the prediction (predict()). Values are float32, written with 9
significant digits so they round-trip exactly.

data.csv is shared: header f0..f7, empty cell = missing. Models trained with
feature names match columns by name; "reg" is trained without names so the
Go side matches it by position.
"""
import csv
import json

import numpy as np
import xgboost as xgb

FEATURES = ["f%d" % i for i in range(8)]


def make_data(rng, n):
    X = np.empty((n, 8))
    X[:, 0] = rng.normal(0, 1, n)
    X[:, 1] = rng.integers(0, 10, n)  # integers: ties with hist cuts
    X[:, 2] = np.round(1e6 + rng.random(n) * 100, 3)  # float32 spacing 0.0625 here
    X[:, 3] = rng.normal(2, 3, n)
    X[:, 4] = rng.integers(0, 2, n)
    X[:, 5] = rng.random(n)
    X[:, 6] = rng.normal(0, 1, n)
    X[:, 7] = np.round(rng.random(n) * 5, 1)
    X[rng.random(n) < 0.25, 3] = np.nan
    X[rng.random(n) < 0.10, 5] = np.nan
    return X


def latent(X, rng):
    x3 = np.nan_to_num(X[:, 3], nan=-1.0)
    x5 = np.nan_to_num(X[:, 5], nan=0.9)
    return (1.2 * X[:, 0] + 0.4 * (X[:, 1] - 4.5) + 0.08 * (X[:, 2] - 1e6 - 50) + 0.5 * x3 * X[:, 4]
            - 2.0 * x5 + 0.3 * X[:, 7] + rng.normal(0, 0.5, len(X)))


def write_data(path, X):
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FEATURES)
        for row in X:
            w.writerow(["" if np.isnan(v) else repr(float(v)) for v in row])


def write_expected(path, booster, X, names):
    d = xgb.DMatrix(X, feature_names=names)
    contribs = booster.predict(d, pred_contribs=True)
    margin = booster.predict(d, output_margin=True)
    pred = booster.predict(d)
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(FEATURES + ["bias", "margin", "prediction"])
        for c, m, p in zip(contribs, margin, pred):
            w.writerow(["%.9g" % v for v in list(c) + [m, p]])


def main():
    rng = np.random.default_rng(20240606)
    Xtrain = make_data(rng, 1500)
    z = latent(Xtrain, rng)
    ybin = (z + rng.logistic(0, 1, len(z)) > 0).astype(float)
    yreg = z * 3 + 10
    X = make_data(rng, 200)
    X[rng.random(len(X)) < 0.05, 0] = np.nan  # missing where training had none
    X[:4, 2] = [1000000.03, 1000000.0312, 1000049.969, 1000049.97]  # float32 rounding cases
    write_data("data.csv", X)

    specs = [
        # name, params, rounds, trained with feature names
        ("binary", dict(objective="binary:logistic", max_depth=6, eta=0.3, tree_method="hist",
                        min_child_weight=2, base_score=0.3), 40, True),
        ("reg", dict(objective="reg:squarederror", max_depth=6, eta=0.2, tree_method="exact",
                     min_child_weight=3, subsample=0.8), 30, False),
        ("reglogistic", dict(objective="reg:logistic", max_depth=3, tree_method="hist", base_score=0.6), 8, True),
        ("logitraw", dict(objective="binary:logitraw", max_depth=3, tree_method="hist", base_score=0.2), 8, True),
        ("poisson", dict(objective="count:poisson", max_depth=3, tree_method="hist", base_score=2.5), 8, True),
        ("pseudohuber", dict(objective="reg:pseudohubererror", max_depth=3, tree_method="hist", base_score=10), 8, True),
        ("gamma", dict(objective="reg:gamma", max_depth=3, tree_method="hist", base_score=3), 8, True),
        ("tweedie", dict(objective="reg:tweedie", max_depth=3, tree_method="hist", tweedie_variance_power=1.3), 8, True),
        ("forest", dict(objective="reg:squarederror", max_depth=4, tree_method="hist", num_parallel_tree=3,
                        subsample=0.7, colsample_bynode=0.7), 3, True),
    ]
    targets = {
        "binary:logistic": ybin, "reg:squarederror": yreg, "reg:logistic": ybin, "binary:logitraw": ybin,
        "count:poisson": np.floor(np.exp(np.clip(z, -3, 3) / 2)), "reg:pseudohubererror": yreg,
        "reg:gamma": np.exp(np.clip(z, -3, 3) / 3), "reg:tweedie": np.floor(np.exp(np.clip(z, -3, 3) / 2)),
    }
    index = []
    for name, params, rounds, named in specs:
        params = dict(params, seed=7, nthread=1)
        names = FEATURES if named else None
        dtrain = xgb.DMatrix(Xtrain, label=targets[params["objective"]], feature_names=names)
        booster = xgb.train(params, dtrain, rounds)
        booster.save_model(name + ".json")
        write_expected(name + ".expected.csv", booster, X, names)
        index.append({"model": name + ".json", "expected": name + ".expected.csv", "objective": params["objective"],
                      "feature_names": named})
    with open("models.json", "w") as f:
        json.dump({"xgboost": xgb.__version__, "data": "data.csv", "models": index}, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
