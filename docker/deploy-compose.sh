# shellcheck shell=bash disable=SC2154,SC2034
# (SC2154: the variables named below are deploy.sh's; SC2034: rcode, physical_why and the
# db_* settings set here are read by deploy.sh.)
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
  if [ -z "${file_value[BAMORT_DB_HOST]:-}" ] && [ "${restore_physical:-}" != --way-back ]; then
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

# ---- Physical backups and the emergency restore on a compose host (docs/DEPLOY.md,
# "Physical backups"; docs/DECISIONS.md "Physical backups on a compose host").
# A physical job runs in a one-shot container of the DATABASE's own image, so mariadb-backup,
# mbstream and mariadbd are exactly the server's; the bamort job itself comes from the deploy
# image as a self-contained folder (/opt/bamort-portable: the binaries, every library they
# load, glibc's loader), copied out once per run and mounted read-only. The job connects as
# root over the compose network with MARIADB_ROOT_PASSWORD of the env file (mariadb-backup
# needs RELOAD, PROCESS, LOCK TABLES and BINLOG MONITOR, which MARIADB_USER does not hold),
# handed over as a mounted file. It is possible when the mariadb service's /var/lib/mysql is
# a bind mount of this host (upstream's ./bamort-db), so the restore can put a folder there.

db_container="" db_image="" db_network="" db_datadir_host="" physical_why=""

# physical_probe: 0 when physical backups are possible here; else 1 with physical_why set.
physical_probe() {
  local mount
  db_container=$("$engine" ps -aq --filter "label=com.docker.compose.project=$project" \
                   --filter "label=com.docker.compose.service=mariadb" 2>/dev/null | head -1) || db_container=""
  [ -n "$db_container" ] || { physical_why="no container of the service mariadb"; return 1; }
  # The physical job copies the mariadb service's files: the other jobs must use that server.
  case "${file_value[BAMORT_DB_HOST]:-mariadb}" in
    mariadb) ;;
    *) physical_why="BAMORT_DB_HOST is ${file_value[BAMORT_DB_HOST]}, not the mariadb service whose files would be copied"; return 1 ;;
  esac
  db_image=$("$engine" inspect --format '{{.Image}}' "$db_container" 2>/dev/null) || db_image=""
  mount=$("$engine" inspect --format '{{range .Mounts}}{{if eq .Destination "/var/lib/mysql"}}{{.Type}} {{.Source}}{{end}}{{end}}' \
            "$db_container" 2>/dev/null) || mount=""
  case "$mount" in
    "bind /"*) db_datadir_host=${mount#bind } ;;
    "") physical_why="the mariadb service has no mount at /var/lib/mysql"; return 1 ;;
    *) physical_why="the data directory is a ${mount%% *} mount, not a folder of this host"; return 1 ;;
  esac
  [ -d "$db_datadir_host" ] || { physical_why="$db_datadir_host is not a folder of this host"; return 1; }
  # shellcheck disable=SC2016  # a Go template, not a shell expansion
  db_network=$("$engine" inspect --format '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}' "$db_container" \
                 2>/dev/null | awk '{ print $1 }') || db_network=""
  [ -n "$db_network" ] || { physical_why="the mariadb container is on no network"; return 1; }
  # The root password, as upstream's compose gives it to the mariadb service. A password
  # file that exists only inside the container cannot be read here: say so rather than
  # fall back to the default password and fail later with "access denied".
  if [ -n "${file_value[MARIADB_ROOT_PASSWORD_FILE]:-}" ] && [ ! -r "${file_value[MARIADB_ROOT_PASSWORD_FILE]}" ]; then
    physical_why="MARIADB_ROOT_PASSWORD_FILE (${file_value[MARIADB_ROOT_PASSWORD_FILE]}) is not readable on this host"
    return 1
  fi
  (
    umask 077
    if [ -n "${file_value[MARIADB_ROOT_PASSWORD_FILE]:-}" ]; then
      head -c 4096 "${file_value[MARIADB_ROOT_PASSWORD_FILE]}" | tr -d '\n' >"$tmp/db-root-password"
    else
      printf '%s' "${file_value[MARIADB_ROOT_PASSWORD]:-secure_root_password}" >"$tmp/db-root-password"
    fi
  )
  head -c 4096 "$tmp/db-root-password" >>"$tmp/mask"; echo >>"$tmp/mask"
  # The deploy image's portable jobs.
  local holder="bamort-portable-$run_id-$$"
  rm -rf "$tmp/portable"
  if ! "$engine" create --name "$holder" "$image" true >/dev/null 2>&1 ||
     ! "$engine" cp "$holder:/opt/bamort-portable" "$tmp/portable" >/dev/null 2>&1; then
    "$engine" rm -f "$holder" >/dev/null 2>&1 || true
    physical_why="the image $image has no /opt/bamort-portable"
    return 1
  fi
  "$engine" rm -f "$holder" >/dev/null 2>&1 || true
  [ -x "$tmp/portable/bin/bamort-backup" ] || { physical_why="the image $image has no portable bamort-backup"; return 1; }
  return 0
}

