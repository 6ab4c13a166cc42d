# shellcheck shell=bash disable=SC2154
# (SC2154: the variables named below are deploy.sh's.)
# deploy-compose.sh: the compose mode of deploy.sh (`deploy.sh --compose DIR`), sourced by
# it; not a program of its own. It composes upstream's DIR/docker-compose.yml, unchanged,
# with compose.deploy.yml (next to this file) and the operator's --compose-file overrides,
# runs each bamort job as a one-shot container of the service `bamort-job` on the compose
# network, stops and starts the backend service, and waits for `bamort-health`.
#
# What it relies on from deploy.sh: engine, image, env_file, file_value, compose_dir,
# compose_files, backend_service, health_timeout, run_dir, backup_dir, package, tmp, log,
# die_usage, record. docs/DEPLOY.md ("Compose host") is the operator's version.
#
# podman-compose 1.0.3 (Debian 12) differs from docker compose in ways this file absorbs:
# it exits 0 whatever the container did (so the job's exit code is written by the
# container into the run folder), prints every podman command line and the merged
# configuration with all passwords (so compose output is filtered and every known secret
# masked), has no `config` command, ignores --no-deps on `up` and never recreates a
# container (so the backend is started with `start`).

compose_cmd=() compose_args=() compose_is_pc=0 project=""

# The words an operator types to reach the same compose project (without this run's own
# override file, which is gone when deploy.sh ends).
compose_hint() {
  local w out=""
  for w in "${compose_cmd[@]}" "${compose_args[@]}"; do
    [ "$w" != "$tmp/compose.job.yml" ] || { out=${out% -f}; continue; }
    out+=" $(printf '%q' "$w")"
  done
  printf '%s' "${out# }"
}

# Writes the values that must never appear in deploy.sh's output to $tmp/mask, one a line.
compose_secrets() {
  local k v userinfo
  : >"$tmp/mask"
  for k in "${!file_value[@]}"; do
    case "$k" in
      *PASSWORD_FILE) v=${file_value[$k]}; [ -r "$v" ] && head -c 4096 "$v" >>"$tmp/mask" && echo >>"$tmp/mask" ;;
      *PASS*|*SECRET*|*TOKEN*) printf '%s\n' "${file_value[$k]}" >>"$tmp/mask" ;;
    esac
  done
  for k in MARIADB_PASSWORD MARIADB_ROOT_PASSWORD BAMORT_DB_PASSWORD; do
    [ -z "${!k:-}" ] || printf '%s\n' "${!k}" >>"$tmp/mask"
  done
  for v in "${file_value[DATABASE_URL]:-}" "${DATABASE_URL:-}"; do
    userinfo=${v%%@tcp(*}
    [ "$userinfo" = "$v" ] || [[ $userinfo != *:* ]] || printf '%s\n' "${userinfo#*:}" >>"$tmp/mask"
  done
  printf '%s\n' secure_user_password secure_root_password >>"$tmp/mask"
}

# Filters compose's output: podman-compose's echo of commands and configuration is
# dropped, and every secret of $tmp/mask is replaced, whatever tool printed it.
compose_filter() {
  awk -v maskfile="$tmp/mask" -v pc="$compose_is_pc" '
    BEGIN { n = 0; while ((getline s < maskfile) > 0) if (length(s) >= 2) secret[++n] = s; skip = 0 }
    pc && /^ \*\* merged:/ { skip = 1; next }
    skip { if ($0 == "}") skip = 0; next }
    pc && (/^podman / || /^\[.podman/ || /^exit code: / || /^using podman version/ || /^\*\* / || /^podman-compose version/) { next }
    {
      line = $0
      for (i = 1; i <= n; i++) {
        out = ""
        while ((p = index(line, secret[i])) > 0) { out = out substr(line, 1, p - 1) "[hidden]"; line = substr(line, p + length(secret[i])) }
        line = out line
      }
      print line; fflush()
    }'
}

# compose_run ARGS...: the compose command on this project; stdout and stderr filtered.
compose_run() {
  local rc
  set +e
  "${compose_cmd[@]}" "${compose_args[@]}" "$@" 2>&1 | compose_filter
  rc=${PIPESTATUS[0]}
  set -e
  return "$rc"
}

# "running", "absent", or the engine's word for a container that does not run.
service_state() {
  local s
  s=$("$engine" ps -a --filter "label=com.docker.compose.project=$project" \
        --filter "label=com.docker.compose.service=$1" --format '{{.State}}' 2>/dev/null | head -1) || s=""
  case "$s" in
    running|Running|Up*) echo running ;;
    "") echo absent ;;
    exited|Exited*|stopped|created|Created) echo stopped ;;
    *) echo "stopped ($s)" ;;
  esac
}
backend_state() { service_state "$backend_service"; }

