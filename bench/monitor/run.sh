#!/usr/bin/env bash
# The server's monitor pass end to end: builds lodestar, starts it on a
# fresh SQLite data directory (the monitor loop off), sends EVENTS
# prediction events over HTTP with bench/ingest (20 numeric and 5
# categorical features, a binary score, a label and a latency each, UUIDv7
# IDs, one a millisecond, ending ten minutes ago), makes a binary monitor
# of version 1.0 against the first tenth of those events (an event-range
# reference) with windows of EVENTS/100 events, drift, data quality,
# accuracy and latency judged, then times one evaluation from scratch
# (POST /api/v1/monitors/{id}/evaluate: the reference built, every window
# computed, judged and saved) and every window again (with from, as late
# labels ask; the reference kept).
#   bash bench/monitor/run.sh [EVENTS]
# Prints the events, windows, wall and server CPU seconds of each
# evaluation, its events per server CPU-second, and the same for the
# ingestion measured in the same run. Exits non-zero unless the windows'
# events add up to the events sent, none of them unreadable (every event
# bench/ingest sends is readable), and every evaluation's windows are the
# first's to the byte.
#
# LODESTAR_BENCH_AGAINST=BINARY (a lodestar built from other code) then
# evaluates every window of the same monitor again with that build and
# this one in turn, each in a server just started (so the reference is
# built), LODESTAR_BENCH_ROUNDS pairs (default 3), the order alternating:
# before/after figures on the same data, and the windows' digests, which
# must agree (the run fails when they do not).
# LODESTAR_BENCH_PERF=FILE records the server with perf (perf record -g
# -e cpu-clock) during the first evaluation into FILE (with
# LODESTAR_BENCH_PERF_AT=K, the first of the Kth pair of figures printed).
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH
events=${1:-1000000}
batch=5000
if ((events < 100 * 100 || events % batch != 0)); then
  echo "usage: bench/monitor/run.sh [EVENTS], at least 10000 and a multiple of $batch" >&2
  exit 2
fi
size=$((events / 100)) # events per window: 100 windows
against=${LODESTAR_BENCH_AGAINST:-}
rounds=${LODESTAR_BENCH_ROUNDS:-3}
tmp=$(mktemp -d)
pid=
trap '[[ -n $pid ]] && kill $pid 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/lodestar" ./cmd/lodestar
go build -o "$tmp/ingest" ./bench/ingest
export LODESTAR_ADMIN_EMAIL=bench@example.com LODESTAR_ADMIN_PASSWORD=bench-password-123
# cpu PID: the process's user+system CPU seconds so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
now() { date +%s.%N; }
db=(--data "$tmp/data")
# serve BINARY: starts the server on the data directory, sets pid and url.
serve() {
  [[ -n $pid ]] && { kill "$pid"; wait "$pid" || true; }
  rm -f "$tmp/out"
  "$1" serve --addr 127.0.0.1:0 --monitor-interval 0 --log-level warn "${db[@]}" >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  for _ in $(seq 100); do grep -q 'serving on' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
  url=$(sed -n 's/^Lodestar is serving on //p' "$tmp/out")
  [[ -n $url ]] || { cat "$tmp/err" >&2; exit 1; }
  # Until its start-up work is done (its CPU still for half a second), so
  # that none of it is counted in an evaluation.
  local a b
  for _ in $(seq 40); do
    a=$(cpu "$pid")
    sleep 0.5
    b=$(cpu "$pid")
    [[ $a == "$b" ]] && break
  done
}
serve "$tmp/lodestar"
admin=$("$tmp/lodestar" token create --user bench@example.com --name setup "${db[@]}" | tail -n1)
ingest=$("$tmp/lodestar" token create --user bench@example.com --name producer --scope ingest "${db[@]}" | tail -n1)
# api METHOD PATH [JSON]: the answer's body; a failure stops the run.
api() {
  curl -sS --fail-with-body -X "$1" -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    ${3:+-d "$3"} "$url/api/v1$2"
}
api POST /use-cases '{"title":"Bench"}' >/dev/null
model=$(api POST /models '{"use_case_id":1,"key":"recommender","name":"Recommender"}' | jq -r .id)
api POST "/models/$model/versions" '{"version":"1.0"}' >/dev/null