# db_job STEP JOB DATA ARGS...: bamort-JOB as a one-shot container of the database's image,
# report /reports/STEP.json. DATA: "volumes" mounts the data directory at /var/lib/mysql, where
# the server has it (for a backup; not --volumes-from: podman refuses it beside the image's
# own VOLUME /var/lib/mysql); "parent" mounts the folder that holds the data directory at
# /bamort-datadir-parent (for a restore, which renames the data directory).
db_job() {
  local step=$1 job=$2 data=$3; shift 3
  local args=(run --rm --name "bamort-$step-$run_id" --label "com.docker.compose.project=$project"
              --network "$db_network" --user 0:0 --entrypoint "/opt/bamort-portable/bin/bamort-$job"
              -v "$tmp/portable:/opt/bamort-portable:ro" -v "$run_dir:/reports" -v "$backup_dir:/backups"
              -v "$tmp/db-root-password:/run/secrets/bamort-db-root-password:ro"
              -e BAMORT_DB_HOST=mariadb -e BAMORT_DB_PORT=3306 -e BAMORT_DB_USER=root
              -e "BAMORT_DB_NAME=${file_value[BAMORT_DB_NAME]:-${MARIADB_DATABASE:-bamort}}" -e BAMORT_DB_PASSWORD_FILE=/run/secrets/bamort-db-root-password
              -e BAMORT_REPORTS_DIR=/reports -e BAMORT_BACKUP_DIR=/backups -e BAMORT_RUN_ID)
  case "$data" in
    volumes) args+=(-v "$db_datadir_host:/var/lib/mysql") ;;
    parent) args+=(-v "$(dirname "$db_datadir_host"):/bamort-datadir-parent") ;;
  esac
  "$engine" "${args[@]}" "$db_image" --report "/reports/$step.json" --run-id "$run_id" "$@" </dev/null 2>&1 | compose_filter
  return "${PIPESTATUS[0]}"
}

# The set's name in the container (/backups/...) from a path on this host.
set_in_container() {
  local s=${1%/}
  case "$s" in
    "$backup_dir"/*) echo "/backups/${s#"$backup_dir"/}" ;;
    /backups/*) echo "$s" ;;
    */*) echo "" ;;
    *) echo "/backups/$s" ;;
  esac
}

