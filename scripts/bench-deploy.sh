#!/usr/bin/env bash
# Benchmark of docker/deploy.sh end to end (issue 7): wall time per step, read from the
# step reports (duration_ms), on three databases of a throwaway server:
#   legacy  the real legacy Bamort database (../shared/fixtures/legacy-init00.sql), or the
#           project's tests/fixtures/legacy-small.sql when the real data is absent (said so);
#   big     the same grown to BENCH_DEPLOY_MB megabytes (default 1024) of characters with
#           462 KB base64 images in char_chars.image, Bamort's heavy data;
#   bigphys the same as big, deployed with --backup-kind physical --no-auto-restore (the
#           verified physical pre-deploy backup; left out when mariadb-backup is missing).
# deploy.sh runs with --native (the binaries of BUILD_DIR), a package made by bamort-prepare
# from tests/fixtures/export-v1-small. Prints a table. Its one check of its own (exit 1):
# no single migration may take more than BENCH_MIGRATION_MAX_MS (default 1000) on the big
# database, read from the migrate report's details.applied[].duration_ms (issue 18: a
# migration that rewrites a whole table shows up here).
#
#   scripts/bench-deploy.sh [BUILD_DIR]      (default: build)
#   BENCH_DEPLOY_CASES="bigphys" scripts/bench-deploy.sh     only some of the cases
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
mb=${BENCH_DEPLOY_MB:-1024}
for job in backup status migrate import-masterdata validate restore prepare; do
  [ -x "$build/bamort-$job" ] || { echo "bench-deploy: $build/bamort-$job missing (build first)" >&2; exit 2; }
done

work=$(mktemp -d)
export BAMORT_DEVDB_DIR=$work/devdb
trap '"$here/scripts/dev-db.sh" stop; rm -rf "$work"' EXIT
eval "$("$here/scripts/dev-db.sh" start)"
sql() { "$here/scripts/dev-db.sh" sql "$@"; }

fixture=${BAMORT_REAL_FIXTURES:-$here/../shared/fixtures}/legacy-init00.sql
if [ ! -f "$fixture" ]; then
  echo "NOTE: the real Bamort data ($fixture) is absent; using tests/fixtures/legacy-small.sql instead"
  fixture=$here/tests/fixtures/legacy-small.sql
fi
"$build/bamort-prepare" --out "$work/package.tar.gz" --from "$here/tests/fixtures/export-v1-small" >/dev/null 2>&1

load() {  # DB: a fresh database holding the legacy fixture
  sql -e "DROP DATABASE IF EXISTS \`$1\`; CREATE DATABASE \`$1\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  sql "$1" <"$fixture"
}

# Characters copied from the first one, each with its own name and a 462 KB image cut from
# 8,192 random 768-byte pieces (base64 of random bytes compresses like real PNG images).
grow() {  # DB MB
  local rows=$(( $2 * 1024 * 1024 / (462 * 1024) ))
  echo "growing $1 by $rows characters with 462 KB images (~$2 MB) ..."
  sql "$1" -e "SET SESSION group_concat_max_len = 1048576;
    CREATE TEMPORARY TABLE pieces (n INT PRIMARY KEY, b TEXT) ENGINE=InnoDB;
    INSERT INTO pieces SELECT seq, REPLACE(TO_BASE64(RANDOM_BYTES(768)), '\n', '') FROM seq_0_to_8191;
    CREATE TEMPORARY TABLE grown ENGINE=InnoDB
      SELECT s.seq AS bench_seq, c.* FROM (SELECT * FROM char_chars ORDER BY id LIMIT 1) c JOIN seq_1_to_$rows s;
    UPDATE grown g JOIN (SELECT r.seq, CONCAT('data:image/png;base64,', GROUP_CONCAT(p.b ORDER BY k.seq SEPARATOR '')) img
        FROM seq_1_to_$rows r JOIN seq_0_to_461 k JOIN pieces p ON p.n = (r.seq * 7919 + k.seq * 104729) % 8192
        GROUP BY r.seq) x ON x.seq = g.bench_seq
      SET g.id = 1000000 + g.bench_seq, g.name = CONCAT(g.name, ' ', g.bench_seq), g.image = x.img;
    ALTER TABLE grown DROP COLUMN bench_seq;
    INSERT INTO char_chars SELECT * FROM grown;
    ANALYZE TABLE char_chars;" >/dev/null
}

