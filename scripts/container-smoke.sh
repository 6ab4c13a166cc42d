#!/usr/bin/env bash
# Proves the container path on a machine without a Docker engine, with podman (as root):
# builds docker/Dockerfile unchanged, runs a job of the image against a throwaway MariaDB
# on the host, and runs docker/deploy.sh in container mode (podman) end to end on a
# small legacy database. Slow (the image build compiles the project): not part of
# scripts/test.sh. No registry is reachable here, so the debian:bookworm-slim base image
# is made locally with debootstrap from the Debian mirror apt uses.
#
#   scripts/container-smoke.sh            build + smoke test
#   KEEP_IMAGE=1 scripts/container-smoke.sh   leave the image in the podman store
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ "$(id -u)" = 0 ] || { echo "container-smoke: needs root (podman storage, debootstrap)" >&2; exit 2; }
work=${CONTAINER_SMOKE_DIR:-/var/tmp/bamort-container-smoke}
mkdir -p "$work"

need=()
for p in podman runc debootstrap catatonit containernetworking-plugins; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
"$here/scripts/install-deps.sh"

# podman settings that work on this kind of machine (toolchain facts): runc, cgroupfs,
# explicit ulimits, own storage.
cat >"$work/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
cat >"$work/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$work/storage/root"
runroot = "$work/storage/run"
CONF
export CONTAINERS_CONF=$work/containers.conf CONTAINERS_STORAGE_CONF=$work/storage.conf

if ! podman image exists docker.io/library/debian:bookworm-slim; then
  mirror=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "making the base image from $mirror (debootstrap, ~30 s)"
  rm -rf "$work/rootfs"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1
  tar -C "$work/rootfs" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]' \
    - localhost/debian:bookworm >/dev/null
  podman tag localhost/debian:bookworm docker.io/library/debian:bookworm-slim
  rm -rf "$work/rootfs"
fi

image=localhost/bamort-deploy:smoke
echo "building $image (compiles the project and runs the unit tests inside)"
start=$(date +%s)
podman build --pull=never -f "$here/docker/Dockerfile" -t "$image" \
  --build-arg BAMORT_GIT_COMMIT="$(git -C "$here" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)" \
  "$here" >"$work/build.log" 2>&1 || { tail -30 "$work/build.log"; exit 1; }
echo "built in $(( $(date +%s) - start )) s; size $(podman image inspect "$image" --format '{{.Size}}' | numfmt --to=iec)"

export BAMORT_DEVDB_DIR=$work/devdb
trap '"$here/scripts/dev-db.sh" stop; [ -n "${KEEP_IMAGE:-}" ] || podman rmi -f "$image" >/dev/null 2>&1 || true' EXIT
eval "$("$here/scripts/dev-db.sh" start)"

echo "--- the image runs as non-root and knows its versions"
podman run --rm "$image" sh -c 'id -u; bamort-migrate --version'

echo "--- a job of the image against the host's MariaDB (network host)"
"$here/scripts/dev-db.sh" sql "$BAMORT_DB_NAME" <"$here/tests/fixtures/legacy-small.sql"
code=0
podman run --rm --network host --user 0:0 -e BAMORT_DB_HOST -e BAMORT_DB_PORT -e BAMORT_DB_NAME -e BAMORT_DB_USER \
  -v "$BAMORT_DB_PASSWORD_FILE:/run/secrets/db:ro" -e BAMORT_DB_PASSWORD_FILE=/run/secrets/db \
  "$image" bamort-status >/dev/null || code=$?
[ "$code" = 3 ] || { echo "expected bamort-status exit 3 (behind), got $code" >&2; exit 1; }
echo "bamort-status in the container: exit 3 (behind), as expected"

echo "--- docker/deploy.sh with podman, end to end"
package=$work/package.tar.gz
podman run --rm --user 0:0 -v "$work:/out" "$image" bamort-prepare --out /out/package.tar.gz \
  --from /usr/local/share/bamort-deploy/masterdata >/dev/null
mkdir -p "$work/reports" "$work/backups"
"$here/docker/deploy.sh" --engine podman --image "$image" --reports-root "$work/reports" \
  --backup-dir "$work/backups" --run-id smoke "$package"
echo "container smoke test passed"
