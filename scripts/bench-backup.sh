#!/usr/bin/env bash
# Benchmark of bamort-backup and bamort-restore (issue 5), in one run on a throwaway server:
#   backup:  bamort-backup (the whole set, and its SQL part from the report's timings)
#            against `mariadb-dump --single-transaction | gzip -1`
#   restore: bamort-restore --target-db (from the SQL dump) against `gunzip | mariadb`
#   references of other kinds, in the same rounds: `mydumper -t 2 -c` / `myloader -t 2`
#            (logical, parallel) and `mariadb-backup --backup` + `--prepare` (physical),
#            the latter against `bamort-backup --physical` (which always verifies its copy
#            in a private server);
#            their Debian packages are installed here when missing (CI does not need them)
# on a migrated copy of the small legacy fixture grown by a table of character data to
# BENCH_BACKUP_MB megabytes (default 1024; generated pseudo-random text, so it does not
# compress to nothing). Prints times and ratios; asserts nothing about speed.
#
# BENCH_BUFFER_POOL: InnoDB buffer pool of the benchmark server, for both sides (default
# keep: dev-db.sh's 256M). It decides the restore's check: with a pool smaller than the
# data, CHECKSUM TABLE after the load reads the table back from disk (O_DIRECT).
#
#   scripts/bench-backup.sh [BUILD_DIR]      (default: build)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${1:-$here/build}
mb=${BENCH_BACKUP_MB:-1024}
for job in migrate backup restore; do
  [ -x "$build/bamort-$job" ] || { echo "bench-backup: $build/bamort-$job missing (build first)" >&2; exit 2; }
done

# The reference tools (Debian packages mydumper and mariadb-backup), for this bench only.
missing=()
command -v myloader >/dev/null || missing+=(mydumper)
command -v mariadb-backup >/dev/null || missing+=(mariadb-backup)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} (reference tools of this bench) ..."
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
fi

work=$(mktemp -d)
export BAMORT_DEVDB_DIR=$work/devdb
trap '"$here/scripts/dev-db.sh" stop; rm -rf "$work"' EXIT
eval "$("$here/scripts/dev-db.sh" start)"
sql() { "$here/scripts/dev-db.sh" sql "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", b-a}'; }

buffer_pool=${BENCH_BUFFER_POOL:-keep}
if [ "$buffer_pool" != keep ]; then
  sql -e "SET GLOBAL innodb_buffer_pool_size = $(numfmt --from=iec "$buffer_pool")"
  sleep 2
fi
echo "InnoDB buffer pool: $(sql -N -e "SELECT @@innodb_buffer_pool_size DIV 1048576") MB"
sql "$BAMORT_DB_NAME" <"$here/tests/fixtures/legacy-small.sql"
"$build/bamort-migrate" --log-format json >/dev/null 2>&1
# BENCH_BACKUP_SHAPE=images (default): Bamort's heavy data, character images as base64
# "data:image/png;base64,..." text of ~462 KB in a LONGTEXT column (2,270 rows per GB);
# base64 of random bytes compresses like the real PNG images do (to ~76 %). The text of a
# row is cut from a pool of 8,192 random 1 KB pieces, far more than gzip's 32 KB window.
# BENCH_BACKUP_SHAPE=notes: the earlier shape, ~1.3 KB of hex text per row (many small rows).
shape=${BENCH_BACKUP_SHAPE:-images}
if [ "$shape" = images ]; then
  rows=$(( mb * 1024 * 1024 / (462 * 1024) ))
  echo "growing $BAMORT_DB_NAME by $rows character images of 462 KB (~$mb MB) ..."
  sql "$BAMORT_DB_NAME" -e "CREATE TABLE char_bench_images (id BIGINT UNSIGNED PRIMARY KEY, character_id BIGINT UNSIGNED,
    image LONGTEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
  CREATE TEMPORARY TABLE pieces (n INT PRIMARY KEY, b TEXT) ENGINE=InnoDB;
  INSERT INTO pieces SELECT seq, REPLACE(TO_BASE64(RANDOM_BYTES(768)), '\n', '') FROM seq_0_to_8191;
  SET SESSION group_concat_max_len = 1048576;
  INSERT INTO char_bench_images SELECT r.seq, 1 + r.seq % 4,
    CONCAT('data:image/png;base64,', GROUP_CONCAT(p.b ORDER BY k.seq SEPARATOR ''))
    FROM seq_1_to_$rows r JOIN seq_0_to_461 k JOIN pieces p ON p.n = (r.seq * 7919 + k.seq * 104729) % 8192
    GROUP BY r.seq;"
