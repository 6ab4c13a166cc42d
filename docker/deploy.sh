#!/usr/bin/env bash
# deploy.sh: the operator's one command to update a production Bamort database.
#
#   docker/deploy.sh [options] deployment_package_<version>.tar.gz
#   docker/deploy.sh --compose DIR [options] deployment_package_<version>.tar.gz
#
# Runs, in order, each step as a container of the bamort-deploy image (with --native, the
# installed bamort-* programs; with --compose, a one-shot container of upstream's compose
# project plus docker/compose.deploy.yml), each step reading the report of the one before:
#   0. check     bamort-import-masterdata --check-only   (the package's records, no database)
#   1. status    bamort-status                           (behind, compatible, ahead or dirty?)
#   2. backup    bamort-backup --verify                  (a verified pre-deploy backup set)
#      (compose: the backend service is stopped here)
#   3. migrate   bamort-migrate --require-backup <2>     (exit >= 4 => automatic restore of <2>)
#   4. import    bamort-import-masterdata --source PKG   (all or nothing)
#   5. validate  bamort-validate                         (schema, data, version tables)
#      (compose: the backend is started again, then deploy.sh waits for bamort-health to say ok)
# It stops at the first failure and says what happened and what to do. All reports of
# the run end up in one folder: <reports root>/<run id>/. It never asks questions, so it
# behaves the same under cron, CI or `docker exec` without a terminal. docs/DEPLOY.md.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: deploy.sh [options] PACKAGE.tar.gz
       deploy.sh --compose DIR [--compose-file FILE]... [--env-file FILE] [--engine podman|docker]
                 [--image IMAGE] [--backend-service NAME] [--health-timeout SECONDS] [options] PACKAGE.tar.gz
       deploy.sh --status-only [options]

Modes:
  (default)              each step is a container of the image (--network, default host)
  --native               run the bamort-* programs of this machine (PATH, or --bin-dir) instead
  --compose DIR          DIR holds upstream's docker-compose.yml (and its .env): each step is a
                         one-shot container of the compose project (docker-compose.yml plus this
                         script's compose.deploy.yml plus every --compose-file), on the compose
                         network; the backend service is stopped before migrate and started after

Options:
  --bin-dir DIR          where the bamort-* programs are (with --native)
  --engine docker|podman container engine (default: podman if installed, else docker). Compose
                         command: `docker compose`; for podman `podman compose` if it works, else
                         podman-compose; BAMORT_COMPOSE="cmd words" overrides
  --image IMAGE          image to run (default: $BAMORT_DEPLOY_IMAGE or bamort-deploy:latest)
  --network NAME         container network (default: host, so a database on localhost is reachable)
  --env-file FILE        read settings from FILE, a dotenv file read as data, never executed:
                         KEY=VALUE, `export`, quotes, # comments (docs/CONFIGURATION.md). Used:
                         DATABASE_URL, MARIADB_USER/PASSWORD/PASSWORD_FILE/DATABASE, BAMORT_*;
                         a variable already set in the environment wins. Compose: default DIR/.env
  --compose-file FILE    a further compose override, after compose.deploy.yml (repeatable)
  --backend-service NAME the backend's compose service (default: backend)
  --health-timeout SEC   compose: how long to wait for bamort-health to say ok (default 120; 0: do not wait)
  --backup-kind KIND     auto (default), physical or logical. auto: physical in compose mode when the
                         mariadb service's /var/lib/mysql is a folder of this host (upstream's
                         ./bamort-db), made by the database image's own mariadb-backup; else logical.
                         --native: physical only when asked, with the mariadb-backup beside the
                         server, and only with --no-auto-restore (deploy.sh cannot stop the server)
  --restore-physical SET compose: the emergency full restore of a physical set, no package: the set
                         is checked, the backend must be stopped, mariadb is stopped, its data
                         directory moved aside (kept), the set put in place, mariadb started and
                         compared with the set's manifest (docs/DEPLOY.md "Emergency restore")
  --restore-way-back     compose: undo the newest physical restore (finished, failed or killed): the
                         previous data directory takes its name again, mariadb is started
  --reports-root DIR     parent folder of the run folders (default ./reports; compose:
                         BAMORT_REPORTS_HOST_DIR of the env file, else DIR/bamort-reports)
  --backup-dir DIR       folder of the backup sets (default $BAMORT_BACKUP_DIR or ./backups;
                         compose: BAMORT_BACKUP_HOST_DIR of the env file, else DIR/bamort-backups)
  --run-id ID            id of this run (default: UTC time)
  --dry-run              run every step in dry-run mode: nothing is changed, the backend not stopped
  --no-auto-restore      do not restore the pre-deploy backup when migrate fails after changing the database
  --repair-additive      let validate create missing tables/columns/indexes (never drops anything)
  --lock-timeout SECONDS how long each step waits for the deployment lock (default 300)
  --status-only          run only bamort-status (no package): exit 0 when the database is compatible
                         with the image's backend, 3 when not; the deploy-<env>.sh post-check
  -h, --help             this help

