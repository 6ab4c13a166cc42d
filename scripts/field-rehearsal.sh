#!/usr/bin/env bash
# The field rehearsal (issue 14): a deploy on a Bamort compose host as upstream sets it up,
# with podman as root. Upstream's docker-compose.yml and .env.example are read UNCHANGED
# from ../shared/reference/upstream-app/docker (copied into a temporary run folder, never
# into the project); tests/field/compose.standins.yml swaps in images only where the real
# ones cannot be had here (MariaDB from Debian's mariadb-server, a backend stand-in).
#   1. upstream's stack comes up (podman-compose); the legacy Bamort database is loaded by
#      upstream's own init-db mechanism; the jobs connect as MARIADB_USER, which holds
#      exactly the official image's grants;
#   2. docker/deploy.sh --compose deploys a bamort-prepare package: every report ok, the
#      backend stopped during migrate and running after, health ok, the database at the
#      required version, every character row still there; then the nightly backup line of
#      docker/bamort-backup.cron writes a verified set;
#      The pre-deploy backup is physical (the stand-in's own mariadb-backup, run in a
#      container of the database's image) and verified;
#   3. a fresh legacy load (as MARIADB_USER) with a migration made to fail after earlier
#      ones committed: deploy.sh restores the pre-deploy physical set, the backend runs
#      again, CHECKSUM TABLE of every table equals the one before;
#   4. a corrupted physical set is refused by deploy.sh --restore-physical before anything
#      is stopped;
#   5. the emergency restore killed (SIGKILL) before it moved the data directory, and
#   6. killed after it moved it aside: the old data directory is still there, deploy.sh
#      --restore-way-back brings mariadb up with its old content;
#   7. mariadb stopped as a deploy.sh killed before the restore's first step leaves it:
#      --restore-way-back starts it on its untouched data directory.
# scripts/test.sh runs it after the container proof when it runs as root. tests/field/README.md
# says what is real, what is a stand-in, and what podman-compose 1.0.3 does differently.
#
#   scripts/field-rehearsal.sh
#   FIELD_IMAGE=localhost/bamort-deploy:e2e scripts/field-rehearsal.sh
#                             use an image built before (test.sh hands over the container
#                             proof's); otherwise docker/Dockerfile is built (minutes)
#   FIELD_REMOVE_IMAGE=1      remove FIELD_IMAGE at the end too (test.sh: it was only kept for this)
#   KEEP_IMAGE=1              leave the images it built (deploy image, stand-ins) in the store
#   FIELD_DIR=DIR             work folder (default /var/tmp/bamort-field)
#   BAMORT_REAL_FIXTURES=DIR  the real Bamort data (default ../shared/fixtures)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
upstream=$here/../shared/reference/upstream-app/docker
if [ ! -f "$upstream/docker-compose.yml" ] || [ ! -f "$upstream/.env.example" ]; then
  echo "NOTE: field rehearsal skipped: upstream's compose setup ($upstream) is absent; it is read from there, never copied into the project."
  if [ -n "${FIELD_REMOVE_IMAGE:-}" ] && [ -n "${FIELD_IMAGE:-}" ] && command -v podman >/dev/null; then
    # shellcheck source=scripts/podman-env.sh
    . "$here/scripts/podman-env.sh"
    podman_env_setup
    podman rmi -f "$FIELD_IMAGE" >/dev/null 2>&1 || true
  fi
  exit 0
fi
[ "$(id -u)" = 0 ] || { echo "field-rehearsal: needs root (podman storage, networks)" >&2; exit 2; }

real=${BAMORT_REAL_FIXTURES:-$here/../shared/fixtures}
if [ -f "$real/legacy-init00.sql" ] && [ -d "$real/export-init00" ]; then
  legacy=$real/legacy-init00.sql export_dir=$real/export-init00
else
  echo "NOTE: the real Bamort data ($real) is absent: rehearsing with the project's own small fixtures."
  legacy=$here/tests/fixtures/legacy-small.sql export_dir=$here/tests/fixtures/export-v1-small
fi

