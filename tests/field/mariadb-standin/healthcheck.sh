#!/bin/bash
# healthcheck.sh of the MariaDB stand-in: the two tests upstream's compose healthcheck uses.
#   --connect             a TCP connection to the server succeeds (so not during the
#                         first-start initialisation, which runs without networking)
#   --innodb_initialized  InnoDB is available
# Exit 0 when every test given passes. Connects as the privilege-less healthcheck user.
set -u
cnf=/var/lib/mysql/.my-healthcheck.cnf
query() { mariadb --defaults-extra-file="$cnf" --protocol=tcp -h127.0.0.1 -P3306 -N -B -e "$1" 2>/dev/null; }
[ $# -gt 0 ] || set -- --connect
for test in "$@"; do
  case "$test" in
    --connect) [ "$(query 'SELECT 1')" = 1 ] || exit 1 ;;
    --innodb_initialized)
      [ "$(query "SELECT 1 FROM information_schema.ENGINES WHERE ENGINE = 'InnoDB' AND SUPPORT IN ('YES', 'DEFAULT', 'ENABLED')")" = 1 ] || exit 1 ;;
    *) echo "healthcheck.sh: unknown test $test" >&2; exit 2 ;;
  esac
done
exit 0