Exit codes: 0 deployed; otherwise the exit code of the step that failed (1 failed, nothing
changed by that step; 2 bad input; 3 precondition; 4 changed the database, see the summary).
Compose: 1 when the deploy succeeded but bamort-health did not say ok within --health-timeout.
The database password is never passed on a command line: set BAMORT_DB_PASSWORD_FILE,
MARIADB_PASSWORD(_FILE) or DATABASE_URL in the environment or the --env-file.
USAGE
}

die_usage() { echo "deploy.sh: $*" >&2; echo "see: deploy.sh --help" >&2; exit 2; }
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*"; }
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

native=0 engine="" image="" network=host env_file=""
reports_root="" backup_dir="" run_id="" dry_run=0 auto_restore=1
repair_additive=0 lock_timeout=300 bin_dir="" package="" status_only=0 backend_note=""
compose_dir="" compose_files=() backend_service=backend health_timeout=120
backup_kind=auto restore_physical=""
while [ $# -gt 0 ]; do
  case "$1" in
    --native) native=1 ;;
    --compose) compose_dir=${2:?--compose needs a folder}; shift ;;
    --compose-file) compose_files+=("${2:?--compose-file needs a file}"); shift ;;
    --backend-service) backend_service=${2:?--backend-service needs a name}; shift ;;
    --health-timeout) health_timeout=${2:?--health-timeout needs seconds}; shift ;;
    --backup-kind) backup_kind=${2:?--backup-kind needs auto, physical or logical}; shift ;;
    --restore-physical) restore_physical=${2:?--restore-physical needs a backup set}; shift ;;
    --restore-way-back) restore_physical=--way-back ;;
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

compose=0
if [ -n "$compose_dir" ]; then
  compose=1
  [ "$native" = 0 ] || die_usage "--compose and --native exclude each other"
  [ -f "$compose_dir/docker-compose.yml" ] || die_usage "--compose $compose_dir: no docker-compose.yml there (upstream's docker/ folder)"
  compose_dir=$(cd "$compose_dir" && pwd)
  [ -n "$env_file" ] || env_file=$compose_dir/.env
  [ -r "$env_file" ] || die_usage "--compose: $env_file is not readable (upstream's .env, or give --env-file)"
  for f in "${compose_files[@]}"; do [ -r "$f" ] || die_usage "--compose-file $f is not readable"; done
elif [ ${#compose_files[@]} -gt 0 ]; then
  die_usage "--compose-file needs --compose DIR"
fi
case "$health_timeout" in ''|*[!0-9]*) die_usage "--health-timeout: expected seconds, got '$health_timeout'" ;; esac
case "$backup_kind" in auto|physical|logical) ;; *) die_usage "--backup-kind: auto, physical or logical, got '$backup_kind'" ;; esac
# Natively deploy.sh does not run the database server, so it cannot stop it for a physical
# restore: a failed migration then needs the operator's hand, and they must say they accept that.
if [ "$backup_kind" = physical ] && [ "$native" = 1 ] && [ "$auto_restore" = 1 ]; then
  die_usage "--backup-kind physical with --native needs --no-auto-restore: putting a physical set back stops the" \
    "server, which deploy.sh does not run here; after a failed migration the summary prints the restore commands" \
    "(docs/DEPLOY.md \"Physical pre-deploy backup on a native host\"). Or use --backup-kind logical (the default natively)"
fi
if [ "$backup_kind" = physical ] && [ "$compose" = 0 ] && [ "$native" = 0 ]; then
  die_usage "--backup-kind physical needs --compose or --native (a container of the deploy image has no mariadb-backup of the server's version)"
fi
if [ -n "$restore_physical" ]; then
  [ "$compose" = 1 ] || die_usage "--restore-physical needs --compose (natively: bamort-restore --physical, docs/BACKUP.md)"
  [ -z "$package" ] || die_usage "--restore-physical and --restore-way-back take no package"
  status_only=2
fi

if [ "$status_only" = 1 ]; then
  [ -z "$package" ] || die_usage "--status-only takes no package"
elif [ "$status_only" = 2 ]; then
  :
else
  [ -n "$package" ] || die_usage "no package given"
  if [ ! -f "$package" ] || [ ! -r "$package" ]; then die_usage "package $package does not exist or is not readable"; fi
fi
case "$lock_timeout" in ''|*[!0-9]*) die_usage "--lock-timeout: expected seconds, got '$lock_timeout'" ;; esac