yaml_quote() {  # a double-quoted YAML scalar that compose will not interpolate
  local v=${1//\\/\\\\}
  v=${v//\"/\\\"}
  printf '"%s"' "${v//\$/\$\$}"
}

# The job containers' database settings. Upstream's compose gives the backend
# MARIADB_USER:MARIADB_PASSWORD@mariadb:3306/MARIADB_DATABASE (defaults bamort /
# secure_user_password / bamort); compose.deploy.yml gives the jobs the same user and
# database. The password reaches them as a mounted file only, never through an argv
# or the compose `environment`: BAMORT_DB_PASSWORD(_FILE) of the env file when set, else
# MARIADB_PASSWORD_FILE, else MARIADB_PASSWORD. BAMORT_DB_HOST/PORT/NAME/USER of the env
# file are passed on too (not those of this shell: 127.0.0.1 means another host inside a
# container).
compose_job_settings() {
  local family=MARIADB secret="" k
  if [ -n "${file_value[BAMORT_DB_PASSWORD_FILE]:-}${file_value[BAMORT_DB_PASSWORD]:-}" ]; then family=BAMORT_DB; fi
  local file_key=${family}_PASSWORD_FILE plain_key=${family}_PASSWORD
  local file_path=${file_value[$file_key]:-} plain=${file_value[$plain_key]:-}
  if [ "$family" = MARIADB ]; then file_path=${MARIADB_PASSWORD_FILE:-}; plain=${MARIADB_PASSWORD:-}; fi
  {
    echo "# written by deploy.sh for run $run_id; deleted when it ends"
    echo "services:"
    echo "  bamort-job:"
    echo "    environment:"
    for k in BAMORT_DB_HOST BAMORT_DB_PORT BAMORT_DB_NAME BAMORT_DB_USER; do
      [ -z "${file_value[$k]:-}" ] || echo "      $k: $(yaml_quote "${file_value[$k]}")"
    done
    if [ -n "$file_path" ] && [ ! -r "$file_path" ]; then
      # Not a file of this host: a path inside the containers (a compose secret). Passed as is.
      echo "      $file_key: $(yaml_quote "$file_path")"
    else
      if [ -n "$file_path" ]; then secret=$file_path
      else
        secret=$tmp/db-password
        if [ -z "$plain" ]; then
          plain=secure_user_password
          log "MARIADB_PASSWORD is not set: using the default of upstream's compose file, as the mariadb service does"
        fi
        (umask 077 && printf '%s' "$plain" >"$secret")
      fi
      echo "      $file_key: /run/secrets/bamort-db-password"
      echo "    volumes:"
      echo "      - $(yaml_quote "$secret:/run/secrets/bamort-db-password:ro")"
    fi
  } >"$tmp/compose.job.yml"
}

compose_setup() {
  if [ -n "${BAMORT_COMPOSE:-}" ]; then
    read -r -a compose_cmd <<<"$BAMORT_COMPOSE"
  elif [ "$engine" = docker ]; then
    if docker compose version >/dev/null 2>&1; then compose_cmd=(docker compose)
    elif command -v docker-compose >/dev/null; then compose_cmd=(docker-compose)
    else die_usage "--engine docker: neither 'docker compose' nor docker-compose works"; fi
  else
    if podman compose version >/dev/null 2>&1; then compose_cmd=(podman compose)
    elif command -v podman-compose >/dev/null; then compose_cmd=(podman-compose)
    else die_usage "--engine podman: neither 'podman compose' nor podman-compose works (apt-get install podman-compose)"; fi
  fi
  [ "$(basename "${compose_cmd[0]}")" != podman-compose ] || compose_is_pc=1

  # The project: COMPOSE_PROJECT_NAME of the env file (or environment), else the folder
  # name as compose itself derives it.
  project=${COMPOSE_PROJECT_NAME:-$(basename "$compose_dir" | tr '[:upper:]' '[:lower:]' | tr -cd 'a-z0-9_-')}
  [ -n "$project" ] || die_usage "--compose $compose_dir: no project name (set COMPOSE_PROJECT_NAME in $env_file)"
  if [ "$compose_is_pc" = 1 ] && [ "$env_file" != "$compose_dir/.env" ] && [ -f "$compose_dir/.env" ]; then
    log "note: podman-compose reads $compose_dir/.env itself for the compose files; its values win over $env_file there"
  fi

  # Everything the two compose files interpolate for the jobs (none of it secret).
  BAMORT_JOB_USER="$(id -u):$(id -g)"
  export BAMORT_DEPLOY_IMAGE=$image BAMORT_JOB_USER BAMORT_REPORTS_HOST_DIR=$run_dir \
         BAMORT_BACKUP_HOST_DIR=$backup_dir BAMORT_HEALTH_ENV_FILE=$env_file BAMORT_JOB_ENV_FILE=$tmp/job.env
  : >"$tmp/job.env"
  compose_secrets
  compose_job_settings
  compose_args=(-p "$project" -f "$compose_dir/docker-compose.yml" -f "$here/compose.deploy.yml")
  local f
  for f in "${compose_files[@]}"; do compose_args+=(-f "$(cd "$(dirname "$f")" && pwd)/$(basename "$f")"); done
  compose_args+=(-f "$tmp/compose.job.yml")
  # The package goes into the run folder, which the job containers see as /reports.
  if [ -n "$package" ]; then
    [ "$package" -ef "$run_dir/package.tar.gz" ] || cp "$package" "$run_dir/package.tar.gz"
    package=$run_dir/package.tar.gz
  fi

  log "compose: $(compose_hint) (+ this run's $tmp/compose.job.yml)"
  # The compose files must be valid together (podman-compose 1.0.3 has no `config`: its
  # `ps` parses and merges them, and fails on a bad file).
  local check=(config --quiet)
  [ "$compose_is_pc" = 0 ] || check=(ps)
  if ! compose_run "${check[@]}" >"$tmp/config.out"; then
    sed 's/^/  /' "$tmp/config.out" >&2
    die_usage "the compose files are not valid together (above); nothing was touched"
  fi
  # The database service must run in this project, or the jobs reach nothing.
  if [ -z "${file_value[BAMORT_DB_HOST]:-}" ]; then
    local db_state
    db_state=$(service_state mariadb)
    if [ "$db_state" != running ]; then
      echo "deploy.sh: the service mariadb of compose project '$project' is $db_state." >&2
      echo "  Start the stack first, or set COMPOSE_PROJECT_NAME in $env_file to the project it runs under. Nothing was touched." >&2
      exit 3
    fi
  fi
  log "compose project $project: mariadb running, backend $(backend_state)"
}

# One job as a one-shot container of bamort-job. The container writes the job's exit code
# to /reports/<step>.exit: podman-compose 1.0.3 always exits 0 itself. The run id goes as a
# flag (podman-compose 1.0.3 cannot interpolate an empty default such as ${BAMORT_RUN_ID:-}).
compose_job() {
  local step=$1 job=$2 code=0; shift 2
  # shellcheck disable=SC2016
  local script='"$0" "$@"; c=$?; echo "$c" >"/reports/'"$step"'.exit"; exit "$c"'
  rm -f "$run_dir/$step.exit"
  compose_run run --rm -T --no-deps bamort-job sh -c "$script" "bamort-$job" --report "/reports/$step.json" \
    --run-id "$run_id" "$@" \
    </dev/null || code=$?
  if [ -f "$run_dir/$step.exit" ]; then
    code=$(head -c 8 "$run_dir/$step.exit" | tr -cd '0-9')
    rm -f "$run_dir/$step.exit"
    code=${code:-125}
  elif [ "$code" = 0 ]; then
    log "the container of step $step left no exit code (the engine could not run it); taken as 125"
    code=125
  fi
  return "$code"
}

# A row of the summary for the backend: its state after the action.
backend_row() {
  local started=$1 name=$2 state
  state=$(backend_state)
  record "$name" - "${state%% *}" "$(( $(date +%s) - started ))"
  log "<== $name: $state"
}

stop_backend() {
  local started
  started=$(date +%s)
  log "==> backend-stop: $(compose_hint) stop $backend_service"
  compose_run stop "$backend_service" || true
  backend_row "$started" backend-stop
  case "$(backend_state)" in
    running) fail 3 "the backend service $backend_service could not be stopped; the database was not changed." \
                    "The pre-deploy backup is $backup_set. Stop it by hand and run deploy.sh again." ;;
  esac
}

# start_backend new: after a deploy (docker compose recreates the container when its image
# changed, so the new release runs); previous: after a restore or a migrate that changed
# nothing (the container that ran before, started as it is).
start_backend() {
  local started action=(start "$backend_service")
  started=$(date +%s)
  if [ "$1" = new ] && [ "$compose_is_pc" = 0 ]; then action=(up -d --no-deps "$backend_service"); fi
  log "==> backend-start: $(compose_hint) ${action[*]}"
  compose_run "${action[@]}" </dev/null || log "backend-start: the compose command failed (exit $?)"
  backend_row "$started" backend-start
}

# Waits until bamort-health (compose.deploy.yml) answers /api/system/health with status ok,
# at most --health-timeout seconds, and prints its answer. The request is made inside
# the health container (bash's /dev/tcp), so no port needs to be published for it.
wait_for_health() {
  local probe body deadline up=(up -d --no-deps bamort-health)
  if [ "$health_timeout" = 0 ]; then log "health: not waited for (--health-timeout 0)"; return 0; fi
  # podman-compose 1.0.3 ignores --no-deps on `up` (it would run the database's container
  # again, with its passwords on podman's command line): an existing container is started.
  if [ "$compose_is_pc" = 1 ]; then
    up=(up -d --no-build bamort-health)
    [ "$(service_state bamort-health)" = absent ] || up=(start bamort-health)
  fi
  log "==> health: $(compose_hint) ${up[*]}; waiting up to $health_timeout s for status ok"
  compose_run "${up[@]}" </dev/null >"$tmp/health-up.out" || { cat "$tmp/health-up.out"; log "health: could not start bamort-health"; }
  # shellcheck disable=SC2016
  probe='exec 3<>/dev/tcp/127.0.0.1/8190 || exit 1; printf "GET /api/system/health HTTP/1.0\r\nHost: localhost\r\n\r\n" >&3; cat <&3'
  deadline=$(( $(date +%s) + health_timeout ))
  while :; do
    body=$(compose_run exec -T bamort-health bash -c "$probe" </dev/null 2>&1 | tr -d '\r' | sed '1,/^$/d') || body=""
    if printf '%s' "$body" | grep -q '"status": *"ok"'; then
      log "<== health: ok"
      printf '%s\n' "$body" | sed 's/^/  /'
      return 0
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "<== health: not ok within $health_timeout s; last answer:"
      printf '%s\n' "${body:-(none)}" | sed 's/^/  /'
      return 1
    fi
    sleep 2
  done
}
