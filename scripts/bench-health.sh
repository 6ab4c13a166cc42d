#!/usr/bin/env bash
# Benchmark of bamort-health (issue 8): requests per second and p99 latency of
# GET /api/system/health from a local load generator (wrk), with the rate limit turned
# off for the run, against a migrated copy of the small legacy fixture. The database is
# read at most once per --refresh, so this measures the HTTP path and the cache; the
# number of database reads during the run is printed from /metrics as a check.
#
#   scripts/bench-health.sh [BUILD_DIR]      (default: build; settings: BENCH_SECONDS=10,
#                                             BENCH_CONNECTIONS=32, BENCH_THREADS=2)
# Traffic goes only to 127.0.0.1. Prints numbers; asserts nothing about speed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-32}
threads=${BENCH_THREADS:-2}
[ -x "$build/bamort-health" ] || { echo "bench-health: $build/bamort-health missing (build first)" >&2; exit 2; }
command -v wrk >/dev/null || {
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null
}

work=$(mktemp -d)
export BAMORT_DEVDB_DIR=$work/devdb
health_pid=""
cleanup() {
  [ -n "$health_pid" ] && kill -TERM "$health_pid" 2>/dev/null && wait "$health_pid" 2>/dev/null
  "$here/scripts/dev-db.sh" stop
  rm -rf "$work"
}
trap cleanup EXIT
eval "$("$here/scripts/dev-db.sh" start)"
"$here/scripts/dev-db.sh" sql "$BAMORT_DB_NAME" <"$here/tests/fixtures/legacy-small.sql"
"$build/bamort-migrate" --log-format json >/dev/null 2>&1

# A free port: the server prints it when given port 0.
"$build/bamort-health" --listen 127.0.0.1:0 --rate-limit 0 --refresh 5 --report "$work/health.json" \
  >"$work/health.out" 2>"$work/health.err" &
health_pid=$!
port=""
for _ in $(seq 1 100); do
  port=$(grep -o '127\.0\.0\.1:[0-9]*' "$work/health.out" "$work/health.err" 2>/dev/null | head -1 | sed 's/.*://') || true
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/health.err" >&2; echo "bench-health: the server did not start" >&2; exit 1; }
url=http://127.0.0.1:$port/api/system/health
curl_status=$(wget -q -O /dev/null -S "$url" 2>&1 | awk '/HTTP\//{print $2; exit}' || true)
echo "bamort-health on 127.0.0.1:$port (first answer: HTTP ${curl_status:-?}); wrk -t$threads -c$connections -d${seconds}s"
wrk -t"$threads" -c"$connections" -d"${seconds}s" --latency "$url" >"$work/wrk.out"
rps=$(awk '/Requests\/sec/{print $2}' "$work/wrk.out")
p50=$(awk '$1=="50%"{print $2}' "$work/wrk.out")
p99=$(awk '$1=="99%"{print $2}' "$work/wrk.out")
errors=$(awk '/Non-2xx|Socket errors/{print}' "$work/wrk.out")
reads=$(wget -q -O - "http://127.0.0.1:$port/metrics" | awk '/^bamort_health_db_reads_total/{print $2}')
printf '%-28s %s\n' "requests/s" "$rps" "latency p50" "$p50" "latency p99" "$p99" \
  "database reads during the run" "${reads:-?}"
[ -z "$errors" ] || echo "note: $errors"
