#!/usr/bin/env bash
# Migration benchmark (issue 3). NOT a test: it prints numbers and ratios, asserts
# nothing about speed, and CI does not run it.
#
# On a throwaway local MariaDB (scripts/dev-db.sh) it builds two identical databases in
# the legacy layout: tests/fixtures/legacy-small.sql with skill_skills grown to
# BENCH_ROWS character-skill rows and skill_spells to BENCH_SPELL_ROWS, spread over the
# fixture's characters (valid FKs). It captures `bamort-migrate --dry-run` of database B
# before anything is migrated, then times
#   bamort-migrate          on database A, and
#   mariadb B < dryrun.sql  (the very same statements run by the mariadb client)
# checks that both end at the same schema and row counts, and prints the times and the
# ratio bamort-migrate / client.
#
#   scripts/bench-migrate.sh                          one run, 1,000,000 skill rows
#   BENCH_RUNS=3 scripts/bench-migrate.sh             three runs (alternating which side goes first), medians
#   BENCH_ROWS=100000 scripts/bench-migrate.sh        a quicker, smaller run
#
# Settings (environment):
#   BENCH_ROWS          character-skill rows (skill_skills) after growing (default 1000000)
#   BENCH_SPELL_ROWS    character-spell rows (skill_spells) after growing (default 200000; 0 = leave as is)
#   BENCH_RUNS          number of runs; the medians are printed when > 1 (default 1)
#   BENCH_BUFFER_POOL   InnoDB buffer pool size set on the benchmark server, so that both
#                       databases stay in memory (default 1G; "keep" = dev-db's 256M)
#   BENCH_KEEP_DIR      keep the dry-run SQL, reports and logs in this folder
#   BAMORT_BUILD_DIR    build folder (default build/); BAMORT_DEVDB_DIR: the server's state
#                       folder (default <build>/bench-db). The server is stopped on exit.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

rows=${BENCH_ROWS:-1000000}
spell_rows=${BENCH_SPELL_ROWS:-200000}
runs=${BENCH_RUNS:-1}
buffer_pool=${BENCH_BUFFER_POOL:-1G}
for v in "$rows" "$spell_rows" "$runs"; do
  [[ $v =~ ^[0-9]+$ ]] || { echo "bench: BENCH_ROWS, BENCH_SPELL_ROWS and BENCH_RUNS must be numbers" >&2; exit 2; }
done
[ "$runs" -ge 1 ] || { echo "bench: BENCH_RUNS must be at least 1" >&2; exit 2; }

bench_start=$(date +%s.%N)
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
say() { printf '[bench %6ss] %s\n' "$(elapsed "$bench_start" "$(now)" | cut -d. -f1)" "$*"; }

build_dir=${BAMORT_BUILD_DIR:-$here/build}
say "building in $build_dir"
"$here/scripts/build.sh" "$build_dir" >/dev/null
migrate_bin=$build_dir/bamort-migrate

work=$(mktemp -d "${TMPDIR:-/tmp}/bamort-bench.XXXXXX")
export BAMORT_DEVDB_DIR=${BAMORT_DEVDB_DIR:-$build_dir/bench-db}
cleanup() {
  "$here/scripts/dev-db.sh" stop >/dev/null 2>&1 || true
  if [ -n "${BENCH_KEEP_DIR:-}" ]; then
    mkdir -p "$BENCH_KEEP_DIR" && cp -r "$work"/. "$BENCH_KEEP_DIR"/ && rm -f "$BENCH_KEEP_DIR/client.cnf"
  fi
  rm -rf "$work"
}
trap cleanup EXIT
say "starting a throwaway MariaDB in $BAMORT_DEVDB_DIR"
eval "$("$here/scripts/dev-db.sh" start)"

root_sql() { "$here/scripts/dev-db.sh" sql "$@"; }

# The mariadb client connects exactly like bamort-migrate: same user, TCP, utf8mb4 with
# the unicode_ci collation the tool sets on every connection. The password goes through
# a 0600 option file, never argv.
cnf=$work/client.cnf
(
  umask 077
  {
    echo "[client]"
    echo "host=$BAMORT_DB_HOST"
    echo "port=$BAMORT_DB_PORT"
    echo "user=$BAMORT_DB_USER"
    printf 'password=%s\n' "$(cat "$BAMORT_DB_PASSWORD_FILE")"
    echo "default-character-set=utf8mb4"
    echo "[mariadb-client]"
    echo "init-command=SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci"
  } >"$cnf"
)
client() { mariadb --defaults-extra-file="$cnf" "$@"; }