# report_ms RUN STEP: duration_ms of a step's report, "-" when the step did not run.
report_ms() {
  local f=$work/reports/$1/$2.json
  [ -f "$f" ] || { echo -; return; }
  sed -n 's/^  "duration_ms": \([0-9]*\),\{0,1\}$/\1/p' "$f" | head -1
}

results=() slowest=()
run_case() {  # NAME [DEPLOY ARGS...]
  local name=$1 db=bench_$1 start end code=0 size
  shift
  size=$(sql -N -e "SELECT ROUND(SUM(DATA_LENGTH + INDEX_LENGTH) / 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$db'")
  echo "--- deploy.sh on $name ($size MB on disk)"
  start=$(date +%s.%N)
  BAMORT_DB_NAME=$db "$here/docker/deploy.sh" --native --bin-dir "$build" --reports-root "$work/reports" \
    --backup-dir "$work/backups" --run-id "$name" "$@" "$work/package.tar.gz" >"$work/$name.log" 2>&1 || code=$?
  end=$(date +%s.%N)
  [ "$code" = 0 ] || { tail -30 "$work/$name.log"; echo "bench-deploy: deploy.sh on $name exited $code" >&2; exit 1; }
  local row step
  row=$(printf '%-12s %7s' "$name" "$size")
  for step in backup status migrate import validate; do
    row+=$(printf ' %9s' "$(awk -v ms="$(report_ms "$name" "$step")" 'BEGIN{ if (ms == "-") print "-"; else printf "%.2f", ms / 1000 }')")
  done
  row+=$(printf ' %9s' "$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.2f", b - a}')")
  results+=("$row")
  slowest+=("$name: $(jq -r '[.details.applied[] | {n: .number, ms: .duration_ms}] | sort_by(-.ms) | .[:3]
    | map("\(.n) \(.ms / 1000) s") | join(", ")' "$work/reports/$name/migrate.json")")
}

cases=" ${BENCH_DEPLOY_CASES:-legacy big bigphys} "
if [[ $cases == *" legacy "* ]]; then load bench_legacy; run_case legacy; fi
if [[ $cases == *" big "* ]]; then load bench_big; grow bench_big "$mb"; run_case big; fi
# The same deploy with the physical pre-deploy backup (docs/DEPLOY.md "Physical pre-deploy
# backup on a native host"): a set copies the whole server, so the logical case's database
# is dropped first and the server holds the legacy database and this one.
if [[ $cases != *" bigphys "* ]]; then
  :
elif command -v mariadb-backup >/dev/null; then
  sql -e "DROP DATABASE IF EXISTS bench_big"
  load bench_bigphys
  grow bench_bigphys "$mb"
  run_case bigphys --backup-kind physical --no-auto-restore
  phys_parts=$(jq -r '.details.timings | "copy \(.copy_ms / 1000) s, prepare \(.prepare_ms / 1000) s, open \(.open_ms / 1000) s, compare \(.compare_ms / 1000) s"' \
    "$work/reports/bigphys/backup.json")
else
  echo "NOTE: mariadb-backup is not installed: the physical case is left out (apt-get install mariadb-backup)"
fi

echo
echo "deploy.sh --native, seconds per step (duration_ms of each report) and wall time of the whole run;"
echo "fixture $(basename "$fixture"), load average $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) CPUs"
printf '%-12s %7s %9s %9s %9s %9s %9s %9s\n' case MB backup status migrate import validate total
printf '%s\n' "${results[@]}"
[ -z "${phys_parts:-}" ] || echo "bigphys: the verified physical backup's parts: $phys_parts"
echo "slowest migrations (number, seconds):"
printf '  %s\n' "${slowest[@]}"

max_ms=${BENCH_MIGRATION_MAX_MS:-1000}
too_slow=$(jq -r --argjson max "$max_ms" '[.details.applied[] | select(.duration_ms > $max)
  | "\(.number) (\(.duration_ms) ms)"] | join(", ")' "$work/reports/big/migrate.json" \
  "$work/reports/bigphys/migrate.json" 2>/dev/null | grep -v '^$' | paste -sd' ' || true)
if [ -n "$too_slow" ]; then
  echo "FAIL: migrations over $max_ms ms on the big database: $too_slow" >&2
  exit 1
fi
echo "ok: every migration on the big databases took at most $max_ms ms"
