#!/bin/bash
# Entrypoint of the MariaDB stand-in (tests/field/README.md). What it does, as the official
# image documents it: on an empty datadir, create the system tables, set the root password
# (root@localhost and root@'%'), create MARIADB_DATABASE, create MARIADB_USER@'%' with
# MARIADB_PASSWORD and grant it ALL PRIVILEGES on that database only, create a healthcheck
# user without privileges, run /docker-entrypoint-initdb.d/*.sql|*.sql.gz|*.sh (SQL as root
# into MARIADB_DATABASE), all on a server without networking; then start the real server.
# *_FILE variants of the passwords are read too.
set -euo pipefail

datadir=/var/lib/mysql
socket=/run/mysqld/mysqld.sock
charset=${MARIADB_CHARSET:-utf8mb4}
collation=${MARIADB_COLLATION:-utf8mb4_unicode_ci}
server_args=(--user=mysql --datadir="$datadir" --socket="$socket" --skip-name-resolve
             --character-set-server="$charset" --collation-server="$collation")

log() { printf '%s [entrypoint] %s\n' "$(date -u +%FT%TZ)" "$*"; }

# file_env VAR: VAR from VAR_FILE when that is set.
file_env() {
  local var=$1 file_var="${1}_FILE"
  if [ -n "${!file_var:-}" ]; then export "$var"="$(cat "${!file_var}")"; fi
}

# sql_quote STRING: a single-quoted SQL string literal.
sql_quote() { local s=${1//\\/\\\\}; s=${s//\'/\\\'}; printf "'%s'" "$s"; }

initialise() {
  file_env MARIADB_ROOT_PASSWORD
  file_env MARIADB_PASSWORD
  [ -n "${MARIADB_ROOT_PASSWORD:-}" ] || { log "MARIADB_ROOT_PASSWORD is not set"; exit 1; }
  log "initialising $datadir"
  mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=normal \
    --skip-test-db >/dev/null
  mariadbd "${server_args[@]}" --skip-networking --log-error=/run/mysqld/init.err &
  local pid=$!
  for _ in $(seq 1 100); do
    mariadb-admin --socket="$socket" -uroot ping >/dev/null 2>&1 && break
    sleep 0.2
  done
  local health_password root_pw user_pw
  health_password=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')
  root_pw=$(sql_quote "$MARIADB_ROOT_PASSWORD")
  {
    echo "SET @@SESSION.SQL_LOG_BIN = 0;"
    # No anonymous users; root only at localhost and (below) at '%', as in the official image.
    mariadb --socket="$socket" -uroot -N -B -e \
      "SELECT CONCAT('DROP USER ', QUOTE(User), '@', QUOTE(Host), ';') FROM mysql.user WHERE User = '' OR (User = 'root' AND Host <> 'localhost')"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $root_pw;"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $root_pw;"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    echo "CREATE USER 'healthcheck'@'127.0.0.1' IDENTIFIED BY '$health_password';"
    echo "CREATE USER 'healthcheck'@'localhost' IDENTIFIED BY '$health_password';"
    if [ -n "${MARIADB_DATABASE:-}" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`$MARIADB_DATABASE\` CHARACTER SET $charset COLLATE $collation;"
    fi
    if [ -n "${MARIADB_USER:-}" ] && [ -n "${MARIADB_PASSWORD:-}" ]; then
      user_pw=$(sql_quote "$MARIADB_PASSWORD")
      echo "CREATE USER '$MARIADB_USER'@'%' IDENTIFIED BY $user_pw;"
      if [ -n "${MARIADB_DATABASE:-}" ]; then
        echo "GRANT ALL PRIVILEGES ON \`$MARIADB_DATABASE\`.* TO '$MARIADB_USER'@'%';"
      fi
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$socket" -uroot
  printf '[mariadb-client]\nuser=healthcheck\npassword=%s\n' "$health_password" >"$datadir/.my-healthcheck.cnf"
  chown mysql:mysql "$datadir/.my-healthcheck.cnf"; chmod 0600 "$datadir/.my-healthcheck.cnf"

  # The root password goes to the client through MYSQL_PWD, not argv.
  export MYSQL_PWD=$MARIADB_ROOT_PASSWORD
  local f client=(mariadb --socket="$socket" -uroot ${MARIADB_DATABASE:+"--database=$MARIADB_DATABASE"})
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    # shellcheck disable=SC1090  # sources the operator's scripts
    case "$f" in
      *.sh) log "running $f"; . "$f" ;;
      *.sql) log "loading $f"; "${client[@]}" <"$f" ;;
      *.sql.gz) log "loading $f"; gunzip -c "$f" | "${client[@]}" ;;
      *) log "ignoring $f" ;;
    esac
  done
  mariadb-admin --socket="$socket" -uroot shutdown
  wait "$pid" || true
  unset MYSQL_PWD
  log "initialised"
}

if [ "${1:-}" = mariadbd ] || [ "${1:-}" = mysqld ]; then
  shift
  mkdir -p /run/mysqld
  chown mysql:mysql "$datadir" /run/mysqld
  [ -d "$datadir/mysql" ] || initialise
  log "starting mariadbd"
  exec mariadbd "${server_args[@]}" --bind-address=0.0.0.0 --port=3306 "$@"
fi
exec "$@"
