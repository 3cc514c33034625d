#!/usr/bin/python3
"""TreeSHAP throughput: xgboost's pred_contribs against Lodestar's Go engine.

    /usr/bin/python3 bench_treeshap.py [--dir DIR] [--rows N] [--reuse] [--no-go]

Trains a seeded 100-tree, depth-6 binary:logistic model (20 features, 10%
missing values) with Debian's python3-xgboost and writes DIR/model.json,
DIR/data.csv (N rows to explain) and DIR/expected.csv (pred_contribs of the
first 200 rows). It times Booster.predict(pred_contribs=True) with nthread=1
(best of 3 runs, wall and CPU time), then runs the Go benchmark on the same model and rows

    LODESTAR_TREESHAP_BENCH_DIR=DIR go test -run '^$' -bench TreeSHAP100x6 ./internal/engine/explain

which first checks that its values agree with expected.csv to 1e-5, and
prints both rates and their ratio (Go / xgboost; above 1 means Go is faster).
The ratio by CPU time is the one to trust on a shared machine.
Nothing is written into the repository; DIR defaults to a temporary folder.
"""
import argparse
import csv
import os
import re
import subprocess
import sys
import tempfile
import time

import numpy as np
import xgboost as xgb

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE = os.path.dirname(HERE)  # internal/engine/explain


def make_model(dirname, rows):
    rng = np.random.default_rng(100_6)
    nf = 20
    X = rng.normal(size=(20000 + rows, nf))
    X[rng.random(X.shape) < 0.1] = np.nan
    w = rng.normal(size=nf)
    z = np.nan_to_num(X) @ w + np.sin(np.nan_to_num(X[:, 0]) * 3) + rng.logistic(size=len(X))
    y = (z > 0).astype(float)
    dtrain = xgb.DMatrix(X[:20000], label=y[:20000])
    params = {"objective": "binary:logistic", "max_depth": 6, "eta": 0.1, "tree_method": "hist",
              "min_child_weight": 0, "seed": 1, "nthread": 1}
    booster = xgb.train(params, dtrain, 100)
    booster.save_model(os.path.join(dirname, "model.json"))
    Xe = X[20000:]
    with open(os.path.join(dirname, "data.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["f%d" % i for i in range(nf)])
        for row in Xe:
            wr.writerow(["" if np.isnan(v) else repr(float(v)) for v in row])
    return booster, Xe


def time_xgboost(booster, Xe):
    """Best of 3 runs, as rows per wall second and rows per CPU second."""
    booster.set_param({"nthread": 1})
    d = xgb.DMatrix(Xe, nthread=1)
    wall = cpu = float("inf")
    contribs = None
    for _ in range(3):
        t, c = time.perf_counter(), time.process_time()
        contribs = booster.predict(d, pred_contribs=True)
        wall = min(wall, time.perf_counter() - t)
        cpu = min(cpu, time.process_time() - c)
    return len(Xe) / wall, len(Xe) / cpu, contribs


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[1])
    ap.add_argument("--dir", help="where to write the model and data (default: a temporary folder)")
    ap.add_argument("--rows", type=int, default=5000, help="rows to explain")
    ap.add_argument("--no-go", action="store_true", help="time xgboost only")
    ap.add_argument("--reuse", action="store_true", help="reuse DIR/model.json and DIR/data.csv from an earlier run")
    args = ap.parse_args()
    dirname = args.dir or tempfile.mkdtemp(prefix="lodestar-treeshap-")
    os.makedirs(dirname, exist_ok=True)
    if args.reuse:
        booster = xgb.Booster(model_file=os.path.join(dirname, "model.json"))
        Xe = np.genfromtxt(os.path.join(dirname, "data.csv"), delimiter=",", skip_header=1, missing_values="",
                           filling_values=np.nan)
    else:
        booster, Xe = make_model(dirname, args.rows)
    xgb_wall, xgb_cpu, contribs = time_xgboost(booster, Xe)
    with open(os.path.join(dirname, "expected.csv"), "w", newline="") as f:
        wr = csv.writer(f, lineterminator="\n")
        wr.writerow(["f%d" % i for i in range(Xe.shape[1])] + ["bias"])
        for c in contribs[:200]:
            wr.writerow(["%.9g" % v for v in c])
    print("model: %s (100 trees, max_depth 6, %d features); %d rows" % (dirname, Xe.shape[1], len(Xe)))
    print("xgboost %s pred_contribs, nthread=1: %.0f rows/s wall, %.0f rows/cpu-s" % (xgb.__version__, xgb_wall, xgb_cpu))
    if args.no_go:
        return
    env = dict(os.environ, LODESTAR_TREESHAP_BENCH_DIR=dirname)
    out = subprocess.run(["go", "test", "-run", "^$", "-bench", "TreeSHAP100x6", "-benchtime", "3x", "-v", "."],
                         cwd=PACKAGE, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit("go benchmark failed:\n" + out.stdout + out.stderr)
    wall = re.search(r"([0-9.]+) rows/s", out.stdout)
    cpu = re.search(r"([0-9.]+) rows/cpu-s", out.stdout)
    if not wall:
        sys.exit("no rows/s in go output:\n" + out.stdout)
    go_wall = float(wall.group(1))
    go_cpu = float(cpu.group(1)) if cpu else float("nan")
    print("lodestar TreeSHAP (Go, 1 goroutine): %.0f rows/s wall, %.0f rows/cpu-s" % (go_wall, go_cpu))
    print("ratio Go / xgboost: %.2f by CPU time, %.2f by wall time (wall time is only meaningful on an idle machine)"
          % (go_cpu / xgb_cpu, go_wall / xgb_wall))


if __name__ == "__main__":
    main()
