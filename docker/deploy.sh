#!/usr/bin/env bash
# deploy.sh: the operator's one command to update a production Bamort database.
#
#   docker/deploy.sh [options] deployment_package_<version>.tar.gz
#
# Runs, in order, each step as a container of the bamort-deploy image (or, with --native,
# the installed bamort-* programs), each step reading the report of the one before:
#   1. backup    bamort-backup --verify                  (a verified pre-deploy backup set)
#   2. status    bamort-status                           (behind, compatible, ahead or dirty?)
#   3. migrate   bamort-migrate --require-backup <1>     (exit 4 => automatic restore of <1>)
#   4. import    bamort-import-masterdata --source PKG   (all or nothing)
#   5. validate  bamort-validate                         (schema, data, version tables)
# It stops at the first failure and says what happened and what to do. All reports of
# the run end up in one folder: <reports root>/<run id>/. It never asks questions, so it
# behaves the same under cron, CI or `docker exec` without a terminal.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: deploy.sh [options] PACKAGE.tar.gz
       deploy.sh --status-only [options]

Options:
  --native               run the bamort-* programs of this machine (PATH, or --bin-dir) instead of containers
  --bin-dir DIR          where the bamort-* programs are (with --native)
  --engine docker|podman container engine (default: podman if installed, else docker)
  --image IMAGE          image to run (default: $BAMORT_DEPLOY_IMAGE or bamort-deploy:latest)
  --network NAME         container network (default: host, so a database on localhost is reachable)
  --env-file FILE        read the database settings from FILE (KEY=VALUE lines: DATABASE_URL or
                         BAMORT_DB_HOST/PORT/NAME/USER and BAMORT_DB_PASSWORD_FILE); default: the environment
  --reports-root DIR     parent folder of the run folders (default: ./reports)
  --backup-dir DIR       folder of the backup sets (default: $BAMORT_BACKUP_DIR or ./backups)
  --run-id ID            id of this run (default: UTC time)
  --dry-run              run every step in dry-run mode: nothing is changed
  --no-auto-restore      do not restore the pre-deploy backup when migrate fails after changing the database
  --repair-additive      let validate create missing tables/columns/indexes (never drops anything)
  --lock-timeout SECONDS how long each step waits for the deployment lock (default 300)
  --status-only          run only bamort-status (no package): exit 0 when the database is compatible
                         with the image's backend, 3 when not; the deploy-<env>.sh post-check
  -h, --help             this help

Exit codes: 0 deployed; otherwise the exit code of the step that failed (1 failed, nothing
changed by that step; 2 bad input; 3 precondition; 4 changed the database, see the summary).
The database password is never passed on a command line: set BAMORT_DB_PASSWORD_FILE (or
DATABASE_URL) in the environment or the --env-file.
USAGE
}

die_usage() { echo "deploy.sh: $*" >&2; echo "see: deploy.sh --help" >&2; exit 2; }
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }

native=0 engine="" image=${BAMORT_DEPLOY_IMAGE:-bamort-deploy:latest} network=host env_file=""
reports_root=./reports backup_dir=${BAMORT_BACKUP_DIR:-./backups} run_id="" dry_run=0 auto_restore=1
repair_additive=0 lock_timeout=300 bin_dir="" package="" status_only=0
while [ $# -gt 0 ]; do
  case "$1" in
    --native) native=1 ;;
    --bin-dir) bin_dir=${2:?--bin-dir needs a value}; shift ;;
    --engine) engine=${2:?--engine needs a value}; shift ;;
    --image) image=${2:?--image needs a value}; shift ;;
    --network) network=${2:?--network needs a value}; shift ;;
    --env-file) env_file=${2:?--env-file needs a value}; shift ;;
    --reports-root) reports_root=${2:?--reports-root needs a value}; shift ;;
    --backup-dir) backup_dir=${2:?--backup-dir needs a value}; shift ;;
    --run-id) run_id=${2:?--run-id needs a value}; shift ;;
    --dry-run) dry_run=1 ;;
    --no-auto-restore) auto_restore=0 ;;
    --repair-additive) repair_additive=1 ;;
    --status-only) status_only=1 ;;
    --lock-timeout) lock_timeout=${2:?--lock-timeout needs a value}; shift ;;
    -h|--help) usage; exit 0 ;;
    --db-password*|--password*) die_usage "the password is never taken as an argument; use BAMORT_DB_PASSWORD_FILE" ;;
    -*) die_usage "unknown option $1" ;;
    *) [ -z "$package" ] || die_usage "only one package, got '$package' and '$1'"; package=$1 ;;
  esac
  shift