else
  # ~1.3 KB of hex text per row: SHA2 of the row number, repeated with variations.
  rows=$(( mb * 1024 * 1024 / 1400 ))
  echo "growing $BAMORT_DB_NAME by $rows rows (~$mb MB) of character notes ..."
  sql "$BAMORT_DB_NAME" -e "CREATE TABLE char_bench_notes (id BIGINT UNSIGNED PRIMARY KEY, character_id BIGINT UNSIGNED,
    note LONGTEXT) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
    INSERT INTO char_bench_notes SELECT seq, 1 + seq % 4, CONCAT(SHA2(seq * 10, 512), SHA2(seq * 10 + 1, 512), SHA2(seq * 10 + 2, 512),
    SHA2(seq * 10 + 3, 512), SHA2(seq * 10 + 4, 512), SHA2(seq * 10 + 5, 512), SHA2(seq * 10 + 6, 512),
    SHA2(seq * 10 + 7, 512), SHA2(seq * 10 + 8, 512), SHA2(seq * 10 + 9, 512)) FROM seq_1_to_$rows;"
fi
size=$(sql -N -e "SELECT ROUND(SUM(DATA_LENGTH + INDEX_LENGTH) / 1048576) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '$BAMORT_DB_NAME'")
echo "database size on disk: ${size} MB"

defaults=$work/my.cnf
printf '[client]\npassword="%s"\n' "$(cat "$BAMORT_DB_PASSWORD_FILE")" >"$defaults"
chmod 600 "$defaults"
client=(--defaults-extra-file="$defaults" --host="$BAMORT_DB_HOST" --port="$BAMORT_DB_PORT" --user="$BAMORT_DB_USER")

# BENCH_BACKUP_RUNS rounds (default 3), each: reference dump, our backup, reference
# restore, our restore, alternating so a change of the machine's load hits both sides.
# The medians are what counts (other jobs share the 2 cores; the load average is printed).
runs=${BENCH_BACKUP_RUNS:-3}
median() { sort -n | awk '{a[NR]=$1} END{print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{printf "%.2f", a/b}'; }
: >"$work/times"
for run in $(seq 1 "$runs"); do
  echo "round $run of $runs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
  rm -rf "$work/sets" "$work/ref.sql.gz" "$work/mydumper" "$work/physical" "$work/psets"
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

  t0=$(now)
  mydumper --defaults-file="$defaults" --host="$BAMORT_DB_HOST" --port="$BAMORT_DB_PORT" --user="$BAMORT_DB_USER" \
    --threads 2 --compress --trx-consistency-only --routines --triggers --events \
    --database "$BAMORT_DB_NAME" --outputdir "$work/mydumper" 2>>"$work/mydumper.log"
  t1=$(now)
  myd_dump=$(secs "$t0" "$t1")
  # physical reference: a copy of the datadir (as root over the socket) made consistent by --prepare
  t0=$(now)
  mariadb-backup --no-defaults --backup --datadir="$BAMORT_DEVDB_DIR/data" --socket="$BAMORT_DEVDB_DIR/sock" \
    --user=root --target-dir="$work/physical" >>"$work/mariadb-backup.log" 2>&1
  t1=$(now)
  mariadb-backup --no-defaults --prepare --target-dir="$work/physical" >>"$work/mariadb-backup.log" 2>&1
  t2=$(now)
  phys_backup=$(secs "$t0" "$t1"); phys_prepare=$(secs "$t1" "$t2"); phys_total=$(secs "$t0" "$t2")
  t0=$(now)
  "$build/bamort-backup" --physical --out-dir "$work/psets" --no-retention --report "$work/physical.json" 2>/dev/null
  t1=$(now)
  ours_phys=$(secs "$t0" "$t1")
  ours_phys_parts=$(jq -r '.details.timings | "copy \(.copy_ms / 1000) s, prepare \(.prepare_ms / 1000) s, open \(.open_ms / 1000) s, compare \(.compare_ms / 1000) s"' "$work/physical.json")
  pset_dir=$(jq -r '.outputs.backup_set' "$work/physical.json")

  sql -e "DROP DATABASE IF EXISTS ref_restore; DROP DATABASE IF EXISTS ours_restore; DROP DATABASE IF EXISTS myl_restore;
    CREATE DATABASE ref_restore; CREATE DATABASE ours_restore; CREATE DATABASE myl_restore"
  t0=$(now)
  gunzip <"$work/ref.sql.gz" | mariadb "${client[@]}" ref_restore
  t1=$(now)
  ref_restore=$(secs "$t0" "$t1")
  t0=$(now)
  myloader --defaults-file="$defaults" --host="$BAMORT_DB_HOST" --port="$BAMORT_DB_PORT" --user="$BAMORT_DB_USER" \
    --threads 2 --overwrite-tables --directory "$work/mydumper" --database myl_restore 2>>"$work/myloader.log"
  t1=$(now)
  myl_restore=$(secs "$t0" "$t1")
  t0=$(now)
  "$build/bamort-restore" --backup "$set_dir" --target-db ours_restore --replace --report "$work/restore.json" \
    2>"$work/restore.log"
  t1=$(now)
  ours_restore=$(secs "$t0" "$t1")
  ours_load=$(jq '.details.load_ms / 1000' "$work/restore.json")
  ours_check=$(jq '(.details.check_ms // 0) / 1000' "$work/restore.json")
  ours_compare=$(jq '(.details.compare_ms // 0) / 1000' "$work/restore.json")
  sql -e "DROP DATABASE ref_restore; DROP DATABASE ours_restore; DROP DATABASE myl_restore"
  load_after=$(cut -d' ' -f1 /proc/loadavg)
  printf '  %-58s %8s s\n' "mariadb-dump --single-transaction | gzip -1" "$ref_dump" \
    "bamort-backup, SQL part (timings.dump_ms)" "$ours_sql" \
    "bamort-backup, whole set (dump, JSON export, checksums)" "$ours_total" \
    "gunzip | mariadb" "$ref_restore" \
    "bamort-restore, one read: sha256 + content check (check_ms)" "$ours_check" \
    "bamort-restore, load part (load_ms)" "$ours_load" \
    "bamort-restore, rows + CHECKSUM TABLE (compare_ms)" "$ours_compare" \
    "bamort-restore --target-db (checks, load, compare)" "$ours_restore" \
    "mydumper -t 2 -c" "$myd_dump" \
    "myloader -t 2" "$myl_restore" \
    "mariadb-backup --backup + --prepare" "$phys_backup + $phys_prepare" \
    "bamort-backup --physical (copy, prepare, open, compare)" "$ours_phys"
  echo "  bamort-backup --physical parts: $ours_phys_parts"
  # The restore's own account of its time (RestoreResult::phases_ms, in its log).
  echo "  bamort-restore phases: $(sed -n 's/.*time per phase: //p' "$work/restore.log" | tail -1)"
  echo "  round $run: restore / myloader -t 2 = $(ratio "$ours_restore" "$myl_restore")," \
    "load average at the round's end: $load_after"
  echo "$ref_dump $ours_sql $ours_total $ref_restore $ours_load $ours_restore $ours_check $ours_compare" \
    "$myd_dump $myl_restore $phys_backup $phys_prepare $phys_total $(ratio "$ours_restore" "$myl_restore")" \
    "$ours_phys $(ratio "$ours_phys" "$phys_total")" >>"$work/times"
