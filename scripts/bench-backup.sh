#!/usr/bin/env bash
# Benchmark of bamort-backup and bamort-restore (issue 5), in one run on a throwaway server:
#   backup:  bamort-backup (the whole set, and its SQL part from the report's timings)
#            against `mariadb-dump --single-transaction | gzip -1`
#   restore: bamort-restore --target-db (from the SQL dump) against `gunzip | mariadb`
# on a migrated copy of the small legacy fixture grown by a table of character data to
# BENCH_BACKUP_MB megabytes (default 1024; generated pseudo-random text, so it does not
# compress to nothing). Prints times and ratios; asserts nothing about speed.
#
#   scripts/bench-backup.sh [BUILD_DIR]      (default: build)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
mb=${BENCH_BACKUP_MB:-1024}
for job in migrate backup restore; do
  [ -x "$build/bamort-$job" ] || { echo "bench-backup: $build/bamort-$job missing (build first)" >&2; exit 2; }
done

work=$(mktemp -d)
export BAMORT_DEVDB_DIR=$work/devdb
trap '"$here/scripts/dev-db.sh" stop; rm -rf "$work"' EXIT
eval "$("$here/scripts/dev-db.sh" start)"
sql() { "$here/scripts/dev-db.sh" sql "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }

sql "$BAMORT_DB_NAME" <"$here/tests/fixtures/legacy-small.sql"
"$build/bamort-migrate" --log-format json >/dev/null 2>&1
# ~1.3 KB of hex text per row: SHA2 of the row number, repeated with variations.
rows=$(( mb * 1024 * 1024 / 1400 ))
echo "growing $BAMORT_DB_NAME by $rows rows (~$mb MB) of character notes ..."
sql "$BAMORT_DB_NAME" -e "CREATE TABLE char_bench_notes (id BIGINT UNSIGNED PRIMARY KEY, character_id BIGINT UNSIGNED,
  note LONGTEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
  INSERT INTO char_bench_notes SELECT seq, 1 + seq % 4, CONCAT(SHA2(seq * 10, 512), SHA2(seq * 10 + 1, 512), SHA2(seq * 10 + 2, 512),
  SHA2(seq * 10 + 3, 512), SHA2(seq * 10 + 4, 512), SHA2(seq * 10 + 5, 512), SHA2(seq * 10 + 6, 512),
  SHA2(seq * 10 + 7, 512), SHA2(seq * 10 + 8, 512), SHA2(seq * 10 + 9, 512)) FROM seq_1_to_$rows;"
size=$(sql -N -e "SELECT ROUND(SUM(DATA_LENGTH + INDEX_LENGTH) / 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$BAMORT_DB_NAME'")
echo "database size on disk: ${size} MB"

defaults=$work/my.cnf
printf '[client]\npassword="%s"\n' "$(cat "$BAMORT_DB_PASSWORD_FILE")" >"$defaults"
chmod 600 "$defaults"
client=(--defaults-extra-file="$defaults" --host="$BAMORT_DB_HOST" --port="$BAMORT_DB_PORT" --user="$BAMORT_DB_USER")

t0=$(now)
mariadb-dump "${client[@]}" --single-transaction --routines --events "$BAMORT_DB_NAME" | gzip -1 >"$work/ref.sql.gz"
t1=$(now)
ref_dump=$(secs "$t0" "$t1")

t0=$(now)
"$build/bamort-backup" --out-dir "$work/sets" --no-retention --report "$work/backup.json" 2>/dev/null
t1=$(now)
ours_total=$(secs "$t0" "$t1")
ours_sql=$(jq '.details.timings.dump_ms / 1000' "$work/backup.json")
set_dir=$(jq -r '.outputs.backup_set' "$work/backup.json")

sql -e "CREATE DATABASE ref_restore; CREATE DATABASE ours_restore"
t0=$(now)
gunzip <"$work/ref.sql.gz" | mariadb "${client[@]}" ref_restore
t1=$(now)
ref_restore=$(secs "$t0" "$t1")
t0=$(now)
"$build/bamort-restore" --backup "$set_dir" --target-db ours_restore --replace 2>/dev/null
t1=$(now)
ours_restore=$(secs "$t0" "$t1")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
echo
printf '%-52s %8s s\n' "mariadb-dump --single-transaction | gzip -1" "$ref_dump" \
  "bamort-backup, SQL part (dump + parallel gzip + sha256)" "$ours_sql" \
  "bamort-backup, whole set (+ JSON export, checksums)" "$ours_total" \
  "gunzip | mariadb" "$ref_restore" \
  "bamort-restore --target-db (SQL dump, then compared)" "$ours_restore"
echo
echo "ratio backup SQL part / reference:   $(ratio "$ours_sql" "$ref_dump")"
echo "ratio backup whole set / reference:  $(ratio "$ours_total" "$ref_dump")"
echo "ratio restore / reference:           $(ratio "$ours_restore" "$ref_restore")"
echo "sizes: reference $(du -m "$work/ref.sql.gz" | cut -f1) MB, set $(du -sm "$set_dir" | cut -f1) MB"
