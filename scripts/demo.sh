#!/usr/bin/env bash
# The demo (README): on a throwaway local MariaDB, load a small Bamort database in the
# old (legacy) layout that we wrote ourselves, run the deployment chain on it as an
# operator would, print every step's report, and stop the database again.
#
#   scripts/demo.sh            keep nothing
#   DEMO_KEEP=1 scripts/demo.sh   leave the reports in build/demo-reports
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
build_dir=${BAMORT_BUILD_DIR:-$here/build}
"$here/scripts/build.sh" "$build_dir" >/dev/null

export BAMORT_DEVDB_DIR=${BAMORT_DEVDB_DIR:-$build_dir/demo-db}
trap '"$here/scripts/dev-db.sh" stop' EXIT
eval "$("$here/scripts/dev-db.sh" start)"

reports=$build_dir/demo-reports
backups=$build_dir/demo-backups
rm -rf "$reports" "$backups"
mkdir -p "$reports" "$backups"
export BAMORT_REPORTS_DIR=$reports
BAMORT_RUN_ID="demo-$(date -u +%Y%m%dT%H%M%SZ)"
export BAMORT_RUN_ID

step() { printf '\n=== %s\n' "$*"; }
run() {
  local code=0
  echo "\$ $*"
  "$@" || code=$?
  echo "(exit code $code)"
  return 0
}

step "1. Load a small Bamort database in the legacy layout (tests/fixtures/legacy-small.sql)"
"$here/scripts/dev-db.sh" sql "$BAMORT_DB_NAME" <"$here/tests/fixtures/legacy-small.sql"
echo "loaded: $("$here/scripts/dev-db.sh" sql -N -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='$BAMORT_DB_NAME'") tables"

step "2. Where does the database stand? (bamort-status; exit 3 = migration needed)"
run "$build_dir/bamort-status"

step "3. What would the migration do? (bamort-migrate --dry-run, first lines)"
"$build_dir/bamort-migrate" --dry-run --report "$reports/migrate-dry-run.json" 2>/dev/null | head -20
echo "..."

step "4. Build a deployment package from a development export (bamort-prepare; tests/fixtures/export-v1-small)"
run "$build_dir/bamort-prepare" --out "$build_dir/demo-package.tar.gz" --from "$here/tests/fixtures/export-v1-small"

step "5. Deploy it: backup (verified) -> status -> migrate -> import -> validate (docker/deploy.sh --native)"
run "$here/docker/deploy.sh" --native --bin-dir "$build_dir" --reports-root "$reports" --backup-dir "$backups" \
  --run-id "$BAMORT_RUN_ID" "$build_dir/demo-package.tar.gz"

step "6. And now? (bamort-status; exit 0 = compatible)"
run "$build_dir/bamort-status"

step "7. The reports every step left in $reports/$BAMORT_RUN_ID"
for f in "$reports/$BAMORT_RUN_ID"/*.json; do
  echo "--- $(basename "$f"): $(jq -r '"\(.job): \(.status), exit \(.exit_code), \(.duration_ms) ms, DB \(.database.version_before // "none") -> \(.database.version_after // "none")"' "$f")"
done
echo
echo "The full migrate report:"
jq . "$reports/$BAMORT_RUN_ID/migrate.json"
if [ -z "${DEMO_KEEP:-}" ]; then rm -rf "$backups"; fi
