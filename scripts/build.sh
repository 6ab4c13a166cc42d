#!/usr/bin/env bash
# Installs what is missing (scripts/install-deps.sh), configures and builds the project
# (RelWithDebInfo, -j2) into BUILD_DIR. Shared by test.sh, demo.sh, bench.sh and the other
# scripts that need the binaries.
#
#   scripts/build.sh [BUILD_DIR]     (default: $BAMORT_BUILD_DIR or build/)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${1:-${BAMORT_BUILD_DIR:-$here/build}}
"$here/scripts/install-deps.sh"
# ccache, when installed, lets several build folders of one checkout share objects.
launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$here CCACHE_NOHASHDIR=1
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
cmake -S "$here" -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j2
