# shellcheck shell=bash
# Sourced (not run) by scripts/e2e-container.sh and scripts/field-rehearsal.sh: podman as
# root on this kind of machine (docs: toolchain facts), with one image store both share, so
# the deploy image built by the container proof is reused by the field rehearsal.
#
#   . scripts/podman-env.sh
#   podman_env_setup            # packages, containers.conf + storage.conf, exports CONTAINERS_*
#   podman_base_image           # debian:bookworm-slim made with debootstrap (no registry here)
#   podman_build_deploy_image IMAGE LOG    # docker/Dockerfile, unchanged
#
# BAMORT_PODMAN_DIR (default /var/tmp/bamort-podman) holds the configuration and the store.

podman_dir=${BAMORT_PODMAN_DIR:-/var/tmp/bamort-podman}
podman_repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Installs what is missing from Debian (podman 4.3, runc, netavark + aardvark-dns for the
# service names on a compose network, podman-compose) and writes the configuration:
# runc, cgroupfs and explicit ulimits (crun fails here), no network unless one is asked for.
podman_env_setup() {
  local need=() p
  for p in podman runc debootstrap catatonit containernetworking-plugins netavark aardvark-dns \
           podman-compose python3-yaml; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need+=("$p")
  done
  if [ ${#need[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
  mkdir -p "$podman_dir"
  # network_backend is pinned: with both CNI and netavark installed, podman 4.3 would pick
  # by what the store already holds; only netavark (with aardvark-dns) resolves service names.
  cat >"$podman_dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
netns = "none"
[network]
network_backend = "netavark"
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  cat >"$podman_dir/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$podman_dir/storage/root"
runroot = "$podman_dir/storage/run"
CONF
  export CONTAINERS_CONF=$podman_dir/containers.conf CONTAINERS_STORAGE_CONF=$podman_dir/storage.conf
}

# debian:bookworm-slim for `FROM debian:bookworm-slim`, made from the Debian mirror apt uses.
podman_base_image() {
  podman image exists docker.io/library/debian:bookworm-slim && return 0
  local mirror rootfs=$podman_dir/rootfs
  mirror=$(sed -n 's/^URIs: //p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
  mirror=${mirror:-http://deb.debian.org/debian}
  echo "making the base image debian:bookworm-slim from $mirror (debootstrap)"
  rm -rf "$rootfs"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$podman_dir/debootstrap.log" 2>&1 ||
    { tail -20 "$podman_dir/debootstrap.log"; echo "podman-env: debootstrap failed" >&2; return 1; }
  tar -C "$rootfs" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' --change 'CMD ["bash"]' \
    - localhost/debian:bookworm >/dev/null
  podman tag localhost/debian:bookworm docker.io/library/debian:bookworm-slim
  rm -rf "$rootfs"
}

# podman_build_deploy_image IMAGE LOG: builds docker/Dockerfile unchanged (the build stage
# compiles the project and runs the unit tests); prints the time and size.
podman_build_deploy_image() {
  local image=$1 log=$2 start
  start=$(date +%s)
  podman build --pull=never -f "$podman_repo/docker/Dockerfile" -t "$image" \
    --build-arg BAMORT_GIT_COMMIT="$(git -C "$podman_repo" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)" \
    "$podman_repo" >"$log" 2>&1 || { tail -40 "$log"; echo "podman-env: podman build failed (log: $log)" >&2; return 1; }
  echo "built $image in $(( $(date +%s) - start )) s; size $(podman image inspect "$image" --format '{{.Size}}' | numfmt --to=iec)"
  # The dangling build stage is not needed again.
  podman image prune -f >/dev/null 2>&1 || true
}