done

col() { awk -v c="$1" '{print $c}' "$work/times" | median; }
ref_dump=$(col 1); ours_sql=$(col 2); ours_total=$(col 3); ref_restore=$(col 4); ours_load=$(col 5); ours_restore=$(col 6)
ours_check=$(col 7); ours_compare=$(col 8)
myd_dump=$(col 9); myl_restore=$(col 10); phys_backup=$(col 11); phys_prepare=$(col 12); phys_total=$(col 13)
ours_phys=$(col 15)
echo
echo "medians of $runs rounds ($shape, buffer pool $buffer_pool, load average now: $(cut -d' ' -f1-3 /proc/loadavg)):"
printf '%-60s %8s s\n' "mariadb-dump --single-transaction | gzip -1" "$ref_dump" \
  "bamort-backup, SQL part" "$ours_sql" \
  "bamort-backup, whole set" "$ours_total" \
  "gunzip | mariadb" "$ref_restore" \
  "bamort-restore, sha256 + content check (one read)" "$ours_check" \
  "bamort-restore, load part" "$ours_load" \
  "bamort-restore, rows + CHECKSUM TABLE" "$ours_compare" \
  "bamort-restore in total" "$ours_restore" \
  "mydumper -t 2 -c" "$myd_dump" \
  "myloader -t 2" "$myl_restore" \
  "mariadb-backup --backup" "$phys_backup" \
  "mariadb-backup --prepare" "$phys_prepare" \
  "bamort-backup --physical (verified)" "$ours_phys"
echo
echo "ratio backup SQL part / reference:   $(ratio "$ours_sql" "$ref_dump")"
echo "ratio backup whole set / reference:  $(ratio "$ours_total" "$ref_dump")   (aim: <= 0.50)"
echo "ratio restore / reference:           $(ratio "$ours_restore" "$ref_restore")"
echo "ratio restore / myloader -t 2:        $(ratio "$ours_restore" "$myl_restore")   (aim: <= 1.00; of the medians)"
echo "ratio restore / myloader -t 2 per round: $(awk '{printf "%s ", $14}' "$work/times")(median $(col 14))"
echo "ratio restore load part / myloader:   $(ratio "$ours_load" "$myl_restore")"
echo "ratio backup whole set / mydumper:    $(ratio "$ours_total" "$myd_dump")"
echo "ratio backup whole set / mariadb-backup --backup + --prepare: $(ratio "$ours_total" "$phys_total")"
echo "ratio backup --physical / mariadb-backup --backup + --prepare: $(ratio "$ours_phys" "$phys_total")" \
  "(per round: $(awk '{printf "%s ", $16}' "$work/times")); aim: --physical <= 10 s on 1 GB"
echo "sizes: reference $(du -m "$work/ref.sql.gz" | cut -f1) MB, mydumper $(du -sm "$work/mydumper" | cut -f1) MB," \
  "physical $(du -sm "$work/physical" | cut -f1) MB, physical set $(du -sm "$pset_dir" | cut -f1) MB, set $(du -sm "$set_dir" | cut -f1) MB" \
  "($(cd "$set_dir" && du -m ./*.gz | tr '\t\n' '  '))"
