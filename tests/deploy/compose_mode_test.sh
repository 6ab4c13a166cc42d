#!/usr/bin/env bash
# deploy.sh --compose against a stand-in compose command (tests/deploy/fake_compose.sh):
# the jobs run as native processes against a real throwaway MariaDB, with exactly the
# environment compose.deploy.yml gives the job container, while the stand-in records
# every compose call. Checks the order the issue asks for (backend stopped before
# migrate, started after validate, and after the automatic restore when migrate fails),
# the exit codes with podman-compose's habit of always exiting 0, that no password shows,
# the summary's last lines, the dry run, a wrong project, and the nightly backup line of
# docker/bamort-backup.cron. A real podman run is scripts/field-rehearsal.sh's.
#
#   tests/deploy/compose_mode_test.sh [BUILD_DIR]
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/bamort-compose-test.XXXXXX")
health_pid=""
cleanup() {
  [ -z "$health_pid" ] || { kill "$health_pid" 2>/dev/null || true; wait "$health_pid" 2>/dev/null || true; }
  BAMORT_DEVDB_DIR=$work/db "$here/scripts/dev-db.sh" stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
export BAMORT_DEVDB_DIR=$work/db
eval "$("$here/scripts/dev-db.sh" start)"
sql() { "$here/scripts/dev-db.sh" sql "$@"; }
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
ok() { echo "ok:   $*"; }
check() {  # DESCRIPTION COMMAND...: ok when the command succeeds
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}

# Upstream's docker/ folder: its compose file when ../shared has it (copied to the temp
# folder only), else a small one of the same shape.
up=$work/upstream/docker
mkdir -p "$up"
upstream=${BAMORT_UPSTREAM_APP:-$here/../shared/reference/upstream-app}/docker
if [ -f "$upstream/docker-compose.yml" ]; then
  cp "$upstream/docker-compose.yml" "$up/"
else
  echo "note: $upstream is absent; a compose file of upstream's shape stands in"
  printf '%s\n' 'services:' '  backend:' '    image: bamort-backend' '    restart: unless-stopped' \
    '  mariadb:' '    image: mariadb:11.4' '    restart: unless-stopped' >"$up/docker-compose.yml"
fi
password=$(cat "$BAMORT_DB_PASSWORD_FILE")
# Upstream's .env shape; the DATABASE_URL line points nowhere and must not be used.
cat >"$up/.env" <<EOF
# Environment variables for Bamort production deployment
API_URL=https://backend.domain.de
DATABASE_TYPE=mysql
DATABASE_URL=nobody:wrong@tcp(127.0.0.1:1)/nothing?charset=utf8mb4&parseTime=True&loc=Local
MARIADB_ROOT_PASSWORD=root-secret-$RANDOM
MARIADB_PASSWORD=$password
MARIADB_DATABASE=composetest
MARIADB_USER=$BAMORT_DB_USER
COMPOSE_PROJECT_NAME=bamort
# Never taken into deploy.sh's own environment, though compose mode exports the file's keys
# for compose's interpolation:
PATH=/nowhere
LD_PRELOAD=/nonexistent/preload.so
TMPDIR=/nonexistent
EOF
root_password=$(sed -n 's/^MARIADB_ROOT_PASSWORD=//p' "$up/.env")

# The stand-ins: engine and compose command, services running.
mkdir -p "$work/bin" "$work/fake"
for n in docker podman podman-compose fake-compose; do ln -s "$here/tests/deploy/fake_compose.sh" "$work/bin/$n"; done
export PATH=$work/bin:$PATH FAKE_DIR=$work/fake FAKE_BIN_DIR=$build FAKE_DB_HOST=$BAMORT_DB_HOST FAKE_DB_PORT=$BAMORT_DB_PORT
reset_services() { mkdir -p "$work/fake/state"; echo running >"$work/fake/state/mariadb"; echo running >"$work/fake/state/backend"; : >"$work/fake/calls.log"; }

fresh_db() {
  sql -e "DROP DATABASE IF EXISTS composetest; CREATE DATABASE composetest CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  sql composetest <"$here/tests/fixtures/legacy-small.sql"
}
checksums() {  # every table's CHECKSUM TABLE
  local t out=""
  for t in $(sql -N -e "SELECT table_name FROM information_schema.tables WHERE table_schema='composetest' ORDER BY 1"); do
    out+="$(sql -N -e "CHECKSUM TABLE composetest.\`$t\`")"$'\n'
  done
  printf '%s' "$out"
}

# The health endpoint: a native bamort-health on the same database.
BAMORT_DB_NAME=composetest "$build/bamort-health" --listen 127.0.0.1:0 --refresh 1 --rate-limit 0 >"$work/health.out" 2>&1 &
health_pid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$work/health.out" && break; sleep 0.1; done
FAKE_HEALTH_PORT=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/health.out" | head -1)
[ -n "$FAKE_HEALTH_PORT" ] || { cat "$work/health.out"; echo "FAIL: bamort-health did not start"; exit 1; }
export FAKE_HEALTH_PORT

# A stand-in for a development export (the shipped sample set is refused on a database that
# holds master data).
"$build/bamort-prepare" --out "$work/package.tar.gz" --from "$here/tests/fixtures/export-v1-small" >/dev/null 2>&1

# deploy ARGS...: deploy.sh in compose mode without the test's BAMORT_DB_* (the stack's
# settings come from upstream's .env only); output in $work/out, exit code in $code.
deploy() {
  code=0
  env -u BAMORT_DB_HOST -u BAMORT_DB_PORT -u BAMORT_DB_NAME -u BAMORT_DB_USER -u BAMORT_DB_PASSWORD_FILE \
    "$here/docker/deploy.sh" --compose "$up" --health-timeout 30 "$@" "$work/package.tar.gz" >"$work/out" 2>&1 </dev/null || code=$?
}
# line N of the call log matching PATTERN (first match), 0 when none
at() { grep -n -m1 -E "$1" "$work/fake/calls.log" | cut -d: -f1 || true; }
before() {  # A B: the first call matching A comes before the first matching B
  local a b
  a=$(at "$1") b=$(at "$2")
  [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]
}
no_secrets() { ! grep -qF -e "$password" -e "$root_password" "$work/out"; }
report_status() { sed -n 's/^  "status": "\(.*\)",\{0,1\}$/\1/p' "$1" | head -1; }

echo "== 0. the override files"
# compose.deploy.yml adds services and changes none of upstream's; the backend waits for a
# migrate only in the gate file, and there only for one that requires a verified backup.
check "compose.deploy.yml and compose.migrate-gate.yml say what they should" /usr/bin/python3 - \
  "$here/docker/compose.deploy.yml" "$here/docker/compose.migrate-gate.yml" "$up/docker-compose.yml" <<'PY'
import sys, yaml
deploy, gate, upstream = (yaml.safe_load(open(f)) for f in sys.argv[1:])
ours = deploy["services"]
assert not set(ours) & set(upstream["services"]), "compose.deploy.yml changes an upstream service"
assert ours["bamort-job"]["profiles"] == ["bamort-jobs"], "bamort-job is not behind a profile"
assert "profiles" not in ours["bamort-health"] and ours["bamort-health"]["healthcheck"]["test"][0] == "CMD-SHELL"
for name, svc in ours.items():
    for key, value in (svc.get("environment") or {}).items():
        assert "PASSWORD" not in key or key.endswith("_FILE"), name + " puts a password into environment"
g = gate["services"]
assert set(g["backend"]) == {"depends_on"}, "the gate changes more of the backend than depends_on"
assert g["backend"]["depends_on"]["bamort-gate-migrate"]["condition"] == "service_completed_successfully"
assert g["bamort-gate-migrate"]["depends_on"]["bamort-gate-backup"]["condition"] == "service_completed_successfully"
assert "--verify" in g["bamort-gate-backup"]["command"]
cmd = g["bamort-gate-migrate"]["command"]
assert cmd[cmd.index("--require-backup") + 1] == "/reports/gate-backup.json"
assert "/reports/gate-backup.json" in g["bamort-gate-backup"]["command"]
PY

echo "== 1. a deploy (docker compose stand-in through BAMORT_COMPOSE)"
fresh_db; reset_services
# The private folders of an earlier deploy.sh killed by SIGKILL (its password files still in
# it) and of one still running.
sleep 0 & dead_pid=$!; wait "$dead_pid"
stale=$(mktemp -d "${TMPDIR:-/tmp}/bamort-deploy.XXXXXX") live=$(mktemp -d "${TMPDIR:-/tmp}/bamort-deploy.XXXXXX")
echo "$dead_pid" >"$stale/pid"; echo "root-secret" >"$stale/db-root-password"; echo $$ >"$live/pid"
BAMORT_COMPOSE="$work/bin/fake-compose" deploy --engine docker --run-id c1
check "the killed run's private folder was removed, and said so" \
  bash -c "[ ! -e '$stale' ] && grep -q 'removed $stale, the private folder of a deploy.sh that was killed' '$work/out'"
check "a running deploy's private folder was left alone" [ -f "$live/pid" ]
rm -rf "$live"
[ "$code" = 0 ] || { cat "$work/out"; cat "$work/fake/calls.log"; }
check "exit 0" [ "$code" = 0 ]
check "every compose call names upstream's file, compose.deploy.yml and project bamort" \
  bash -c "! grep -v -- '-p bamort -f $up/docker-compose.yml -f $here/docker/compose.deploy.yml' '$work/fake/calls.log' | grep -v '^job '"
check "status ran before the backup" before '^job bamort-status' '^job bamort-backup'
check "the backend was stopped after the backup and before migrate" before '^job bamort-backup' ' stop backend$'
check "migrate ran with the backend stopped" grep -q '^job bamort-migrate backend=stopped' "$work/fake/calls.log"
check "import and validate ran with the backend stopped" grep -q '^job bamort-validate backend=stopped' "$work/fake/calls.log"
check "the backend was started (up -d --no-deps) after validate" before '^job bamort-validate' ' up -d --no-deps backend$'
check "bamort-health was asked after the backend started" before ' up -d --no-deps backend$' ' exec -T bamort-health '
check "health ok printed" grep -q '"status": "ok"' "$work/out"
check "the status step says behind, not failed" grep -Eq '^  status +3 +behind ' "$work/out"
check "the status log line says behind" grep -q '<== status: exit 3, behind' "$work/out"
check "summary: backend running" grep -q '^  backend (backend): running' "$work/out"
check "summary: database 0.5.0 compatible" grep -q '^  database: version 0.5.0, state compatible' "$work/out"
check "DEPLOYED line" grep -q '^DEPLOYED: database at version 0.5.0' "$work/out"
for s in status backup migrate import validate; do
  f=$up/bamort-reports/c1/$s.json
  check "report $s.json in the compose folder's bamort-reports" [ -f "$f" ]
done
check "migrate report ok" [ "$(report_status "$up/bamort-reports/c1/migrate.json")" = ok ]
check "the reports carry the run id" grep -q '"run_id": "c1"' "$up/bamort-reports/c1/import.json"
check "backup set in the compose folder's bamort-backups" bash -c "ls -d '$up'/bamort-backups/composetest_* >/dev/null"
check "the jobs got the password as a file, and no root password" \
  bash -c "grep -qx MARIADB_PASSWORD_FILE '$work/fake/last-env-keys' && ! grep -q ROOT '$work/fake/last-env-keys'"
check "no password in deploy.sh's output" no_secrets
check "auto took a logical backup, saying why not physical (the stand-in engine has no mount to inspect)" \
  grep -q 'pre-deploy backup: logical (the mariadb service has no mount at /var/lib/mysql)' "$work/out"
check "summary: backup kind logical" grep -q '^  backup kind: logical' "$work/out"
check "PATH, LD_PRELOAD and TMPDIR of .env were not taken" bash -c "! grep -q 'preload\|/nowhere\|/nonexistent' '$work/out'"
check "the run's package copy is the package" cmp -s "$work/package.tar.gz" "$up/bamort-reports/c1/package.tar.gz"

echo "== 2. a migration fails: automatic restore, backend started again (podman-compose stand-in, exits 0 always)"
fresh_db; reset_services
# A conflicting improvement cost makes migration 10 stop after 1-9 changed the database.
sql composetest -e "INSERT INTO learning_skill_improvement_costs (skill_category_difficulty_id, current_level, te_required)
  SELECT skill_category_difficulty_id, current_level, te_required + 7 FROM learning_skill_improvement_costs ORDER BY id LIMIT 1"
before_sums=$(checksums)
FAKE_PC=1 deploy --engine podman --run-id c2
[ "$code" = 4 ] || { cat "$work/out"; cat "$work/fake/calls.log"; }
check "exit 4 (from the job, though podman-compose said 0)" [ "$code" = 4 ]
check "podman-compose was chosen (podman compose does not work)" grep -q 'podman-compose -p bamort' "$work/out"
check "migrate ran with the backend stopped" grep -q '^job bamort-migrate backend=stopped' "$work/fake/calls.log"
check "the restore ran after migrate" before '^job bamort-migrate' '^job bamort-restore'
check "the backend was started (start) after the restore" before '^job bamort-restore' ' start backend$'
# (the package check before the backup is an import-masterdata --check-only job)
check "no import after a failed migrate" bash -c "! sed -n '/^job bamort-migrate/,\$p' '$work/fake/calls.log' | grep -q '^job bamort-import'"
check "RESTORED AUTOMATICALLY" grep -q 'RESTORED AUTOMATICALLY' "$work/out"
check "summary: backend running" grep -q '^  backend (backend): running' "$work/out"
check "summary: database state behind (restored)" grep -q '^  database: version none, state behind' "$work/out"
check "CHECKSUM TABLE of every table as before the deploy" [ "$(checksums)" = "$before_sums" ]
check "no password in the output (podman-compose printed them)" no_secrets
check "podman-compose's merged configuration is not shown" bash -c "! grep -q 'merged' '$work/out'"

echo "== 3. the dry run leaves the backend alone"
fresh_db; reset_services
BAMORT_COMPOSE="$work/bin/fake-compose" deploy --engine docker --run-id c3 --dry-run
check "exit 0" [ "$code" = 0 ]
check "the backend was neither stopped nor started" bash -c "! grep -Eq ' (stop|start|up -d --no-deps) backend$' '$work/fake/calls.log'"
check "DRY RUN complete" grep -q 'DRY RUN complete' "$work/out"

echo "== 3b. --status-only through compose"
code=0
env -u BAMORT_DB_HOST -u BAMORT_DB_PORT -u BAMORT_DB_NAME -u BAMORT_DB_USER -u BAMORT_DB_PASSWORD_FILE \
  BAMORT_COMPOSE="$work/bin/fake-compose" "$here/docker/deploy.sh" --compose "$up" --engine docker --run-id c3b \
  --status-only >"$work/out" 2>&1 </dev/null || code=$?
check "exit 3 on the legacy database" [ "$code" = 3 ]
check "says behind" grep -q 'STATUS: the database is behind' "$work/out"

echo "== 4. the stack runs under another project name: refused before anything"
reset_services
FAKE_PROJECT=docker BAMORT_COMPOSE="$work/bin/fake-compose" deploy --engine docker --run-id c4
check "exit 3" [ "$code" = 3 ]
check "names COMPOSE_PROJECT_NAME" grep -q 'COMPOSE_PROJECT_NAME' "$work/out"
check "no job ran" bash -c "! grep -q '^job ' '$work/fake/calls.log'"

echo "== 4b. physical asked for where it is not possible: refused before anything, saying why"
reset_services
BAMORT_COMPOSE="$work/bin/fake-compose" deploy --engine docker --run-id c4b --backup-kind physical
check "--backup-kind physical: exit 3" [ "$code" = 3 ]
check "names what is missing" grep -q 'not possible here: the mariadb service has no mount at /var/lib/mysql. Nothing was touched.' "$work/out"
check "no job ran, nothing stopped" bash -c "! grep -Eq '^job | stop ' '$work/fake/calls.log'"
# The jobs set to use another server than the mariadb service: its files are not theirs.
cp "$up/.env" "$work/env.saved"
echo "BAMORT_DB_HOST=db.elsewhere.example" >>"$up/.env"
BAMORT_COMPOSE="$work/bin/fake-compose" deploy --engine docker --run-id c4e --backup-kind physical
cp "$work/env.saved" "$up/.env"
check "BAMORT_DB_HOST elsewhere: physical refused, exit 3" [ "$code" = 3 ]
check "names BAMORT_DB_HOST" grep -q 'BAMORT_DB_HOST is db.elsewhere.example, not the mariadb service' "$work/out"
code=0
env -u BAMORT_DB_HOST BAMORT_COMPOSE="$work/bin/fake-compose" "$here/docker/deploy.sh" --compose "$up" --engine docker \
  --run-id c4c --restore-way-back >"$work/out" 2>&1 </dev/null || code=$?
check "--restore-way-back: exit 3" [ "$code" = 3 ]
check "--restore-way-back: no job ran, nothing stopped" bash -c "! grep -Eq '^job | stop ' '$work/fake/calls.log'"
deploy --engine docker --run-id c4d --restore-physical "$up/bamort-backups/any"
check "--restore-physical with a package: exit 2" [ "$code" = 2 ]

echo "== 5. the nightly backup line of docker/bamort-backup.cron"
reset_services
line=$(grep -E '^[0-9*]' "$here/docker/bamort-backup.cron" | head -1)
cmd=${line#*root }
cmd=${cmd//\/srv\/bamort\/docker/$up}
cmd=${cmd//\/opt\/bamort-deploy/$here}
cmd=${cmd//docker compose/$work/bin/fake-compose}
cmd=${cmd//\/var\/log\/bamort-backup.log/$work/cron.log}
rm -rf "$up/bamort-reports/backup.json"
code=0
(env -i PATH="$PATH" FAKE_DIR="$FAKE_DIR" FAKE_BIN_DIR="$FAKE_BIN_DIR" FAKE_DB_HOST="$FAKE_DB_HOST" FAKE_DB_PORT="$FAKE_DB_PORT" \
   BAMORT_JOB_USER=0:0 sh -c "$cmd") || code=$?
[ "$code" = 0 ] || cat "$work/cron.log"
check "the cron command exits 0" [ "$code" = 0 ]
check "it ran bamort-backup" grep -q '^job bamort-backup' "$work/fake/calls.log"
check "its report says ok" [ "$(report_status "$up/bamort-reports/backup.json" 2>/dev/null)" = ok ]
check "verified, with 30-day retention" grep -q '"retention_days": 30' "$up/bamort-reports/backup.json"
check "the password came from upstream's .env (env_file)" grep -qx 'MARIADB_PASSWORD' "$work/fake/last-env-keys"

echo
if [ "$failures" = 0 ]; then echo "compose_mode_test: all passed"; else echo "compose_mode_test: $failures failed"; exit 1; fi
