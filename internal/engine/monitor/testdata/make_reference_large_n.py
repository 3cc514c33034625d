#!/usr/bin/python3
"""Asymptotic two-sample KS p-values for samples of billions of values,
computed with scipy (Debian's python3-scipy 1.10), for reference_large_n_test.go.

Run from this directory:

    /usr/bin/python3 make_reference_large_n.py > reference_large_n.json

ks_2samp's asymptotic p-value depends on the data only through the
statistic d and the sizes: kstwo.sf(d, round(n1·n2/(n1+n2))), as
make_reference.py's "ks_asymp" cases, here with effective sizes on both
sides of 2^31 (an int on 32-bit platforms), up to 5·10^11. Compared to
1e-6 relative. scipy answers NaN far in the tail for sizes this large (its
kolmogn gives up there); those cases are left out.
"""
import json
import math
import sys

import numpy as np
from scipy import stats

cases = []
sizes = [
    (4_000_000_000, 4_000_000_000),     # en 2·10^9, below 2^31
    (4_294_967_296, 4_294_967_298),     # en 2^31 exactly after rounding
    (5_000_000_000, 5_000_000_000),     # en 2.5·10^9
    (3_000_000_000, 100_000_000_000),   # unequal sizes, en ≈ 2.9·10^9
    (1_000_000_000_000, 1_000_000_000_000),  # en 5·10^11
]
for n1, n2 in sizes:
    en = n1 * n2 / (n1 + n2)
    for z in [0.3, 0.5, 1.0, 1.36, 1.63, 2.0]:
        d = z / math.sqrt(en)
        p = float(np.clip(stats.kstwo.sf(d, np.round(en)), 0, 1))
        if math.isnan(p):
            continue
        cases.append({"n1": n1, "n2": n2, "d": d, "p": p})

json.dump({"ks_asymp": cases}, sys.stdout, indent=1)
print()
