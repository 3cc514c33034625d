#!/usr/bin/env bash
# HTTP ingestion end to end: builds lodestar, starts it on a fresh SQLite
# data directory (and on PostgreSQL when LODESTAR_BENCH_POSTGRES holds a
# postgres:// URL to an empty database it may use), creates a model and an ingest
# token, and sends prediction events from concurrent clients.
#   bash bench/ingest/run.sh [EVENTS] [CLIENTS]
# Event IDs are UUIDv7 as the Go SDK makes them; LODESTAR_BENCH_IDS=random
# sends 128 random bits instead (slower: each insert lands anywhere in the
# idempotency index). Prints events/s and the server's CPU per event.
set -euo pipefail
cd "$(dirname "$0")/../.."
events=${1:-200000}
clients=${2:-4}
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
go build -o "$tmp/lodestar" ./cmd/lodestar
go build -o "$tmp/ingest" ./bench/ingest
export LODESTAR_ADMIN_EMAIL=bench@example.com LODESTAR_ADMIN_PASSWORD=bench-password-123
# cpu PID: the process's user+system CPU seconds so far.
cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
ids=()
[[ -n ${LODESTAR_BENCH_IDS:-} ]] && ids=(-ids "$LODESTAR_BENCH_IDS")
run() {
  local db=("$@")
  "$tmp/lodestar" serve --addr 127.0.0.1:0 --monitor-interval 0 --log-level warn "${db[@]}" >"$tmp/out" 2>"$tmp/err" &
  pid=$!
  for _ in $(seq 100); do grep -q 'serving on' "$tmp/out" 2>/dev/null && break; sleep 0.1; done
  url=$(sed -n 's/^Lodestar is serving on //p' "$tmp/out")
  admin=$("$tmp/lodestar" token create --user bench@example.com --name setup "${db[@]}" | tail -n1)
  ingest=$("$tmp/lodestar" token create --user bench@example.com --name producer --scope ingest "${db[@]}" | tail -n1)
  curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' -d '{"title":"Bench"}' "$url/api/v1/use-cases" >/dev/null
  curl -sf -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
    -d '{"use_case_id":1,"key":"recommender","name":"Recommender"}' "$url/api/v1/models" >/dev/null
  local before after
  before=$(cpu "$pid")
  # (The client prints its own CPU while sending: generating the events
  # before the clock starts is not counted.)
  "$tmp/ingest" -url "$url" -token "$ingest" -events "$events" -clients "$clients" "${ids[@]}"
  after=$(cpu "$pid")
  awk -v b="$before" -v a="$after" -v n="$events" 'BEGIN { printf "server CPU: %.2f s, %.1f µs per event\n", a - b, (a - b) / n * 1e6 }'
  kill "$pid"; wait "$pid" || true
}
echo "== SQLite"
run --data "$tmp/data"
if [[ -n ${LODESTAR_BENCH_POSTGRES:-} ]]; then
  echo "== PostgreSQL"
  run --database "$LODESTAR_BENCH_POSTGRES"
fi
