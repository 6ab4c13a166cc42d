#!/usr/bin/env bash
# The banner in upstream's real Vue app, in a real browser (issue 17, docs/HEALTH.md):
#   1. copies upstream's frontend (../shared/reference/upstream-app/frontend, read only)
#      into a temporary folder, adds the banner as docs/HEALTH.md says (files into
#      src/components/system-health/, three App.vue lines, the systemHealth locale blocks),
#      installs its npm packages from the registry and builds it with Vite;
#   2. serves the build with nginx twice: upstream's nginx.conf plus frontend/nginx-health.conf
#      (proxying to bamort-health), and upstream's nginx.conf alone (index.html for the
#      health URL);
#   3. loads tests/fixtures/legacy-small.sql into a throwaway MariaDB (scripts/dev-db.sh),
#      starts bamort-health on it, and checks in headless Chromium (tests/browser/banner.mjs)
#      the German and English warning, "System aktualisiert auf Version X" after
#      bamort-migrate and its going away, and no banner with one console line for index.html.
# Installs chromium and nginx-light with apt when missing (as root). Skips with a NOTE
# (exit 0) when upstream's frontend is absent, Node.js is older than 20, or the npm
# registry cannot be reached. Stops everything it started, also on failure.
#
#   scripts/browser-test.sh [BUILD_DIR]     (bamort-health and bamort-migrate from there)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-${BAMORT_BUILD_DIR:-$here/build}}
upstream=${BAMORT_UPSTREAM_APP:-$here/../shared/reference/upstream-app}
started=$SECONDS

skip() { echo "NOTE: browser test skipped: $*"; exit 0; }
[ -f "$upstream/frontend/src/App.vue" ] || skip "upstream's frontend ($upstream/frontend) is absent"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then skip "Node.js and npm are not installed"; fi
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || skip "Node.js $(node --version) is older than 20"
timeout 30 npm ping >/dev/null 2>&1 || skip "the npm registry cannot be reached"

missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx-light)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  echo "installing: ${missing[*]}"
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)

if [ ! -x "$build_dir/bamort-health" ] || [ ! -x "$build_dir/bamort-migrate" ]; then
  "$here/scripts/build.sh" "$build_dir"
fi

tmp=$(mktemp -d /tmp/bamort-browser.XXXXXX)
chmod 755 "$tmp" # nginx's workers read the build as another user
nginx_pid='' health_pid=''
# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
  local pid
  for pid in $nginx_pid $health_pid; do { kill "$pid" && wait "$pid"; } 2>/dev/null || true; done
  BAMORT_DEVDB_DIR=$tmp/devdb "$here/scripts/dev-db.sh" stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
trap "exit 130" INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

echo "browser test: database, bamort-health (at $((SECONDS - started)) s)"
export BAMORT_DEVDB_DIR=$tmp/devdb
eval "$("$here/scripts/dev-db.sh" start)"
"$here/scripts/dev-db.sh" sql "$BAMORT_DB_NAME" <"$here/tests/fixtures/legacy-small.sql"
"$build_dir/bamort-health" --listen 127.0.0.1:0 --refresh 1 >"$tmp/health.out" 2>"$tmp/health.err" &
health_pid=$!
for _ in $(seq 1 100); do grep -q 'listening on' "$tmp/health.out" && break; sleep 0.1; done
health_addr=$(sed -n 's|.*listening on http://||p' "$tmp/health.out")
[ -n "$health_addr" ] || { cat "$tmp/health.err" >&2; echo "bamort-health did not start" >&2; exit 1; }
cat >"$tmp/migrate.sh" <<EOF
#!/bin/sh
exec "$build_dir/bamort-migrate" --report "$tmp/migrate-report.json"
EOF
chmod +x "$tmp/migrate.sh"

echo "browser test: upstream's frontend with the banner (npm ci, vite build) (at $((SECONDS - started)) s)"
node "$here/tests/browser/prepare-app.mjs" app "$upstream/frontend" "$here/frontend" "$tmp/app"
# VITE_API_URL: keep the app's API calls on this machine; the poll interval is 1 s here.
(cd "$tmp/app" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null &&
  VITE_HEALTH_INTERVAL=1 VITE_API_URL=http://127.0.0.1:9 npx vite build --logLevel error)
chmod -R a+rX "$tmp/app/dist"

banner_port=$(free_port)
plain_port=$(free_port)
node "$here/tests/browser/prepare-app.mjs" nginx "$upstream/frontend/nginx.conf" "$here/frontend" \
  "$tmp/app/dist" "$tmp" "$health_addr" "$banner_port" "$plain_port"
"$nginx_bin" -p "$tmp" -e "$tmp/nginx-error.log" -c "$tmp/nginx.conf" -g 'daemon off;' &
nginx_pid=$!

cp "$here/tests/browser/package.json" "$here/tests/browser/package-lock.json" "$here/tests/browser/banner.mjs" "$tmp/"
(cd "$tmp" && npm ci --prefer-offline --no-audit --no-fund --loglevel=error >/dev/null)
for _ in $(seq 1 50); do (exec 3<>"/dev/tcp/127.0.0.1/$banner_port") 2>/dev/null && break; sleep 0.1; done

echo "browser test: headless Chromium (at $((SECONDS - started)) s)"
rc=0
BANNER_URL=http://127.0.0.1:$banner_port/ PLAIN_URL=http://127.0.0.1:$plain_port/ \
  HEALTH_URL=http://$health_addr/api/system/health MIGRATE=$tmp/migrate.sh CHROMIUM=$(command -v chromium) \
  node "$tmp/banner.mjs" || rc=$?
if [ "$rc" -ne 0 ]; then
  echo "--- nginx error log"; cat "$tmp/nginx-error.log" || true
  echo "--- bamort-health log"; tail -20 "$tmp/health.err" || true
fi
echo "browser test took $((SECONDS - started)) s"
exit "$rc"
