#!/usr/bin/env bash
# Apply the migrations in migrations/ to a database on the dev-db server with the mariadb
# client (no C++ engine involved): a check of the SQL itself.
#
#   tests/sql/apply-chain.sh DB [up]   [--from N] [--to N]   up parts, ascending
#   tests/sql/apply-chain.sh DB down   [--to-version V]      down parts, descending, of every
#                                                            migration whose version > V (default 0.4.0)
#
# Each part goes to one client session, statement by statement, like the engine does; the
# client stops at the first error and this script exits non-zero naming the migration.
# The version tables are not written (that is the engine's job).
# Set BAMORT_DEVDB_DIR as for scripts/dev-db.sh; MIGRATIONS_DIR overrides the folder.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
mdir=${MIGRATIONS_DIR:-$here/migrations}
usage() { echo "usage: $0 DB [up [--from N] [--to N] | down [--to-version V]]" >&2; exit 2; }
[ $# -ge 1 ] || usage
db=$1; shift
dir=up
if [ $# -ge 1 ] && { [ "$1" = up ] || [ "$1" = down ]; }; then dir=$1; shift; fi
from=1; to=9999; to_version=0.4.0
while [ $# -gt 0 ]; do
  case $1 in
    --from) from=$((10#$2)); shift 2 ;;
    --to) to=$((10#$2)); shift 2 ;;
    --to-version) to_version=$2; shift 2 ;;
    *) usage ;;
  esac
done

# numeric MAJOR.MINOR.PATCH comparison: prints 1 if $1 > $2
ver_gt() {
  local a b i
  IFS=. read -r -a a <<<"$1"
  IFS=. read -r -a b <<<"$2"
  for i in 0 1 2; do
    if ((10#${a[i]:-0} > 10#${b[i]:-0})); then echo 1; return; fi
    if ((10#${a[i]:-0} < 10#${b[i]:-0})); then echo 0; return; fi
  done
  echo 0
}

part() {  # part FILE up|down : print that part of the file (CRLF normalised)
  tr -d '\r' <"$1" | awk -v want="$2" '
    /^-- \+up[[:space:]]*$/ { sect = "up"; next }
    /^-- \+down/ { sect = "down"; next }
    sect == want { print }'
}

files=()
for f in "$mdir"/[0-9][0-9][0-9][0-9]_*.sql; do files+=("$f"); done
[ ${#files[@]} -gt 0 ] || { echo "no migrations in $mdir" >&2; exit 2; }
if [ "$dir" = down ]; then
  rev=(); for ((i=${#files[@]}-1; i>=0; i--)); do rev+=("${files[i]}"); done; files=("${rev[@]}")
fi

for f in "${files[@]}"; do
  name=$(basename "$f")
  num=$((10#${name:0:4}))
  version=$(tr -d '\r' <"$f" | sed -n 's/^-- version: *//p' | head -1)
  if [ "$dir" = up ]; then
    { [ "$num" -lt "$from" ] || [ "$num" -gt "$to" ]; } && continue
  else
    [ "$(ver_gt "$version" "$to_version")" = 1 ] || continue
    if tr -d '\r' <"$f" | grep -q '^-- +down irreversible:'; then
      echo "apply-chain: $name: down is irreversible" >&2; exit 1
    fi
  fi
  start=$(date +%s%N)
  if ! part "$f" "$dir" | "$here/scripts/dev-db.sh" sql --batch --default-character-set=utf8mb4 "$db"; then
    echo "apply-chain: $name ($dir) FAILED on $db" >&2
    exit 1
  fi
  echo "apply-chain: $name $dir ok ($(( ($(date +%s%N) - start) / 1000000 )) ms)"
done
