#!/usr/bin/env bash
# Installs the Debian packages the project needs to build and test, if any is missing.
# Idempotent and quiet when everything is there. Needs root (or sudo) only to install.
set -euo pipefail

packages=(cmake g++ make pkg-config libpoco-dev libspdlog-dev libarchive-dev zlib1g-dev libssl-dev libisal-dev libmariadb-dev
          mariadb-server mariadb-client mariadb-backup googletest libgtest-dev libgmock-dev jq
          shellcheck yamllint)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing: ${missing[*]}"
sudo=()
[ "$(id -u)" -ne 0 ] && sudo=(sudo)
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