# physical_restore SET: the emergency full restore of a physical set (docs/DEPLOY.md,
# "Emergency restore"). The set is checked while everything still runs; the backend must
# be stopped; the mariadb service is stopped, bamort-restore --physical (in a container of
# the database's image) unpacks and prepares the set beside the data directory, moves the
# data directory aside to <datadir>.before-restore-<time> (never deleting it), puts the copy
# in its place and asks for the start through a marker file, upon which this function starts
# the mariadb container and answers (restore.started: 0, or 1 when the start failed). The
# job's start command returns only with that answer, so the job looks the name mariadb up
# after its container runs again: a lookup made while it is stopped goes past aardvark-dns
# to the host's resolvers and, where they do not answer, hangs 30-45 s even after mariadb is
# back (measured: podman 4.3, aardvark-dns 1.4). The job then waits until the server answers
# and compares the database with the manifest. Rows: restore-check, db-stop, restore (with
# the start). Sets rcode.
physical_restore() {
  local set=$1 in_set started code=0 pid marker="$run_dir/restore.start" answer="$run_dir/restore.started" up
  # shellcheck disable=SC2016  # runs in the job's container
  local start_command='touch /reports/restore.start; i=0
    until [ -f /reports/restore.started ]; do i=$((i + 1)); [ "$i" -le 1500 ] || exit 1; sleep 0.2; done
    exit "$(cat /reports/restore.started)"'
  in_set=$(set_in_container "$set")
  [ -n "$in_set" ] || { log "the set $set is not in the backup folder $backup_dir"; rcode=2; return 2; }
  step restore-check restore --physical --check-only --backup "$in_set" || code=$?
  if [ "$code" != 0 ]; then
    log "the physical set $set was refused (exit $code, $run_dir/restore-check.json); nothing was stopped or changed"
    rcode=$code; return "$code"
  fi
  if [ "$(backend_state)" = running ]; then
    log "the backend service $backend_service is running: a physical restore needs it stopped; nothing was changed"
    rcode=3; return 3
  fi
  started=$(date +%s)
  log "==> db-stop: $engine stop $db_container (service mariadb)"
  db_stop || true
  record db-stop - "$(service_state mariadb | cut -d' ' -f1)" "$(( $(date +%s) - started ))"
  if [ "$(service_state mariadb)" = running ]; then
    log "the mariadb service could not be stopped; nothing was changed"; rcode=3; return 3
  fi
  started=$(date +%s)
  rm -f "$marker" "$answer"
  log "==> restore: bamort-restore --physical --backup $in_set (data directory $db_datadir_host)"
  db_job restore restore parent --physical --backup "$in_set" \
    --datadir "/bamort-datadir-parent/$(basename "$db_datadir_host")" \
    --start-command "$start_command" --start-timeout 300 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    if [ -f "$marker" ] && [ ! -f "$answer" ]; then
      carry_over_image_files
      log "restore: the files are in place; starting the mariadb container"
      up=0
      db_start || up=1
      echo "$up" >"$answer"
    fi
    sleep 0.2
  done
  wait "$pid" || code=$?
  # A job that died before it had its answer leaves mariadb stopped (its copy was never compared).
  rm -f "$marker" "$answer"
  # Failed on its own before the data directory was moved: it is untouched, so the server
  # goes back up. Killed (the report still says running) or failed after the move: mariadb
  # stays stopped and the way back is deploy.sh --restore-way-back.
  if [ "$code" != 0 ] && [ "$(report_field restore status)" = failed ] &&
     ! grep -q '"files_moved": true' "$run_dir/restore.json" 2>/dev/null && [ "$(service_state mariadb)" != running ]; then
    log "restore: the data directory was not touched; starting the mariadb container again"
    db_start || true
  elif [ "$code" != 0 ]; then
    log "restore: ended with exit $code; mariadb is left as it is. Undo: deploy.sh --compose DIR --restore-way-back"
  fi
  [ "$code" != 0 ] || wait_db_healthy || code=1
  record restore "$code" "$(report_field restore status)" "$(( $(date +%s) - started ))"
  log "<== restore: exit $code, $(report_field restore status)"
  rcode=$code
  return "$code"
}

# db_stop: stops the mariadb container (60 s to shut down); 0 when it no longer runs.
# db_start: starts it. Either logs the engine's own words when the engine fails.
db_stop() {
  "$engine" stop -t 60 "$db_container" >"$tmp/db-engine.out" 2>&1 ||
    log "$engine stop $db_container failed: $(compose_filter <"$tmp/db-engine.out" | tail -3)"
  [ "$(service_state mariadb)" != running ]
}
db_start() {
  "$engine" start "$db_container" >"$tmp/db-engine.out" 2>&1 && return 0
  log "$engine start $db_container failed: $(compose_filter <"$tmp/db-engine.out" | tail -3)"
  return 1
}

