#!/usr/bin/env bash
# bench/switch/run.sh — every switch and SDK figure in one command:
#   bash bench/switch/run.sh [SECONDS] [FLIPS]
# 1. the SDK's in-process costs (State, Report, Assign; Go benchmarks,
#    6 runs each, summarised by benchstat when it is installed),
# 2. flip-to-client latency with 1,000 and 10,000 live event streams
#    (go run ./bench/switch),
# 3. switch reads over HTTP with wrk (bash bench/run.sh SECONDS 1 switch).
# Nothing is asserted: the figures go into the README with the machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v go >/dev/null || export PATH=/usr/local/go/bin:$PATH
secs=${1:-5}
flips=${2:-10}
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
go test -run X -bench 'State$|Report$|Assign$' -benchmem -count 6 ./sdk >"$out"
benchstat=$(command -v benchstat || echo "$(go env GOPATH)/bin/benchstat")
if [ -x "$benchstat" ]; then
  "$benchstat" "$out"
else
  grep '^Benchmark' "$out"
fi

go run ./bench/switch -subscribers 1000,10000 -flips "$flips"
bash bench/run.sh "$secs" 1 switch
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
