#!/usr/bin/env bash
# End-to-end check of the migration chain with the mariadb client, on the dev-db server
# (set BAMORT_DEVDB_DIR as for scripts/dev-db.sh; the server must be running).
# Databases vc_* are created and dropped on it.
#
# Needs the reference schemas and the real legacy fixture, read from
#   BAMORT_REFERENCE_DIR   (default ../shared/reference beside the repository)
#   BAMORT_REAL_FIXTURES   (default ../shared/fixtures)
# and says so plainly when they are absent.
#
# Checks:
#  1. empty DB -> chain == schema-main.sql, except the accepted differences (ACCEPTED below)
#  2. legacy-init00.sql -> chain == (1); row counts kept, char_wealth merged, 609 -> 246
#     improvement costs, every game_system_id set
#  3. schema-v0137.sql -> chain == (1)
#  4. schema-main.sql -> chain == (1)
#  5. whole chain a second time on each: no error, CHECKSUM TABLE of every table unchanged
#  6. down to the end of 0.4.0, compare with the 0.4.0 state, up again: == (1)
#  7. traps: AutoMigrate's empty new-name tables beside legacy ones; both with rows (must
#     stop); conflicting improvement costs (must stop, nothing changed)
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ref=${BAMORT_REFERENCE_DIR:-$here/../shared/reference}
fix=${BAMORT_REAL_FIXTURES:-$here/../shared/fixtures}
for f in "$ref/schema-main.sql" "$ref/schema-v0137.sql" "$fix/legacy-init00.sql"; do
  [ -f "$f" ] || { echo "verify-chain: SKIPPED: $f not found (set BAMORT_REFERENCE_DIR / BAMORT_REAL_FIXTURES)"; exit 0; }
done
sql() { "$here/scripts/dev-db.sh" sql --batch --skip-column-names --default-character-set=utf8mb4 "$@"; }
apply() { "$here/tests/sql/apply-chain.sh" "$@" >/dev/null; }
compare() { "$here/tests/sql/compare-schema.sh" "$@"; }
fails=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fails=$((fails+1)); }
fresh() { sql -e "DROP DATABASE IF EXISTS $1; CREATE DATABASE $1 CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"; }
load() { fresh "$1"; sql "$1" <"$2"; }

# The only differences accepted between a chain-made database and a fresh main database.
ACCEPTED='+column migration_history.checksum varchar(64) NULL default=NULL
+column migration_history.error_errno int(11) NULL default=NULL
+column migration_history.failed_statement longtext NULL default=NULL
+column migration_history.statements_done int(11) NULL default=NULL
+column migration_history.statements_total int(11) NULL default=NULL'

checksums() {  # checksums DB: "table checksum" for every table
  local t tables
  tables=$(sql -e "SELECT GROUP_CONCAT(CONCAT('\`',TABLE_NAME,'\`')) FROM information_schema.TABLES WHERE TABLE_SCHEMA='$1'")
  sql "$1" -e "CHECKSUM TABLE $tables" | sort
}