# ---- dotenv: the env file is data. Never sourced, never evaluated, nothing expanded.
# The rules are those of the bamort-* jobs (lib/config/dotenv.h, docs/CONFIGURATION.md):
# KEY=VALUE, optional `export `, blank and # lines skipped, CRLF accepted; unquoted values
# end at a blank followed by #; 'single' quotes are literal; "double" quotes know \" \\ \n
# \t \r \$; $ is literal everywhere. A bad line is named by file and line number, never
# shown (it may hold a password).
dotenv_keys=() dotenv_values=()
dotenv_fail() { echo "deploy.sh: $1:$2: $3 (the line is not shown: it may hold a password)" >&2; exit 2; }
# dotenv_double FILE LINE TEXT: TEXT starts after the opening "; sets dq_value and dq_rest.
dotenv_double() {
  local s=$3 out="" c i=0 n=${#3}
  while [ "$i" -lt "$n" ]; do
    c=${s:i:1}
    if [ "$c" = '"' ]; then dq_value=$out dq_rest=${s:i+1}; return 0; fi
    if [ "$c" = "\\" ] && [ $((i + 1)) -lt "$n" ]; then
      case "${s:i+1:1}" in
        '"') out+='"'; i=$((i + 2)); continue ;;
        "\\") out+="\\"; i=$((i + 2)); continue ;;
        n) out+=$'\n'; i=$((i + 2)); continue ;;
        t) out+=$'\t'; i=$((i + 2)); continue ;;
        r) out+=$'\r'; i=$((i + 2)); continue ;;
        '$') out+='$'; i=$((i + 2)); continue ;;
      esac
    fi
    out+=$c
    i=$((i + 1))
  done
  dotenv_fail "$1" "$2" "a double quote does not close on its line"
}
dotenv_parse() {  # FILE: fills dotenv_keys / dotenv_values in file order
  local where=$1 line n=0 key raw value rest
  local blank_re='^[[:space:]]*$' comment_re='^[[:space:]]+#' entry_re='^([A-Za-z_][A-Za-z0-9_]*)[[:space:]]*=(.*)$'
  while IFS= read -r line || [ -n "$line" ]; do
    n=$((n + 1))
    line=${line%$'\r'}
    line=${line#"${line%%[![:space:]]*}"}
    if [ -z "$line" ] || [ "${line:0:1}" = "#" ]; then continue; fi
    if [[ $line =~ ^export[[:space:]]+(.*)$ ]]; then line=${BASH_REMATCH[1]}; fi
    [[ $line =~ $entry_re ]] || dotenv_fail "$where" "$n" "not a KEY=VALUE line"
    key=${BASH_REMATCH[1]} raw=${BASH_REMATCH[2]}
    rest=${raw#"${raw%%[![:space:]]*}"}
    case "${rest:0:1}" in
      "'")
        rest=${rest:1}
        [[ $rest == *"'"* ]] || dotenv_fail "$where" "$n" "a single quote does not close on its line"
        value=${rest%%"'"*} rest=${rest#*"'"} ;;
      '"')
        dotenv_double "$where" "$n" "${rest:1}"
        value=$dq_value rest=$dq_rest ;;
      *)
        # A comment starts at a blank followed by #; the value is trimmed.
        value=${raw%%[[:space:]]#*}
        value=${value#"${value%%[![:space:]]*}"}
        value=${value%"${value##*[![:space:]]}"}
        rest="" ;;
    esac
    if ! [[ $rest =~ $blank_re || $rest =~ $comment_re ]]; then
      dotenv_fail "$where" "$n" "text after the closing quote of $key"
    fi
    dotenv_keys+=("$key") dotenv_values+=("$value")
  done <"$1"
}
# Keys the jobs and this script take from an env file (as lib/config/dotenv.h's DotenvKeyIsUsed).
dotenv_used() {
  case "$1" in
    BAMORT_TEST_*) return 1 ;;
    BAMORT_*|DATABASE_URL|MARIADB_USER|MARIADB_PASSWORD|MARIADB_PASSWORD_FILE|MARIADB_DATABASE|COMPOSE_PROJECT_NAME) return 0 ;;
  esac
  return 1
}
# Names compose may interpolate but that must never be taken into this process.
dotenv_unsafe() {
  case "$1" in
    PATH|HOME|SHELL|IFS|ENV|BASH_ENV|CDPATH|PS4|SHELLOPTS|BASHOPTS|LD_*|BASH*|DYLD_*|PWD|OLDPWD|USER|UID|EUID) return 0 ;;
    TMPDIR|LANG|LANGUAGE|LC_*|TZ|TERM|POSIXLY_CORRECT|GLOBIGNORE|PROMPT_COMMAND) return 0 ;;
  esac
  return 1
}
# The file's values by key (the last line wins). A key already set (non-empty) in the
# environment keeps that value, as with docker compose and the bamort-* jobs.
declare -A file_value=()
if [ -n "$env_file" ]; then
  if [ ! -f "$env_file" ] || [ ! -r "$env_file" ]; then die_usage "--env-file $env_file is not readable"; fi
  dotenv_parse "$env_file"
  for i in "${!dotenv_keys[@]}"; do
    k=${dotenv_keys[$i]}
    file_value[$k]=${dotenv_values[$i]}
  done
  for k in "${!file_value[@]}"; do
    if [ -n "${!k:-}" ]; then continue; fi
    # Compose mode exports every key for compose's own interpolation of the compose files.
    if dotenv_used "$k" || { [ "$compose" = 1 ] && ! dotenv_unsafe "$k"; }; then
      printf -v "$k" '%s' "${file_value[$k]}"
      export "${k?}"
    fi
  done
