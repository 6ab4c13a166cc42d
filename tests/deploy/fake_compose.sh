#!/usr/bin/env bash
# A stand-in for the container engine and its compose command, for
# tests/deploy/compose_mode_test.sh: it logs every call, keeps the state of the compose
# services in files, and runs the bamort-job containers' commands as native processes of
# FAKE_BIN_DIR against the test's MariaDB, with exactly the environment the compose files
# give the container (so MARIADB_* and the mounted password file are what the jobs read).
# Invoked as docker, podman, podman-compose (symlinks) or through BAMORT_COMPOSE.
#
#   FAKE_DIR      state/ and calls.log live here
#   FAKE_BIN_DIR  the build folder with the bamort-* programs
#   FAKE_DB_HOST, FAKE_DB_PORT  where the service `mariadb` really is
#   FAKE_HEALTH_PORT            where the stand-in of bamort-health (a native one) listens
#   FAKE_PC=1     behave like podman-compose 1.0.3: no `podman compose`, print the podman
#                 command lines and the merged configuration with its passwords, exit 0 always
set -euo pipefail

state=$FAKE_DIR/state
mkdir -p "$state"
me=$(basename "$0")
say() { printf '%s\n' "$*" >>"$FAKE_DIR/calls.log"; }

# The engine: `ps` for a service's state, `compose version`, or compose itself.
if [ "$me" = docker ] || [ "$me" = podman ]; then
  case "${1:-}" in
    ps)
      project="" service=""
      while [ $# -gt 0 ]; do
        case "$1" in
          label=com.docker.compose.project=*) project=${1#*project=} ;;
          label=com.docker.compose.service=*) service=${1#*service=} ;;
        esac
        shift
      done
      [ "$project" = "${FAKE_PROJECT:-bamort}" ] || exit 0
      [ ! -f "$state/$service" ] || cat "$state/$service"
      exit 0 ;;
    compose)
      if [ "$me" = podman ] && [ "${FAKE_PC:-0}" = 1 ]; then echo "Error: unrecognized command 'podman compose'" >&2; exit 125; fi
      shift ;;
    *) echo "fake $me: unsupported: $*" >&2; exit 125 ;;
  esac
fi

say "$*"
files=() project=""
while [ $# -gt 0 ]; do
  case "$1" in
    -p) project=$2; shift 2 ;;
    -f) files+=("$2"); shift 2 ;;
    *) break ;;
  esac
done
cmd=${1:?no compose command}; shift
dir=$(dirname "${files[0]:-./x}")

# podman-compose 1.0.3 prints the merged configuration (passwords included) and ignores
# every exit code; deploy.sh must cope with both.
pc_noise() {
  [ "${FAKE_PC:-0}" = 1 ] || return 0
  printf ' ** merged:\n{\n  "_dirname": "%s",\n  "services": {\n    "mariadb": {\n      "environment": {\n        "MARIADB_PASSWORD": "%s",\n        "MARIADB_ROOT_PASSWORD": "%s"\n      }\n    }\n  }\n}\n' \
    "$dir" "${MARIADB_PASSWORD:-}" "${MARIADB_ROOT_PASSWORD:-}"
  echo "using podman version: 4.3.1"
  echo "podman run --name=bamort-mariadb -d -e MARIADB_PASSWORD=${MARIADB_PASSWORD:-} mariadb:11.4"
}
finish() {
  local code=$1
  [ "${FAKE_PC:-0}" = 1 ] && { echo "exit code: $code"; exit 0; }
  exit "$code"
}

# A compose variable as docker compose interpolates it: the environment, else the
# project's .env, else the default.
interp() {
  local v=${!1:-}
  [ -n "$v" ] || [ ! -f "$dir/.env" ] || v=$(sed -n "s/^$1=//p" "$dir/.env" | tail -1)
  printf '%s' "${v:-$2}"
}

pc_noise
case "$cmd" in
  version) finish 0 ;;
  config|ps)
    # Every file must be YAML with services; the services deploy.sh uses must be there.
    /usr/bin/python3 - "${files[@]}" <<'PY' || finish 1
