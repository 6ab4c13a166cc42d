#!/usr/bin/env bash
# Runs every ```sh block of the operator documents against a throwaway database, so the
# documents cannot rot. Blocks that cannot run here (kubectl, docker compose, production
# paths) are in ```text or ```console fences and are not run.
#
#   tests/docs/doc_commands_test.sh [BUILD_DIR]
#
# A block may start with the line
#   # doc-test: setup=legacy|migrated|empty expect-exit=N
# setup (default legacy): the database `bamort` is dropped and created again, then
#   legacy   = tests/fixtures/legacy-small.sql loaded (the old layout, 12 migrations pending)
#   migrated = legacy, then bamort-migrate (DB version 0.5.0)
#   empty    = nothing
# expect-exit (default 0): the exit code the block must end with.
# Each block runs with `bash -e` in a fresh work folder that holds a deployment package
# (deployment_package_0.2.2.tar.gz, from tests/fixtures/export-v1-small: the shipped sample set
# masterdata/ is refused on a database that holds master data), links to docker/, scripts/ and
# migrations/, and
# BAMORT_REPORTS_DIR / BAMORT_BACKUP_DIR pointing into it; PATH starts with BUILD_DIR.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=$(cd "${1:-$here/build}" && pwd)
docs=(DEPLOYMENT_RUNBOOK.md ROLLBACK_GUIDE.md TROUBLESHOOTING.md VERSION_COMPATIBILITY.md)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/bamort-doctest.XXXXXX")
export BAMORT_DEVDB_DIR=$tmp/db
cleanup() { "$here/scripts/dev-db.sh" stop >/dev/null 2>&1 || true; rm -rf "$tmp"; }
trap cleanup EXIT
eval "$("$here/scripts/dev-db.sh" start)"
export PATH=$build:$PATH

db_sql() { "$here/scripts/dev-db.sh" sql "$@"; }

# Extract the blocks: one file per block, named by doc and line, the first line its start.
mkdir -p "$tmp/blocks"
for doc in "${docs[@]}"; do
  [ -f "$here/docs/$doc" ] || { echo "FAIL: docs/$doc is missing"; exit 1; }
  awk -v out="$tmp/blocks" -v doc="$doc" '
    # A fence may be indented (inside a list); the indentation is stripped from its lines.
    /^[[:space:]]*```sh[[:space:]]*$/ && !inb { inb = 1; n++; f = sprintf("%s/%03d", out, n);
                                  ind = index($0, "`") - 1
                                  printf "%s:%d\n", doc, NR > (f ".where"); next }
    /^[[:space:]]*```/ && inb { inb = 0; close(f); close(f ".where"); next }
    inb { line = $0; if (substr(line, 1, ind) ~ /^[[:space:]]*$/) line = substr(line, ind + 1); print line > f }
  ' "$here/docs/$doc"
  # awk numbers per file; move them to unique names
  for f in "$tmp"/blocks/[0-9][0-9][0-9]; do
    [ -e "$f" ] || continue
    id=$(printf '%s_%s' "${doc%.md}" "$(basename "$f")")
    mv "$f" "$tmp/blocks/$id.sh"
    mv "$f.where" "$tmp/blocks/$id.where"
  done
done

package=$tmp/deployment_package_0.2.2.tar.gz
bamort-prepare --out "$package" --from "$here/tests/fixtures/export-v1-small" --log-format json >/dev/null 2>&1

setup_db() {
  db_sql -e "DROP DATABASE IF EXISTS \`$BAMORT_DB_NAME\`; CREATE DATABASE \`$BAMORT_DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  case "$1" in
    empty) ;;
    legacy) db_sql "$BAMORT_DB_NAME" <"$here/tests/fixtures/legacy-small.sql" ;;
    migrated) db_sql "$BAMORT_DB_NAME" <"$tmp/migrated.sql" ;;
    *) return 2 ;;
  esac
}

# The migrated state is made once (legacy + bamort-migrate) and loaded from a dump after
# that: loading it is quicker than running the 12 migrations for every block.
db_sql -e "DROP DATABASE IF EXISTS \`$BAMORT_DB_NAME\`; CREATE DATABASE \`$BAMORT_DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
db_sql "$BAMORT_DB_NAME" <"$here/tests/fixtures/legacy-small.sql"
bamort-migrate --log-format json >/dev/null 2>&1
mariadb-dump --no-defaults --socket="$BAMORT_DEVDB_SOCKET" -uroot --single-transaction --skip-dump-date \
  "$BAMORT_DB_NAME" >"$tmp/migrated.sql"

count=0 failed=0
for block in "$tmp"/blocks/*.sh; do
  where=$(cat "${block%.sh}.where")
  setup=legacy expect=0
  first=$(head -1 "$block")
  if [[ $first =~ ^#\ doc-test: ]]; then
    [[ $first =~ setup=([a-z]+) ]] && setup=${BASH_REMATCH[1]}
    [[ $first =~ expect-exit=([0-9]+) ]] && expect=${BASH_REMATCH[1]}
  fi
  count=$((count + 1))
  if ! setup_db "$setup"; then
    echo "FAIL: $where: unknown or failed setup '$setup'"; failed=$((failed + 1)); continue
  fi
  work=$tmp/work/$(basename "${block%.sh}")
  mkdir -p "$work/reports" "$work/backups"
  cp "$package" "$work/"
  ln -s "$here/docker" "$work/docker"
  ln -s "$here/scripts" "$work/scripts"
  ln -s "$here/migrations" "$work/migrations"
  code=0 t0=$(date +%s)
  (cd "$work" && BAMORT_REPORTS_DIR=$work/reports BAMORT_BACKUP_DIR=$work/backups \
     bash -e "$block") >"$work/out.log" 2>&1 </dev/null || code=$?
  if [ "$code" != "$expect" ]; then
    failed=$((failed + 1))
    echo "FAIL: docs/$where: block exited $code, expected $expect (setup=$setup); its output:"
    tail -n 25 "$work/out.log" | sed 's/^/    /'
  else
    echo "ok:   docs/$where (setup=$setup, exit $code, $(( $(date +%s) - t0 )) s)"
  fi
done

echo "$count block(s) run, $failed failed"
[ "$count" -gt 0 ] || { echo "FAIL: no \`\`\`sh block found"; exit 1; }
[ "$failed" = 0 ]