fi
[ -n "$image" ] || image=${BAMORT_DEPLOY_IMAGE:-bamort-deploy:latest}

if [ "$compose" = 0 ]; then
  if [ -z "${DATABASE_URL:-}" ] && [ -z "${BAMORT_DB_NAME:-}" ] && [ -z "${MARIADB_DATABASE:-}" ]; then
    die_usage "no database configured: set DATABASE_URL, BAMORT_DB_HOST/PORT/NAME/USER (+ BAMORT_DB_PASSWORD_FILE) or MARIADB_USER/MARIADB_PASSWORD(_FILE)/MARIADB_DATABASE"
  fi
fi
for v in BAMORT_DB_PASSWORD_FILE MARIADB_PASSWORD_FILE; do
  if [ "$compose" = 0 ] && [ -n "${!v:-}" ] && [ ! -r "${!v}" ]; then die_usage "$v: ${!v} is not readable"; fi
done

if [ "$native" = 1 ]; then
  if [ -n "$bin_dir" ]; then PATH=$bin_dir:$PATH; fi
  command -v bamort-migrate >/dev/null || die_usage "--native: bamort-migrate not found (use --bin-dir)"
else
  if [ -z "$engine" ]; then
    if command -v podman >/dev/null; then engine=podman
    elif command -v docker >/dev/null; then engine=docker
    else die_usage "neither podman nor docker found (or use --native)"; fi
  fi
  case "$engine" in podman|docker) ;; *) die_usage "--engine: podman or docker, got '$engine'" ;; esac
  command -v "$engine" >/dev/null || [ -n "${BAMORT_COMPOSE:-}" ] || die_usage "container engine '$engine' not found"
fi

# A private folder for this run's temporary files (package check, compose settings, the
# password files handed to the jobs). The EXIT trap removes it; a deploy.sh killed by
# SIGKILL cannot, so each run first removes the folders of runs whose process is gone.
for stale in "${TMPDIR:-/tmp}"/bamort-deploy.*; do
  if [ ! -d "$stale" ] || [ ! -O "$stale" ] || [ ! -f "$stale/pid" ]; then continue; fi
  if ! kill -0 "$(cat "$stale/pid" 2>/dev/null || echo 0)" 2>/dev/null; then
    rm -rf "$stale" && log "removed $stale, the private folder of a deploy.sh that was killed (it may have held a password file)"
  fi
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bamort-deploy.XXXXXX")
chmod 0700 "$tmp"
trap 'rm -rf "$tmp"' EXIT
echo $$ >"$tmp/pid"

# The package must be complete before anything runs: every file listed in checksums.txt
# present with its sha256, metadata.json there. Nothing is touched if it is not.
check_package() {
  package=$(cd "$(dirname "$package")" && pwd)/$(basename "$package")
  local check_dir=$tmp/package
  mkdir -p "$check_dir"
  if ! tar -xzf "$package" -C "$check_dir" --no-same-owner --no-same-permissions 2>"$tmp/tar.err"; then
    echo "deploy.sh: $package is not a readable tar.gz package: $(head -1 "$tmp/tar.err")" >&2
    echo "nothing was touched." >&2
    exit 2
  fi
  for f in metadata.json checksums.txt; do
    [ -f "$check_dir/$f" ] || { echo "deploy.sh: $package has no $f; not a deployment package. Nothing was touched." >&2; exit 2; }
  done
  if ! (cd "$check_dir" && sha256sum --quiet --strict -c checksums.txt >"$tmp/sum.out" 2>&1); then
    echo "deploy.sh: $package fails its checksums:" >&2
    sed 's/^/  /' "$tmp/sum.out" >&2
    echo "nothing was touched; rebuild or re-download the package." >&2
    exit 2
  fi
  rm -rf "$check_dir"
}
[ "$status_only" != 0 ] || check_package