done

if [ "$status_only" = 1 ]; then
  [ -z "$package" ] || die_usage "--status-only takes no package"
else
  [ -n "$package" ] || die_usage "no package given"
  if [ ! -f "$package" ] || [ ! -r "$package" ]; then die_usage "package $package does not exist or is not readable"; fi
fi
case "$lock_timeout" in ''|*[!0-9]*) die_usage "--lock-timeout: expected seconds, got '$lock_timeout'" ;; esac
if [ -n "$env_file" ]; then
  [ -r "$env_file" ] || die_usage "--env-file $env_file is not readable"
  set -a
  # shellcheck disable=SC1090
  . "$env_file"
  set +a
fi
if [ -z "${DATABASE_URL:-}" ] && [ -z "${BAMORT_DB_NAME:-}" ]; then
  die_usage "no database configured: set DATABASE_URL or BAMORT_DB_HOST/PORT/NAME/USER (+ BAMORT_DB_PASSWORD_FILE)"
fi
if [ -n "${BAMORT_DB_PASSWORD_FILE:-}" ] && [ ! -r "$BAMORT_DB_PASSWORD_FILE" ]; then
  die_usage "BAMORT_DB_PASSWORD_FILE: $BAMORT_DB_PASSWORD_FILE is not readable"
fi

if [ "$native" = 1 ]; then
  if [ -n "$bin_dir" ]; then PATH=$bin_dir:$PATH; fi
  command -v bamort-migrate >/dev/null || die_usage "--native: bamort-migrate not found (use --bin-dir)"
else
  if [ -z "$engine" ]; then
    if command -v podman >/dev/null; then engine=podman
    elif command -v docker >/dev/null; then engine=docker
    else die_usage "neither podman nor docker found (or use --native)"; fi
  fi
  command -v "$engine" >/dev/null || die_usage "container engine '$engine' not found"
fi

# The package must be complete before anything runs: every file listed in checksums.txt
# present with its sha256, metadata.json there. Nothing is touched if it is not.
check_package() {
  package=$(cd "$(dirname "$package")" && pwd)/$(basename "$package")
  check_dir=$(mktemp -d)
  trap 'rm -rf "$check_dir"' EXIT
  if ! tar -xzf "$package" -C "$check_dir" --no-same-owner --no-same-permissions 2>"$check_dir/.tar.err"; then
    echo "deploy.sh: $package is not a readable tar.gz package: $(head -1 "$check_dir/.tar.err")" >&2
    echo "nothing was touched." >&2
    exit 2
  fi
  for f in metadata.json checksums.txt; do
    [ -f "$check_dir/$f" ] || { echo "deploy.sh: $package has no $f; not a deployment package. Nothing was touched." >&2; exit 2; }
  done
  if ! (cd "$check_dir" && sha256sum --quiet --strict -c checksums.txt >"$check_dir/.sum.out" 2>&1); then
    echo "deploy.sh: $package fails its checksums:" >&2
    sed 's/^/  /' "$check_dir/.sum.out" >&2
    echo "nothing was touched; rebuild or re-download the package." >&2
    exit 2
  fi
}
[ "$status_only" = 1 ] || check_package

run_id=${run_id:-$(date -u +%Y%m%dT%H%M%SZ)}
run_dir=$reports_root/$run_id
mkdir -p "$run_dir" "$backup_dir"
run_dir=$(cd "$run_dir" && pwd)
backup_dir=$(cd "$backup_dir" && pwd)
export BAMORT_RUN_ID=$run_id
log "deploy run $run_id: package $(basename "$package"), reports in $run_dir$([ "$dry_run" = 1 ] && echo ', DRY RUN')"