work=${FIELD_DIR:-/var/tmp/bamort-field}
# The run folder's name is the compose project's: podman-compose 1.0.3 takes the folder
# name (it ignores COMPOSE_PROJECT_NAME in .env); upstream's .env.example says bamort too.
project=bamort
run=$work/$project
standins=$here/tests/field/compose.standins.yml
checks=(/usr/bin/python3 "$here/tests/field/checks.py")
started_all=$(date +%s)
say() { printf '\n=== %s (%d s)\n' "$*" "$(( $(date +%s) - started_all ))"; }
fail() { echo "field-rehearsal: FAILED: $*" >&2; exit 1; }

# shellcheck source=scripts/podman-env.sh
. "$here/scripts/podman-env.sh"
podman_env_setup
mkdir -p "$work"
chmod 0700 "$work"

# Passwords with the characters a shell would trip over (no '$' or ' #': compose
# interpolates and cuts those in an unquoted .env value).
root_password="root(Pw)&1;x?" user_password="user(Pw)&2;y?!"
export FIELD_SECRETS="$root_password"$'\n'"$user_password"
# mask: stdin to stdout with the two passwords replaced (podman-compose prints them).
mask() {
  /usr/bin/python3 -c '
import os, sys
secrets = [s for s in os.environ["FIELD_SECRETS"].split("\n") if s]
for line in sys.stdin:
    for s in secrets:
        line = line.replace(s, "[hidden]")
    sys.stdout.write(line)'
}

compose_files=(-f "$run/docker-compose.yml" -f "$here/docker/compose.deploy.yml" -f "$standins")
# The operator's stack as it runs today: upstream's compose with the stand-ins only.
stack() { (cd "$run" && podman-compose -p "$project" -f docker-compose.yml -f "$standins" "$@") >>"$work/compose.log" 2>&1; }

