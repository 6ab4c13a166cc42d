#!/usr/bin/env bash
# The benchmarks (DESIGN.md: ratios against the reference tool, measured in the same run;
# never timed assertions in tests). Each prints its numbers and the ratio; CI runs none.
#
#   scripts/bench.sh              all of them
#   scripts/bench.sh migrate      bamort-migrate vs the mariadb client running the same SQL
#                                 on a legacy database with 1,000,000 character skills
#   scripts/bench.sh masterdata   bamort-import-masterdata vs the mariadb client loading the
#                                 same 100,000 records (empty install, then unchanged)
#   scripts/bench.sh health       requests/s and p99 latency of /api/system/health under wrk
#   scripts/bench.sh backup       bamort-backup vs mariadb-dump | gzip -1, restore vs gunzip | mariadb (1 GB),
#                                 and mydumper/myloader -t 2 and mariadb-backup as references (ratios)
#   scripts/bench.sh deploy       docker/deploy.sh --native: seconds per step on the legacy fixture and on 1 GB;
#                                 fails when a migration takes over 1 s on 1 GB
# Settings of each are in scripts/bench-migrate.sh and scripts/bench-masterdata.sh.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${BAMORT_BUILD_DIR:-$here/build}
what=${1:-all}
case "$what" in
  migrate|all|masterdata|health|backup|deploy) ;;
  *) echo "usage: scripts/bench.sh [migrate|masterdata|health|backup|deploy|all]" >&2; exit 2 ;;
esac
"$here/scripts/build.sh" "$build_dir" >/dev/null

# bench NAME TITLE COMMAND...: runs the benchmark when it was asked for (or all).
bench() {
  local name=$1 title=$2
  shift 2
  if [ "$what" = "$name" ] || [ "$what" = all ]; then
    echo "=== $title"
    "$@"
  fi
}
bench migrate "migrate" env BAMORT_BUILD_DIR="$build_dir" "$here/scripts/bench-migrate.sh"
bench masterdata "master-data import" "$here/scripts/bench-masterdata.sh" "$build_dir"
bench health "health endpoint" "$here/scripts/bench-health.sh" "$build_dir"
bench backup "backup and restore" "$here/scripts/bench-backup.sh" "$build_dir"
bench deploy "deploy.sh end to end" "$here/scripts/bench-deploy.sh" "$build_dir"
