#!/usr/bin/env bash
# Compare the schemas of two databases on the dev-db server through information_schema.
#   tests/sql/compare-schema.sh DB1 DB2        exit 0 if equal, 1 and a diff if not
#   tests/sql/compare-schema.sh --dump DB      print the normalised schema of one database
# Compared: tables; columns (name, COLUMN_TYPE, IS_NULLABLE, COLUMN_DEFAULT, EXTRA; not the
# ordinal position); indexes (name, ordered columns, uniqueness); foreign keys (name, columns,
# referenced table and columns, ON UPDATE / ON DELETE rules).
# The server is the one of scripts/dev-db.sh (set BAMORT_DEVDB_DIR as for dev-db.sh).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
sql() { "$here/scripts/dev-db.sh" sql --batch --skip-column-names "$@"; }

dump() {
  local db=$1
  sql -e "
SELECT CONCAT('table ', TABLE_NAME) FROM information_schema.TABLES
 WHERE TABLE_SCHEMA='$db' AND TABLE_TYPE='BASE TABLE'
UNION ALL
SELECT CONCAT('column ', TABLE_NAME, '.', COLUMN_NAME, ' ', COLUMN_TYPE,
              IF(IS_NULLABLE='YES',' NULL',' NOT NULL'),
              ' default=', IFNULL(COLUMN_DEFAULT,'(none)'),
              IF(EXTRA<>'', CONCAT(' extra=', EXTRA), ''))
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='$db'
UNION ALL
SELECT CONCAT('index ', TABLE_NAME, '.', INDEX_NAME, IF(NON_UNIQUE=0,' UNIQUE',''), ' (',
              GROUP_CONCAT(COLUMN_NAME ORDER BY SEQ_IN_INDEX SEPARATOR ','), ')')
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA='$db'
 GROUP BY TABLE_NAME, INDEX_NAME, NON_UNIQUE
UNION ALL
SELECT CONCAT('fk ', k.TABLE_NAME, '.', k.CONSTRAINT_NAME, ' (',
              GROUP_CONCAT(k.COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ','), ') -> ',
              k.REFERENCED_TABLE_NAME, ' (',
              GROUP_CONCAT(k.REFERENCED_COLUMN_NAME ORDER BY k.ORDINAL_POSITION SEPARATOR ','),
              ') on update ', r.UPDATE_RULE, ' on delete ', r.DELETE_RULE)
  FROM information_schema.KEY_COLUMN_USAGE k
  JOIN information_schema.REFERENTIAL_CONSTRAINTS r
    ON r.CONSTRAINT_SCHEMA=k.CONSTRAINT_SCHEMA AND r.TABLE_NAME=k.TABLE_NAME
   AND r.CONSTRAINT_NAME=k.CONSTRAINT_NAME
 WHERE k.TABLE_SCHEMA='$db' AND k.REFERENCED_TABLE_NAME IS NOT NULL
 GROUP BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.REFERENCED_TABLE_NAME, r.UPDATE_RULE, r.DELETE_RULE
" | LC_ALL=C sort
}

if [ "${1:-}" = "--dump" ]; then
  [ $# -eq 2 ] || { echo "usage: $0 --dump DB" >&2; exit 2; }
  dump "$2"; exit 0
fi
[ $# -eq 2 ] || { echo "usage: $0 DB1 DB2 | --dump DB" >&2; exit 2; }
a=$(mktemp); b=$(mktemp); trap 'rm -f "$a" "$b"' EXIT
dump "$1" >"$a"; dump "$2" >"$b"
if diff -u --label "$1" --label "$2" "$a" "$b"; then
  echo "schemas equal: $1 = $2 ($(wc -l <"$a") items)"
else
  exit 1
fi
