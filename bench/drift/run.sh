#!/usr/bin/env bash
# bench/drift/run.sh — the monitoring engine's and `lodestar drift`'s
# benchmarks (issue 4, item 9), side by side on this machine:
#
#   1. engine: Window.Add events/s per core with 20 numeric + 5
#      categorical features (go test -bench, target ≥ 1M/s, 0 allocs);
#   2. drift: `lodestar drift` on a generated ROWS × 20 CSV pair against the
#      same per-column KS + PSI in pandas/numpy/scipy (/usr/bin/python3),
#      time and peak RSS of each (GNU time -v), and the ratios (targets:
#      ≥ 20× faster, ≤ 1/10 of the memory);
#   3. drift from Parquet: a generated PROWS × 100 Parquet pair (typed
#      columns: doubles, floats, int32 counts, int64, dictionary strings;
#      snappy), time and peak RSS against the targets (< 2 min, < 1 GiB).
#      pandas is not run on it: it would need the whole frames in memory
#      (2 × 8 GB) and this Python has no Parquet reader.
#
#   bash bench/drift/run.sh [ROWS [PROWS]]   (defaults 1000000 and 10000000)
#
# pandas, numpy, scipy and GNU time come from Debian (installed when
# missing, as root: bench/deps.sh).
#
# The data is written once by bench/drift/gen to $LODESTAR_BENCH_DIR
# (default /tmp/lodestar-drift-bench; the Parquet pair takes about 10 GB and
# some minutes to write) and reused. Nothing is asserted: the figures go
# into the README with the machine they came from.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH
. bench/deps.sh
need python3-numpy python3-pandas python3-scipy time
rows=${1:-1000000}
prows=${2:-10000000}
base=${LODESTAR_BENCH_DIR:-${TMPDIR:-/tmp}/lodestar-drift-bench}
dir=$base/$rows
pdir=$base/parquet-${prows}x100
mkdir -p "$dir" "$pdir"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "machine: $(nproc) cores, $(uname -m), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"

echo
echo "== engine: Window.Add, 20 numeric + 5 categorical features, one core"
go test -run '^$' -bench 'WindowAdd$' -benchtime 3s -count 3 ./internal/engine/monitor/ |
  awk '/^BenchmarkWindowAdd/ { for (i = 1; i <= NF; i++) { if ($(i) == "events/s") w = $(i-1); if ($(i) == "events/cpu-s") c = $(i-1); if ($(i) == "allocs/op") a = $(i-1) }
       printf "  run: %10.0f events/s wall   %10.0f events/s per CPU-second   %s allocs/event\n", w, c, a }'

echo
echo "== drift: $rows rows x 20 columns"
CGO_ENABLED=0 go build -o "$work/lodestar" ./cmd/lodestar
if [ ! -s "$dir/current.csv" ]; then
  echo "  generating $dir/{reference,current}.csv …"
  go run ./bench/drift/gen -rows "$rows" -dir "$dir"
fi
ls -l "$dir"/reference.csv "$dir"/current.csv | awk '{ printf "  %s  %.0f MB\n", $NF, $5/1e6 }'

# measure NAME CMD…: wall seconds and peak RSS (KB) from GNU time.
measure() {
  local name=$1; shift
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -v "$@" >"$work/$name.out" 2>"$work/$name.time"
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }' "$work/$name.time")
    rss=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/$name.time")
    cpu=$(awk -F': ' '/User time|System time/ { s += $2 } END { print s }' "$work/$name.time")
  else
    local t0 t1
    t0=$(date +%s.%N); "$@" >"$work/$name.out"; t1=$(date +%s.%N)
    wall=$(echo "$t1 - $t0" | bc); rss=0; cpu=0
  fi
  printf "  %-8s %8.2f s wall  %8.2f s CPU   peak RSS %8.1f MB\n" "$name" "$wall" "$cpu" "$(echo "$rss / 1024" | bc -l)"
  eval "${name}_wall=$wall ${name}_rss=$rss ${name}_cpu=$cpu"
}
measure lodestar "$work/lodestar" drift --reference "$dir/reference.csv" --current "$dir/current.csv" --format json
measure pandas /usr/bin/python3 bench/drift/drift_pandas.py "$dir/reference.csv" "$dir/current.csv"
awk -v lw="$lodestar_wall" -v pw="$pandas_wall" -v lr="$lodestar_rss" -v pr="$pandas_rss" -v lc="$lodestar_cpu" -v pc="$pandas_cpu" 'BEGIN {
  printf "  ratio: lodestar is %.1fx faster (wall; %.1fx in CPU time) and uses %.1f%% of the memory (1/%.1f)\n", pw/lw, pc/lc, 100*lr/pr, pr/lr }'
echo "  (lodestar uses both cores; wall times on a shared machine depend on the neighbours: compare at low load)"

# The figures should agree: lodestar's binned KS brackets scipy's, and the
# PSI differs only by its bins being cut from a sample of the reference.
/usr/bin/python3 - "$work/lodestar.out" "$work/pandas.out" <<'PY'
import json, sys
l = {c["name"]: c for c in json.load(open(sys.argv[1]))["columns"]}
p = json.load(open(sys.argv[2]))
print(f"  pandas: read {p['read_seconds']:.1f} s, tests {p['compute_seconds']:.1f} s")
ks = max(abs(l[c["name"]]["ks"] - c["ks"]) for c in p["columns"])
inside = all(l[c["name"]]["ks"] - 1e-12 <= c["ks"] <= l[c["name"]].get("ks_upper_bound", l[c["name"]]["ks"]) + 1e-12 for c in p["columns"])
psi = max(abs(l[c["name"]]["psi"] - c["psi"]) for c in p["columns"])
print(f"  agreement: max |KS - scipy| = {ks:.2e} (scipy's KS inside lodestar's bounds: {inside}), max |PSI - numpy| = {psi:.2e}")
PY

echo
echo "== drift from Parquet: $prows rows x 100 columns"
if [ ! -s "$pdir/current.parquet" ]; then
  echo "  generating $pdir/{reference,current}.parquet …"
  go run ./bench/drift/gen -format parquet -rows "$prows" -cols 100 -dir "$pdir"
fi
ls -l "$pdir"/reference.parquet "$pdir"/current.parquet | awk '{ printf "  %s  %.0f MB\n", $NF, $5/1e6 }'
measure parquet "$work/lodestar" drift --reference "$pdir/reference.parquet" --current "$pdir/current.parquet" --format json
awk -v w="$parquet_wall" -v r="$parquet_rss" -v c="$parquet_cpu" -v n="$prows" 'BEGIN {
  printf "  targets: %.0f%% of 2 min, %.0f%% of 1 GiB; %.0f M values/s wall (%.0f M per CPU-second)\n", 100*w/120, 100*r/1048576, 2*n*100/w/1e6, 2*n*100/c/1e6 }'
/usr/bin/python3 - "$work/parquet.out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
m = {}
for c in d["columns"]:
    m[c.get("method") or c["kind"]] = m.get(c.get("method") or c["kind"], 0) + 1
print(f"  {d['reference_rows']} and {d['current_rows']} rows; columns by method: {m}; dataset drift: {d['dataset_drift']}")
PY
