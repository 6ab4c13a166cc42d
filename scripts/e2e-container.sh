#!/usr/bin/env bash
# The container proof (issue 7), on a machine without a Docker engine, with podman as root:
#   1. builds docker/Dockerfile unchanged (the build stage compiles and runs the unit tests);
#   2. a container of the image (--network host) runs bamort-status and bamort-migrate
#      against a throwaway MariaDB on the host;
#   3. docker/deploy.sh in container mode (podman) deploys a legacy database end to end;
#   4. `podman kube play` runs the k8s/ manifests (rendered by `kubectl kustomize k8s/`,
#      turned into Pods by tests/e2e/k8s_pods.py): two replicas of the backend Deployment
#      (the migrate init container finishes before the backend container starts; the second
#      replica's init container finds nothing pending), the backup CronJob's pod and the
#      migrate Job's pod (verified backup in its init container, then migrate).
# scripts/test.sh runs it when it runs as root (CI does); it takes about 10 minutes, most of
# it the image build. No registry is reachable here, so the debian:bookworm-slim base
# image is made locally with debootstrap from the Debian mirror apt uses.
#
#   scripts/e2e-container.sh                    everything
#   E2E_IMAGE=localhost/bamort-deploy:dev scripts/e2e-container.sh
#                                               use an image built before (skips step 1)
#   KEEP_IMAGE=1 scripts/e2e-container.sh       leave the built image in the podman store
#   E2E_CONTAINER_DIR=DIR                       work folder (default /var/tmp/bamort-e2e-container)
#   BAMORT_PODMAN_DIR=DIR                       podman configuration and image store, shared with
#                                               scripts/field-rehearsal.sh (default /var/tmp/bamort-podman)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "e2e-container: needs root (podman storage, debootstrap, host folders owned by uid 10001)" >&2; exit 2; }
work=${E2E_CONTAINER_DIR:-/var/tmp/bamort-e2e-container}
mkdir -p "$work"
started_all=$(date +%s)
say() { printf '\n=== %s (%d s)\n' "$*" "$(( $(date +%s) - started_all ))"; }
fail() { echo "e2e-container: FAILED: $*" >&2; exit 1; }

# podman as root with the settings that work here, and the image store the field
# rehearsal shares (scripts/podman-env.sh); debian:bookworm-slim made with debootstrap.
# shellcheck source=scripts/podman-env.sh
. "$here/scripts/podman-env.sh"
podman_env_setup
# kubectl comes with this kind of machine; Debian's kubernetes-client (1.20) is too old to
# render the kustomization's labels field.
command -v kubectl >/dev/null || fail "kubectl (1.21 or newer) is needed to render k8s/ (kubectl kustomize)"
"$here/scripts/install-deps.sh"
podman_base_image || fail "making the base image"

kube_files=()
cleanup() {
  local f
  for f in "${kube_files[@]}"; do podman kube down "$f" >/dev/null 2>&1 || true; done
  podman secret rm bamort-backend-dsn >/dev/null 2>&1 || true
  BAMORT_DEVDB_DIR=$work/devdb "$here/scripts/dev-db.sh" stop
  if [ -z "${E2E_IMAGE:-}" ] && [ -z "${KEEP_IMAGE:-}" ]; then podman rmi -f "$image" >/dev/null 2>&1 || true; fi
}
image=${E2E_IMAGE:-localhost/bamort-deploy:e2e}
trap cleanup EXIT

if [ -z "${E2E_IMAGE:-}" ]; then
  say "1. building $image from docker/Dockerfile (compiles the project, runs the unit tests)"
  podman_build_deploy_image "$image" "$work/build.log" || fail "podman build"
else
  podman image exists "$image" || fail "E2E_IMAGE=$image is not in the podman store ($podman_dir/storage)"
fi

