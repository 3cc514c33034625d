#!/usr/bin/env bash
# bench/run.sh — HTTP throughput and latency of a real `lodestar serve` on
# SQLite, measured with wrk from a second process on loopback.
#   bash bench/run.sh [SECONDS] [USE_CASES] [all|switch]
# Installs wrk from Debian when missing (root; bench/deps.sh). Prints one line per
# endpoint: requests/s and latency percentiles. Nothing is asserted: the
# figures go into the README with the machine they came from. "switch"
# measures only the switch read (bench/switch/run.sh uses it).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH
secs=${1:-10}
n=${2:-2000}
only=${3:-all}

. bench/deps.sh
need wrk

work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
CGO_ENABLED=0 go build -o "$work/lodestar" ./cmd/lodestar

LODESTAR_ADMIN_EMAIL=bench@example.com LODESTAR_ADMIN_PASSWORD=bench-password-123 \
  "$work/lodestar" serve --data "$work/data" --addr 127.0.0.1:0 --log-level error >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 100); do grep -q 'serving on' "$work/out" 2>/dev/null && break; sleep 0.1; done
url=$(sed -n 's/.*serving on \(http[^ ]*\).*/\1/p' "$work/out")
token=$("$work/lodestar" token create --data "$work/data" --user bench@example.com --name bench | tail -n1)

# Seed through the API, so every row carries its audit entry as in real use.
echo "seeding $n use cases through the API…" >&2
start=$(date +%s.%N)
for i in $(seq "$n"); do
  printf '{"title":"Use case %d","description":"Seeded for the benchmark"}' "$i"
  echo
done | xargs -d '\n' -P 4 -I{} curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d {} "$url/api/v1/use-cases"
end=$(date +%s.%N)
awk -v n="$n" -v s="$start" -v e="$end" 'BEGIN { printf "seed: %d audited creates in %.1fs (%.0f/s, 4 parallel curl clients)\n", n, e-s, n/(e-s) }'

# A model, so there is a switch to read (services poll it on their hot path).
curl -sf -o /dev/null -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"use_case_id":1,"key":"bench-model","name":"Bench model"}' "$url/api/v1/models"

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"title":"Benchmark write","description":"wrk"}'
wrk.headers["Content-Type"] = "application/json"
LUA

run() { # name, path, extra wrk args…
  local name=$1 path=$2; shift 2
  wrk -t2 -c16 -d"${secs}s" --latency -H "Authorization: Bearer $token" "$@" "$url$path" >"$work/wrk" 2>&1
  awk -v name="$name" '
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = $2 } $1 == "90%" { p90 = $2 } $1 == "99%" { p99 = $2 }
    /Non-2xx/ { bad = $NF }
    END { printf "%-34s %10s req/s   p50 %-8s p90 %-8s p99 %-8s%s\n", name, rps, p50, p90, p99, (bad ? "  non-2xx " bad : "") }' "$work/wrk"
}
echo "wrk: 2 threads, 16 connections, ${secs}s each, $(nproc) cores, $(uname -m)"
run "GET /api/v1/switches/{key}" /api/v1/switches/bench-model
[ "$only" = switch ] && exit 0
run "GET /healthz" /healthz
run "GET /api/v1/use-cases?limit=50" "/api/v1/use-cases?limit=50"
run "GET /api/v1/use-cases/{id}" /api/v1/use-cases/7
run "POST /api/v1/use-cases (audited)" /api/v1/use-cases -s "$work/post.lua"
"$work/lodestar" audit verify --data "$work/data"
