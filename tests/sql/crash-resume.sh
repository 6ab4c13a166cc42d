#!/usr/bin/env bash
# Crash test: for every migration (up parts; with --down also the down parts of 0.5.0) and
# every statement boundary K, start from the state before the migration, run its first K
# statements (the "crash"), then run the whole migration again as the engine does after a
# crash. The result must equal a clean run: same schema (compare-schema.sh --dump) and the
# same CHECKSUM TABLE for every table (game_systems excluded: its created_at is "now").
#
#   tests/sql/crash-resume.sh START.sql [--only NNNN] [--down]
# START.sql is the starting database (e.g. ../shared/fixtures/legacy-init00.sql).
# Slow (one reload per statement boundary). Set BAMORT_DEVDB_DIR as for dev-db.sh.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
start=$1; shift
only=""; down=0
while [ $# -gt 0 ]; do case $1 in --only) only=$2; shift 2;; --down) down=1; shift;; *) exit 2;; esac; done
D=${BAMORT_DEVDB_DIR:-$here/.dev-db}
sql() { "$here/scripts/dev-db.sh" sql --batch --skip-column-names --default-character-set=utf8mb4 "$@"; }
dump() { mariadb-dump --no-defaults --socket="$D/sock" -uroot --default-character-set=utf8mb4 --single-transaction "$1"; }
split() { "$here/tests/sql/split-statements.py" "$@"; }
reload() { sql -e "DROP DATABASE IF EXISTS cr; CREATE DATABASE cr"; sql cr <"$1"; }
state() {
  local tables
  tables=$(sql -e "SELECT GROUP_CONCAT(CONCAT('\`',TABLE_NAME,'\`')) FROM information_schema.TABLES WHERE TABLE_SCHEMA='cr' AND TABLE_NAME<>'game_systems'")
  "$here/tests/sql/compare-schema.sh" --dump cr; sql cr -e "CHECKSUM TABLE $tables" | sort
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0; runs=0

check_part() {  # check_part FILE up|down PRE_DUMP
  local f=$1 dir=$2 pre=$3 n k name; name=$(basename "$f")
  n=$(split "$f" "$dir" --count)
  reload "$pre"; split "$f" "$dir" | sql cr; state >"$tmp/clean"
  for ((k=1; k<n; k++)); do
    reload "$pre"
    split "$f" "$dir" --first $k | sql cr
    if ! split "$f" "$dir" | sql cr 2>"$tmp/err"; then
      echo "FAIL $name $dir: re-run after crash at statement $k failed: $(tail -1 "$tmp/err")"; fails=$((fails+1)); continue
    fi
    state >"$tmp/resumed"; runs=$((runs+1))
    cmp -s "$tmp/clean" "$tmp/resumed" || { echo "FAIL $name $dir: crash at statement $k gives another result"; diff "$tmp/clean" "$tmp/resumed" | head -5; fails=$((fails+1)); }
  done
  echo "ok   $name $dir: $((n-1)) crash points"
}

reload "$start"
files=("$here"/migrations/[0-9][0-9][0-9][0-9]_*.sql)
for f in "${files[@]}"; do
  name=$(basename "$f")
  dump cr >"$tmp/pre.sql"
  if [ -z "$only" ] || [ "${name:0:4}" = "$only" ]; then check_part "$f" up "$tmp/pre.sql"; fi
  reload "$tmp/pre.sql"; split "$f" up | sql cr
done
if [ $down = 1 ]; then
  for ((i=${#files[@]}-1; i>=0; i--)); do
    f=${files[i]}; name=$(basename "$f")
    grep -q '^-- version: 0\.5\.0' "$f" || continue
    dump cr >"$tmp/pre.sql"
    if [ -z "$only" ] || [ "${name:0:4}" = "$only" ]; then check_part "$f" down "$tmp/pre.sql"; fi
    reload "$tmp/pre.sql"; split "$f" down | sql cr
  done
fi
sql -e "DROP DATABASE IF EXISTS cr"
echo "== crash-resume: $runs resumed runs, $fails failure(s)"
[ $fails = 0 ]
