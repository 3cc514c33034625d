#!/usr/bin/env bash
# bench/models/run.sh — every benchmark of "models in production" in one
# command, then one table of each figure against its target:
#
#   bash bench/models/run.sh [ROWS [PROWS [INGEST_RUNS]]]
#
#   1. the monitoring engine and `lodestar drift` against pandas/numpy/scipy
#      on a ROWS × 20 CSV pair, then drift from a PROWS × 100 Parquet pair
#      (bash bench/drift/run.sh ROWS PROWS; defaults 1M and 10M, data kept
#      in $LODESTAR_BENCH_DIR, the Parquet pair ~10 GB written once);
#   2. HTTP ingestion, INGEST_RUNS runs (default 5) of 200,000 events from
#      4 clients (bash bench/ingest/run.sh), the median taken;
#   3. the SDK's switch evaluation (go test -bench State$, 6 runs), flip-to-
#      client latency with 1,000 and 10,000 streams (go run ./bench/switch),
#      switch reads over HTTP with wrk (bash bench/run.sh 5 1 switch);
#   4. the server's monitor pass over 1,000,000 stored events, from scratch
#      (bash bench/monitor/run.sh).
#
# Every part prints its own figures as it goes; the table at the end picks
# them up. Nothing is asserted: on a shared machine a figure says as much
# about the neighbours as about Lodestar (the load average is printed).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH
rows=${1:-1000000}
prows=${2:-10000000}
runs=${3:-5}
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo
echo "##### 1. engine and lodestar drift"
bash bench/drift/run.sh "$rows" "$prows" | tee "$log/drift"

echo
echo "##### 2. HTTP ingestion, $runs runs"
for i in $(seq "$runs"); do
  bash bench/ingest/run.sh 200000 4 2>/dev/null | tee -a "$log/ingest"
done

echo
echo "##### 3. switches"
go test -run X -bench 'State$' -benchmem -count 6 ./sdk | tee "$log/sdk" | grep '^Benchmark'
go run ./bench/switch -subscribers 1000,10000 -flips 10 | tee "$log/switch"
bash bench/run.sh 5 1 switch | tee "$log/wrk"

echo
echo "##### 4. monitor pass"
bash bench/monitor/run.sh | tee "$log/monitor" # its failures on stderr, which stops this run

echo
echo "##### summary (load now $(cut -d' ' -f1-3 /proc/loadavg))"
# median: the middle of the numbers on standard input (the lower middle of
# an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "nan" }'; }
engine=$(awk '/run:/ { print $5 }' "$log/drift" | median)
ratio=$(sed -n 's/.*lodestar is \([0-9.]*\)x faster.*(1\/\([0-9.]*\)).*/\1 \2/p' "$log/drift")
speed=${ratio% *}
memory=${ratio#* }
pwall=$(awk '$1 == "parquet" { print $2 }' "$log/drift")
prss=$(awk '$1 == "parquet" { print $(NF-1) }' "$log/drift")
ingest=$(awk '/^ingest/ { for (i = 1; i <= NF; i++) if ($i == "events/s;") print $(i-1) }' "$log/ingest" | median)
ingest_all=$(awk '/^ingest/ { for (i = 1; i <= NF; i++) if ($i == "events/s;") printf "%s ", $(i-1) }' "$log/ingest")
sdk_ns=$(awk '/^BenchmarkState/ { for (i = 1; i <= NF; i++) if ($i == "ns/op") print $(i-1) }' "$log/sdk" | median)
sdk_allocs=$(awk '/^BenchmarkState/ { for (i = 1; i <= NF; i++) if ($i == "allocs/op") print $(i-1) }' "$log/sdk" | sort -g | tail -n1)
p99_1k=$(awk '$1 == 1000 { print $4 }' "$log/switch")
p99_10k=$(awk '$1 == 10000 { print $4 }' "$log/switch")
# The kernel's own floor in the same run: plain TCP writes to as many
# loopback connections, no HTTP (the "raw TCP" row after each count).
floor_1k=$(awk 'prev == 1000 && $1 == "raw" { print $5 } { prev = $1 }' "$log/switch")
floor_10k=$(awk 'prev == 10000 && $1 == "raw" { print $5 } { prev = $1 }' "$log/switch")
reads=$(awk '/switches/ { for (i = 1; i <= NF; i++) if ($i == "req/s") print $(i-1) }' "$log/wrk")
# The line after "monitor pass from scratch": events per server CPU-s, and
# that against the same run's ingestion.
monitor=$(awk 'prev ~ /monitor pass from scratch/ { for (i = 1; i <= NF; i++) if ($i == "events" && $(i+1) == "per") print $(i-1) } { prev = $0 }' "$log/monitor")
monitor_x=$(awk 'prev ~ /monitor pass from scratch/ { for (i = 1; i <= NF; i++) if ($i == "per" && $(i+1) == "server" && $(i+2) == "CPU-s" && $(i-1) ~ /x$/) print $(i-1) } { prev = $0 }' "$log/monitor")

# row FIGURE VALUE UNIT TARGET MET
row() { printf "  %-52s %14s %-10s %-14s %s\n" "$1" "$2" "$3" "$4" "$5"; }
# met VALUE OP LIMIT: "met" or "NOT met" (nan: "not measured").
met() { awk -v v="$1" -v op="$2" -v l="$3" 'BEGIN {
  if (v == "" || v == "nan") { print "not measured"; exit }
  ok = (op == ">=") ? (v + 0 >= l + 0) : (v + 0 <= l + 0); print ok ? "met" : "NOT met" }'; }
row "figure" "measured" "" "target" ""
row "engine, events/s per core (20 num + 5 cat)" "$engine" "" ">= 1000000" "$(met "$engine" ">=" 1000000)"
row "HTTP ingest, events/s (median of $runs)" "$ingest" "" ">= 200000" "$(met "$ingest" ">=" 200000)"
row "drift vs pandas, times faster (wall)" "$speed" "x" ">= 20" "$(met "$speed" ">=" 20)"
row "drift vs pandas, memory (pandas / lodestar)" "$memory" "x less" ">= 10" "$(met "$memory" ">=" 10)"
row "drift from Parquet ${prows} x 100, wall" "$pwall" "s" "< 120" "$(met "$pwall" "<=" 120)"
row "drift from Parquet ${prows} x 100, peak RSS" "$prss" "MB" "< 1024" "$(met "$prss" "<=" 1024)"
row "SDK switch evaluation (State)" "$sdk_ns" "ns/op" "<= 20" "$(met "$sdk_ns" "<=" 20)"
row "SDK switch evaluation allocations" "$sdk_allocs" "allocs/op" "0" "$(met "$sdk_allocs" "<=" 0)"
row "flip to client, p99 with 1,000 streams" "$p99_1k" "ms" "<= 50" "$(met "$p99_1k" "<=" 50)"
row "flip to client, p99 with 10,000 streams" "$p99_10k" "ms" "<= 50" "$(met "$p99_10k" "<=" 50)"
row "  floor: raw TCP, p99 with 1,000 connections" "$floor_1k" "ms" "(no HTTP)" ""
row "  floor: raw TCP, p99 with 10,000 connections" "$floor_10k" "ms" "(no HTTP)" ""
row "switch reads over HTTP (wrk)" "$reads" "req/s" "(no target)" ""
row "monitor pass, events per server CPU-s (${monitor_x:-?} ingest)" "${monitor:-nan}" "" "—" ""
echo "  ingest runs: $ingest_all"
