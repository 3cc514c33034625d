#!/usr/bin/python3
"""Writes the stray-leading-zero case of lodestar drift and its reference
figures: a column of 500 amounts, N(100, 10) with two decimals, in each
file; in the current, row 250 (line 252) is "00", a number written with a
leading zero. lodestar drift counts it as the number 0 (one stray among
500 numbers is no column of codes), so its KS test is scipy's ks_2samp of
the two files' amounts with that cell read as 0.

    /usr/bin/python3 cmd/lodestar/testdata/make_leading_zeros.py

writes leading_zeros_ref.csv, leading_zeros_cur.csv and
leading_zeros_ref.json beside this script (statistic and p-value, exact as
lodestar computes for samples this small). Written with Debian's numpy and
scipy; the data are drawn by numpy's default_rng, so another numpy may draw
others — the test reads the files kept, not the generator.
"""
import json
import os

import numpy as np
from scipy import stats

rng = np.random.default_rng(20261130)
ref = np.round(100 + 10 * rng.standard_normal(500), 2)
cur = np.round(100 + 10 * rng.standard_normal(500), 2)
cur_cells = ["%.2f" % x for x in cur]
cur_cells[250] = "00"
cur[250] = 0.0

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "leading_zeros_ref.csv"), "w") as f:
    f.write("amount\n" + "".join("%.2f\n" % x for x in ref))
with open(os.path.join(here, "leading_zeros_cur.csv"), "w") as f:
    f.write("amount\n" + "".join(c + "\n" for c in cur_cells))

r = stats.ks_2samp(ref, cur, method="exact")
with open(os.path.join(here, "leading_zeros_ref.json"), "w") as f:
    json.dump({"ks_statistic": float(r.statistic), "ks_p_value": float(r.pvalue),
               "reference_count": int(len(ref)), "current_count": int(len(cur))}, f, indent=1)
    f.write("\n")
