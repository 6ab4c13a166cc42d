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

# mariadb-install-db needs my_print_defaults, which Debian 13's 11.8.9 ships in
# mariadb-client-core (it was in mariadb-server-core before): a root without it is made again.
if ! [ -x "$root/usr/sbin/mariadbd" ] || ! [ -x "$root/usr/bin/my_print_defaults" ]; then
  command -v debootstrap >/dev/null || "$here/scripts/install-deps.sh" debootstrap
  # The Debian mirror apt uses: only the files apt reads (not *.disabled, *.save, ...), only
  # a Debian archive (not nodesource or the like, nor the security archive). Any of these
  # files may be missing, so nothing here may fail the script.
  mirror=$(shopt -s nullglob
           cat /dev/null /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
             grep -oE '^(URIs:|deb) +https?://[^ ]+' | awk '{print $2}' | grep -v security |
             grep -E '/debian/?$' | head -1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "newer-server: installing Debian $suite's MariaDB into $root from $mirror (debootstrap, 2-3 minutes)"
  rm -rf "$root.partial"
  debootstrap --variant=minbase --include=mariadb-server-core,mariadb-client-core "$suite" "$root.partial" "$mirror" \
    >"/tmp/newer-server-debootstrap.log" 2>&1 ||
    { tail -20 /tmp/newer-server-debootstrap.log >&2; echo "newer-server: debootstrap failed" >&2; exit 1; }
  rm -rf "$root"
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
