#!/usr/bin/env bash
# The test command (README): installs what is missing, builds, starts a throwaway
# MariaDB, runs every unit and integration test with ctest, and stops the server even
# when tests fail. Exits non-zero on any failure.
#
#   scripts/test.sh            everything
#   scripts/test.sh -L unit    only the tests without a database (ctest arguments pass through)
#
# After ctest, scripts/e2e-container.sh (the container proof: the image built with podman,
# deploy.sh with podman, `podman kube play` of k8s/) runs when this runs as root with no
# ctest arguments; it installs podman itself and takes about 10 minutes.
# BAMORT_SKIP_CONTAINER=1 leaves it out. Then scripts/field-rehearsal.sh (deploy.sh --compose on
# upstream's unchanged compose setup with podman-compose, tests/field/README.md) runs the same
# way, with the container proof's image; BAMORT_SKIP_FIELD=1 leaves it out. Before both, the
# integration suites that depend on the server's version run once more against Debian 13's
# MariaDB 11.8 (scripts/newer-server.sh); BAMORT_SKIP_NEWER_SERVER=1 leaves them out.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
build_dir=${BAMORT_BUILD_DIR:-$here/build}
"$here/scripts/build.sh" "$build_dir"

export BAMORT_DEVDB_DIR=${BAMORT_DEVDB_DIR:-$build_dir/test-db}
trap '"$here/scripts/dev-db.sh" stop' EXIT
eval "$("$here/scripts/dev-db.sh" start)"

if [ -z "${BAMORT_REAL_FIXTURES:-}" ] && [ ! -f "$here/../shared/fixtures/legacy-init00.sql" ]; then
  echo "NOTE: the real Bamort data (../shared/fixtures) is absent; the tests that use it will be skipped and say so."
fi

rc=0
# The frontend banner's tests (Vitest) need Node.js 20 or newer and the npm registry.
if [ -z "${BAMORT_SKIP_FRONTEND:-}" ] && command -v npm >/dev/null &&
   [ "$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 20 ]; then
  echo "frontend banner tests (Vitest):"
  (cd "$here/frontend" && npm ci --silent --no-audit --no-fund >/dev/null && npx vitest run) || rc=$?
else
  echo "NOTE: frontend banner tests skipped (needs Node.js >= 20 with npm; BAMORT_SKIP_FRONTEND skips them)."
fi
# The banner in upstream's real app, in headless Chromium (docs/HEALTH.md); it skips itself
# with a NOTE when ../shared, Node.js >= 20 or the npm registry is missing.
if [ -z "${BAMORT_SKIP_BROWSER:-}" ] && [ $# -eq 0 ]; then
  echo "frontend banner in a browser (scripts/browser-test.sh):"
  "$here/scripts/browser-test.sh" "$build_dir" || rc=$?
else
  echo "NOTE: browser test skipped (runs without ctest arguments; BAMORT_SKIP_BROWSER=1 skips it)."
fi

(cd "$build_dir" && ctest --output-on-failure --timeout 900 "$@") || rc=$?
"$here/scripts/dev-db.sh" stop

as_root=0
if [ $# -eq 0 ] && [ "$(id -u)" = 0 ]; then as_root=1; fi
# The suites that depend on the server's version, once more against Debian 13's MariaDB 11.8
# (upstream's production runs 11.4); the first run installs it into a chroot (2-3 minutes).
if [ "$as_root" = 1 ] && [ -z "${BAMORT_SKIP_NEWER_SERVER:-}" ]; then
  echo "integration tests against a newer MariaDB (scripts/newer-server.sh):"
  "$here/scripts/newer-server.sh" "$build_dir" \
    'Migrate.*:SchemaProof.*:LayoutVariants.*:BackupTest.*:RestoreTest.*:GrantsTest.*:Privileges.*:Validate.*:Init.*:Health.*:UnknownLayout.*' ||
    rc=$?
else
  echo "NOTE: tests against a newer MariaDB skipped (needs root and no ctest arguments; BAMORT_SKIP_NEWER_SERVER skips them)."
fi
field_env=()
if [ "$as_root" = 1 ] && [ -z "${BAMORT_SKIP_CONTAINER:-}" ]; then
  echo "container proof (scripts/e2e-container.sh):"
  if [ -z "${BAMORT_SKIP_FIELD:-}" ]; then
    # Its image stays in the shared podman store for the field rehearsal, which removes it.
    KEEP_IMAGE=1 "$here/scripts/e2e-container.sh" || rc=$?
    field_env=(FIELD_IMAGE=localhost/bamort-deploy:e2e FIELD_REMOVE_IMAGE=1)
  else
    "$here/scripts/e2e-container.sh" || rc=$?
  fi
else
  echo "NOTE: container proof skipped (needs root and no ctest arguments; BAMORT_SKIP_CONTAINER skips it)."
fi
if [ "$as_root" = 1 ] && [ -z "${BAMORT_SKIP_FIELD:-}" ]; then
  echo "field rehearsal (scripts/field-rehearsal.sh):"
  env "${field_env[@]}" "$here/scripts/field-rehearsal.sh" || rc=$?
else
  echo "NOTE: field rehearsal skipped (needs root and no ctest arguments; BAMORT_SKIP_FIELD skips it)."
fi
exit "$rc"
