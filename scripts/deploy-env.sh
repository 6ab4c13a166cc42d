#!/usr/bin/env bash
# Shared body of scripts/deploy-{dev,staging,production}.sh: docker/deploy.sh with the
# settings of one environment, plus checks before and after.
#
#   scripts/deploy-env.sh ENV [deploy.sh options] PACKAGE.tar.gz
#
# Settings come from $BAMORT_DEPLOY_ENV_DIR/ENV.env (default /etc/bamort/ENV.env), KEY=VALUE
# lines: the database (DATABASE_URL or BAMORT_DB_HOST/PORT/NAME/USER + BAMORT_DB_PASSWORD_FILE)
# and optionally BAMORT_DEPLOY_IMAGE, BAMORT_BACKUP_DIR, BAMORT_REPORTS_ROOT,
# BAMORT_MIN_FREE_MB (free space the backup folder must have, default 2048) and
# BAMORT_HEALTH_URL (checked after the deploy: must answer HTTP 200 with status ok within
# BAMORT_HEALTH_WAIT seconds, default 30).
# Before: the env file, the package, the free space, and a full dry run of deploy.sh
# (package checksums, database reachable and not dirty or ahead, the migration SQL).
# After: bamort-status must say compatible (deploy.sh --status-only), and the health
# endpoint, when BAMORT_HEALTH_URL is set, must answer 200 with status ok.
# Exit codes: 2 when a pre-check fails (nothing was touched), deploy.sh's own code when the
# deploy fails, 1 when a post-check fails after a successful deploy.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
env_name=${1:?usage: deploy-env.sh ENV [deploy.sh options] PACKAGE}
shift
env_file=${BAMORT_DEPLOY_ENV_DIR:-/etc/bamort}/$env_name.env
fail() { echo "deploy-$env_name: $*" >&2; exit 2; }
[ -r "$env_file" ] || fail "settings file $env_file is missing or unreadable (see scripts/deploy-env.sh)"
set -a
# shellcheck disable=SC1090
. "$env_file"
set +a
[ $# -ge 1 ] || fail "no package given"
package=${*: -1}
passthrough=("${@:1:$#-1}")  # deploy.sh options; --status-only takes no package
[ -r "$package" ] || fail "package $package is not readable"

backup_dir=${BAMORT_BACKUP_DIR:-./backups}
reports_root=${BAMORT_REPORTS_ROOT:-./reports}
mkdir -p "$backup_dir" "$reports_root"
free_mb=$(df -Pm "$backup_dir" | awk 'NR==2 {print $4}')
[ "$free_mb" -ge "${BAMORT_MIN_FREE_MB:-2048}" ] ||
  fail "only $free_mb MB free in $backup_dir, less than BAMORT_MIN_FREE_MB=${BAMORT_MIN_FREE_MB:-2048}; nothing was touched"

deploy=("$here/docker/deploy.sh" --backup-dir "$backup_dir" --reports-root "$reports_root")
[ -n "${BAMORT_DEPLOY_IMAGE:-}" ] && deploy+=(--image "$BAMORT_DEPLOY_IMAGE")
stamp=$(date -u +%Y%m%dT%H%M%SZ)

echo "== $env_name: pre-check (dry run of the whole deploy)"
"${deploy[@]}" --run-id "$stamp-precheck" --dry-run "$@" ||
  fail "the dry run failed (exit $?); nothing was changed. Reports: $reports_root/$stamp-precheck"

echo "== $env_name: deploy"
"${deploy[@]}" --run-id "$stamp" "$@"

echo "== $env_name: post-check: database status"
"${deploy[@]}" --run-id "$stamp-postcheck" --status-only "${passthrough[@]}" || {
  echo "deploy-$env_name: after the deploy, bamort-status does not say compatible (exit $?); see $reports_root/$stamp-postcheck" >&2
  exit 1
}

# The health endpoint caches its answer for a few seconds (bamort-health --refresh), so
# it may still say "behind" right after the migration: ask again until it says ok or
# BAMORT_HEALTH_WAIT seconds (default 30) have passed.
health_body() {
  if command -v curl >/dev/null; then curl -fsS --max-time 10 "$BAMORT_HEALTH_URL" 2>&1
  else wget -q -T 10 -O - "$BAMORT_HEALTH_URL" 2>&1; fi
}
if [ -n "${BAMORT_HEALTH_URL:-}" ]; then
  echo "== $env_name: post-check: $BAMORT_HEALTH_URL"
  deadline=$(( $(date +%s) + ${BAMORT_HEALTH_WAIT:-30} ))
  until body=$(health_body) && case "$body" in *'"status": "ok"'*|*'"status":"ok"'*) true ;; *) false ;; esac; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "deploy-$env_name: the health endpoint did not answer ok within ${BAMORT_HEALTH_WAIT:-30} s; last answer: $body" >&2
      exit 1
    fi
    sleep 2
  done
  echo "health: ok"
fi
echo "== $env_name: done"