own_images=()
if [ -n "${FIELD_REMOVE_IMAGE:-}" ] && [ -n "${FIELD_IMAGE:-}" ]; then own_images+=("$FIELD_IMAGE"); fi
# stack_down: the project's containers and network, gone (also those a killed run left).
stack_down() {
  local -
  local ids
  set +e
  if [ -f "$run/docker-compose.yml" ]; then
    (cd "$run" && BAMORT_DEPLOY_IMAGE=${image:-none} podman-compose -p "$project" "${compose_files[@]}" down -t 5) \
      >>"$work/compose.log" 2>&1
  fi
  # Whatever the compose files do not name (one-shot job containers of deploy.sh).
  ids=$(podman ps -aq --filter "label=com.docker.compose.project=$project")
  # shellcheck disable=SC2086  # one container id a word
  [ -z "$ids" ] || podman rm -f -t 5 $ids >/dev/null 2>&1
  podman network exists "${project}_default" && podman network rm -f "${project}_default" >/dev/null 2>&1
  # The data directory and what the physical restores left beside it (step 3, 5).
  rm -rf "$run/bamort-db" "$run"/bamort-db.* "$run"/.bamort-db.*
}
cleanup() {
  stack_down
  if [ -z "${KEEP_IMAGE:-}" ] && [ ${#own_images[@]} -gt 0 ]; then podman rmi -f "${own_images[@]}" >/dev/null 2>&1; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM  # so that cleanup runs when the run is interrupted
stack_down  # a run that was killed before may have left its stack

for port in 8181 8182 8190; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    fail "port $port is in use on this host; upstream's compose (8181, 8182) and bamort-health (8190) publish it"
  fi
done

say "images: base, stand-ins, the deploy image"
podman_base_image
for standin in mariadb backend; do
  podman build --pull=never -t "localhost/bamort-field-$standin:standin" "$here/tests/field/$standin-standin" \
    >"$work/build-$standin.log" 2>&1 || { tail -20 "$work/build-$standin.log"; fail "building the $standin stand-in"; }
  own_images+=("localhost/bamort-field-$standin:standin")
done
if [ -n "${FIELD_IMAGE:-}" ] && podman image exists "$FIELD_IMAGE"; then
  image=$FIELD_IMAGE
else
  [ -z "${FIELD_IMAGE:-}" ] || echo "NOTE: FIELD_IMAGE=$FIELD_IMAGE is not in the podman store ($podman_dir): building docker/Dockerfile"
  image=localhost/bamort-deploy:field
  podman_build_deploy_image "$image" "$work/build-deploy.log" || fail "building the deploy image"
  own_images+=("$image")
fi
required=$(podman run --rm "$image" bamort-status --version | sed -n 's/.*required DB version[: ]*\([0-9][0-9.]*\).*/\1/p' | head -1)
[ -n "$required" ] || fail "could not read the required DB version from bamort-status --version"
echo "deploy image $image; required DB version $required"

say "1. upstream's stack, unchanged, with the stand-ins; the legacy database loaded by its init-db"
rm -rf "$run" && mkdir -p "$run/init-db"
cp "$upstream/docker-compose.yml" "$run/docker-compose.yml"
cp "$upstream/.env.example" "$run/.env"
# The operator fills in the two passwords of .env.example; nothing else changes.
/usr/bin/python3 - "$run/.env" "$root_password" "$user_password" <<'PY'
import sys
path, root, user = sys.argv[1:]
lines = open(path, encoding="utf-8").read().splitlines()
out = [("MARIADB_ROOT_PASSWORD=" + root) if l.startswith("MARIADB_ROOT_PASSWORD=") else
       ("MARIADB_PASSWORD=" + user) if l.startswith("MARIADB_PASSWORD=") else l for l in lines]
open(path, "w", encoding="utf-8").write("\n".join(out) + "\n")
PY
chmod 0600 "$run/.env"
cp "$legacy" "$run/init-db/00-init.sql"
: >"$work/compose.log"
stack up -d || { mask <"$work/compose.log" | tail -30; fail "podman-compose up of upstream's stack"; }
# No systemd here, so podman schedules no healthchecks: run the service's own check.
healthy=0
for _ in $(seq 1 180); do
  if podman healthcheck run bamort-mariadb >/dev/null 2>&1; then healthy=1; break; fi
  sleep 1
done
[ "$healthy" = 1 ] || { podman logs bamort-mariadb 2>&1 | tail -20; fail "mariadb did not become healthy"; }
echo "mariadb healthy (healthcheck.sh --connect --innodb_initialized)"

# as_user: SQL on stdin, run as MARIADB_USER inside the mariadb container (the password
# comes from the container's environment, never from an argv).
as_user() {
  # shellcheck disable=SC2016
  podman exec -i bamort-mariadb sh -c 'MYSQL_PWD=$MARIADB_PASSWORD exec mariadb -u"$MARIADB_USER" -N -B "$MARIADB_DATABASE"'
}
grants=$(echo "SHOW GRANTS" | as_user)
printf '%s\n' "$grants" | sed 's/IDENTIFIED BY PASSWORD .*/IDENTIFIED BY PASSWORD [hidden]/; s/^/  /'
# shellcheck disable=SC2016  # backquotes of SQL names, not a command substitution
official='GRANT ALL PRIVILEGES ON `bamort`.* TO `bamort`@`%`'
if [ "$(printf '%s\n' "$grants" | grep -v '^GRANT USAGE ON \*\.\*')" != "$official" ]; then
  fail "MARIADB_USER does not hold exactly the official image's grants"
fi
dns=""
for _ in $(seq 1 10); do  # see systeminfo below on aardvark-dns
  dns=$(podman exec bamort-backend python3 -c 'import socket; print(socket.gethostbyname("mariadb"))' 2>/dev/null) && break
  sleep 1
done
[ -n "$dns" ] || fail "the backend cannot resolve the service name mariadb"
echo "service names resolve on the compose network (mariadb -> $dns)"

# Row counts of the character tables (and users), "table count" a line. The legacy
# layout keeps a character's skills in skill_*, which migrations rename to char_*.
char_counts() {
  local out=$1 tables t sql=""
  tables=$(echo "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'
    AND (TABLE_NAME LIKE 'char\\_%' OR TABLE_NAME LIKE 'equi\\_%' OR TABLE_NAME IN ('skill_skills', 'skill_spells',
    'skill_weaponskills', 'audit_log_entries', 'users')) ORDER BY TABLE_NAME" | as_user)
  for t in $tables; do sql+="SELECT '$t', COUNT(*) FROM \`$t\`;"; done
  echo "$sql" | as_user >"$out"
}
printf 'skill_skills char_skills\nskill_spells char_spells\nskill_weaponskills char_weaponskills\n' >"$work/renames"
# "table checksum" of every base table.
checksums() {
  local out=$1 tables t sql=""
  tables=$(echo "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME" | as_user)
  for t in $tables; do sql+="CHECKSUM TABLE \`$t\`;"; done
  echo "$sql" | as_user | sed 's/^[^.]*\.//' >"$out"
}
backend_container=bamort-backend
backend_running() { [ "$(podman inspect "$backend_container" --format '{{.State.Running}}' 2>/dev/null)" = true ]; }
# systeminfo: the backend's answer, asked from the frontend container by service name. A
# backend just started may not listen yet, and aardvark-dns (netavark 1.4) now and then
# fails a lookup right after a container of the network started or stopped ("Temporary
# failure in name resolution"): asked again, 1 s apart, at most 20 times.
systeminfo() {
  local attempt
  for attempt in $(seq 1 20); do
    podman exec bamort-frontend python3 -c 'import urllib.request; print(urllib.request.urlopen("http://backend:8180/api/public/systeminfo", timeout=10).read().decode())' \
      2>"$work/systeminfo.err" && return 0
    [ "$attempt" = 20 ] || sleep 1
  done
  tail -1 "$work/systeminfo.err" >&2
  return 1
}

char_counts "$work/counts-before"
chars_before=$(awk '$1 == "char_chars" { print $2 }' "$work/counts-before")
echo "character rows before: $(awk '{printf "%s %s, ", $1, $2}' "$work/counts-before")"

say "2. bamort-prepare packages $(basename "$export_dir"); docker/deploy.sh --compose deploys it"
rm -f "$work/package.tar.gz"
podman run --rm --user 0:0 -v "$export_dir:/in:ro" -v "$work:/out" "$image" \
  bamort-prepare --out /out/package.tar.gz --from /in --report /out/prepare.json >"$work/prepare.log" 2>&1 ||
  { tail "$work/prepare.log"; fail "bamort-prepare"; }
"${checks[@]}" field "$work" prepare 'd["status"]' | grep -qx ok || fail "the prepare report is not ok"

# deploy RUN_ID: deploy.sh in compose mode, as the brief's operator runs it; sets deploy_code.
# Its output and reports must not hold either password (the output is shown masked anyway).
deploy() {
  deploy_code=0
  "$here/docker/deploy.sh" --compose "$run" --compose-file "$standins" --engine podman --image "$image" \
    --run-id "$1" --health-timeout 180 "$work/package.tar.gz" 2>&1 | tee "$work/deploy-$1.raw" | mask ||
    deploy_code=${PIPESTATUS[0]}
  podman logs "$backend_container" >"$work/backend-$1.log" 2>&1 || true
  if grep -rqF -e "$user_password" -e "$root_password" "$work/deploy-$1.raw" "$run/bamort-reports/$1"; then
    fail "a database password appears in deploy.sh's output or in the reports of run $1"
  fi
  mv "$work/deploy-$1.raw" "$work/deploy-$1.log"
}
deploy field-deploy
[ "$deploy_code" = 0 ] || fail "deploy.sh exited $deploy_code (log: $work/deploy-field-deploy.log)"
reports=$run/bamort-reports/field-deploy
# The preflight bamort-status says behind (exit 3: what a deploy is for); validate may warn
# about optional master data the real database does not have; everything else says ok.
"${checks[@]}" reports-ok "$reports" status:behind backup migrate import validate:ok,warning final-status
"${checks[@]}" backend-timeline "$work/backend-field-deploy.log" "$reports" migrate validate
backend_running || fail "the backend is not running after the deploy"
grep -q '<== health: ok' "$work/deploy-field-deploy.log" || fail "deploy.sh did not report health ok"
health=$(podman exec "$(podman ps -q --filter "label=com.docker.compose.project=$project" --filter label=com.docker.compose.service=bamort-health | head -1)" \
  bash -c 'exec 3<>/dev/tcp/127.0.0.1/8190 && printf "GET /api/system/health HTTP/1.0\r\n\r\n" >&3 && cat <&3' | tr -d '\r' | sed '1,/^$/d')
[ "$(printf '%s' "$health" | "${checks[@]}" json-get 'd["status"]')" = ok ] || fail "bamort-health does not say ok: $health"
echo "bamort-health: status ok"
info=$(systeminfo) || fail "the backend does not answer /api/public/systeminfo"
echo "backend systeminfo: $info"
[ "$(printf '%s' "$info" | "${checks[@]}" json-get 'd["dbVersion"]')" = "$required" ] ||
  fail "the backend reads dbVersion $(printf '%s' "$info" | "${checks[@]}" json-get 'd["dbVersion"]'), required $required"
[ "$(printf '%s' "$info" | "${checks[@]}" json-get 'd["charCount"]')" = "$chars_before" ] ||
  fail "the backend counts other characters than the database held before ($chars_before)"
char_counts "$work/counts-after"
"${checks[@]}" same-lines "$work/counts-before" "$work/counts-after" "$work/renames"
[ "$("${checks[@]}" field "$reports" backup 'd["details"]["kind"]')" = physical ] || fail "the pre-deploy backup is not physical"
[ "$("${checks[@]}" field "$reports" backup 'd["details"]["verified"]')" = True ] || fail "the physical pre-deploy backup is not verified"
grep -q 'backup kind: physical' "$work/deploy-field-deploy.log" || fail "deploy.sh's summary does not say the backup was physical"
# The portable jobs found libbamort-nosync.so in the bundle: the private copy skipped its fsync calls.
[ "$("${checks[@]}" field "$reports" backup 'd["details"]["verification"]["private_copy_unsynced"]')" = True ] ||
  fail "the physical backup in the database's container did not preload libbamort-nosync.so"
physical_ms=$("${checks[@]}" field "$reports" backup 'd["duration_ms"]')
echo "pre-deploy backup: physical, verified, $physical_ms ms ($(grep 'backup kind:' "$work/deploy-field-deploy.log" | sed 's/^ *//'))"

say "2b. the nightly backup of docker/bamort-backup.cron, with podman-compose"
# The cron line with podman-compose in place of `docker compose`, plus --no-deps: without it
# podman-compose 1.0.3 `run` builds every service that has a build: (upstream's backend and
# frontend, from ../backend and ../frontend) before it runs the job.
sets_before=$(find "$run/bamort-backups" -mindepth 1 -maxdepth 1 -type d ! -name '*.partial' | wc -l)
rm -f "$run/bamort-reports/backup.json"
(cd "$run" && BAMORT_JOB_USER=0:0 BAMORT_DEPLOY_IMAGE=$image podman-compose -f docker-compose.yml \
   -f "$here/docker/compose.deploy.yml" -f "$standins" run --rm -T --no-deps bamort-job \
   bamort-backup --verify --retention-days 30 --keep-min 3) >"$work/cron.log" 2>&1 || true
[ -f "$run/bamort-reports/backup.json" ] || { mask <"$work/cron.log" | tail -20; fail "the nightly backup wrote no report"; }
[ "$("${checks[@]}" field "$run/bamort-reports" backup 'd["status"]')" = ok ] || fail "the nightly backup's report is not ok"
[ "$("${checks[@]}" field "$run/bamort-reports" backup 'd["details"]["verified"]')" = True ] || fail "the nightly backup is not verified"
sets_after=$(find "$run/bamort-backups" -mindepth 1 -maxdepth 1 -type d ! -name '*.partial' | wc -l)
[ "$sets_after" = $((sets_before + 1)) ] || fail "expected one more backup set ($sets_before before), found $sets_after"
echo "nightly backup: a verified set $("${checks[@]}" field "$run/bamort-reports" backup 'd["details"]["set"]'), $sets_after sets kept"
logical_ms=$("${checks[@]}" field "$run/bamort-reports" backup 'd["duration_ms"]')
echo "backup times on this database: physical (verified) $physical_ms ms, logical --verify $logical_ms ms"
if grep -qF -e "$user_password" "$run/bamort-reports/backup.json"; then fail "the password appears in the nightly backup's report"; fi

say "3. a fresh legacy load as MARIADB_USER, a migration made to fail: automatic restore"
{
  echo "DROP DATABASE \`bamort\`; CREATE DATABASE \`bamort\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci; USE \`bamort\`;"
  cat "$legacy"
  # 0003 merges char_wealth's umlaut money columns with an UPDATE, after 0001, 0002 and the
  # first ALTERs of 0003 have committed (version tables, renames, columns): the trigger makes
  # that UPDATE fail, so the real run fails with the database changed.
  echo "CREATE TRIGGER field_rehearsal_fail BEFORE UPDATE ON char_wealth FOR EACH ROW"
  echo "  SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'field rehearsal: this migration is made to fail';"
} | as_user || fail "reloading the legacy database as MARIADB_USER"
checksums "$work/checksums-before"
echo "$(wc -l <"$work/checksums-before") tables checksummed before the run"
deploy field-fail
[ "$deploy_code" = 4 ] || fail "deploy.sh exited $deploy_code, expected 4 (migrate failed after changing the database, restored)"
reports=$run/bamort-reports/field-fail
[ "$("${checks[@]}" report-status "$reports" migrate)" = failed ] || fail "the migrate report does not say failed"
"${checks[@]}" field "$reports" migrate 'd["error"]["message"]' | grep -q 'made to fail' ||
  fail "migrate failed for another reason: $("${checks[@]}" field "$reports" migrate 'd["error"]')"
committed=$("${checks[@]}" field "$reports" migrate 'd["database"]["migration_number_after"]')
echo "migrate failed after committing up to migration ${committed}"
[ "$("${checks[@]}" report-status "$reports" restore)" = ok ] || fail "the automatic restore's report is not ok"
[ "$("${checks[@]}" field "$reports" restore 'd["details"]["kind"]')" = physical ] || fail "the automatic restore was not physical"
restored_set=$("${checks[@]}" field "$reports" backup 'd["details"]["set"]')
grep -q 'WAS RESTORED AUTOMATICALLY' "$work/deploy-field-fail.log" || fail "deploy.sh does not say it restored"
"${checks[@]}" backend-timeline "$work/backend-field-fail.log" "$reports" migrate restore
backend_running || fail "the backend is not running after the restore"
info=$(systeminfo) || fail "the backend does not answer /api/public/systeminfo after the restore"
echo "backend systeminfo after the restore: $info"
[ "$(printf '%s' "$info" | "${checks[@]}" json-get 'd["charCount"]')" = "$chars_before" ] ||
  fail "the backend counts other characters after the restore than before ($chars_before)"
[ "$(printf '%s' "$info" | "${checks[@]}" json-get 'd["dbVersion"]')" = None ] ||
  fail "the backend reads a schema_version after the restore; the legacy database has none"
checksums "$work/checksums-after"
"${checks[@]}" same-lines "$work/checksums-before" "$work/checksums-after"
[ "$(wc -l <"$work/checksums-before")" = "$(wc -l <"$work/checksums-after")" ] || fail "the restored database has other tables"


say "4. a corrupted physical set: deploy.sh --restore-physical refuses it before anything is stopped"
db_started=$(podman inspect bamort-mariadb --format '{{.State.StartedAt}}')
rm -rf "$run/bamort-backups/$restored_set-corrupt"
cp -a "$run/bamort-backups/$restored_set" "$run/bamort-backups/$restored_set-corrupt"
stream=$(find "$run/bamort-backups/$restored_set-corrupt" -name '*.mbstream.gz' | head -1)
[ -n "$stream" ] || fail "the physical set $restored_set has no mbstream file"
printf 'X' | dd of="$stream" bs=1 seek=100 conv=notrunc status=none
code=0
"$here/docker/deploy.sh" --compose "$run" --compose-file "$standins" --engine podman --image "$image" \
  --run-id field-corrupt --restore-physical "$run/bamort-backups/$restored_set-corrupt" >"$work/deploy-field-corrupt.log" 2>&1 || code=$?
mask <"$work/deploy-field-corrupt.log" | tail -8
[ "$code" = 2 ] || fail "deploy.sh --restore-physical of a corrupted set exited $code, expected 2"
[ "$(podman inspect bamort-mariadb --format '{{.State.Running}} {{.State.StartedAt}}')" = "true $db_started" ] ||
  fail "mariadb was stopped or restarted for a corrupted set"
backend_running || fail "the backend was stopped for a corrupted set"
rm -rf "$run/bamort-backups/$restored_set-corrupt"

# killed_restore RUN_ID GLOB: a marker row is added, the backend stopped, and deploy.sh
# --restore-physical of step 3's set started; as soon as GLOB (in the run folder) exists, its
# restore container is killed (SIGKILL). Then deploy.sh --restore-way-back must bring mariadb
# up with every table as it was before the killed restore and leave no work folder.
killed_restore() {
  local id=$1 glob=$2 code=0 killed=0 deploy_pid
  echo "CREATE TABLE IF NOT EXISTS field_kill_marker (id INT PRIMARY KEY); INSERT INTO field_kill_marker VALUES (${#id});" | as_user  # a row per run
  checksums "$work/checksums-before-$id"
  podman stop -t 10 "$backend_container" >/dev/null
  "$here/docker/deploy.sh" --compose "$run" --compose-file "$standins" --engine podman --image "$image" \
    --run-id "$id" --restore-physical "$run/bamort-backups/$restored_set" >"$work/deploy-$id.log" 2>&1 &
  deploy_pid=$!
  for _ in $(seq 1 3000); do
    if compgen -G "$run/$glob" >/dev/null && podman container exists "bamort-restore-$id"; then
      podman kill -s KILL "bamort-restore-$id" >/dev/null 2>&1 && killed=1
      break
    fi
    kill -0 "$deploy_pid" 2>/dev/null || break
    sleep 0.1
  done
  wait "$deploy_pid" || code=$?
  mask <"$work/deploy-$id.log" | tail -6
  [ "$killed" = 1 ] || fail "the restore was not caught at $glob (deploy.sh exit $code)"
  [ "$code" != 0 ] || fail "deploy.sh --restore-physical reported success after its restore was killed"
  [ -d "$run/bamort-db/mysql" ] || compgen -G "$run/bamort-db.before-restore-*" >/dev/null ||
    fail "the old data directory is gone after the kill"
  echo "after the kill: $(cd "$run" && printf '%s ' bamort-db* .bamort-db*)"
  code=0
  "$here/docker/deploy.sh" --compose "$run" --compose-file "$standins" --engine podman --image "$image" \
    --run-id "$id-way-back" --restore-way-back >"$work/deploy-$id-way-back.log" 2>&1 || code=$?
  mask <"$work/deploy-$id-way-back.log" | grep -v '^ ' | tail -8
  [ "$code" = 0 ] || fail "deploy.sh --restore-way-back exited $code"
  checksums "$work/checksums-after-$id-way-back"
  "${checks[@]}" same-lines "$work/checksums-before-$id" "$work/checksums-after-$id-way-back"
  compgen -G "$run/.bamort-db.restore-*" >/dev/null && fail "the way back left the restore's work folder"
  echo "the way back brought mariadb up with its content from before the killed restore ($(wc -l <"$work/checksums-after-$id-way-back") tables equal)"
}

say "5. the emergency restore killed before the data directory was moved (SIGKILL); deploy.sh --restore-way-back"
killed_restore field-kill '.bamort-db.restore-*'

say "6. the emergency restore killed after the data directory was moved aside (SIGKILL); deploy.sh --restore-way-back"
# Step 3's restore kept its previous data directory; it is deleted, as its message says, so
# the one this restore moves aside is the only one.
rm -rf "$run"/bamort-db.before-restore-* "$run"/bamort-db.failed-restore-*
killed_restore field-kill-moved 'bamort-db.before-restore-*'
compgen -G "$run/bamort-db.before-restore-*" >/dev/null && fail "the way back left the moved-aside data directory"

say "7. deploy.sh killed after it stopped mariadb, before the restore's first step; deploy.sh --restore-way-back"
rm -rf "$run"/bamort-db.failed-restore-*
checksums "$work/checksums-before-stopped"
podman stop -t 10 bamort-mariadb >/dev/null
code=0
"$here/docker/deploy.sh" --compose "$run" --compose-file "$standins" --engine podman --image "$image" \
  --run-id field-stopped-way-back --restore-way-back >"$work/deploy-field-stopped-way-back.log" 2>&1 || code=$?
mask <"$work/deploy-field-stopped-way-back.log" | grep -v '^ ' | tail -4
[ "$code" = 0 ] || fail "deploy.sh --restore-way-back with mariadb stopped and no restore folder exited $code"
checksums "$work/checksums-after-stopped"
"${checks[@]}" same-lines "$work/checksums-before-stopped" "$work/checksums-after-stopped"
echo "the way back started mariadb on its untouched data directory ($(wc -l <"$work/checksums-after-stopped") tables equal)"

say "field rehearsal passed"
