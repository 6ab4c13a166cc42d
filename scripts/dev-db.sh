#!/usr/bin/env bash
# A throwaway MariaDB for development and tests: its own datadir, socket and free
# loopback port, a password-protected user, and no systemd. Nothing here touches a
# server that someone else runs on this machine.
#
#   scripts/dev-db.sh start   start (or reuse) the server, print the BAMORT_DB_* settings
#   scripts/dev-db.sh env     print the settings of the running server (eval-able)
#   scripts/dev-db.sh sql     run the mariadb client as the server's root (args passed on)
#   scripts/dev-db.sh stop    stop the server and delete its datadir
#
# The state folder is $BAMORT_DEVDB_DIR (default: .dev-db in the repository). The
# password lives in $BAMORT_DEVDB_DIR/password (mode 0600) and is handed on as
# BAMORT_DB_PASSWORD_FILE; it is never printed.
#
# BAMORT_DEVDB_ROOT=DIR runs the server of another Debian release installed in DIR (a
# chroot, made by scripts/newer-server.sh) instead of this machine's: the state folder then
# lives inside DIR, and this machine's clients talk to that server over its socket and port.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=${BAMORT_DEVDB_ROOT:-}
if [ -n "$ROOT" ]; then
  [ -x "$ROOT/usr/sbin/mariadbd" ] || { echo "dev-db: no mariadbd in BAMORT_DEVDB_ROOT=$ROOT" >&2; exit 1; }
  [ "$(id -u)" = 0 ] || { echo "dev-db: BAMORT_DEVDB_ROOT needs root (chroot)" >&2; exit 1; }
  D=$ROOT/var/tmp/$(basename "${BAMORT_DEVDB_DIR:-bamort-dev-db}")
else
  D=${BAMORT_DEVDB_DIR:-$here/.dev-db}
fi
# server_tool CMD ARGS...: runs a server program (install-db, mariadbd) of this machine, or
# chrooted into BAMORT_DEVDB_ROOT; paths under $D are given as the program sees them (in_root).
server_tool() {
  if [ -n "$ROOT" ]; then chroot "$ROOT" "$@"; else "$@"; fi
}
in_root() { echo "${1#"$ROOT"}"; }
DB_NAME=${BAMORT_DEVDB_NAME:-bamort}
DB_USER=${BAMORT_DEVDB_USER:-bamort}

die() { echo "dev-db: $*" >&2; exit 1; }

is_running() {
  [ -f "$D/pid" ] && kill -0 "$(cat "$D/pid")" 2>/dev/null && [ -S "$D/sock" ]
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

pick_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 30000 ))
    port_in_use "$p" || { echo "$p"; return; }
  done
  die "no free port found on 127.0.0.1"
}

root_client() {
  mariadb --no-defaults --socket="$D/sock" -uroot "$@"
}

print_env() {
  is_running || die "not running (start it with: scripts/dev-db.sh start)"
  cat <<ENV
export BAMORT_DB_HOST=127.0.0.1
export BAMORT_DB_PORT=$(cat "$D/port")
export BAMORT_DB_NAME=$DB_NAME
export BAMORT_DB_USER=$DB_USER
export BAMORT_DB_PASSWORD_FILE=$D/password
export BAMORT_DEVDB_SOCKET=$D/sock
ENV
}

start() {
  command -v mariadbd >/dev/null || PATH=$PATH:/usr/sbin
  [ -n "$ROOT" ] || command -v mariadbd >/dev/null || die "mariadbd not found: apt-get install mariadb-server"
  if is_running; then print_env; return; fi
  rm -rf "$D"
  mkdir -p "$D/data" "$D/tmp"
  chmod 700 "$D"
  local user_opt=()
  [ "$(id -u)" = 0 ] && user_opt=(--user=root)
  local R
  R=$(in_root "$D")
  server_tool mariadb-install-db --no-defaults "${user_opt[@]}" --datadir="$R/data" \
    --auth-root-authentication-method=normal --skip-test-db >"$D/install.log" 2>&1 \
    || { cat "$D/install.log" >&2; die "mariadb-install-db failed"; }

  local attempt port
  for attempt in 1 2 3; do
    port=$(pick_port)
    server_tool mariadbd --no-defaults "${user_opt[@]}" --datadir="$R/data" --socket="$R/sock" \
      --pid-file="$R/pid" --tmpdir="$R/tmp" --port="$port" --bind-address=127.0.0.1 \
      --skip-name-resolve --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      --innodb-buffer-pool-size=256M --innodb-flush-log-at-trx-commit=2 \
      --max-allowed-packet=256M --log-error="$R/error.log" >/dev/null 2>&1 &
    for _ in $(seq 1 100); do
      if mariadb-admin --no-defaults --socket="$D/sock" -uroot ping >/dev/null 2>&1; then
        echo "$port" >"$D/port"
        break 2
      fi
      kill -0 $! 2>/dev/null || break
      sleep 0.1
    done
    echo "dev-db: start attempt $attempt on port $port failed, retrying" >&2
    kill $! 2>/dev/null || true
    wait $! 2>/dev/null || true
  done
  [ -f "$D/port" ] || { tail -20 "$D/error.log" >&2; die "server did not start"; }

  umask 077
  head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$D/password"
  # The password goes to the client on stdin, so it never shows up in ps.
  root_client <<SQL
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER '$DB_USER'@'127.0.0.1' IDENTIFIED BY '$(cat "$D/password")';
GRANT ALL PRIVILEGES ON *.* TO '$DB_USER'@'127.0.0.1' WITH GRANT OPTION;
SQL
  print_env
}

stop() {
  if [ -f "$D/pid" ]; then
    local pid
    pid=$(cat "$D/pid")
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -rf "$D"
}

case "${1:-}" in
  start) start ;;
  env) print_env ;;
  sql) shift; is_running || die "not running"; root_client "$@" ;;
  stop) stop ;;
  *) echo "usage: $0 start|env|sql [mariadb args]|stop" >&2; exit 2 ;;
esac