# Event n is at t0 + n ms; the last is ten minutes ago, so every window
# has closed by the evaluation.
t0ms=$(($(date +%s) * 1000 - events - 600000))
iso() { date -u -d "@$(($1 / 1000)).$(printf %03d $(($1 % 1000)))" +%Y-%m-%dT%H:%M:%S.%3NZ; }
t0=$(iso "$t0ms")
before=$(cpu "$pid")
"$tmp/ingest" -url "$url" -token "$ingest" -events "$events" -batch "$batch" -clients 4 -start "$t0" | tee "$tmp/ingest.out"
after=$(cpu "$pid")
ingest_rate=$(awk '/^ingest/ { for (i = 1; i <= NF; i++) if ($i == "events/s;") print $(i-1) }' "$tmp/ingest.out")
ingest_cpu=$(awk -v b="$before" -v a="$after" 'BEGIN { printf "%.2f", a - b }')
# An N-event window closes when a later event comes: one more event, now,
# closes the last (it waits in the next window, which stays open).
printf '{"id":"closer","version":"1.0","features":{},"prediction":0.5,"label":1,"latency_ms":3}\n' |
  curl -sS --fail-with-body -H "Authorization: Bearer $ingest" -H 'Content-Type: application/x-ndjson' \
    --data-binary @- "$url/api/v1/models/recommender/events" >/dev/null
ref_to=$(iso $((t0ms + events / 10)))

