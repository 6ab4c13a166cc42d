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
# BAMORT_HEALTH_URL (checked after the deploy: must answer HTTP 200 with status ok).
# Before: the env file, the package, the free space, and a full dry run of deploy.sh
# (package checksums, database reachable and not dirty or ahead, the migration SQL).
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

if [ -n "${BAMORT_HEALTH_URL:-}" ]; then
  echo "== $env_name: post-check $BAMORT_HEALTH_URL"
  body=$(wget -q -O - "$BAMORT_HEALTH_URL" 2>/dev/null) || { echo "deploy-$env_name: the health endpoint did not answer 200" >&2; exit 1; }
  case "$body" in
    *'"status": "ok"'*|*'"status":"ok"'*) echo "health: ok" ;;
    *) echo "deploy-$env_name: the health endpoint does not say ok: $body" >&2; exit 1 ;;
  esac
fi
echo "== $env_name: done"