# Runs one bamort job; its report goes to the run folder as <step>.json. Container mode
# mounts the run folder at /reports, the backups at /backups and the package read-only.
# Environment variables are passed by name only (-e NAME), so no value shows up in argv.
run_job() {
  local step=$1 job=$2; shift 2
  if [ "$native" = 1 ]; then
    BAMORT_REPORTS_DIR=$run_dir "bamort-$job" --report "$run_dir/$step.json" "$@"
    return
  fi
  # The container runs as the operator's user, so reports and backups belong to whoever
  # ran deploy.sh and the password file needs no wider permissions.
  local args=(run --rm --network "$network" --user "$(id -u):$(id -g)" -v "$run_dir:/reports" -v "$backup_dir:/backups"
              -e BAMORT_RUN_ID -e BAMORT_REPORTS_DIR=/reports)
  [ -z "$package" ] || args+=(-v "$package:/package.tar.gz:ro")
  local v
  for v in DATABASE_URL BAMORT_DB_HOST BAMORT_DB_PORT BAMORT_DB_NAME BAMORT_DB_USER BAMORT_DB_PASSWORD; do
    [ -n "${!v:-}" ] && args+=(-e "$v")
  done
  if [ -n "${BAMORT_DB_PASSWORD_FILE:-}" ]; then
    args+=(-v "$BAMORT_DB_PASSWORD_FILE:/run/secrets/bamort-db-password:ro"
           -e BAMORT_DB_PASSWORD_FILE=/run/secrets/bamort-db-password)
  fi
  # Paths given to the job are the container's.
  local job_args=() a
  for a in "$@"; do
    a=${a//$run_dir//reports}
    a=${a//$backup_dir//backups}
    job_args+=("${a//$package//package.tar.gz}")
  done
  "$engine" "${args[@]}" "$image" "bamort-$job" --report "/reports/$step.json" "${job_args[@]}"
}

# A report's top-level string field, without jq (the operator's host may lack it).
report_field() {
  sed -n "s/^  \"$2\": \"\\(.*\\)\",\{0,1\}\$/\\1/p" "$run_dir/$1.json" 2>/dev/null | head -1
}

# bamort-status's details.state: compatible, behind, ahead, dirty, ...
status_state() {
  sed -n 's/^    "state": "\(.*\)",\{0,1\}$/\1/p' "$run_dir/status.json" 2>/dev/null | head -1
}

steps=() codes=() states=() durations=()
record() { steps+=("$1"); codes+=("$2"); states+=("$3"); durations+=("$4"); }

summary() {
  echo
  echo "Summary of deploy run $run_id$([ "$dry_run" = 1 ] && echo ' (dry run)'):"
  printf '  %-10s %-5s %-10s %8s  %s\n' STEP EXIT STATUS SECONDS REPORT
  local i
  for i in "${!steps[@]}"; do
    printf '  %-10s %-5s %-10s %8s  %s\n' "${steps[$i]}" "${codes[$i]}" "${states[$i]}" "${durations[$i]}" \
      "$run_dir/${steps[$i]}.json"
  done
}

# step NAME JOB ARGS...: runs it, records exit code, status and time.
step() {
  local name=$1 started code=0 status
  started=$(date +%s)
  log "==> $name: bamort-$2 ${*:3}"
  run_job "$@" || code=$?
  status=$(report_field "$name" status)
  record "$name" "$code" "${status:-no report}" "$(( $(date +%s) - started ))"
  log "<== $name: exit $code, ${status:-no report}"
  return "$code"
}

dry=()
[ "$dry_run" = 1 ] && dry=(--dry-run)

fail() {
  local code=$1; shift
  summary
  echo
  printf 'DEPLOY FAILED: %s\n' "$@"
  exit "$code"
}

if [ "$status_only" = 1 ]; then
  code=0
  step status status || code=$?
  state=$(status_state)
  states[${#states[@]}-1]=${state:-unknown}
  summary
  echo
  if [ "$code" = 0 ]; then echo "STATUS: the database is compatible with the backend. Report: $run_dir/status.json"; exit 0; fi
  echo "STATUS: the database is ${state:-unreadable} (bamort-status exit $code). Report: $run_dir/status.json"
  exit "$code"
fi

# 1. backup
code=0
step backup backup --verify --out-dir "$backup_dir" --lock-timeout "$lock_timeout" "${dry[@]}" || code=$?
if [ "$code" != 0 ]; then
  fail "$code" "the pre-deploy backup did not succeed; nothing was changed." \
       "Read $run_dir/backup.json (error.message, error.hint), fix the cause and run deploy.sh again."
fi
backup_set=$(sed -n 's/^    "backup_set": "\(.*\)",\{0,1\}$/\1/p' "$run_dir/backup.json" | head -1)
if [ "$native" = 0 ] && [ -n "$backup_set" ]; then backup_set=$backup_dir${backup_set#/backups}; fi

# 2. status: behind (3) and compatible (0) go on; ahead or dirty stop here.
code=0
step status status || code=$?
state=$(status_state)
states[${#states[@]}-1]=${state:-unknown}  # "behind" says more than the report's "failed"
case "$code:$state" in
  0:compatible|3:behind) ;;
  *) fail 3 "the database is ${state:-unreadable} (bamort-status exit $code); nothing was changed." \
          "ahead: deploy the image that matches the database. dirty: see docs/RUNBOOK.md, 'A migration failed'." ;;
esac

# 3. migrate, requiring the backup of step 1
code=0
step migrate migrate --require-backup "$run_dir/backup.json" --lock-timeout "$lock_timeout" "${dry[@]}" || code=$?
# Exit 4 is a dirty database. Any code above 4 means migrate did not end on its own
# (killed by a signal: 137 after SIGKILL or the OOM killer, or a crash), so it may have
# committed statements as well: treat it as dirty too.
if [ "$code" -ge 4 ]; then
  [ "$code" = 4 ] || log "migrate ended abnormally (exit $code: killed or crashed); treating the database as dirty"
  if [ "$auto_restore" = 1 ] && [ -n "$backup_set" ]; then
    log "migrate failed after changing the database: restoring the pre-deploy backup $backup_set"
    rcode=0
    step restore restore --backup "$backup_set" --lock-timeout "$lock_timeout" || rcode=$?
    if [ "$rcode" = 0 ]; then
      fail 4 "migrate failed after changing the database (see $run_dir/migrate.json, details.dirty)." \
             "The pre-deploy backup $backup_set WAS RESTORED AUTOMATICALLY: the database is as it was before this run." \
             "Fix the cause, then run deploy.sh again."
    fi
    fail 4 "migrate failed after changing the database, AND the automatic restore failed (exit $rcode)." \
           "The database is in an unknown state. Restore by hand: bamort-restore --backup $backup_set" \
           "(docs/BACKUP.md), then read $run_dir/migrate.json and $run_dir/restore.json."
  fi
  fail 4 "migrate failed after changing the database (see $run_dir/migrate.json, details.dirty); not restored (--no-auto-restore)." \
         "Restore: bamort-restore --backup ${backup_set:-<set>}; or fix by hand and run bamort-migrate --repair (docs/RUNBOOK.md)."
elif [ "$code" != 0 ]; then
  fail "$code" "migrate did not run (exit $code); the database was not changed by it." \
       "Read $run_dir/migrate.json (error.message, error.hint)."
fi

# 4. master data from the package. A dry run on a database that still needs migrations
# cannot try the import: the tables it writes do not exist yet.
code=0
if [ "$dry_run" = 1 ] && [ "$state" != compatible ]; then
  log "==> import: skipped in a dry run, the schema is not migrated yet (the import runs after migrate)"
  record import - skipped 0
else
  step import import-masterdata --source "$package" --lock-timeout "$lock_timeout" "${dry[@]}" || code=$?
fi
if [ "$code" != 0 ]; then
  fail "$code" "the master-data import failed and wrote nothing (it is all or nothing)." \
       "The schema migration of step 3 stands; the database is consistent at the new version." \
       "Read $run_dir/import.json, fix the package, and run deploy.sh again (or restore $backup_set)."
fi

# 5. validate (read-only unless --repair-additive)
code=0
validate_args=()
[ "$repair_additive" = 1 ] && validate_args+=(--repair-additive --lock-timeout "$lock_timeout")
if [ "$dry_run" = 1 ]; then
  # Nothing was migrated in a dry run, so the database may legitimately not pass yet.
  step validate validate "${validate_args[@]}" "${dry[@]}" || log "validate (dry run, informational): exit $?"
else
  step validate validate "${validate_args[@]}" || code=$?
  if [ "$code" != 0 ]; then
    fail "$code" "validation found problems after the deploy (see $run_dir/validate.json, details.checks)." \
         "The database was migrated and imported. Decide: fix the findings (--repair-additive adds missing objects)," \
         "or restore the pre-deploy backup: bamort-restore --backup $backup_set"
  fi
fi

summary
echo
if [ "$dry_run" = 1 ]; then
  echo "DRY RUN complete: nothing was changed. Reports: $run_dir"
else
  version=$(sed -n 's/^    "version_after": "\(.*\)",\{0,1\}$/\1/p' "$run_dir/migrate.json" | head -1)
  echo "DEPLOYED: database at version ${version:-?}. Pre-deploy backup: $backup_set. Reports: $run_dir"
fi
