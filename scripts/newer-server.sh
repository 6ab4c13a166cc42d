#!/usr/bin/env bash
# The integration tests against a newer MariaDB than Debian 12's 10.11: upstream's production
# runs 11.4, and Debian 13 ships 11.8. Debian 13's mariadb-server-core is installed into a
# chroot with debootstrap (kept in $BAMORT_NEWER_ROOT between runs, about 285 MB, 2-3 minutes
# the first time), scripts/dev-db.sh starts that server (BAMORT_DEVDB_ROOT), and the
# integration tests run against it as they do against 10.11. The jobs' private verify and
# rehearsal servers stay this machine's 10.11, as they are in the image: a set made on 11.8 is
# verified on 10.11 here, which is what happens in the field.
#
#   scripts/newer-server.sh [BUILD_DIR] [gtest filter]     needs root (debootstrap, chroot)
#
# BAMORT_NEWER_ROOT (default /var/tmp/bamort-mariadb-trixie) and BAMORT_NEWER_SUITE (trixie)
# choose where and which release.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-${BAMORT_BUILD_DIR:-$here/build}}
filter=${2:-*}
root=${BAMORT_NEWER_ROOT:-/var/tmp/bamort-mariadb-trixie}
suite=${BAMORT_NEWER_SUITE:-trixie}

[ "$(id -u)" = 0 ] || { echo "newer-server: needs root (debootstrap, chroot)" >&2; exit 2; }
[ -x "$build_dir/tests/integration_tests" ] || { echo "newer-server: build first: $build_dir/tests/integration_tests is missing" >&2; exit 2; }

if ! [ -x "$root/usr/sbin/mariadbd" ]; then
  command -v debootstrap >/dev/null || "$here/scripts/install-deps.sh" debootstrap
  mirror=$(grep -rhoE '^(URIs:|deb) +https?://[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null |
           grep -v security | head -1 | awk '{print $2}')
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "newer-server: installing Debian $suite's MariaDB into $root from $mirror (debootstrap, 2-3 minutes)"
  rm -rf "$root.partial"
  debootstrap --variant=minbase --include=mariadb-server-core "$suite" "$root.partial" "$mirror" \
    >"/tmp/newer-server-debootstrap.log" 2>&1 ||
    { tail -20 /tmp/newer-server-debootstrap.log >&2; echo "newer-server: debootstrap failed" >&2; exit 1; }
  mv "$root.partial" "$root"
fi
# mariadb-install-db resolves this machine's name, so the chroot needs its hosts file.
cp /etc/hosts "$root/etc/hosts"
echo "newer-server: $(chroot "$root" mariadbd --version | cut -d' ' -f1-4)"

export BAMORT_DEVDB_ROOT=$root BAMORT_DEVDB_DIR=bamort-newer-server
trap '"$here/scripts/dev-db.sh" stop' EXIT
eval "$("$here/scripts/dev-db.sh" start)"
cd "$build_dir"
./tests/integration_tests --gtest_filter="$filter" --gtest_brief=1