rowcounts() {  # rowcounts DB TABLE...: exact counts
  local db=$1; shift; local t
  for t in "$@"; do echo "$t $(sql "$db" -e "SELECT COUNT(*) FROM \`$t\`")"; done
}

echo "== 1. empty database"
load vc_ref "$ref/schema-main.sql"
fresh vc_empty
apply vc_empty up
diffs=$(compare vc_ref vc_empty | grep -E '^[-+][a-z]' || true)
if [ "$diffs" = "$ACCEPTED" ]; then ok "empty -> chain == schema-main.sql except the 5 bookkeeping columns"
else bad "empty -> chain differs from schema-main.sql:"; echo "$diffs"; fi
echo "   tables: $(sql -e "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA='vc_empty'"), game_systems: $(sql vc_empty -e "SELECT CONCAT(id,' ',code,' ',name) FROM game_systems")"

echo "== 2. legacy (legacy-init00.sql)"
load vc_leg "$fix/legacy-init00.sql"
kept="users audit_log_entries char_chars char_eigenschaften char_bennies char_characteristics char_experiances char_wealth char_health char_endurances char_motionranges char_char_creation_session equi_equipments equi_weapons equi_containers gsm_skills gsm_weaponskills gsm_spells gsm_equipments gsm_weapons gsm_containers gsm_transportations gsm_believes learning_skill_categories learning_skill_difficulties learning_spell_schools learning_skill_category_difficulties learning_class_category_ep_costs learning_class_spell_school_ep_costs learning_spell_level_le_costs"
before=$(rowcounts vc_leg $kept
         rowcounts vc_leg learning_sources learning_character_classes skill_skills skill_spells skill_weaponskills)
wealth_expected=$(sql vc_leg -e "SELECT id, COALESCE(\`goldstücke\`,goldstuecke), COALESCE(\`silberstücke\`,silberstuecke), COALESCE(\`kupferstücke\`,kupferstuecke) FROM char_wealth ORDER BY id")
old_costs=$(sql vc_leg -e "SELECT COUNT(*) FROM learning_skill_improvement_costs")
distinct_costs=$(sql vc_leg -e "SELECT COUNT(DISTINCT y.skill_category_id, y.skill_difficulty_id, x.current_level, x.te_required) FROM learning_skill_improvement_costs x JOIN learning_skill_category_difficulties y ON y.id=x.skill_category_difficulty_id")
fresh vc_keep
sql -e "CREATE TABLE vc_keep.orig_costs AS SELECT skill_category_difficulty_id, current_level, te_required FROM vc_leg.learning_skill_improvement_costs"
apply vc_leg up
if compare vc_empty vc_leg >/dev/null; then ok "legacy -> chain == (1)"; else bad "legacy -> chain differs from (1)"; compare vc_empty vc_leg | grep -E '^[-+][a-z]' || true; fi
after=$(rowcounts vc_leg $kept
        rowcounts vc_leg gsm_lit_sources gsm_character_classes char_skills char_spells char_weaponskills)
if [ "$(echo "$before" | awk '{print $2}')" = "$(echo "$after" | awk '{print $2}')" ]; then
  ok "row counts unchanged in $(echo "$after" | wc -l) tables ($(echo "$after" | awk '{s+=$2} END {print s}') rows), renamed tables included"
else bad "row counts changed"; paste <(echo "$before") <(echo "$after"); fi
wealth=$(sql vc_leg -e "SELECT id, goldstuecke, silberstuecke, kupferstuecke FROM char_wealth ORDER BY id")
if [ "$wealth" = "$wealth_expected" ]; then ok "char_wealth merged, umlaut value wins ($(echo "$wealth" | wc -l) rows; id 1 gold = $(echo "$wealth" | awk '$1==1{print $2}'))"
else bad "char_wealth merge"; paste <(echo "$wealth_expected") <(echo "$wealth"); fi
cost2=$(sql vc_leg -e "SELECT COUNT(*) FROM skill_improvement_cost2")
[ "$cost2" = "$distinct_costs" ] && ok "improvement costs: $old_costs old rows -> $cost2 skill_improvement_cost2 rows (= $distinct_costs distinct category/difficulty/level/te)" || bad "cost2 has $cost2 rows, expected $distinct_costs"
unset_ids=$(sql -e "SELECT GROUP_CONCAT(TABLE_NAME) FROM information_schema.COLUMNS WHERE TABLE_SCHEMA='vc_leg' AND COLUMN_NAME='game_system_id'" | tr ',' ' ')
n_unset=0; n_set=0
for t in $unset_ids; do
  n_unset=$((n_unset + $(sql vc_leg -e "SELECT COUNT(*) FROM \`$t\` WHERE game_system_id IS NULL OR game_system_id <> (SELECT id FROM game_systems WHERE code='M5')")))
  n_set=$((n_set + $(sql vc_leg -e "SELECT COUNT(*) FROM \`$t\`")))
done
[ "$n_unset" = 0 ] && ok "game_system_id = M5 in all $n_set rows of $(echo $unset_ids | wc -w) tables" || bad "$n_unset rows without game_system_id"
n_lc=$(sql vc_leg -e "SELECT COUNT(*) FROM gsm_spells WHERE learning_category IS NULL OR learning_category=''")
n_dn=$(sql vc_leg -e "SELECT COUNT(*) FROM users WHERE display_name=''")
[ "$n_lc" = 0 ] && [ "$n_dn" = 0 ] && ok "every spell has a learning_category, every user a display_name" || bad "learning_category empty: $n_lc, display_name empty: $n_dn"

echo "== 3. v0.1.37 (schema-v0137.sql)"
load vc_v0137 "$ref/schema-v0137.sql"
apply vc_v0137 up
compare vc_empty vc_v0137 >/dev/null && ok "v0.1.37 -> chain == (1)" || { bad "v0.1.37 -> chain differs"; compare vc_empty vc_v0137 | grep -E '^[-+][a-z]' || true; }

echo "== 4. main (schema-main.sql, with a schema_version row 0.1.37)"
load vc_main "$ref/schema-main.sql"
sql vc_main -e "INSERT INTO schema_version (version, migration_number, applied_at, backend_version, description, checksum) VALUES ('0.1.37', 1, UNIX_TIMESTAMP(), '0.1.37', 'Initial schema version', '')"
apply vc_main up
compare vc_empty vc_main >/dev/null && ok "main -> chain == (1)" || { bad "main -> chain differs"; compare vc_empty vc_main | grep -E '^[-+][a-z]' || true; }

echo "== 5. second run of the whole chain"
for db in vc_empty vc_leg vc_v0137 vc_main; do
  s1=$(checksums $db); d1=$(compare --dump $db)
  if ! "$here/tests/sql/apply-chain.sh" $db up >/dev/null; then bad "$db: second run failed"; continue; fi
  s2=$(checksums $db); d2=$(compare --dump $db)
  [ "$s1" = "$s2" ] && [ "$d1" = "$d2" ] && ok "$db: second run changed nothing ($(echo "$s1" | wc -l) table checksums, schema equal)" || bad "$db: second run changed something"
done

echo "== 6. down to the end of 0.4.0, then up again"
fresh vc_040; apply vc_040 up --to 5
for db in vc_leg vc_v0137 vc_main vc_empty; do
  if ! "$here/tests/sql/apply-chain.sh" $db down --to-version 0.4.0 >/dev/null; then bad "$db: down failed"; continue; fi
  compare vc_040 $db >/dev/null && ok "$db: down == 0.4.0 layout of an empty database" || { bad "$db: down differs from 0.4.0 layout"; compare vc_040 $db | grep -E '^[-+][a-z]' || true; }
  if [ $db = vc_leg ]; then
    rebuilt=$(sql vc_leg -e "SELECT COUNT(*) FROM learning_skill_improvement_costs")
    missing=$(sql -e "SELECT COUNT(*) FROM vc_keep.orig_costs o WHERE NOT EXISTS (SELECT 1 FROM vc_leg.learning_skill_improvement_costs r WHERE r.skill_category_difficulty_id=o.skill_category_difficulty_id AND r.current_level=o.current_level AND r.te_required=o.te_required)")
    [ "$missing" = 0 ] && ok "vc_leg: down rebuilt learning_skill_improvement_costs with $rebuilt rows, all $old_costs original rows among them" || bad "vc_leg: down lost $missing original cost rows"
  fi
  # a second down must be harmless too
  "$here/tests/sql/apply-chain.sh" $db down --to-version 0.4.0 >/dev/null || bad "$db: second down failed"
  apply $db up
  compare vc_empty $db >/dev/null && ok "$db: up again == (1)" || { bad "$db: up again differs"; compare vc_empty $db | grep -E '^[-+][a-z]' || true; }
done
n=$(sql vc_leg -e "SELECT COUNT(*) FROM skill_improvement_cost2")
[ "$n" = "$cost2" ] && ok "legacy after down/up: skill_improvement_cost2 still $n rows" || bad "legacy after down/up: $n cost2 rows"

echo "== 7. traps"
# AutoMigrate ran on a legacy database: empty new-name tables beside the old ones
load vc_trap "$fix/legacy-init00.sql"
sed -n '/^CREATE TABLE `gsm_lit_sources`/,/;$/p; /^CREATE TABLE `gsm_character_classes`/,/;$/p; /^CREATE TABLE `gsm_cc_class_spell_points`/,/;$/p' "$ref/schema-main.sql" \
  | sed 's/^CREATE TABLE/CREATE TABLE IF NOT EXISTS/' | { echo 'SET FOREIGN_KEY_CHECKS=0;'; cat; } | sql vc_trap
sql vc_trap -e "CREATE TABLE char_skills LIKE skill_skills"
apply vc_trap up && compare vc_empty vc_trap >/dev/null \
  && [ "$(sql vc_trap -e "SELECT COUNT(*) FROM gsm_lit_sources")" = 6 ] && [ "$(sql vc_trap -e "SELECT COUNT(*) FROM char_skills")" = 184 ] \
  && ok "legacy + empty AutoMigrate tables: old tables renamed over the empty ones, schema == (1)" || bad "legacy + empty AutoMigrate tables"
# both hold rows: 0002 must stop before dropping anything
load vc_trap "$fix/legacy-init00.sql"
sql vc_trap -e "CREATE TABLE char_spells LIKE skill_spells; INSERT INTO char_spells SELECT * FROM skill_spells LIMIT 1"
apply vc_trap up --to 1
if out=$("$here/tests/sql/apply-chain.sh" vc_trap up --from 2 --to 2 2>&1); then bad "both tables with rows: 0002 did not stop"
else
  echo "$out" | grep -q "ERROR 1644 (45000).*skill_spells and char_spells both hold rows" \
    && [ "$(sql vc_trap -e "SELECT COUNT(*) FROM skill_spells")" = 133 ] \
    && ok "both tables with rows: 0002 stops with error 1644 and keeps both tables" || { bad "both tables with rows: wrong failure"; echo "$out"; }
fi
# conflicting improvement costs: 0010 must stop and change nothing
load vc_trap "$fix/legacy-init00.sql"
apply vc_trap up --to 9
sql vc_trap -e "INSERT INTO learning_skill_improvement_costs (skill_category_difficulty_id, current_level, te_required) SELECT skill_category_difficulty_id, current_level, te_required + 1 FROM learning_skill_improvement_costs ORDER BY id LIMIT 1"
s1=$(checksums vc_trap)
if out=$("$here/tests/sql/apply-chain.sh" vc_trap up --from 10 --to 10 2>&1); then bad "conflicting costs: 0010 did not stop"
else
  s2=$(checksums vc_trap)
  echo "$out" | grep -q "ERROR 1644 (45000).*conflicting or unmappable te_required" && [ "$s1" = "$s2" ] \
    && ok "conflicting costs: 0010 stops with error 1644, every table checksum unchanged" || { bad "conflicting costs: wrong failure"; echo "$out"; }
fi

for db in vc_ref vc_empty vc_leg vc_v0137 vc_main vc_040 vc_trap vc_keep; do sql -e "DROP DATABASE IF EXISTS $db"; done
echo "== $([ $fails = 0 ] && echo "all checks passed" || echo "$fails check(s) FAILED")"
[ $fails = 0 ]