if [ "$compose" = 1 ]; then
  # The host folders compose.deploy.yml mounts (BAMORT_*_HOST_DIR of the env file, relative
  # to DIR), so deploy.sh, bamort-health and the nightly backup share them.
  host_dir() { case "$1" in /*) echo "$1" ;; *) echo "$compose_dir/${1#./}" ;; esac; }
  reports_root=${reports_root:-$(host_dir "${BAMORT_REPORTS_HOST_DIR:-bamort-reports}")}
  backup_dir=${backup_dir:-$(host_dir "${BAMORT_BACKUP_HOST_DIR:-bamort-backups}")}
fi
backup_dir=${backup_dir:-${BAMORT_BACKUP_DIR:-}}
reports_root=${reports_root:-./reports}
backup_dir=${backup_dir:-./backups}
run_id=${run_id:-$(date -u +%Y%m%dT%H%M%SZ)}
case "$run_id" in ''|*[!A-Za-z0-9._-]*) die_usage "--run-id: letters, digits, . _ - only, got '$run_id'" ;; esac
run_dir=$reports_root/$run_id
# The report and backup folders must be writable before anything runs.
for d in "$run_dir" "$backup_dir"; do
  if ! mkdir -p "$d" 2>/dev/null || ! : >"$d/.deploy-write-test" 2>/dev/null; then
    die_usage "$d is not writable (reports: --reports-root, backups: --backup-dir); nothing was touched"
  fi
  rm -f "$d/.deploy-write-test"
done
run_dir=$(cd "$run_dir" && pwd)
backup_dir=$(cd "$backup_dir" && pwd)
export BAMORT_RUN_ID=$run_id

# shellcheck source=docker/deploy-compose.sh disable=SC1091
. "$here/deploy-compose.sh"
[ "$compose" = 0 ] || compose_setup
# The kind of the pre-deploy backup: physical where the database's own mariadb-backup can
# copy a data directory of this host, logical otherwise (docs/DEPLOY.md "Physical backups").
if [ "$compose" = 1 ] && [ "$backup_kind" != logical ] && [ "$status_only" != 1 ]; then
  if physical_probe; then
    backup_kind=physical
    log "physical backups: the database image's mariadb-backup, data directory $db_datadir_host"
  elif [ "$backup_kind" = physical ] || [ -n "$restore_physical" ]; then
    echo "deploy.sh: a physical backup or restore is not possible here: $physical_why. Nothing was touched." >&2
    exit 3
  else
    backup_kind=logical
    log "pre-deploy backup: logical ($physical_why)"
  fi
else
  [ "$backup_kind" != auto ] || backup_kind=logical
fi

log "deploy run $run_id: package $(basename "${package:-none}"), reports in $run_dir$([ "$dry_run" = 1 ] && echo ', DRY RUN')"

# Runs one bamort job; its report goes to the run folder as <step>.json. Container mode
# mounts the run folder at /reports, the backups at /backups and the package read-only.
# Environment variables are passed by name only (-e NAME), so no value shows up in argv.
run_job() {
  local step=$1 job=$2; shift 2
  if [ "$native" = 1 ]; then
    BAMORT_REPORTS_DIR=$run_dir "bamort-$job" --report "$run_dir/$step.json" "$@"
    return
  fi
  # Paths given to the job are the container's.
  local job_args=() a
  for a in "$@"; do
    a=${a//"$run_dir"//reports}
    a=${a//"$backup_dir"//backups}
    job_args+=("${a//"$package"//package.tar.gz}")
  done
  # Physical jobs run in a container of the database's own image (deploy-compose.sh).
  if [ "$compose" = 1 ] && [ "${1:-}" = --physical ]; then
    case "$job" in
      backup) db_job "$step" backup volumes "${job_args[@]}"; return ;;
      restore) db_job "$step" restore parent "${job_args[@]}"; return ;;
    esac
  fi
  if [ "$compose" = 1 ]; then compose_job "$step" "$job" "${job_args[@]}"; return; fi
  # The container runs as the operator's user, so reports and backups belong to whoever
  # ran deploy.sh and the password file needs no wider permissions.
  local args=(run --rm --network "$network" --user "$(id -u):$(id -g)" -v "$run_dir:/reports" -v "$backup_dir:/backups"
              -e BAMORT_RUN_ID -e BAMORT_REPORTS_DIR=/reports)
  [ -z "$package" ] || args+=(-v "$package:/package.tar.gz:ro")
  local v
  for v in DATABASE_URL BAMORT_DB_HOST BAMORT_DB_PORT BAMORT_DB_NAME BAMORT_DB_USER BAMORT_DB_PASSWORD \
           MARIADB_USER MARIADB_PASSWORD MARIADB_DATABASE; do
    [ -n "${!v:-}" ] && args+=(-e "$v")
  done
  for v in BAMORT_DB_PASSWORD_FILE MARIADB_PASSWORD_FILE; do
    if [ -n "${!v:-}" ]; then
      args+=(-v "${!v}:/run/secrets/$v:ro" -e "$v=/run/secrets/$v")
    fi
  done
  "$engine" "${args[@]}" "$image" "bamort-$job" --report "/reports/$step.json" "${job_args[@]}"
}

# A report's top-level string field, without jq (the operator's host may lack it).
report_field() {
  sed -n "s/^  \"$2\": \"\\(.*\\)\",\{0,1\}\$/\\1/p" "$run_dir/$1.json" 2>/dev/null | head -1
}
# A string field of a report's details, e.g. bamort-status's state: compatible, behind, ...
detail_field() {
  sed -n "s/^    \"$2\": \"\\(.*\\)\",\{0,1\}\$/\\1/p" "$run_dir/$1.json" 2>/dev/null | head -1
}

# The per-entity counts of the import rehearsed by migrate's dry run, one line each, from
# details.rehearsal.import.entities of migrate.json (the report's own indentation).
rehearsed_counts() {
  sed -n '/^      "import": {/,/^      }/{
    s/^            "\([a-z_]*\)": "\{0,1\}\([^",]*\)"\{0,1\},\{0,1\}$/\1=\2/p
  }' "$run_dir/migrate.json" 2>/dev/null | awk -F= '
    $1 == "name" { if (line != "") print line; line = "  import (rehearsed): " $2 ":"; next }
    $1 ~ /^(in_file|inserted|updated|unchanged|pruned)$/ { line = line " " $1 " " $2 }
    END { if (line != "") print line }' | while IFS= read -r l; do log "$l"; done
}

steps=() codes=() states=() durations=()
record() { steps+=("$1"); codes+=("$2"); states+=("$3"); durations+=("$4"); }

# The last lines of every run: the step table, then where the backend and the database stand.
summary() {
  echo
  echo "Summary of deploy run $run_id$([ "$dry_run" = 1 ] && echo ' (dry run)'):"
  printf '  %-13s %-5s %-10s %8s  %s\n' STEP EXIT STATUS SECONDS REPORT
  local i report
  for i in "${!steps[@]}"; do
    report=$run_dir/${steps[$i]}.json
    [ -f "$report" ] || report=-
    printf '  %-13s %-5s %-10s %8s  %s\n' "${steps[$i]}" "${codes[$i]}" "${states[$i]}" "${durations[$i]}" "$report"
  done
  [ "$compose" = 0 ] || echo "  backend ($backend_service): $(backend_state)${backend_note:+ ($backend_note)}"
  backup_summary
  # The database as it is now, read by one more bamort-status (report final-status.json).
  local code=0 state version
  run_job final-status status >"$tmp/final-status.out" 2>&1 </dev/null || code=$?
  state=$(detail_field final-status state)
  version=$(detail_field final-status actual_db_version)
  echo "  database: version ${version:-none}, state ${state:-unknown (bamort-status exit $code)}"
}

# One line each on the pre-deploy backup and a restore: the kind and where the time went
# (the report's duration_ms and its details.timings).
backup_summary() {
  local step kind parts total k v
  for step in backup restore; do
    [ -f "$run_dir/$step.json" ] || continue
    kind=$(detail_field "$step" kind)
    [ "$(report_field "$step" status)" != running ] || kind="unknown (interrupted, the report says running)"
    total=$(sed -n 's/^  "duration_ms": \([0-9]*\),\{0,1\}$/\1/p' "$run_dir/$step.json" | head -1)
    parts=$(sed -n '/^    "timings": {/,/^    }/s/^ *"\([a-z_]*\)_ms": \([0-9]*\),\{0,1\}$/\1 \2/p' "$run_dir/$step.json" |
              while read -r k v; do printf '%s %s.%01d s, ' "$k" $((v / 1000)) $(((v % 1000) / 100)); done)
    echo "  $step kind: ${kind:-logical}${total:+, $((total / 1000)).$(((total % 1000) / 100)) s}$([ -n "$parts" ] && echo " (${parts%, })")"
  done
}

# step NAME JOB ARGS...: runs it, records exit code, status and time. For the status step
# the database's state (compatible, behind, ...) is the status: behind is not a failure.
step() {
  local name=$1 started code=0 status
  started=$(date +%s)
  log "==> $name: bamort-$2 ${*:3}"
  run_job "$@" || code=$?
  status=$(report_field "$name" status)
  if [ "$2" = status ]; then status=$(detail_field "$name" state); fi
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
  printf 'DEPLOY FAILED: %s\n' "$1"
  shift
  [ $# = 0 ] || printf '  %s\n' "$@"
  exit "$code"
}

# --restore-physical SET: the emergency restore alone, with the backend stopped around it.
if [ "$restore_physical" = --way-back ]; then
  rcode=0
  physical_way_back || true
  [ "$rcode" = 0 ] || fail "$rcode" "the way back did not complete (above)."
  summary
  echo
  echo "WAY BACK DONE: the data directory from before the restore is in place and mariadb was started."
  echo "Start the backend when you are ready: $(compose_hint) start $backend_service"
  exit 0
fi
if [ "$status_only" = 2 ]; then
  rcode=0
  in_set=$(set_in_container "$restore_physical")
  if [ -z "$in_set" ]; then die_usage "--restore-physical $restore_physical: not a set of the backup folder $backup_dir"; fi
  # The set is checked before anything is stopped; a running backend is refused.
  physical_restore "$restore_physical" || true
  if [ "$rcode" = 0 ]; then
    summary
    echo
    echo "RESTORED: $restore_physical is in place and equal to its manifest. The previous data directory is kept in" \
         "$(dirname "$db_datadir_host")/$(basename "$(detail_field restore old_datadir)"): delete it when you no longer need it."
    echo "Start the backend when you are ready: $(compose_hint) start $backend_service"
    exit 0
  fi
  old=$(detail_field restore old_datadir)
  if grep -q '"files_moved": true' "$run_dir/restore.json" 2>/dev/null; then
    fail "$rcode" "the emergency restore failed after the data directory was moved aside (see $run_dir/restore.json)." \
         "The previous data directory is untouched in $(dirname "$db_datadir_host")/$(basename "$old")." \
         "The way back: deploy.sh --compose ${compose_dir} --restore-way-back (docs/DEPLOY.md, 'Emergency restore: the way back')."
  fi
  if [ "$(report_field restore status)" = running ]; then
    # Killed before or after deploy-compose.sh started mariadb on the copy: say which.
    fail "$rcode" "the emergency restore was interrupted (exit $rcode); mariadb is $(service_state mariadb)$(
           [ "$(service_state mariadb)" != running ] || echo ", possibly on the set's copy, which was never compared")." \
         "The way back: deploy.sh --compose ${compose_dir} --restore-way-back (docs/DEPLOY.md, 'Emergency restore: the way back')."
  fi
  fail "$rcode" "the emergency restore did not complete (see $run_dir/restore-check.json, $run_dir/restore.json)."
fi

if [ "$status_only" = 1 ]; then
  code=0
  step status status || code=$?
  state=$(detail_field status state)
  echo
  if [ "$code" = 0 ]; then echo "STATUS: the database is compatible with the backend. Report: $run_dir/status.json"; exit 0; fi
  echo "STATUS: the database is ${state:-unreadable} (bamort-status exit $code). Report: $run_dir/status.json"
  exit "$code"
fi

# 0. the package's content: every master-data document read and checked exactly as the
# import will read it (bamort-import-masterdata --check-only, no database), so a malformed
# record stops the run here, before the backup and the migration, with nothing touched.
code=0
step check import-masterdata --check-only --source "$package" || code=$?
if [ "$code" != 0 ]; then
  fail 2 "the package's master data is not importable (bamort-import-masterdata --check-only exit $code); nothing was touched." \
       "Read $run_dir/check.json (error.message names file, record and field), fix the export, rebuild the package."
fi

# 1. preflight: where the database stands. behind (3) and compatible (0) go on; anything
# else (unreachable, ahead, dirty, drifted, ...) stops here, before anything is written.
code=0
step status status || code=$?
state=$(detail_field status state)
case "$code:$state" in
  0:compatible|3:behind) ;;
  *) fail 3 "the database is ${state:-unreadable} (bamort-status exit $code); nothing was changed." \
          "unreachable: check the settings (docs/CONFIGURATION.md). ahead: deploy the image that matches the database." \
          "dirty: see docs/RUNBOOK.md, 'A migration failed'." \
          "restore_incomplete / init_incomplete: a restore or init was interrupted; finish it first (bamort-status prints the way out)." \
          "Report: $run_dir/status.json" ;;
esac

# 2. backup: physical (always verified in a private server) or logical --verify
code=0
if [ "$backup_kind" = physical ] && [ "$native" = 1 ]; then
  step backup backup --physical --out-dir "$backup_dir" --lock-timeout "$lock_timeout" "${dry[@]}" || code=$?
elif [ "$backup_kind" = physical ]; then
  step backup backup --physical --datadir-mounted --out-dir "$backup_dir" --lock-timeout "$lock_timeout" "${dry[@]}" || code=$?
else
  step backup backup --verify --out-dir "$backup_dir" --lock-timeout "$lock_timeout" "${dry[@]}" || code=$?
fi
if [ "$code" != 0 ]; then
  fail "$code" "the pre-deploy backup did not succeed; nothing was changed." \
       "Read $run_dir/backup.json (error.message, error.hint), fix the cause and run deploy.sh again."
fi
backup_set=$(detail_field backup backup_set)
# In a container the report names the set by its path there.
case "$backup_set" in /backups/*) [ "$native" = 1 ] || backup_set=$backup_dir${backup_set#/backups} ;; esac

# The backend must not run on the database while migrate changes the schema.
[ "$compose" = 0 ] || [ "$dry_run" = 1 ] || stop_backend

# 3. migrate, requiring the backup of step 2. A dry run on a database that still needs
# migrations rehearses the import as well, on the migrated private copy.
code=0
rehearse=()
[ "$dry_run" = 1 ] && [ "$state" != compatible ] && rehearse=(--rehearse-import "$package")
step migrate migrate --require-backup "$run_dir/backup.json" --lock-timeout "$lock_timeout" "${dry[@]}" \
  "${rehearse[@]}" || code=$?
# A dry run's migrate rehearses on a private copy (docs/MIGRATIONS.md): its failure is the
# real run's verdict, but nothing was changed here, so there is nothing to restore.
if [ "$dry_run" = 1 ] && [ "$code" != 0 ]; then
  fail "$code" "the migrate dry run failed (exit $code): the real migrate would fail the same way; nothing was changed." \
       "Read $run_dir/migrate.json (error.message, details.rehearsal)."
fi
# Exit 4 is a dirty database. Any code above 4 means migrate did not end on its own
# (killed by a signal: 137 after SIGKILL or the OOM killer, or a crash), so it may have
# committed statements as well: treat it as dirty too.
if [ "$code" -ge 4 ]; then
  [ "$code" = 4 ] || log "migrate ended abnormally (exit $code: killed or crashed); treating the database as dirty"
  if [ "$auto_restore" = 1 ] && [ -n "$backup_set" ]; then
    log "migrate failed after changing the database: restoring the pre-deploy backup $backup_set ($backup_kind)"
    # Exit 1 is "failed, nothing changed" (e.g. the server's name did not resolve for a
    # moment, as aardvark-dns does now and then): worth two more tries before giving up.
    for attempt in 1 2 3; do
      if [ "$backup_kind" = physical ]; then
        rcode=0
        physical_restore "$backup_set" || true
        if ! grep -q '"files_moved": true' "$run_dir/restore.json" 2>/dev/null && [ "$rcode" = 1 ] && [ "$attempt" != 3 ]; then
          log "restore ended with exit 1 (nothing changed); trying again in 3 s"; sleep 3; continue
        fi
        break
      fi
      rcode=0
      step restore restore --backup "$backup_set" --lock-timeout "$lock_timeout" || rcode=$?
      if [ "$rcode" != 1 ] || [ "$attempt" = 3 ]; then break; fi
      log "restore ended with exit 1 (nothing changed); trying again in 3 s"
      sleep 3
    done
    if [ "$rcode" = 0 ]; then
      [ "$compose" = 0 ] || start_backend previous
      fail 4 "migrate failed after changing the database (see $run_dir/migrate.json, details.dirty)." \
             "The pre-deploy backup $backup_set WAS RESTORED AUTOMATICALLY: the database is as it was before this run." \
             "Fix the cause, then run deploy.sh again."
    fi
    backend_note="left stopped: the database state is unknown"
    fail 4 "migrate failed after changing the database, AND the automatic restore failed (exit $rcode)." \
           "The database is in an unknown state. Restore by hand: bamort-restore --backup $backup_set" \
           "(docs/BACKUP.md), then read $run_dir/migrate.json and $run_dir/restore.json."
  fi
  backend_note="left stopped: the database is dirty"
  if [ "$backup_kind" = physical ] && [ "$compose" = 0 ]; then
    fail 4 "migrate failed after changing the database (see $run_dir/migrate.json, details.dirty); not restored (--no-auto-restore)." \
           "The pre-deploy backup is the physical set ${backup_set:-<set>}. To put it back, stop the server, then:" \
           "  bamort-restore --physical --backup ${backup_set:-<set>} --datadir <the server's datadir> --start-command '<how you start it>'" \
           "(docs/BACKUP.md \"Emergency restore of a physical set\"); or fix by hand and run bamort-migrate --repair (docs/RUNBOOK.md)."
  fi
  fail 4 "migrate failed after changing the database (see $run_dir/migrate.json, details.dirty); not restored (--no-auto-restore)." \
         "Restore: bamort-restore --backup ${backup_set:-<set>}; or fix by hand and run bamort-migrate --repair (docs/RUNBOOK.md)."
elif [ "$code" != 0 ]; then
  [ "$compose" = 0 ] || [ "$dry_run" = 1 ] || start_backend previous
  fail "$code" "migrate did not run (exit $code); the database was not changed by it." \
       "Read $run_dir/migrate.json (error.message, error.hint)."
fi

# 4. master data from the package. A dry run on a database that still needs migrations
# cannot try the import here (the tables it writes do not exist yet): migrate's dry run
# rehearsed it on its migrated private copy (step 3), with the same exit code and message.
code=0
if [ "$dry_run" = 1 ] && [ "$state" != compatible ]; then
  if grep -q '^      "import": {' "$run_dir/migrate.json" 2>/dev/null; then
    log "==> import: rehearsed (see migrate.json details.rehearsal.import)"
    rehearsed_counts
    record import - rehearsed 0
  else
    log "==> import: skipped, migrate's dry run could not rehearse it (see migrate.json details.rehearsal.reason)"
    record import - skipped 0
  fi
else
  step import import-masterdata --source "$package" --lock-timeout "$lock_timeout" "${dry[@]}" || code=$?
fi
if [ "$code" != 0 ]; then
  [ "$compose" = 0 ] || [ "$dry_run" = 1 ] || start_backend new
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
    backend_note="left stopped until you decide"
    fail "$code" "validation found problems after the deploy (see $run_dir/validate.json, details.checks)." \
         "The database was migrated and imported. Decide: fix the findings (--repair-additive adds missing objects)," \
         "or restore the pre-deploy backup: bamort-restore --backup $backup_set$([ "$compose" = 1 ] &&
           echo "; then start the backend: $(compose_hint) start $backend_service")"
  fi
fi

health_code=0
if [ "$compose" = 1 ] && [ "$dry_run" = 0 ]; then
  start_backend new
  wait_for_health || health_code=$?
fi

summary
echo
if [ "$dry_run" = 1 ]; then
  echo "DRY RUN complete: nothing was changed. Reports: $run_dir"
  exit 0
fi
version=$(sed -n 's/^    "version_after": "\(.*\)",\{0,1\}$/\1/p' "$run_dir/migrate.json" | head -1)
echo "DEPLOYED: database at version ${version:-?}. Pre-deploy backup: $backup_set. Reports: $run_dir"
if [ "$health_code" != 0 ]; then
  echo "HEALTH: bamort-health did not say ok within $health_timeout s (see above); the deploy itself succeeded."
  exit 1
fi