# evaluate BODY: times one evaluation of $monitor; sets wall and eval_cpu,
# the answer in $tmp/eval.json.
evaluate() {
  local before after t
  before=$(cpu "$pid")
  t=$(now)
  api POST "/monitors/$monitor/evaluate" "$1" >"$tmp/eval.json"
  wall=$(awk -v a="$(now)" -v b="$t" 'BEGIN { printf "%.2f", a - b }')
  after=$(cpu "$pid")
  eval_cpu=$(awk -v b="$before" -v a="$after" 'BEGIN { printf "%.2f", a - b }')
}
failed=0
n=0
monitor=
digest0= # the first evaluation's windows' digest: every one must match it
# measure LABEL: evaluates the monitor (made on the first call) on the
# server running: from scratch the first time, else every window again
# (from), in either case building the reference when the server has just
# started; then every window again, the reference kept. Prints the figures
# and checks the windows.
measure() {
  n=$((n + 1))
  local body first="monitor pass from scratch"
  body=$(jq -nc --arg from "$t0" '{from: $from}')
  if [[ -z $monitor ]]; then
    monitor=$(api POST "/models/$model/monitors" "$(jq -nc --arg from "$t0" --arg to "$ref_to" --arg w "events:$size" '{
      version: "1.0", name: "bench", task: "binary", threshold: 0.5, window: $w,
      reference: {kind: "events", from: $from, to: $to},
      thresholds: {min_accuracy: 0.45, max_latency_p95_ms: 50, drift: true, data_quality: true}}')" | jq -r .id)
    body='{}'
  else
    first="every window, the server just started"
  fi
  local perfpid=
  if [[ -n ${LODESTAR_BENCH_PERF:-} && $n == "${LODESTAR_BENCH_PERF_AT:-1}" ]]; then
    perf record -g -e cpu-clock -o "$LODESTAR_BENCH_PERF" -p "$pid" 2>"$tmp/perf.err" &
    perfpid=$!
    sleep 1
  fi
  evaluate "$body"
  if [[ -n $perfpid ]]; then
    kill -INT "$perfpid" 2>/dev/null || true
    wait "$perfpid" || true # perf stopped by SIGINT exits non-zero
    if [[ -s $LODESTAR_BENCH_PERF ]]; then
      echo "perf: $LODESTAR_BENCH_PERF (perf report -i $LODESTAR_BENCH_PERF --no-children)"
    else
      echo "perf did not record:" >&2
      cat "$tmp/perf.err" >&2
    fi
  fi
  local windows counted unreadable stored digest first_wall=$wall first_cpu=$eval_cpu
  windows=$(jq '.windows | length' "$tmp/eval.json")
  counted=$(jq '[.windows[] | .events] | add // 0' "$tmp/eval.json")
  unreadable=$(jq '[.windows[] | .unreadable // 0] | add // 0' "$tmp/eval.json")
  stored=$(api GET "/monitors/$monitor/windows?limit=1" | jq .total)
  digest=$(jq -c .windows "$tmp/eval.json" | sha256sum | cut -c1-16)
  # Then every window again (with from, as late labels ask): the same
  # reading, without building the reference, which the server keeps.
  evaluate "$(jq -nc --arg from "$t0" '{from: $from}')"
  local again again_digest
  again=$(jq '[.windows[] | .events] | add // 0' "$tmp/eval.json")
  again_digest=$(jq -c .windows "$tmp/eval.json" | sha256sum | cut -c1-16)
  awk -v label="$1" -v n="$events" -v w="$windows" -v size="$size" -v wall="$first_wall" -v c="$first_cpu" -v wall2="$wall" -v c2="$eval_cpu" \
    -v ir="$ingest_rate" -v ic="$ingest_cpu" -v rn="$((events / 10))" -v first="$first" 'BEGIN {
    ir_cpu = n / ic
    printf "%s%s: %d events, %d windows of %d events, a reference of %d events built: %.2f s wall, server CPU %.2f s\n", label, first, n, w, size, rn, wall, c
    printf "  %.0f events/s (wall), %.0f events per server CPU-s: %.2fx ingestion by wall, %.2fx per server CPU-s\n", n / wall, n / c, (n / wall) / ir, (n / c) / ir_cpu
    printf "%severy window again (the reference kept): %.2f s wall, server CPU %.2f s\n", label, wall2, c2
    printf "  %.0f events/s (wall), %.0f events per server CPU-s: %.2fx ingestion by wall, %.2fx per server CPU-s\n", n / wall2, n / c2, (n / wall2) / ir, (n / c2) / ir_cpu
  }'
  echo "${1}windows' events: $counted of $events sent, $unreadable unreadable ($windows windows, $stored stored; $again again); windows' digest $digest"
  if [[ $counted != "$events" || $unreadable != 0 || $stored != "$windows" || $again != "$events" ]]; then
    echo "the windows do not add up to the events sent, or some of them were not read" >&2
    failed=1
  fi
  # The same events and monitor: the same windows, whichever build and
  # whether evaluated from scratch or again.
  [[ -n $digest0 ]] || digest0=$digest
  if [[ $digest != "$digest0" || $again_digest != "$digest0" ]]; then
    echo "${1}the windows differ: digest $digest, again $again_digest, the first evaluation's $digest0" >&2
    failed=1
  fi
}
awk -v ir="$ingest_rate" -v n="$events" -v ic="$ingest_cpu" 'BEGIN {
  printf "ingestion in this run: %.0f events/s (wall), %.0f events per server CPU-s (%.2f s)\n", ir, n / ic, ic }'
if [[ -z $against ]]; then
  measure ""
else
  measure "[this build] "
  for r in $(seq "$rounds"); do
    if ((r % 2)); then order=("$against" "$tmp/lodestar"); else order=("$tmp/lodestar" "$against"); fi
    for bin in "${order[@]}"; do
      label="[this build] "
      [[ $bin == "$against" ]] && label="[against]    "
      serve "$bin"
      measure "$label"
    done
  done
fi
exit "$failed"
