#!/usr/bin/python3
"""Reference values for the Parquet DECIMAL tests of internal/dataset.

Run with Debian's Python from the repository root:

    /usr/bin/python3 internal/dataset/testdata/make_decimals.py

It writes decimals.tsv beside this script: one DECIMAL a line, as its unscaled
integer, its scale, and the float64 nearest to it (Python's float(Decimal), which
rounds once, correctly), spelt by repr so that it reads back exactly. The Go test
writes each unscaled integer into Parquet files (as INT32 and INT64 where it fits,
as a 16-byte FIXED_LEN_BYTE_ARRAY and as a BYTE_ARRAY) and compares what the
package reads with the third column, bit for bit. The cases are fixed, not drawn:
those where dividing float64(unscaled) by 10^scale rounds twice and misses the
nearest float64 are chosen on purpose and checked to be so here.
"""

import os
from decimal import Decimal, getcontext

getcontext().prec = 200

cases = [
    (0, 0), (1, 2), (-1, 2), (12345, 2), (-12345, 2), (199, 2), (2147483647, 4), (-2147483648, 4),
    (9007199254740993, 0),            # 2^53 + 1: float64(v) alone rounds
    (9007199254740993, 1),            # and float64(v)/10 rounds twice
    (-9223372036854775808, 3), (9223372036854775807, 18),
    (12345678901234567890123456789012345678, 10),
    (-12345678901234567890123456789012345678, 38),
    (99999999999999999999999999999999999999, 0),
    (2**127 - 1, 0), (-(2**127), 0), (-(2**127), 30),
    (31415926535897932384626433832795028841, 37),
    (10000000000000000000000000000000000001, 20),  # beyond 17 digits: the 1 at the end is lost
    (123456789012345678901, 5),
    (5258986265376043509, 1), (-1096615257545913404, 4),  # INT64 values where rounding twice misses
    (-5, 30), (7, 25), (1234567, 0),
]

here = os.path.dirname(os.path.abspath(__file__))
twice = 0
with open(os.path.join(here, "decimals.tsv"), "w") as f:
    f.write("# unscaled\tscale\tfloat64 (written by make_decimals.py with Python's float(Decimal))\n")
    for unscaled, scale in cases:
        x = float(Decimal(unscaled).scaleb(-scale))
        if scale <= 22 and float(unscaled) / 10.0**scale != x:
            twice += 1
        f.write(f"{unscaled}\t{scale}\t{x!r}\n")
assert twice >= 2, "no case where rounding twice misses"
print(f"{len(cases)} cases, {twice} where float(unscaled)/10**scale is not the nearest float64")