# The official image's entrypoint keeps a file of its own in the data directory that
# mariadb-backup does not copy: .my-healthcheck.cnf (the healthcheck user's login, which
# healthcheck.sh and so upstream's compose healthcheck need). It is carried over from the
# previous data directory (the newest <datadir>.before-restore-*) into the restored one.
carry_over_image_files() {
  local old="" d f=.my-healthcheck.cnf
  for d in "$db_datadir_host.before-restore-"*; do [ ! -d "$d" ] || old=$d; done  # sorted: the newest last
  [ -n "$old" ] || return 0
  if [ -f "$old/$f" ] && [ ! -e "$db_datadir_host/$f" ]; then
    cp -p "$old/$f" "$db_datadir_host/$f" && log "restore: $f carried over from $(basename "$old")"
  fi
}

# Waits (at most 180 s) until the mariadb container's own healthcheck passes
# (healthcheck.sh --connect --innodb_initialized, as upstream's compose runs it).
wait_db_healthy() {
  local deadline=$(( $(date +%s) + 180 ))
  until "$engine" exec "$db_container" healthcheck.sh --connect --innodb_initialized >/dev/null 2>&1; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      log "mariadb is not healthy after 180 s ($(service_state mariadb)); its last log lines:"
      "$engine" logs --tail 15 "$db_container" 2>&1 | compose_filter | sed 's/^/  /'
      return 1
    fi
    sleep 1
  done
  log "mariadb is healthy (healthcheck.sh --connect --innodb_initialized)"
}

# physical_way_back: undoes the newest physical restore, whether it finished, failed or was
# killed (docs/DEPLOY.md "Emergency restore: the way back"). Its time stamp T is the newest
# of .<datadir>.restore-T (the work folder) and <datadir>.before-restore-T (the previous data
# directory). The mariadb service is stopped; the previous data directory takes its name
# again (a restored one is kept as <datadir>.failed-restore-T), the work folder is removed,
# mariadb is started. Refuses while the backend runs. Sets rcode.
physical_way_back() {
  local parent base newest="" d t old work
  parent=$(dirname "$db_datadir_host") base=$(basename "$db_datadir_host")
  for d in "$parent/.$base.restore-"* "$parent/$base.before-restore-"*; do
    [ -e "$d" ] || continue
    t=${d##*restore-}
    if [[ $t > $newest ]]; then newest=$t; fi
  done
  if [ -z "$newest" ]; then
    # A restore killed after it stopped mariadb but before it made its work folder.
    if [ "$(service_state mariadb)" = running ]; then log "no physical restore to undo in $parent"; rcode=3; return 3; fi
    log "no physical restore to undo in $parent, and mariadb is not running (a restore killed before its first step?): starting it"
    if ! db_start || ! wait_db_healthy; then rcode=1; return 1; fi
    log "mariadb is healthy on its data directory $db_datadir_host, which was not touched"
    rcode=0; return 0
  fi
  if [ "$(backend_state)" = running ]; then
    log "the backend service $backend_service is running: stop it first; nothing was changed"; rcode=3; return 3
  fi
  t=$newest old=$parent/$base.before-restore-$newest work=$parent/.$base.restore-$newest
  log "way back from the physical restore of $t: stopping mariadb"
  if ! db_stop; then log "mariadb could not be stopped; nothing was changed"; rcode=3; return 3; fi
  if [ -d "$old" ]; then
    if [ -d "$db_datadir_host" ]; then
      log "moving the restored $db_datadir_host aside to $db_datadir_host.failed-restore-$t"
      mv "$db_datadir_host" "$db_datadir_host.failed-restore-$t" || {
        log "could not move $db_datadir_host aside (above); nothing was changed, mariadb stays stopped"; rcode=1; return 1; }
    fi
    log "moving $old back to $db_datadir_host"
    mv "$old" "$db_datadir_host" || {
      log "could not move $old back to $db_datadir_host (above); mariadb stays stopped. Move it by hand, then run --restore-way-back again or start mariadb"
      rcode=1; return 1; }
  else
    log "$db_datadir_host was never moved by that restore (killed before the move)"
  fi
  [ ! -d "$work" ] || { log "removing the restore's work folder $work"; rm -rf "$work" || log "could not remove $work (above): delete it by hand"; }
  log "starting mariadb"
  db_start || { rcode=1; return 1; }
  wait_db_healthy || { rcode=1; return 1; }
  log "mariadb is healthy on the data directory from before the restore"
  rcode=0
}
