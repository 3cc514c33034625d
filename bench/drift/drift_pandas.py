#!/usr/bin/python3
"""The comparison for `lodestar drift`: the same per-column drift tests done
the usual way, with pandas, numpy and scipy (Debian's python3-pandas,
python3-numpy, python3-scipy).

    /usr/bin/python3 drift_pandas.py REFERENCE.csv CURRENT.csv > result.json

Per column: scipy.stats.ks_2samp (method "auto": asymptotic for large
samples) and the PSI over reference deciles as Lodestar defines it
(numpy.quantile edges, right-closed bins, empty bins floored at 1e-4).
Prints JSON: seconds (read, compute, total) and the per-column figures.
"""
import json
import sys
import time

import numpy as np
import pandas as pd
from scipy import stats


def psi(r, c, bins=10):
    edges = np.unique(np.quantile(r, np.linspace(0, 1, bins + 1)[1:-1]))
    rp = np.bincount(np.searchsorted(edges, r, side="left"), minlength=len(edges) + 1) / len(r)
    cp = np.bincount(np.searchsorted(edges, c, side="left"), minlength=len(edges) + 1) / len(c)
    rp = np.where(rp == 0, 1e-4, rp)
    cp = np.where(cp == 0, 1e-4, cp)
    return float(np.sum((cp - rp) * np.log(cp / rp)))


def main(ref_path, cur_path):
    t0 = time.perf_counter()
    ref = pd.read_csv(ref_path)
    cur = pd.read_csv(cur_path)
    t1 = time.perf_counter()
    cols = []
    for name in ref.columns:
        r = ref[name].dropna().to_numpy()
        c = cur[name].dropna().to_numpy()
        ks = stats.ks_2samp(r, c)
        cols.append({"name": name, "ks": float(ks.statistic), "p_value": float(ks.pvalue), "psi": psi(r, c)})
    t2 = time.perf_counter()
    json.dump({"read_seconds": t1 - t0, "compute_seconds": t2 - t1, "seconds": t2 - t0, "columns": cols},
              sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