if [ "$buffer_pool" != keep ]; then
  root_sql -e "SET GLOBAL innodb_buffer_pool_size = $(numfmt --from=iec "$buffer_pool")"
fi
server_version=$(root_sql -N -e "SELECT VERSION()")
pool_mb=$(root_sql -N -e "SELECT @@innodb_buffer_pool_size DIV 1048576")

# Wait until InnoDB has written its dirty pages, so that neither timed side pays for the
# background flushing of what ran before it.
quiesce() {
  local old dirty
  old=$(root_sql -N -e "SELECT @@innodb_max_dirty_pages_pct")
  root_sql -e "SET GLOBAL innodb_max_dirty_pages_pct = 0"
  for _ in $(seq 1 240); do
    dirty=$(root_sql -N -e "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'INNODB_BUFFER_POOL_PAGES_DIRTY'")
    [ "$dirty" -le 50 ] && break
    sleep 0.25
  done
  root_sql -e "SET GLOBAL innodb_max_dirty_pages_pct = $old"
}

# A legacy database: the fixture, then skill_skills grown to $rows and skill_spells to
# $spell_rows with rows generated from the sequence engine. Row i copies template row
# i mod (fixture rows) and belongs to character i mod (characters), with that
# character's user_id; deterministic, so A and B come out identical.
grow_table() {
  local db=$1 table=$2 target=$3 cols=$4 select=$5 have need
  have=$(root_sql -N "$db" -e "SELECT COUNT(*) FROM \`$table\`")
  need=$(( target - have ))
  [ "$need" -gt 0 ] || return 0
  root_sql "$db" <<SQL
CREATE TEMPORARY TABLE bench_chars (rn INT PRIMARY KEY, id BIGINT UNSIGNED, user_id BIGINT UNSIGNED)
  SELECT ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn, id, user_id FROM char_chars;
CREATE TEMPORARY TABLE bench_tpl (rn INT PRIMARY KEY)
  SELECT ROW_NUMBER() OVER (ORDER BY id) - 1 AS rn, t.* FROM \`$table\` t;
SET @chars = (SELECT COUNT(*) FROM bench_chars), @tpls = (SELECT COUNT(*) FROM bench_tpl),
    @base = (SELECT MAX(id) FROM \`$table\`);
INSERT INTO \`$table\` ($cols)
SELECT $select
FROM seq_1_to_$need s
JOIN bench_chars c ON c.rn = s.seq MOD @chars
JOIN bench_tpl t ON t.rn = s.seq MOD @tpls;
ALTER TABLE \`$table\` AUTO_INCREMENT = 1;
SQL
}

make_legacy_db() {
  local db=$1
  root_sql -e "DROP DATABASE IF EXISTS \`$db\`; CREATE DATABASE \`$db\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  root_sql "$db" <"$here/tests/fixtures/legacy-small.sql"
  grow_table "$db" skill_skills "$rows" \
    'id, name, character_id, beschreibung, fertigkeitswert, bonus, pp, bemerkung, improvable, category, user_id' \
    '@base + s.seq, t.name, c.id, t.beschreibung, t.fertigkeitswert + s.seq MOD 7, t.bonus, s.seq MOD 4, t.bemerkung, t.improvable, t.category, c.user_id'
  grow_table "$db" skill_spells "$spell_rows" \
    'id, name, character_id, beschreibung, bonus, quelle, user_id' \
    '@base + s.seq, t.name, c.id, t.beschreibung, t.bonus, t.quelle, c.user_id'
}

# Exact row count of every base table, one "table<TAB>count" line each.
row_counts() {
  local db=$1 q
  q=$(root_sql -N -e "SELECT GROUP_CONCAT(CONCAT('SELECT ''', TABLE_NAME, ''', COUNT(*) FROM \`', TABLE_NAME, '\`')
        ORDER BY TABLE_NAME SEPARATOR ' UNION ALL ') FROM information_schema.TABLES
        WHERE TABLE_SCHEMA = '$db' AND TABLE_TYPE = 'BASE TABLE'")
  root_sql -N "$db" -e "$q"
}

# Everything information_schema says about the tables: columns, indexes, constraints, FKs.
schema_dump() {
  local db=$1
  root_sql -N "$db" <<SQL
SELECT 'table', TABLE_NAME, ENGINE, TABLE_COLLATION FROM information_schema.TABLES
  WHERE TABLE_SCHEMA = '$db' ORDER BY TABLE_NAME;
SELECT 'column', TABLE_NAME, ORDINAL_POSITION, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE,
       IFNULL(COLUMN_DEFAULT, '<none>'), EXTRA, IFNULL(COLLATION_NAME, '-')
  FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = '$db' ORDER BY TABLE_NAME, ORDINAL_POSITION;
SELECT 'index', TABLE_NAME, INDEX_NAME, NON_UNIQUE, SEQ_IN_INDEX, COLUMN_NAME, INDEX_TYPE
  FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '$db' ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX;
SELECT 'constraint', TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE
  FROM information_schema.TABLE_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = '$db' ORDER BY TABLE_NAME, CONSTRAINT_NAME;
SELECT 'fk', k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
       k.REFERENCED_COLUMN_NAME, r.UPDATE_RULE, r.DELETE_RULE
  FROM information_schema.KEY_COLUMN_USAGE k JOIN information_schema.REFERENTIAL_CONSTRAINTS r
    ON r.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = k.TABLE_NAME
  WHERE k.CONSTRAINT_SCHEMA = '$db' ORDER BY k.TABLE_NAME, k.CONSTRAINT_NAME, k.ORDINAL_POSITION;
SQL
}

checksums() {
  local db=$1; shift
  local t
  for t in "$@"; do root_sql -N "$db" -e "CHECKSUM TABLE \`$t\`" | awk -v t="$t" '{ print t "\t" $2 }'; done
}

compare() {  # label fileA fileB
  if cmp -s "$2" "$3"; then
    echo "OK"
  else
    echo "DIFFERENT"
    diff "$2" "$3" | head -20 | sed 's/^/    /' >&2
  fi
}

median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Timed sides; they set bamort_s / client_s for run $run.
time_bamort() {
  local t0 t1 rc=0
  t0=$(now)
  "$migrate_bin" --db-name "$db_a" --report "$work/migrate-$run.json" >"$work/migrate-$run.log" 2>&1 || rc=$?
  t1=$(now)
  [ "$rc" -eq 0 ] || { cat "$work/migrate-$run.log" >&2; echo "bench: bamort-migrate failed (exit $rc)" >&2; exit 1; }
  bamort_s=$(elapsed "$t0" "$t1")
  say "  bamort-migrate on A: $bamort_s s"
}
time_client() {
  local t0 t1 rc=0
  t0=$(now)
  client "$db_b" <"$dry" >"$work/client-$run.log" 2>&1 || rc=$?
  t1=$(now)
  [ "$rc" -eq 0 ] || { cat "$work/client-$run.log" >&2; echo "bench: the mariadb client failed (exit $rc)" >&2; exit 1; }
  client_s=$(elapsed "$t0" "$t1")
  say "  mariadb client on B: $client_s s"
}

db_a=bench_legacy_a
db_b=bench_legacy_b
: >"$work/results.tsv"
all_ok=1

for run in $(seq 1 "$runs"); do
  say "run $run/$runs: building database A ($db_a) and B ($db_b): legacy-small.sql, skill_skills grown to $rows rows, skill_spells to $spell_rows"
  t0=$(now)
  make_legacy_db "$db_a"
  say "  A built in $(elapsed "$t0" "$(now)") s"
  make_legacy_db "$db_b"
  for db in "$db_a" "$db_b"; do
    row_counts "$db" >"$work/before-$db.counts"
    schema_dump "$db" | sed "s/$db/DB/g" >"$work/before-$db.schema"
    checksums "$db" skill_skills skill_spells >"$work/before-$db.checksums"
  done
  same_before="counts $(compare counts "$work/before-$db_a.counts" "$work/before-$db_b.counts"), schema $(compare schema "$work/before-$db_a.schema" "$work/before-$db_b.schema"), skill_skills/skill_spells checksums $(compare data "$work/before-$db_a.checksums" "$work/before-$db_b.checksums")"
  say "  A and B before migrating: $same_before"
  skills_before=$(awk -F'\t' '$1 == "skill_skills" { print $2 }' "$work/before-$db_a.counts")

  # The dry run of B, captured before anything is migrated: what the client will run.
  dry=$work/dryrun-$run.sql
  "$migrate_bin" --dry-run --db-name "$db_b" --report "$work/dryrun-$run.json" >"$dry" 2>"$work/dryrun-$run.log"
  say "  dry run of B: $(grep -c ';$' "$dry") statements, $(grep -c '^-- migration' "$dry") migrations -> $dry"
  quiesce

  # Odd runs time bamort-migrate first, even runs the client first.
  if [ $((run % 2)) -eq 1 ]; then
    order="bamort first"; time_bamort; quiesce; time_client
  else
    order="client first"; time_client; quiesce; time_bamort
  fi

  # Same end state? migration_history and schema_version only get rows from
  # bamort-migrate's bookkeeping (the dry run shows the statements, not the records).
  for db in "$db_a" "$db_b"; do
    row_counts "$db" | grep -Ev '^(migration_history|schema_version)[[:space:]]' >"$work/after-$db.counts"
    schema_dump "$db" | sed "s/$db/DB/g" >"$work/after-$db.schema"
    checksums "$db" char_skills char_spells >"$work/after-$db.checksums"
  done
  counts_cmp=$(compare counts "$work/after-$db_a.counts" "$work/after-$db_b.counts")
  schema_cmp=$(compare schema "$work/after-$db_a.schema" "$work/after-$db_b.schema")
  data_cmp=$(compare data "$work/after-$db_a.checksums" "$work/after-$db_b.checksums")
  sig=$(md5sum <"$work/after-$db_a.schema" | cut -c1-12)
  say "  after: row counts per table $counts_cmp ($(wc -l <"$work/after-$db_a.counts") tables, version tables excluded), schema signature $schema_cmp ($sig), char_skills/char_spells checksums $data_cmp"
  [ "$counts_cmp$schema_cmp$data_cmp" = OKOKOK ] || all_ok=0
  skills_after=$(awk -F'\t' '$1 == "char_skills" { print $2 }' "$work/after-$db_a.counts")
  [ "$skills_after" = "$skills_before" ] || { say "  char_skills has $skills_after rows, skill_skills had $skills_before"; all_ok=0; }

  ratio=$(awk -v a="$bamort_s" -v b="$client_s" 'BEGIN { printf "%.3f", a / b }')
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$order" "$skills_after" "$bamort_s" "$client_s" "$ratio" >>"$work/results.tsv"
  # Where bamort-migrate spent its time, per migration (from its own report).
  jq -r '.details.applied[] | "\(.duration_ms)\t\(.number)\t\(.file)"' "$work/migrate-$run.json" \
    | sort -rn >"$work/per-migration-$run.tsv"
done

echo
echo "== bamort-migrate vs. the mariadb client running the same SQL (legacy layout -> latest)"
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo); MariaDB $server_version (buffer pool ${pool_mb} MiB); $(git -C "$here" rev-parse --short HEAD 2>/dev/null || echo '?'), RelWithDebInfo"
echo "data: skill_skills $rows rows, skill_spells $spell_rows rows (legacy-small.sql grown with seq_1_to_N)"
echo
printf '%-4s %-13s %10s %18s %18s %14s\n' run order rows "bamort-migrate s" "mariadb client s" "ratio b/c"
while IFS=$'\t' read -r r o n b c q; do
  printf '%-4s %-13s %10s %18s %18s %14s\n' "$r" "$o" "$n" "$b" "$c" "$q"
done <"$work/results.tsv"
if [ "$runs" -gt 1 ]; then
  printf '%-4s %-13s %10s %18s %18s %14s\n' median "" "" \
    "$(cut -f4 "$work/results.tsv" | median)" "$(cut -f5 "$work/results.tsv" | median)" "$(cut -f6 "$work/results.tsv" | median)"
fi
echo
echo "bamort-migrate per migration (run $runs, ms, slowest first):"
head -5 "$work/per-migration-$runs.tsv" | awk -F'\t' '{ printf "  %8s ms  %2s  %s\n", $1, $2, $3 }'
echo
if [ "$all_ok" = 1 ]; then
  echo "end state: OK (same schema, same row counts, same char_skills/char_spells data in A and B)"
else
  echo "end state: DIFFERENT (see the lines above)"
fi
echo "benchmark took $(elapsed "$bench_start" "$(now)" | cut -d. -f1) s"