import sys, yaml
services = {}
for f in sys.argv[1:]:
    d = yaml.safe_load(open(f))
    services.update(d.get("services") or {})
missing = {"mariadb", "backend", "bamort-job", "bamort-health"} - set(services)
if missing:
    sys.exit("missing services: " + ", ".join(sorted(missing)))
PY
    finish 0 ;;
  stop) echo stopped >"$state/${1:?}"; finish 0 ;;
  start) echo running >"$state/${1:?}"; finish 0 ;;
  up)
    svc=${*: -1}
    echo running >"$state/$svc"
    finish 0 ;;
  exec)
    [ "$1" = -T ] && shift
    [ "$1" = bamort-health ] || { echo "fake exec: unexpected service $1" >&2; finish 1; }
    shift
    [ "$1 $2" = "bash -c" ] || { echo "fake exec: unexpected command $*" >&2; finish 1; }
    # The probe as deploy.sh wrote it, aimed at the native bamort-health.
    probe=${3//8190/$FAKE_HEALTH_PORT}
    code=0; bash -c "$probe" || code=$?
    finish "$code" ;;
  run)
    while [ "${1:-}" != bamort-job ]; do
      case "$1" in --rm|-T|--no-deps) shift ;; *) echo "fake run: unexpected $1" >&2; finish 1 ;; esac
    done
    shift
    # The container's environment, as compose.deploy.yml and deploy.sh's override make it.
    override="" reports=$(interp BAMORT_REPORTS_HOST_DIR "$dir/bamort-reports")
    backups=$(interp BAMORT_BACKUP_HOST_DIR "$dir/bamort-backups")
    reports=$(cd "$dir" && mkdir -p "$reports" && cd "$reports" && pwd)
    backups=$(cd "$dir" && mkdir -p "$backups" && cd "$backups" && pwd)
    for f in "${files[@]}"; do grep -q '/run/secrets/bamort-db-password' "$f" && override=$f; done
    cenv=(PATH="$FAKE_BIN_DIR:/usr/bin:/bin" HOME=/nonexistent BAMORT_DB_HOST="$FAKE_DB_HOST" BAMORT_DB_PORT="$FAKE_DB_PORT"
          DATABASE_URL= MARIADB_USER="$(interp MARIADB_USER bamort)" MARIADB_DATABASE="$(interp MARIADB_DATABASE bamort)"
          BAMORT_REPORTS_DIR="$reports" BAMORT_BACKUP_DIR="$backups")
    if [ -n "$override" ]; then
      host_file=$(sed -n 's|^ *- "\(.*\):/run/secrets/bamort-db-password:ro"$|\1|p' "$override")
      var=$(sed -n 's/^ *\([A-Z_]*PASSWORD_FILE\): \/run\/secrets\/bamort-db-password$/\1/p' "$override")
      env_file=$(interp BAMORT_JOB_ENV_FILE "$dir/.env")
      [ ! -s "$env_file" ] || { echo "fake run: deploy.sh's job env file is not empty" >&2; finish 1; }
      cenv+=("$var=$host_file")
      cp "$override" "$FAKE_DIR/last-override.yml"
    else
      cenv+=(MARIADB_PASSWORD="$(sed -n 's/^MARIADB_PASSWORD=//p' "$dir/.env" | tail -1)")
    fi
    # Paths inside the container are the host folders mounted there.
    args=()
    for a in "$@"; do a=${a//\/reports/$reports}; args+=("${a//\/backups/$backups}"); done
    for a in "${cenv[@]}"; do printf '%s\n' "${a%%=*}"; done | sort >"$FAKE_DIR/last-env-keys"
    job=${args[0]}
    [ "$job" != sh ] || job=${args[3]}
    say "job $job backend=$(cat "$state/backend" 2>/dev/null || echo absent)"
    code=0
    (cd "$reports" && env -i "${cenv[@]}" "${args[@]}") || code=$?
    finish "$code" ;;
  *) echo "fake compose: unsupported command $cmd" >&2; finish 1 ;;
esac
