#!/usr/bin/python3
"""Writes assign_vectors.json: experiment assignment test vectors for
sdk.Assign, computed independently of the Go code with Python's hashlib.

    /usr/bin/python3 sdk/testdata/make_assign_vectors.py > sdk/testdata/assign_vectors.json

The algorithm (the README and the doc comment of sdk.Assign say the same):
h = first 8 bytes, big-endian, of SHA-256(key + "\\x00" + unit) (UTF-8);
u = (h >> 11) / 2**53; total = sum of the weights left to right; the
variant is the first i with u < s_i / total where s_i is the running sum,
else the last variant with a positive weight.
"""
import hashlib
import json
import sys


def point(key, unit):
    d = hashlib.sha256(key.encode("utf-8") + b"\x00" + unit.encode("utf-8")).digest()
    h = int.from_bytes(d[:8], "big")
    return h, (h >> 11) / 2.0**53


def assign(key, unit, weights):
    _, u = point(key, unit)
    total = 0.0
    for w in weights:
        total += w
    s = 0.0
    last = 0
    for i, w in enumerate(weights):
        if w > 0:
            last = i
        s += w
        if u < s / total:
            return i
    return last


WEIGHTS = [
    [0.5, 0.5],
    [1, 1],
    [0.9, 0.1],
    [0.1, 0.2, 0.7],
    [1, 2, 3, 4],
    [0, 1, 0],
    [0.25, 0.25, 0.25, 0.25, 0],
    [0.001, 0.999],
    [1e-9, 1, 1e9],
    [33, 33, 34],
]
KEYS = ["checkout-button", "credit-risk-v2", "", "推荐排序", "exp\x01odd"]
UNITS = ["user-1", "user-2", "user-42", "", "客户-7", "a" * 200] + ["u%d" % i for i in range(40)]

vectors = []
for ki, key in enumerate(KEYS):
    for ui, unit in enumerate(UNITS):
        h, u = point(key, unit)
        weights = WEIGHTS[(ki * 7 + ui) % len(WEIGHTS)]
        vectors.append({
            "experiment": key,
            "unit": unit,
            "hash": "%016x" % h,
            "u": u,
            "weights": [float(w) for w in weights],
            "variant": assign(key, unit, [float(w) for w in weights]),
        })

treatment = []
for ui, unit in enumerate(UNITS):
    for share in (0.0, 0.1, 0.5, 0.95, 1.0):
        treatment.append({
            "experiment": "new-pricing",
            "unit": unit,
            "share": share,
            "treatment": assign("new-pricing", unit, [1.0 - share, share]) == 1,
        })

json.dump({"generator": "sdk/testdata/make_assign_vectors.py (Python %d.%d hashlib)" % sys.version_info[:2],
           "assign": vectors, "treatment": treatment}, sys.stdout, indent=1, ensure_ascii=False)
sys.stdout.write("\n")
