#!/usr/bin/env bash
# The exhaustive reliability runs (docs/RELIABILITY.md), too slow or too disruptive for
# scripts/test.sh: kill -9 of bamort-migrate after EVERY statement of the legacy-to-latest
# chain, and the database server stopped (SIGTERM) mid-migration and restarted. Then the
# rest of the reliability and secrets tests once more. Starts its own dev-db (stopped at
# the end), builds, runs, and prints a plain summary. Exits non-zero if anything failed.
#
#   scripts/reliability.sh
#   RELIABILITY_BOUNDARIES=every:5 scripts/reliability.sh    a lighter sweep
#   RELIABILITY_FUZZ=1 scripts/reliability.sh                also scripts/fuzz.sh
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
build_dir=${BAMORT_BUILD_DIR:-$here/build}
"$here/scripts/build.sh" "$build_dir"

# A server of our own: one of these tests stops and restarts it.
export BAMORT_DEVDB_DIR=${RELIABILITY_DEVDB_DIR:-$build_dir/reliability-db}
trap '"$here/scripts/dev-db.sh" stop' EXIT
eval "$("$here/scripts/dev-db.sh" start)"

tests=$build_dir/tests/integration_tests
log_dir=$build_dir/reliability-logs
mkdir -p "$log_dir"
summary=() failed=0

# run NAME FILTER [VAR=VALUE...]
run() {
  local name=$1 filter=$2 started rc=0 log
  shift 2
  log=$log_dir/$(echo "$name" | tr -c 'a-zA-Z0-9\n' '-').log
  echo "==> $name"
  started=$(date +%s)
  env "$@" "$tests" --gtest_filter="$filter" >"$log" 2>&1 || rc=$?
  local secs=$(( $(date +%s) - started ))
  grep '^\[ reliability \]\|^\[ secrets \]\|SKIPPED\|FAILED\|Failure' "$log" | head -20 | sed 's/^/    /' || true
  if [ "$rc" = 0 ]; then
    summary+=("$(printf 'ok      %5ss  %s' "$secs" "$name")")
  else
    failed=1
    summary+=("$(printf 'FAILED  %5ss  %s (log: %s)' "$secs" "$name" "$log")")
  fi
}

run "kill -9 of bamort-migrate after every statement of the legacy chain" \
    'Reliability.KillMinus9OfMigrateAtStatementBoundariesIsRecoverable' \
    BAMORT_RELIABILITY_BOUNDARIES="${RELIABILITY_BOUNDARIES:-all}"
run "database server stopped mid-migration and restarted" \
    'Reliability.ServerStoppedMidMigrationGivesAClearErrorAndIsRecoverable' \
    BAMORT_RELIABILITY_SERVER_STOP=1 BAMORT_RELIABILITY_ROWS="${RELIABILITY_ROWS:-300000}"
run "the other reliability tests, secrets, fuzz corpus replay" \
    'Reliability.*:SecretsTest.*:FuzzCorpus.*:-Reliability.KillMinus9*:Reliability.ServerStopped*'
run "existing crash and concurrency tests (backup kill -9, five migrates, deploy restore)" \
    'BackupTest.Killed*:Migrate.FiveProcesses*:DeployTest.FailedMigration*'

if [ "${RELIABILITY_FUZZ:-0}" = 1 ]; then
  started=$(date +%s) rc=0
  "$here/scripts/fuzz.sh" || rc=$?
  if [ "$rc" = 0 ]; then
    summary+=("$(printf 'ok      %5ss  %s' "$(( $(date +%s) - started ))" "fuzzing (scripts/fuzz.sh)")")
  else
    failed=1; summary+=("FAILED         fuzzing (scripts/fuzz.sh)")
  fi
fi

echo
echo "reliability summary:"
printf '  %s\n' "${summary[@]}"
exit "$failed"