export BAMORT_DEVDB_DIR=$work/devdb
eval "$("$here/scripts/dev-db.sh" start)"
sql() { "$here/scripts/dev-db.sh" sql "$@"; }
fresh_legacy_db() {  # NAME: a database holding the small legacy fixture
  sql -e "DROP DATABASE IF EXISTS \`$1\`; CREATE DATABASE \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  sql "$1" <"$here/tests/fixtures/legacy-small.sql"
}
# json FILE EXPR: prints a field of a report (a Python expression over the document d).
json() { /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

say "2. the image: non-root, versions, and jobs against the host's MariaDB (--network host)"
uid=$(podman run --rm "$image" id -u)
[ "$uid" = 10001 ] || fail "the image runs as uid $uid, expected 10001"
podman run --rm "$image" bamort-migrate --version
fresh_legacy_db e2e_run
in_container() {
  podman run --rm --network host -e BAMORT_DB_HOST -e BAMORT_DB_PORT -e BAMORT_DB_NAME=e2e_run -e BAMORT_DB_USER \
    -v "$BAMORT_DB_PASSWORD_FILE:/run/secrets/db:ro" -e BAMORT_DB_PASSWORD_FILE=/run/secrets/db \
    --user 0:0 "$image" "$@"
}
code=0; in_container bamort-status >/dev/null || code=$?
[ "$code" = 3 ] || fail "bamort-status on the legacy database: exit $code, expected 3 (behind)"
in_container bamort-migrate --log-format json >"$work/migrate.log" 2>&1 || { tail "$work/migrate.log"; fail "bamort-migrate in the container"; }
code=0; in_container bamort-status >/dev/null || code=$?
[ "$code" = 0 ] || fail "bamort-status after the migration: exit $code, expected 0 (compatible)"
echo "bamort-status: exit 3 (behind) -> bamort-migrate: exit 0 -> bamort-status: exit 0 (compatible)"

say "3. docker/deploy.sh with podman, end to end on a legacy database"
rm -rf "$work/deploy" && mkdir -p "$work/deploy/reports" "$work/deploy/backups"
# A development export as the package: the sample records without the shipped set's "sample" marker
# (the set itself is refused by the import on a database that already holds master data).
rm -rf "$work/dev-export" && cp -r "$here/masterdata" "$work/dev-export" && sed -i '/"sample":/d' "$work/dev-export/export.json"
podman run --rm --user 0:0 -v "$work/deploy:/out" -v "$work/dev-export:/in:ro" "$image" \
  bamort-prepare --out /out/package.tar.gz --from /in >/dev/null
fresh_legacy_db e2e_deploy
BAMORT_DB_NAME=e2e_deploy "$here/docker/deploy.sh" --engine podman --image "$image" \
  --reports-root "$work/deploy/reports" --backup-dir "$work/deploy/backups" --run-id e2e "$work/deploy/package.tar.gz"
for step in backup migrate import validate; do
  [ "$(json "$work/deploy/reports/e2e/$step.json" 'd["status"]')" = ok ] || fail "deploy.sh step $step: report status not ok"
done

say "4. podman kube play of k8s/ (Deployment, CronJob, Job as Pods)"
host=$work/kube
rm -rf "$host" && mkdir -p "$host/secret-bamort-db" "$host/pvc-bamort-reports" "$host/pvc-bamort-backups" \
  "$host/bamort-backend-1-reports" "$host/bamort-backend-2-reports"
# What kubelet does with the Secret volume: one file per key, mode 0400 (defaultMode), owned by the pod's user.
cp "$BAMORT_DB_PASSWORD_FILE" "$host/secret-bamort-db/password"
chmod 0400 "$host/secret-bamort-db/password"
chown -R 10001:10001 "$host"
kubectl kustomize "$here/k8s" >"$work/rendered.yaml"
/usr/bin/python3 "$here/tests/e2e/k8s_pods.py" --image "$image" --db-host "$BAMORT_DB_HOST" --db-port "$BAMORT_DB_PORT" \
  --db-name e2e_kube --db-user "$BAMORT_DB_USER" --host-dir "$host" --out "$work/pods" <"$work/rendered.yaml"
# The backend's DATABASE_URL Secret (env secretKeyRef), as a podman secret: a JSON map of key -> base64 value.
dsn="$BAMORT_DB_USER:$(cat "$BAMORT_DB_PASSWORD_FILE")@tcp($BAMORT_DB_HOST:$BAMORT_DB_PORT)/e2e_kube?charset=utf8mb4&parseTime=True&loc=Local"
podman secret rm bamort-backend-dsn >/dev/null 2>&1 || true
printf '{"DATABASE_URL":"%s"}' "$(printf '%s' "$dsn" | base64 -w0)" | podman secret create bamort-backend-dsn - >/dev/null

# play POD_FILE MAIN_CONTAINER: runs the pod to its end; sets code to the main container's exit code.
play() {
  local file=$work/pods/$1
  kube_files+=("$file")
  podman kube play --configmap "$work/pods/configmap.yaml" "$file" >"$work/play-$1.log" 2>&1 ||
    { cat "$work/play-$1.log"; fail "podman kube play $1"; }
  code=$(podman wait "$2")
}
main_started_at() { podman inspect "$1" --format '{{.State.StartedAt}}'; }

fresh_legacy_db e2e_kube
play backend-1.yaml bamort-backend-1-backend
podman logs bamort-backend-1-backend >"$work/backend-1.log" 2>&1 || true
[ "$code" = 0 ] || { cat "$work/backend-1.log"; fail "replica 1: the backend container (bamort-status) exited $code: the schema did not fit"; }
report=$host/bamort-backend-1-reports/migrate.json
[ "$(json "$report" 'd["status"]')" = ok ] || fail "replica 1: the init container's migrate report is not ok"
[ "$(json "$report" 'len(d["details"]["applied"])')" -gt 0 ] || fail "replica 1: the init container applied nothing"
/usr/bin/python3 - "$report" "$(main_started_at bamort-backend-1-backend)" <<'PY' || fail "replica 1: the backend started before the init container finished"
import datetime, json, sys
finished = datetime.datetime.fromisoformat(json.load(open(sys.argv[1]))["finished_at"].replace("Z", "+00:00"))
# podman: "2026-11-25 09:52:10.123456789 +0000 UTC" (nanoseconds; Python takes microseconds)
day, clock = sys.argv[2].split()[:2]
whole, _, fraction = clock.partition(".")
started = datetime.datetime.fromisoformat(f"{day}T{whole}.{(fraction + '000000')[:6]}+00:00")
print(f"init container finished {finished.isoformat()}, backend container started {started.isoformat()}")
sys.exit(0 if finished <= started else 1)
PY
echo "replica 1: init container migrated ($(json "$report" 'len(d["details"]["applied"])') migrations), then the backend container found the schema compatible"

replica2_start=$(date +%s)
play backend-2.yaml bamort-backend-2-backend
[ "$code" = 0 ] || fail "replica 2: the backend container exited $code"
report=$host/bamort-backend-2-reports/migrate.json
[ "$(json "$report" 'd["details"].get("nothing_pending", False)')" = True ] || fail "replica 2: the init container did not find the schema up to date"
echo "replica 2: init container found nothing pending ($(json "$report" 'd["duration_ms"]') ms); pod done in $(( $(date +%s) - replica2_start )) s"

play backup-cronjob.yaml bamort-backup-cron-backup
[ "$code" = 0 ] || { podman logs bamort-backup-cron-backup 2>&1 | tail; fail "the CronJob's backup container exited $code"; }
[ "$(json "$host/pvc-bamort-reports/cron/backup.json" 'd["status"]')" = ok ] || fail "the CronJob's backup report is not ok"
[ "$(json "$host/pvc-bamort-reports/cron/backup.json" 'd["details"]["verified"]')" = True ] || fail "the CronJob's backup is not verified"
echo "CronJob pod: verified backup $(json "$host/pvc-bamort-reports/cron/backup.json" 'd["details"]["set"]') on the backups PVC"

fresh_legacy_db e2e_kube
play migrate-job.yaml bamort-migrate-job-migrate
[ "$code" = 0 ] || { podman logs bamort-migrate-job-migrate 2>&1 | tail; fail "the Job's migrate container exited $code"; }
[ "$(json "$host/pvc-bamort-reports/backup.json" 'd["status"]')" = ok ] || fail "the Job's backup (init container) report is not ok"
[ "$(json "$host/pvc-bamort-reports/migrate.json" 'd["status"]')" = ok ] || fail "the Job's migrate report is not ok"
[ "$(json "$host/pvc-bamort-reports/migrate.json" 'd["database"]["version_after"]')" = 0.5.0 ] || fail "the Job did not reach 0.5.0"
echo "Job pod: verified backup in the init container, then migrate to 0.5.0 requiring that backup"
sets=$(find "$host/pvc-bamort-backups" -mindepth 1 -maxdepth 1 -type d ! -name '*.partial' | wc -l)
[ "$sets" = 2 ] || fail "expected 2 backup sets on the backups PVC (CronJob + Job), found $sets"

say "container proof passed"
